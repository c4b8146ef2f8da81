// Forward DFT twiddles W_n^e = e^{−2πi·e/n}, e in [0, n), computed in double and rounded to f32,
// on the device: the hand-written transforms (fft_conv's four-step, the one-kernel stft) read
// them from tables. One table per n for the process while any prepared call holds it.
#pragma once
#include <cstdint>
#include <memory>

#include "cuda/context.h"

namespace abw::cuda {

std::shared_ptr<Scratch> twiddle_table(int64_t n);

}  // namespace abw::cuda
