// FP64 oracle: elementwise ops. Plain loops, written for obvious correctness.
#include "common/registry.h"

namespace abw::ref {
namespace {
void add(KernelArgs& a) {
  const Tensor& x = a.input(0, "input");
  const Tensor& y = a.input(1, "other");
  Tensor& out = a.output(0, "out");
  ABW_CHECK(x.numel() == out.numel() && y.numel() == out.numel(), "ESHAPE", a.msg("placeholder add needs equal sizes"));
  for (int64_t i = 0; i < out.numel(); ++i) out.data<double>()[i] = x.data<double>()[i] + y.data<double>()[i];
}
}  // namespace
ABW_KERNEL(ref, add, f64, add);
}  // namespace abw::ref
