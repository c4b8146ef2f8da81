#include "common/cuda_module.h"

#include <cstdlib>
#include <mutex>

#include "common/error.h"

#if defined(_WIN32)
// Windows: the CUDA module is not built there yet (no lent Windows GPU to test it on).
#else
#include <dlfcn.h>
#endif

#ifndef ABW_CUDA_MODULE_NAME
#define ABW_CUDA_MODULE_NAME "libabw_cuda.so"
#endif

namespace abw {

namespace {

struct Loaded {
  const abw_cuda_api* api = nullptr;
  std::string reason;
};

#if !defined(_WIN32)
// The folder of abw_native.node itself: the module is built next to it.
std::string own_dir() {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&own_dir), &info) && info.dli_fname) {
    std::string p = info.dli_fname;
    auto slash = p.find_last_of('/');
    if (slash != std::string::npos) return p.substr(0, slash);
  }
  return ".";
}

// Classifies a dlopen failure: the driver library, a CUDA library, or the module itself.
std::string explain_dlopen(const std::string& path, const std::string& err) {
  if (err.find("libcuda.so") != std::string::npos) return "no NVIDIA driver: " + err;
  if (err.find(path) != std::string::npos && err.find("No such file") != std::string::npos) {
#ifdef ABW_CUDA_BUILT
    return "the CUDA module is missing next to the addon (" + path + ")";
#else
    return "built without the CUDA toolkit (no nvcc found when the addon was built; install CUDA 12.4+ and rebuild)";
#endif
  }
  return "CUDA libraries could not be loaded (cuBLAS/cuBLASLt, cuFFT, cuDNN 9 on the library path): " + err;
}
#endif

Loaded load() {
  Loaded r;
#if defined(_WIN32)
  r.reason = "the CUDA backend is not built on Windows yet";
#else
  const char* env = std::getenv("ABW_CUDA_MODULE");
  const std::string path = env && *env ? std::string(env) : own_dir() + "/" + ABW_CUDA_MODULE_NAME;
  // RTLD_LOCAL: the module's own copies of shared helpers stay private to it.
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* e = dlerror();
    r.reason = explain_dlopen(path, e ? e : "unknown dlopen error");
    return r;
  }
  auto get = reinterpret_cast<abw_cuda_get_api_fn>(dlsym(h, "abw_cuda_get_api"));
  if (!get) {
    r.reason = path + " has no abw_cuda_get_api (a stale or foreign library)";
    return r;
  }
  const abw_cuda_api* api = get();
  if (!api || api->version != ABW_CUDA_API_VERSION) {
    r.reason = path + " speaks another module API version (rebuild the addon and the module together)";
    return r;
  }
  abw_cuda_status st{};
  if (api->init(&st) != 0) {
    r.reason = st.message;  // no device / driver too old, in the module's words
    return r;
  }
  r.api = api;  // the handle stays open for the life of the process
#endif
  return r;
}

}  // namespace

const abw_cuda_api* cuda_module(std::string* reason) {
  static std::once_flag once;
  static Loaded loaded;
  std::call_once(once, [] { loaded = load(); });
  if (reason) *reason = loaded.reason;
  return loaded.api;
}

const abw_cuda_api& cuda_required() {
  std::string why;
  const abw_cuda_api* api = cuda_module(&why);
  if (!api) fail("ENOKERNEL", "cuda is unavailable: " + why);
  return *api;
}

void raise_cuda_status(const abw_cuda_status& st) {
  fail(st.code[0] ? st.code : "EINTERNAL", st.message[0] ? st.message : "CUDA module call failed");
}

}  // namespace abw
