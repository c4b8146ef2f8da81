// Shape helpers, apart from Tensor so that the CUDA module can use them without the allocator.
#include <algorithm>

#include "common/error.h"
#include "common/tensor.h"

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

bool is_complex_suffix(const Shape& part, const Shape& whole) {
  if (part.size() < 2 || part.size() > whole.size() || part.back() != 2) return false;
  const size_t lead = whole.size() - part.size();
  for (size_t i = 0; i < part.size(); ++i)
    if (part[i] != whole[lead + i]) return false;
  return true;
}

std::string filter_suffix_error(const Shape& filter, const Shape& input) {
  return "input `filter` must have the trailing dims of input's shape " + shape_str(input) + ", got " + shape_str(filter);
}

bool broadcast_shape(const Shape& x, const Shape& y, Shape* out) {
  const size_t nd = std::max(x.size(), y.size());
  out->assign(nd, 1);
  for (size_t i = 0; i < nd; ++i) {
    const int64_t a = i + x.size() >= nd ? x[i + x.size() - nd] : 1;
    const int64_t b = i + y.size() >= nd ? y[i + y.size() - nd] : 1;
    if (a != b && a != 1 && b != 1) return false;
    (*out)[i] = a == 1 ? b : a;
  }
  return true;
}

}  // namespace abw
