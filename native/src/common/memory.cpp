#include "common/memory.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>

#include "common/error.h"

#if !defined(_MSC_VER)
#include <unistd.h>
#endif

// Under AddressSanitizer the bytes between the requested size and the 64-byte rounding are
// poisoned, so an overrun by a few elements is reported, not absorbed by the padding.
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define ABW_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define ABW_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define ABW_POISON(p, n) ((void)(p), (void)(n))
#define ABW_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace abw {

static std::atomic<int64_t> g_current{0};
static std::atomic<int64_t> g_peak{0};
static std::atomic<int64_t> g_count{0};

namespace {

// Large blocks (tensors of a pipeline: hundreds of MB each) are kept for reuse instead of going
// back to the C library, which returns them to the system (mmap'ed blocks): a fresh block costs
// a page fault per 4 KiB on first touch, and on linux-x64-amd-epyc-2c-24g a 400 MB add with a fresh
// output took 245 ms against 34 ms into a reused one. Sizes round up to 2 MiB, and a block is
// reused for the same rounded size only. The cache holds at most a quarter of physical memory
// (8 GiB at most; ABW_HOST_CACHE_MB overrides), releases everything when an allocation fails,
// and is off under AddressSanitizer, which must see every free.
constexpr size_t kLarge = size_t{1} << 20;
constexpr size_t kLargeRound = size_t{2} << 20;

size_t rounded_size(size_t bytes) {
  size_t r = bytes == 0 ? 64 : (bytes + 63) / 64 * 64;
  if (r >= kLarge) r = (r + kLargeRound - 1) / kLargeRound * kLargeRound;
  return r;
}

size_t cache_cap() {
#if defined(__SANITIZE_ADDRESS__)
  return 0;
#else
  if (const char* env = std::getenv("ABW_HOST_CACHE_MB")) return static_cast<size_t>(std::strtoull(env, nullptr, 10)) << 20;
  constexpr size_t kMost = size_t{8} << 30;
  size_t phys = kMost;  // where the system does not say (Windows): a quarter of 8 GiB
#if !defined(_MSC_VER)
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0) phys = static_cast<size_t>(pages) * static_cast<size_t>(page);
#endif
  return std::min(phys / 4, kMost);
#endif
}

void system_free(void* p) {
#if defined(_MSC_VER)
  _aligned_free(p);
#else
  std::free(p);
#endif
}

void* system_alloc(size_t rounded) {
  void* p = nullptr;
#if defined(_MSC_VER)
  p = _aligned_malloc(rounded, 64);
#else
  if (posix_memalign(&p, 64, rounded) != 0) p = nullptr;
#endif
  return p;
}

struct BlockCache {
  std::mutex mu;
  std::multimap<size_t, void*> free;  // rounded size → block
  size_t cached = 0;
  const size_t cap = cache_cap();

  void* take(size_t rounded) {
    std::lock_guard<std::mutex> lock(mu);
    auto it = free.find(rounded);
    if (it == free.end()) return nullptr;
    void* p = it->second;
    free.erase(it);
    cached -= rounded;
    return p;
  }
  bool keep(void* p, size_t rounded) {
    std::lock_guard<std::mutex> lock(mu);
    if (cached + rounded > cap) return false;
    free.emplace(rounded, p);
    cached += rounded;
    return true;
  }
  void release() {
    std::lock_guard<std::mutex> lock(mu);
    for (auto& [size, p] : free) system_free(p);
    free.clear();
    cached = 0;
  }
};

BlockCache& block_cache() {
  static BlockCache* c = new BlockCache();  // never destroyed: frees may come during exit
  return *c;
}

}  // namespace

void* tracked_alloc(size_t bytes) {
  const size_t rounded = rounded_size(bytes);
  const bool large = rounded >= kLarge;
  void* p = large ? block_cache().take(rounded) : nullptr;
  if (!p) p = system_alloc(rounded);
  if (!p && large) {
    block_cache().release();
    p = system_alloc(rounded);
  }
  if (!p) fail("ENOMEM", "allocation of " + std::to_string(bytes) + " bytes failed");
  ABW_POISON(static_cast<char*>(p) + bytes, rounded - bytes);
  int64_t now = g_current.fetch_add(static_cast<int64_t>(bytes)) + static_cast<int64_t>(bytes);
  int64_t peak = g_peak.load();
  while (now > peak && !g_peak.compare_exchange_weak(peak, now)) {}
  g_count.fetch_add(1);
  return p;
}

void tracked_free(void* p, size_t bytes) {
  if (!p) return;
  const size_t rounded = rounded_size(bytes);
  ABW_UNPOISON(p, rounded);
  if (rounded < kLarge || !block_cache().keep(p, rounded)) system_free(p);
  g_current.fetch_sub(static_cast<int64_t>(bytes));
}

MemoryStats memory_stats() {
  BlockCache& c = block_cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return {g_current.load(), g_peak.load(), g_count.load(), static_cast<int64_t>(c.cached)};
}
void memory_reset_peak() { g_peak.store(g_current.load()); }

}  // namespace abw
