#include "common/tensor.h"

#include "common/error.h"
#include "common/memory.h"

namespace abw {

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) {
    ABW_CHECK(d >= 0, "ESHAPE", "shape " + shape_str(s) + " has a negative dimension");
    n *= d;
  }
  return n;
}

std::string shape_str(const Shape& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

std::vector<int64_t> shape_strides(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (int64_t i = static_cast<int64_t>(s.size()) - 2; i >= 0; --i) st[i] = st[i + 1] * s[i + 1];
  return st;
}

Tensor::Tensor(DType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {
  numel_ = shape_numel(shape_);
  nbytes_ = static_cast<size_t>(numel_) * dtype_size(dtype_);
  data_ = nbytes_ ? tracked_alloc(nbytes_) : nullptr;
}

Tensor::~Tensor() { release(); }

void Tensor::release() {
  if (data_) {
    tracked_free(data_, nbytes_);
    data_ = nullptr;
  }
}

int64_t Tensor::size(int64_t d) const {
  int64_t n = ndim();
  if (d < 0) d += n;
  ABW_CHECK(d >= 0 && d < n, "EINTERNAL", "dimension " + std::to_string(d) + " out of range for shape " + shape_str(shape_));
  return shape_[d];
}

}  // namespace abw
