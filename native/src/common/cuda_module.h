// The CUDA module (libabw_cuda.so, see cuda/api.h for why it is a separate library), loaded on
// first use. Everything here works, and says why CUDA is unavailable, on machines without it.
#pragma once
#include <string>

#include "cuda/api.h"

namespace abw {

// The module's function table, or nullptr with the reason (library missing, no driver, no
// device). Loads and initialises once; later calls return the same answer.
const abw_cuda_api* cuda_module(std::string* reason = nullptr);

// The module's table or an ENOKERNEL error carrying the reason.
const abw_cuda_api& cuda_required();

// Turns a failed module status into an abw::Error with the same code.
[[noreturn]] void raise_cuda_status(const abw_cuda_status& st);

}  // namespace abw
