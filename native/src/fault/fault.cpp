// Test-only fault ops, compiled only with -DABW_FAULT_OPS (cmake -DABW_FAULT_OPS=ON; the
// `build-fault` folder). They misbehave on purpose so that the matrix runner's isolation
// (crash / timeout / oom statuses, child restart) and the N-API error paths are tested for real.
// They live on their own backend, `fault`, in f32 only; each copies `input` to `out` when it
// returns at all, so a fault op that does not fault is an ordinary op.
//
//   crash    mode 'segv' (write through a null pointer), 'abort' (std::abort),
//            'kill' (SIGKILL to itself, as the kernel's OOM killer would)
//   hang     ms = 0: never returns; ms > 0: returns after ms; mode 'sleep' | 'spin'
//   leak     bytes: allocates that much per call through the tracked allocator, touches it and
//            never frees it (memoryStats().currentBytes grows)
//   exhaust  limit_bytes: lowers the soft RLIMIT_AS to (current address space + limit_bytes),
//            allocates and touches 4 MiB blocks until an allocation fails, frees them, restores
//            the limit, then mode 'throw': fails cleanly with ENOMEM; 'terminate': an uncaught
//            std::bad_alloc (std::terminate → SIGABRT), as a native library without error
//            handling would
#ifndef ABW_FAULT_OPS
#error "fault ops are test-only: build with -DABW_FAULT_OPS=ON"
#endif

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <sys/resource.h>
#include <unistd.h>
#define ABW_HAVE_RLIMIT 1
#endif

#include "common/memory.h"
#include "common/registry.h"

namespace abw::fault {
namespace {

const Tensor& in_f32(KernelArgs& a) {
  const Tensor& x = a.input(0, "input");
  ABW_CHECK(x.dtype() == DType::f32, "EDTYPE", a.msg("input `input` must be f32"));
  return x;
}

void copy_through(KernelArgs& a) {
  const Tensor& x = in_f32(a);
  Tensor& y = a.output(0, "out");
  ABW_CHECK(y.dtype() == DType::f32 && y.shape() == x.shape(), "ESHAPE",
            a.msg("output `out` must be f32 of the input's shape " + shape_str(x.shape()) + ", got " + shape_str(y.shape())));
  std::memcpy(y.raw(), x.raw(), x.nbytes());
}

const std::string& mode_of(KernelArgs& a, std::initializer_list<const char*> allowed) {
  const std::string& m = a.p.s("mode");
  std::string list;
  for (const char* s : allowed) {
    if (m == s) return m;
    list += (list.empty() ? "'" : ", '") + std::string(s) + "'";
  }
  fail("EINVAL", a.msg("parameter `mode` must be one of " + list + ", got '" + m + "'"));
}

// The null pointer is read through a volatile object, so the compiler cannot prove the write
// is undefined and replace it with a trap instruction: the process gets a real SIGSEGV.
int* volatile g_null = nullptr;

void crash(KernelArgs& a) {
  in_f32(a);
  const std::string& mode = mode_of(a, {"segv", "abort", "kill"});
  std::fprintf(stderr, "abw fault: crash (%s) on purpose\n", mode.c_str());
  std::fflush(stderr);
  if (mode == "segv") {
    *g_null = 42;
    std::raise(SIGSEGV);  // not reached where the write faults
  } else if (mode == "kill") {
#ifdef SIGKILL
    std::raise(SIGKILL);
#endif
  }
  std::abort();
}

void hang(KernelArgs& a) {
  in_f32(a);
  const std::string& mode = mode_of(a, {"sleep", "spin"});
  const double ms = a.p.f("ms");
  ABW_CHECK(ms >= 0 && ms <= 86400e3, "EINVAL", a.msg("parameter `ms` must be in [0, 86400000] (0: forever)"));
  const auto start = std::chrono::steady_clock::now();
  const auto until = start + std::chrono::microseconds(static_cast<int64_t>(ms * 1000));
  volatile uint64_t spins = 0;
  while (ms == 0 || std::chrono::steady_clock::now() < until) {
    if (mode == "sleep") std::this_thread::sleep_for(std::chrono::milliseconds(ms == 0 ? 1000 : 1));
    else spins = spins + 1;
  }
  copy_through(a);
}

std::mutex g_leak_mutex;
std::vector<std::pair<void*, size_t>>& leaked() {
  static auto* v = new std::vector<std::pair<void*, size_t>>();  // never destroyed: it is a leak
  return *v;
}

void leak(KernelArgs& a) {
  in_f32(a);
  const int64_t bytes = a.p.i("bytes");
  ABW_CHECK(bytes >= 0 && bytes <= (int64_t(1) << 40), "EINVAL", a.msg("parameter `bytes` must be in [0, 2^40]"));
  if (bytes > 0) {
    void* p = tracked_alloc(static_cast<size_t>(bytes));
    std::memset(p, 0xab, static_cast<size_t>(bytes));  // resident, not just reserved
    std::lock_guard<std::mutex> lock(g_leak_mutex);
    leaked().emplace_back(p, static_cast<size_t>(bytes));
  }
  copy_through(a);
}

#ifdef ABW_HAVE_RLIMIT
// Current address-space size of this process in bytes (Linux /proc; 0 where unknown).
size_t address_space_bytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long pages = 0;
  const int n = std::fscanf(f, "%lu", &pages);
  std::fclose(f);
  return n == 1 ? static_cast<size_t>(pages) * static_cast<size_t>(sysconf(_SC_PAGESIZE)) : 0;
}
#endif

[[noreturn]] void uncaught_bad_alloc() noexcept {
  // Throwing out of a noexcept function calls std::terminate, as an unhandled allocation
  // failure deep in a library would.
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wterminate"
#endif
  throw std::bad_alloc();
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
}

std::mutex g_exhaust_mutex;

void exhaust(KernelArgs& a) {
  in_f32(a);
  const std::string mode = mode_of(a, {"throw", "terminate"});
  const int64_t limit = a.p.i("limit_bytes");
  ABW_CHECK(limit >= (int64_t(1) << 20) && limit <= (int64_t(1) << 40), "EINVAL",
            a.msg("parameter `limit_bytes` must be in [2^20, 2^40]"));
  std::lock_guard<std::mutex> lock(g_exhaust_mutex);
  constexpr size_t kBlock = size_t(4) << 20;
  size_t got = 0;
  std::vector<void*> blocks;
  blocks.reserve(static_cast<size_t>(limit) / kBlock + 16);  // no allocation of our own once limited
#ifdef ABW_HAVE_RLIMIT
  rlimit old{};
  const bool limited = getrlimit(RLIMIT_AS, &old) == 0 && address_space_bytes() > 0;
  if (limited) {
    rlimit lowered = old;
    const rlim_t want = static_cast<rlim_t>(address_space_bytes() + static_cast<size_t>(limit));
    lowered.rlim_cur = old.rlim_max == RLIM_INFINITY || want < old.rlim_max ? want : old.rlim_max;
    setrlimit(RLIMIT_AS, &lowered);
  }
#endif
  // Without an rlimit (no /proc), stop at 2 × limit so a test never takes the machine down.
  const size_t cap = static_cast<size_t>(limit) * 2;
  while (got < cap && blocks.size() < blocks.capacity()) {
    void* p = std::malloc(kBlock);
    if (!p) break;
    std::memset(p, 0x5a, kBlock);
    blocks.push_back(p);
    got += kBlock;
  }
  for (void* p : blocks) std::free(p);
#ifdef ABW_HAVE_RLIMIT
  if (limited) setrlimit(RLIMIT_AS, &old);
#endif
  std::fprintf(stderr, "abw fault: exhaust: allocation failed after %zu MiB\n", got >> 20);
  std::fflush(stderr);
  if (mode == "terminate") uncaught_bad_alloc();
  fail("ENOMEM", a.msg("out of memory: allocation failed after " + std::to_string(got >> 20) + " MiB (limit " +
                       std::to_string(limit >> 20) + " MiB over the current address space)"));
}

}  // namespace

ABW_KERNEL(fault, crash, f32, crash);
ABW_KERNEL(fault, hang, f32, hang);
ABW_KERNEL(fault, leak, f32, leak);
ABW_KERNEL(fault, exhaust, f32, exhaust);

}  // namespace abw::fault
