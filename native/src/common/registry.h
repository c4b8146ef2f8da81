// Kernel registry: each kernel file registers (backend, op, dtype) → function at load time.
// The dispatcher checks float dtypes generically, and gives the cpu backend f16/bf16 storage
// for every f32 kernel by converting at the edges (f32 accumulation, as the design asks).
#pragma once
#include <string>
#include <vector>

#include "common/dtype.h"
#include "common/error.h"
#include "common/params.h"
#include "common/tensor.h"

namespace abw {

struct KernelArgs {
  const std::string& op;
  std::vector<const Tensor*> in;  // nullptr for an omitted optional input
  std::vector<Tensor*> out;
  const Params& p;

  // A required input / output; fails with the op and the argument's name if absent.
  const Tensor& input(size_t i, const char* name) const;
  const Tensor* optional(size_t i) const { return i < in.size() ? in[i] : nullptr; }
  Tensor& output(size_t i, const char* name) const;
  size_t num_inputs() const { return in.size(); }
  // "[op] message", for errors raised by kernels.
  std::string msg(const std::string& m) const { return "[" + op + "] " + m; }
};

using Kernel = void (*)(KernelArgs& args);

bool register_kernel(const char* backend, const char* op, DType dtype, Kernel k);

struct KernelKey {
  std::string backend, op;
  DType dtype;
  bool converted;  // f16/bf16 served by the f32 kernel through conversion
};
std::vector<KernelKey> list_kernels();
bool has_kernel(const std::string& backend, const std::string& op, DType dtype);

// Run one op. Inputs and outputs are allocated by the caller with the shapes the op spec
// computed; kernels check that the shapes they rely on agree.
void dispatch(const std::string& backend, const std::string& op, DType dtype, KernelArgs& args);

}  // namespace abw

#define ABW_CAT_(a, b) a##b
#define ABW_CAT(a, b) ABW_CAT_(a, b)
// ABW_KERNEL(cpu, matmul, f32, matmul_f32);
#define ABW_KERNEL(backend, op, dtype, fn) \
  static const bool ABW_CAT(abw_registered_, __LINE__) = ::abw::register_kernel(#backend, #op, ::abw::DType::dtype, fn)
