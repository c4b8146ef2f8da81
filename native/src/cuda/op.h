// What every cuda op file sees: the tensors of a call (device pointers and shapes), the op's
// parameters, and a registry of "prepare" functions. A prepare function checks shapes, makes
// its plans (library descriptors, scratch) once, and returns a Call whose launch() only
// enqueues work on a stream: that is what the timing loop repeats and CUDA graphs capture.
#pragma once
#include <cuda_runtime.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/dtype.h"
#include "common/error.h"
#include "common/params.h"
#include "common/tensor.h"

namespace abw::cuda {

struct DevTensor {
  void* data = nullptr;  // nullptr: an omitted optional input
  DType dtype = DType::f32;
  Shape shape;
  int64_t numel() const { return shape_numel(shape); }
  int64_t ndim() const { return static_cast<int64_t>(shape.size()); }
  int64_t size(int64_t d) const { return shape[static_cast<size_t>(d < 0 ? d + ndim() : d)]; }
  template <class T> T* ptr() const { return static_cast<T*>(data); }
};

struct OpArgs {
  const std::string& op;
  DType dtype;  // compute dtype of the case: f32, f16, bf16 (i8 for integer ops)
  bool tf32;    // f32 storage, TF32 tensor-core math where the op has it
  std::vector<DevTensor> in;
  std::vector<DevTensor> out;
  const Params& p;

  const DevTensor& input(size_t i, const char* name) const;
  const DevTensor* optional(size_t i) const { return i < in.size() && in[i].data ? &in[i] : nullptr; }
  const DevTensor& output(size_t i, const char* name) const;
  std::string msg(const std::string& m) const { return "[" + op + "] " + m; }
  void check_shape(const DevTensor& t, const Shape& want, const char* what) const;
};

// A prepared call. `launch` enqueues the op on `stream` and must not synchronise the host or
// allocate (so that it can be captured into a CUDA graph); `keep` holds plans and scratch.
struct Call {
  std::function<void(cudaStream_t)> launch;
  std::vector<std::shared_ptr<void>> keep;
  bool graphable = true;
};
using CallPtr = std::unique_ptr<Call>;
using PrepareFn = CallPtr (*)(OpArgs& a);

// Which compute dtypes an op takes on cuda, and whether TF32 changes its math.
enum DTypeMask : unsigned { kF32 = 1, kF16 = 2, kBF16 = 4, kI8 = 8, kFloats = kF32 | kF16 | kBF16, kTF32 = 16 };

bool register_op(const char* op, PrepareFn fn, unsigned mask);
// nullptr with the reason when (op, dtype, tf32) has no cuda implementation.
PrepareFn find_op(const std::string& op, DType dtype, bool tf32, std::string* reason);

}  // namespace abw::cuda

#define ABW_CUDA_CAT_(a, b) a##b
#define ABW_CUDA_CAT(a, b) ABW_CUDA_CAT_(a, b)
#define ABW_CUDA_OP(op, fn, mask) \
  static const bool ABW_CUDA_CAT(abw_cuda_registered_, __LINE__) = ::abw::cuda::register_op(#op, fn, mask)
