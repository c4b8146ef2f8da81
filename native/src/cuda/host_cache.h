// Page-locked host blocks for copies between the device and the host, cached by size.
//
// A copy between the device and pageable memory goes through the driver's staging buffer at a
// fraction of the bus's speed (and a fresh buffer's first touch of every page on top); from a
// page-locked block it is one DMA. Pinning costs milliseconds (every page is locked), so a
// freed block is kept for the next download of a similar size, as PyTorch's caching host
// allocator does.
#pragma once
#include <cstddef>
#include <map>
#include <mutex>
#include <unordered_map>

namespace abw::cuda {

class HostCache {
 public:
  // A block of at least `bytes`, or nullptr when none can be pinned (the caller then uses
  // pageable memory). Needs the context (cudaHostAlloc).
  void* alloc(size_t bytes);
  // Back to the cache. Blocks are only released (cudaFreeHost) past the cache's cap.
  void free(void* p);

 private:
  void trim(size_t keep);  // releases cached blocks, largest first, until at most `keep` remain
  std::mutex mu_;
  std::multimap<size_t, void*> free_;          // size → block
  std::unordered_map<void*, size_t> size_of_;  // every block handed out or cached
  size_t cached_ = 0;
};

HostCache& host_cache();

}  // namespace abw::cuda
