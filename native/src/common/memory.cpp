#include "common/memory.h"

#include <atomic>
#include <cstdlib>
#include <string>

#include "common/error.h"

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

void* tracked_alloc(size_t bytes) {
  size_t rounded = (bytes + 63) / 64 * 64;
  if (rounded == 0) rounded = 64;
  void* p = nullptr;
#if defined(_MSC_VER)
  p = _aligned_malloc(rounded, 64);
#else
  if (posix_memalign(&p, 64, rounded) != 0) p = nullptr;
#endif
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
  const size_t rounded = bytes == 0 ? 64 : (bytes + 63) / 64 * 64;
  ABW_UNPOISON(p, rounded);
#if defined(_MSC_VER)
  _aligned_free(p);
#else
  std::free(p);
#endif
  g_current.fetch_sub(static_cast<int64_t>(bytes));
}

MemoryStats memory_stats() { return {g_current.load(), g_peak.load(), g_count.load()}; }
void memory_reset_peak() { g_peak.store(g_current.load()); }

}  // namespace abw
