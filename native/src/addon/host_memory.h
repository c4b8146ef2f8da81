// Host buffers for device copies: typed arrays on the CUDA module's page-locked blocks, so that a
// download (and an upload from such an array) moves at the bus's speed. Blocks return to the
// module's cache when the garbage collector frees the array.
#pragma once
#include <napi.h>

#include <cstddef>

#include "common/dtype.h"

namespace abw::addon {

// An ArrayBuffer of `bytes` on a page-locked block, or an empty value when the module has none
// to give (no CUDA, too small to gain, pinning failed): the caller then uses a plain buffer.
Napi::Value pinned_buffer(Napi::Env env, size_t bytes);

// The typed array that carries `dtype` across the boundary, over `buf` (f16/bf16 as Uint16 bits).
Napi::Value typed_view(Napi::Env env, abw::DType dtype, size_t n, Napi::ArrayBuffer buf);

// cudaHostArray(dtype, n): a zeroed typed array on page-locked memory, or undefined.
Napi::Value CudaHostArray(const Napi::CallbackInfo& info);

}  // namespace abw::addon
