#include "common/params.h"

#include <cmath>

#include "common/error.h"

namespace abw {

bool Params::has(const std::string& key) const { return values_.count(key) > 0; }
bool Params::is_null(const std::string& key) const {
  auto it = values_.find(key);
  return it == values_.end() || std::holds_alternative<std::monostate>(it->second);
}

const ParamValue& Params::get(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) fail("EINVAL", "[" + op_ + "] parameter `" + key + "` is required");
  return it->second;
}

int64_t Params::i(const std::string& key) const {
  const ParamValue& v = get(key);
  if (auto d = std::get_if<double>(&v)) {
    if (std::isfinite(*d) && std::floor(*d) == *d && std::fabs(*d) < 9.007199254740992e15) return static_cast<int64_t>(*d);
    fail("EINVAL", "[" + op_ + "] parameter `" + key + "` must be an integer, got " + std::to_string(*d));
  }
  if (auto b = std::get_if<bool>(&v)) return *b ? 1 : 0;
  fail("EINVAL", "[" + op_ + "] parameter `" + key + "` must be an integer");
}

double Params::f(const std::string& key) const {
  const ParamValue& v = get(key);
  if (auto d = std::get_if<double>(&v)) return *d;
  fail("EINVAL", "[" + op_ + "] parameter `" + key + "` must be a number");
}

bool Params::b(const std::string& key) const {
  const ParamValue& v = get(key);
  if (auto b = std::get_if<bool>(&v)) return *b;
  if (auto d = std::get_if<double>(&v)) return *d != 0;
  fail("EINVAL", "[" + op_ + "] parameter `" + key + "` must be a boolean");
}

const std::string& Params::s(const std::string& key) const {
  const ParamValue& v = get(key);
  if (auto s = std::get_if<std::string>(&v)) return *s;
  fail("EINVAL", "[" + op_ + "] parameter `" + key + "` must be a string");
}

std::vector<double> Params::floats(const std::string& key) const {
  const ParamValue& v = get(key);
  if (auto a = std::get_if<std::vector<double>>(&v)) return *a;
  if (auto d = std::get_if<double>(&v)) return {*d};
  fail("EINVAL", "[" + op_ + "] parameter `" + key + "` must be a list of numbers");
}

std::vector<int64_t> Params::ints(const std::string& key) const {
  std::vector<int64_t> r;
  for (double d : floats(key)) {
    if (!(std::isfinite(d) && std::floor(d) == d))
      fail("EINVAL", "[" + op_ + "] parameter `" + key + "` must be a list of integers");
    r.push_back(static_cast<int64_t>(d));
  }
  return r;
}

}  // namespace abw
