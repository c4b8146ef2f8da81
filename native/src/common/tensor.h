// A dense, contiguous, row-major tensor. Native code owns its memory (tracked); JS holds it
// through a tagged handle and copies data in and out explicitly (upload / download). A view
// (reshape) shares its base's memory: the bytes are freed when the last tensor using them is
// released, so freeing either one first is safe. Ops never write their inputs, so sharing is
// never observable.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/dtype.h"

namespace abw {

using Shape = std::vector<int64_t>;

// Where a tensor's bytes live: host memory (ref, cpu) or CUDA device memory (cuda backend,
// through the CUDA module's caching allocator).
enum class Device : uint8_t { host, cuda };

int64_t shape_numel(const Shape& s);
// The product of s[begin, end) (clipped to the rank): the outer or inner extent around a dim.
inline int64_t shape_prod(const Shape& s, size_t begin, size_t end) {
  int64_t n = 1;
  for (size_t i = begin; i < end && i < s.size(); ++i) n *= s[i];
  return n;
}
std::string shape_str(const Shape& s);
// Row-major strides in elements.
std::vector<int64_t> shape_strides(const Shape& s);
// NumPy broadcasting of two shapes (right-aligned; equal sizes or one of them 1) into *out;
// false when they do not broadcast.
bool broadcast_shape(const Shape& x, const Shape& y, Shape* out);
// Whether `part` is a complex tensor ([..., 2], at least one complex dim) whose dims are the
// trailing dims of `whole`'s: irfft's filter, broadcast over whole's leading dims.
bool is_complex_suffix(const Shape& part, const Shape& whole);
// The error text when irfft's `filter` is not such a suffix of its input's shape.
std::string filter_suffix_error(const Shape& filter, const Shape& input);

// The bytes of one allocation (host: tracked; cuda: the CUDA module's allocator), freed with
// the last tensor that uses them.
class Storage {
 public:
  Storage(size_t nbytes, Device device);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  void* data() const { return data_; }

 private:
  size_t nbytes_;
  Device device_;
  void* data_ = nullptr;
};

class Tensor {
 public:
  Tensor(DType dtype, Shape shape, Device device = Device::host);  // allocates, uninitialised
  // A view of `base`'s bytes with another shape of the same element count (a reshape).
  Tensor(const Tensor& base, Shape shape);
  ~Tensor();
  Tensor(const Tensor&) = delete;
  Tensor& operator=(const Tensor&) = delete;

  DType dtype() const { return dtype_; }
  Device device() const { return device_; }
  const Shape& shape() const { return shape_; }
  int64_t ndim() const { return static_cast<int64_t>(shape_.size()); }
  // Size of dimension d; negative d counts from the end.
  int64_t size(int64_t d) const;
  int64_t numel() const { return numel_; }
  size_t nbytes() const { return nbytes_; }
  void* raw() { return storage_ ? storage_->data() : nullptr; }
  const void* raw() const { return storage_ ? storage_->data() : nullptr; }
  template <class T> T* data() { return static_cast<T*>(raw()); }
  template <class T> const T* data() const { return static_cast<const T*>(raw()); }
  // Release memory early (JS `free`); later access is an error the addon checks for. The
  // bytes go back once no view of them is left.
  void release();
  bool released() const { return !storage_ && nbytes_ > 0; }

 private:
  DType dtype_;
  Device device_;
  Shape shape_;
  int64_t numel_;
  size_t nbytes_;
  std::shared_ptr<Storage> storage_;  // null when empty or released
};

using TensorPtr = std::shared_ptr<Tensor>;

}  // namespace abw
