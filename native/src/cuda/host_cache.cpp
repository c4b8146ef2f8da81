#include "cuda/host_cache.h"

#include <cuda_runtime.h>

#include <cstdlib>
#include <cstring>

namespace abw::cuda {
namespace {
constexpr size_t kGranule = 2ull << 20;     // sizes round up to 2 MiB: similar downloads share blocks
constexpr size_t kMaxCached = 4ull << 30;   // free blocks kept at most
constexpr size_t kMinBytes = 1ull << 20;    // below this a pageable copy costs about the same
}  // namespace

void* HostCache::alloc(size_t bytes) {
  // ABW_CUDA_PINNED=0: pageable copies only (a host with little lockable memory, or to compare).
  static const bool enabled = [] {
    const char* v = std::getenv("ABW_CUDA_PINNED");
    return !(v && std::strcmp(v, "0") == 0);
  }();
  if (!enabled || bytes < kMinBytes) return nullptr;
  const size_t want = (bytes + kGranule - 1) / kGranule * kGranule;
  std::lock_guard<std::mutex> lk(mu_);
  // The smallest cached block that fits, unless it is more than twice the size wanted.
  auto it = free_.lower_bound(want);
  if (it != free_.end() && it->first <= 2 * want) {
    void* p = it->second;
    cached_ -= it->first;
    free_.erase(it);
    return p;
  }
  void* p = nullptr;
  if (cudaHostAlloc(&p, want, cudaHostAllocDefault) != cudaSuccess) {
    cudaGetLastError();
    trim(0);  // cached blocks of other sizes may be what stands in the way
    if (cudaHostAlloc(&p, want, cudaHostAllocDefault) != cudaSuccess) {
      cudaGetLastError();
      return nullptr;
    }
  }
  size_of_[p] = want;
  return p;
}

void HostCache::free(void* p) {
  if (!p) return;
  std::lock_guard<std::mutex> lk(mu_);
  auto it = size_of_.find(p);
  if (it == size_of_.end()) return;
  free_.emplace(it->second, p);
  cached_ += it->second;
  if (cached_ > kMaxCached) trim(kMaxCached);
}

void HostCache::trim(size_t keep) {
  while (cached_ > keep && !free_.empty()) {
    auto last = std::prev(free_.end());
    cudaFreeHost(last->second);
    size_of_.erase(last->second);
    cached_ -= last->first;
    free_.erase(last);
  }
}

HostCache& host_cache() {
  // Never destroyed: blocks may come back from the garbage collector as the process exits.
  static HostCache* c = new HostCache();
  return *c;
}

}  // namespace abw::cuda
