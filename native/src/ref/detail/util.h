// Helpers shared by the FP64 oracle (ref) kernels: typed access to inputs/outputs with dtype and
// shape checks, and broadcasting of shapes. Everything here checks and throws abw::Error; nothing
// is ever read or written out of bounds.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/registry.h"
#include "common/tensor.h"

namespace abw::ref::detail {

inline void check_dtype(const KernelArgs& a, const Tensor& t, DType want, const std::string& what) {
  ABW_CHECK(t.dtype() == want, "EDTYPE",
            a.msg(what + " must be " + dtype_name(want) + ", got " + dtype_name(t.dtype())));
}

// Required f64 input.
inline const Tensor& in_f64(const KernelArgs& a, size_t i, const char* name) {
  const Tensor& t = a.input(i, name);
  check_dtype(a, t, DType::f64, std::string("input `") + name + "`");
  return t;
}
// Optional f64 input (nullptr when omitted).
inline const Tensor* opt_f64(const KernelArgs& a, size_t i, const char* name) {
  const Tensor* t = a.optional(i);
  if (t) check_dtype(a, *t, DType::f64, std::string("input `") + name + "`");
  return t;
}
inline Tensor& out_typed(const KernelArgs& a, size_t i, const char* name, DType dt) {
  Tensor& t = a.output(i, name);
  check_dtype(a, t, dt, std::string("output `") + name + "`");
  return t;
}
inline Tensor& out_f64(const KernelArgs& a, size_t i, const char* name) { return out_typed(a, i, name, DType::f64); }

// "input `x`" / "output `out`" must have exactly this shape.
inline void expect_shape(const KernelArgs& a, const Tensor& t, const Shape& want, const std::string& what,
                         const std::string& described = "") {
  ABW_CHECK(t.shape() == want, "ESHAPE",
            a.msg(what + " must be " + (described.empty() ? "" : described + " = ") + shape_str(want) + ", got " +
                  shape_str(t.shape())));
}

// NumPy broadcasting of two shapes (right-aligned; equal sizes or one of them 1).
inline Shape broadcast_shapes(const KernelArgs& a, const Shape& x, const Shape& y, const std::string& xname,
                              const std::string& yname) {
  const size_t nd = x.size() > y.size() ? x.size() : y.size();
  Shape r(nd);
  for (size_t k = 0; k < nd; ++k) {
    const int64_t dx = k < nd - x.size() ? 1 : x[k - (nd - x.size())];
    const int64_t dy = k < nd - y.size() ? 1 : y[k - (nd - y.size())];
    ABW_CHECK(dx == dy || dx == 1 || dy == 1, "ESHAPE",
              a.msg(xname + " " + shape_str(x) + " and " + yname + " " + shape_str(y) + " do not broadcast"));
    r[k] = dx == 1 ? dy : dx;
  }
  return r;
}

inline std::string istr(int64_t v) { return std::to_string(v); }

// Size-like integer parameters (strides, paddings, kernel sizes, FFT lengths, …) are bounded so
// that no index arithmetic on them can overflow int64, whatever the caller passes.
constexpr int64_t kMaxSizeParam = (int64_t{1} << 31) - 1;
inline void check_range(const KernelArgs& a, const char* key, int64_t v, int64_t lo, int64_t hi = kMaxSizeParam) {
  ABW_CHECK(v >= lo && v <= hi, "EINVAL",
            a.msg(std::string("parameter `") + key + "` must be in [" + istr(lo) + ", " + istr(hi) + "], got " + istr(v)));
}

}  // namespace abw::ref::detail
