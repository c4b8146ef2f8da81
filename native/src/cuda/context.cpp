#include "cuda/context.h"

#include <algorithm>
#include <string>

#include "common/error.h"
#include "cuda/check.h"

namespace abw::cuda {

namespace {
std::unique_ptr<Context> g_ctx;
constexpr int kMaxStreams = 16;
}  // namespace

size_t Allocator::round(size_t bytes) {
  // 512-byte granules below 1 MiB, 2 MiB granules above: few distinct sizes, bounded waste.
  if (bytes == 0) bytes = 1;
  const size_t g = bytes < (1u << 20) ? 512 : (2u << 20);
  return (bytes + g - 1) / g * g;
}

void* Allocator::alloc(size_t bytes) {
  const size_t r = round(bytes);
  std::lock_guard<std::mutex> lock(mu_);
  void* p = nullptr;
  // Best fit among cached blocks of the same rounded size class (exact size match).
  for (size_t i = 0; i < free_.size(); ++i) {
    if (free_[i].first == r) {
      p = free_[i].second;
      free_[i] = free_.back();
      free_.pop_back();
      break;
    }
  }
  if (!p) {
    cudaError_t e = cudaMalloc(&p, r);
    if (e == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      for (auto& [sz, q] : free_) {
        cudaFree(q);
        reserved_ -= static_cast<int64_t>(sz);
      }
      free_.clear();
      e = cudaMalloc(&p, r);
    }
    if (e != cudaSuccess) {
      cudaGetLastError();
      size_t fr = 0, tot = 0;
      cudaMemGetInfo(&fr, &tot);
      if (e == cudaErrorMemoryAllocation)
        fail("ENOMEM", "out of device memory: " + std::to_string(bytes) + " bytes requested, " + std::to_string(fr) + " of " +
                           std::to_string(tot) + " bytes free");
      fail_cuda(e, "cudaMalloc");
    }
    reserved_ += static_cast<int64_t>(r);
  }
  current_ += static_cast<int64_t>(bytes);
  peak_ = std::max(peak_, current_);
  return p;
}

void Allocator::free(void* p, size_t bytes) {
  if (!p) return;
  std::lock_guard<std::mutex> lock(mu_);
  free_.push_back({round(bytes), p});
  current_ -= static_cast<int64_t>(bytes);
}

void Allocator::release_cache() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [sz, q] : free_) {
    cudaFree(q);
    reserved_ -= static_cast<int64_t>(sz);
  }
  free_.clear();
}

Scratch::Scratch(size_t bytes) : bytes_(bytes) {
  if (bytes) p_ = ctx().alloc.alloc(bytes);
}
Scratch::~Scratch() {
  if (p_ && ctx_ready()) ctx().alloc.free(p_, bytes_);
}

std::shared_ptr<Scratch> upload_scratch(const void* src, size_t bytes) {
  auto s = std::make_shared<Scratch>(bytes);
  if (bytes) ABW_CU(cudaMemcpyAsync(s->get(), src, bytes, cudaMemcpyHostToDevice, ctx().stream()));
  return s;
}

bool ctx_ready() { return g_ctx != nullptr; }

Context& ctx() {
  if (!g_ctx) fail("EINTERNAL", "the CUDA context is not initialised");
  return *g_ctx;
}

void ctx_init() {
  if (g_ctx) return;
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e == cudaErrorNoDevice || (e == cudaSuccess && n == 0)) {
    cudaGetLastError();
    fail("ENOKERNEL", "no CUDA device found");
  }
  if (e == cudaErrorInsufficientDriver) {
    cudaGetLastError();
    int drv = 0;
    cudaDriverGetVersion(&drv);
    if (drv == 0) fail("ENOKERNEL", "no NVIDIA driver found (libcuda.so.1 could not be loaded)");
    fail("ENOKERNEL", "the NVIDIA driver is too old for this build (driver supports CUDA " + std::to_string(drv / 1000) + "." +
                          std::to_string(drv % 1000 / 10) + ", built with " + std::to_string(CUDART_VERSION / 1000) + "." +
                          std::to_string(CUDART_VERSION % 1000 / 10) + ")");
  }
  if (e != cudaSuccess) {
    cudaGetLastError();
    fail("ENOKERNEL", std::string("no usable NVIDIA driver/device: ") + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")");
  }
  auto c = std::make_unique<Context>();
  ABW_CU(cudaSetDevice(0));
  ABW_CU(cudaGetDeviceProperties(&c->prop, 0));
  if (c->prop.major < 8)
    fail("ENOKERNEL", std::string("device ") + c->prop.name + " is sm_" + std::to_string(c->prop.major * 10 + c->prop.minor) +
                          "; the cuda backend is built for sm_80 and newer");
  c->streams.resize(kMaxStreams);
  for (auto& s : c->streams) ABW_CU(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  ABW_CU(cudaStreamCreateWithFlags(&c->copy_in, cudaStreamNonBlocking));
  ABW_CU(cudaStreamCreateWithFlags(&c->copy_out, cudaStreamNonBlocking));
  if (cublasLtCreate(&c->lt) != CUBLAS_STATUS_SUCCESS) fail("ENOKERNEL", "cublasLtCreate failed");
  if (cudnnCreate(&c->dnn) != CUDNN_STATUS_SUCCESS) fail("ENOKERNEL", "cudnnCreate failed (cuDNN 9 missing or incompatible)");
  cudnnSetStream(c->dnn, c->streams[0]);
  c->lt_workspace_bytes = 64u << 20;  // cuBLASLt's recommendation for Hopper is 32 MiB+
  ABW_CU(cudaMalloc(&c->lt_workspace, c->lt_workspace_bytes));
  c->flush_bytes = static_cast<size_t>(std::max(c->prop.l2CacheSize, 1 << 20)) * 2;
  ABW_CU(cudaMalloc(&c->flush, c->flush_bytes));
  g_ctx = std::move(c);
}

}  // namespace abw::cuda
