// Tracked host allocations: every tensor and kernel scratch buffer goes through here, so the
// matrix can record the native allocator's current and peak bytes per case. Large blocks are
// cached for reuse (memory.cpp says why).
#pragma once
#include <cstddef>
#include <cstdint>
#include <utility>

namespace abw {

void* tracked_alloc(size_t bytes);  // 64-byte aligned; throws abw::Error ENOMEM
void tracked_free(void* p, size_t bytes);

struct MemoryStats {
  int64_t current_bytes;  // requested bytes in use
  int64_t peak_bytes;
  int64_t allocations;
  int64_t cached_bytes;   // freed large blocks kept for reuse (not in current_bytes)
};
MemoryStats memory_stats();
void memory_reset_peak();

// Scratch buffer for kernel temporaries (RAII, tracked, uninitialised).
template <class T>
class Scratch {
 public:
  Scratch() = default;
  explicit Scratch(size_t n) : n_(n), p_(n ? static_cast<T*>(tracked_alloc(n * sizeof(T))) : nullptr) {}
  ~Scratch() { if (p_) tracked_free(p_, n_ * sizeof(T)); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  Scratch(Scratch&& o) noexcept : n_(o.n_), p_(o.p_) { o.p_ = nullptr; o.n_ = 0; }
  Scratch& operator=(Scratch&& o) noexcept { std::swap(n_, o.n_); std::swap(p_, o.p_); return *this; }
  T* data() { return p_; }
  const T* data() const { return p_; }
  size_t size() const { return n_; }
  T& operator[](size_t i) { return p_[i]; }
  const T& operator[](size_t i) const { return p_[i]; }

 private:
  size_t n_ = 0;
  T* p_ = nullptr;
};

}  // namespace abw
