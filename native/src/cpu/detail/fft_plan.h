// Batched 1-D FFTs for the fft and stft kernels, unnormalised, out-of-place (in != out).
// Layout: element k of transform b is at [b·dist + k·stride], counted in complex elements for
// complex arrays (interleaved re, im floats) and in floats for real arrays.
// With FFTW: plans cached per (kind, n, batch, strides, alignment), created under a mutex, executed
// with the new-array functions from several threads. Without FFTW: a mixed-radix Stockham FFT with
// Bluestein for large prime factors (twiddles computed in double).
// Calls parallelise over the batch themselves; from inside a parallel_for they run inline.
// ABW_FFTW_PLANNER (estimate | measure | patient) and ABW_FFTW_WISDOM (a file) set how FFTW plans.
#pragma once
#include <cstdint>

namespace abw::cpu::fft {

// The FFTW planner in use ("estimate", "measure", "patient"; "invalid" when ABW_FFTW_PLANNER
// names none, which the first transform reports), or "" without FFTW.
const char* planner_name();

// Forward (e^-i) or inverse (e^+i) complex DFT.
void c2c(int64_t n, int64_t batch, const float* in, int64_t istride, int64_t idist, float* out, int64_t ostride,
         int64_t odist, bool inverse);
// Real → n/2+1 complex bins.
void r2c(int64_t n, int64_t batch, const float* in, int64_t istride, int64_t idist, float* out, int64_t ostride,
         int64_t odist);
// n/2+1 complex bins (Hermitian, imaginary parts of bin 0 and the Nyquist bin ignored) → n reals.
// May overwrite `in`.
void c2r(int64_t n, int64_t batch, float* in, int64_t istride, int64_t idist, float* out, int64_t ostride,
         int64_t odist);

}  // namespace abw::cpu::fft
