// CUDA / library status checks that turn failures into abw::Error with the right code:
// allocation failures are ENOMEM (the matrix records `oom` and goes on), the rest EINTERNAL
// with the library's own words.
#pragma once
#include <cuda_runtime.h>

#include <string>

#include "common/error.h"

namespace abw::cuda {

[[noreturn]] inline void fail_cuda(cudaError_t e, const char* what) {
  cudaGetLastError();  // clear the sticky-free error so later calls are not poisoned
  const std::string m = std::string(what) + ": " + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")";
  if (e == cudaErrorMemoryAllocation) fail("ENOMEM", "out of device memory: " + m);
  fail("EINTERNAL", m);
}

}  // namespace abw::cuda

#define ABW_CU(call)                                                   \
  do {                                                                 \
    cudaError_t abw_e_ = (call);                                       \
    if (abw_e_ != cudaSuccess) ::abw::cuda::fail_cuda(abw_e_, #call);  \
  } while (0)
