#include "common/stft_params.h"

#include <cmath>

#include "common/error.h"

namespace abw {

StftParams read_stft_params(const Params& p, const std::string& op) {
  const std::string at = "[" + op + "] ";
  StftParams s{p.i("n_fft"), p.i("hop_length"), p.i("win_length"), p.b("center"), p.b("normalized"), p.b("onesided")};
  ABW_CHECK(s.n_fft >= 1, "EINVAL", at + "parameter `n_fft` must be >= 1");
  ABW_CHECK(s.hop >= 1, "EINVAL", at + "parameter `hop_length` must be >= 1");
  ABW_CHECK(s.win >= 1 && s.win <= s.n_fft, "EINVAL", at + "parameter `win_length` must be in [1, n_fft]");
  return s;
}

std::vector<float> stft_window(const Params& p, const StftParams& sp, const std::string& op) {
  const std::string& name = p.s("window");
  std::vector<float> w(static_cast<size_t>(sp.n_fft), 0.0f);
  const int64_t left = (sp.n_fft - sp.win) / 2;
  if (name == "hann") {
    for (int64_t i = 0; i < sp.win; ++i)
      w[static_cast<size_t>(left + i)] =
          static_cast<float>(0.5 - 0.5 * std::cos(2.0 * 3.14159265358979323846 * static_cast<double>(i) / static_cast<double>(sp.win)));
  } else if (name == "ones") {
    for (int64_t i = 0; i < sp.win; ++i) w[static_cast<size_t>(left + i)] = 1.0f;
  } else {
    fail("EINVAL", "[" + op + "] parameter `window` must be 'hann' or 'ones', got '" + name + "'");
  }
  return w;
}

}  // namespace abw
