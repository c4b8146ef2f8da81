// The stft/istft parameters and analysis window as the cpu and cuda backends read and build
// them: one reading and one window, so both backends window alike (the ref oracle keeps its own
// plain FP64 version).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "common/params.h"

namespace abw {

struct StftParams {
  int64_t n_fft, hop, win;
  bool center, normalized, onesided;
};

// Checked n_fft, hop_length, win_length and the flags; `op` prefixes the error messages.
StftParams read_stft_params(const Params& p, const std::string& op);

// The window of win_length centred in n_fft zeros: periodic Hann computed in double then rounded
// to f32, or ones (parameter `window`).
std::vector<float> stft_window(const Params& p, const StftParams& sp, const std::string& op);

}  // namespace abw
