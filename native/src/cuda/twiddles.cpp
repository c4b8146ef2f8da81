#include "cuda/twiddles.h"

#include <cuda_runtime.h>

#include <cmath>
#include <map>
#include <mutex>
#include <vector>

#include "cuda/check.h"

namespace abw::cuda {

std::shared_ptr<Scratch> twiddle_table(int64_t n) {
  static std::mutex mu;
  static std::map<int64_t, std::weak_ptr<Scratch>> cache;
  std::lock_guard<std::mutex> lock(mu);
  if (auto t = cache[n].lock()) return t;
  std::vector<float2> host(static_cast<size_t>(n));
  const double two_pi = 6.283185307179586476925286766559;
  for (int64_t e = 0; e < n; ++e) {
    const double th = two_pi * static_cast<double>(e) / static_cast<double>(n);
    host[static_cast<size_t>(e)] = make_float2(static_cast<float>(std::cos(th)), static_cast<float>(-std::sin(th)));
  }
  auto t = upload_scratch(host.data(), host.size() * sizeof(float2));
  cache[n] = t;
  return t;
}

}  // namespace abw::cuda
