// Op parameters as the kernel sees them. The TypeScript op spec validates and canonicalises
// parameters (defaults filled in, negative dims resolved) before they cross into native code;
// these accessors check again and name the parameter when something is off.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace abw {

using ParamValue = std::variant<std::monostate, bool, double, std::string, std::vector<double>>;

class Params {
 public:
  explicit Params(std::string op = "") : op_(std::move(op)) {}
  void set(const std::string& key, ParamValue v) { values_[key] = std::move(v); }
  bool has(const std::string& key) const;
  bool is_null(const std::string& key) const;

  // Required accessors: throw EINVAL "[op] parameter `key` ..." when missing or of another type.
  int64_t i(const std::string& key) const;
  double f(const std::string& key) const;
  bool b(const std::string& key) const;
  const std::string& s(const std::string& key) const;
  std::vector<int64_t> ints(const std::string& key) const;
  std::vector<double> floats(const std::string& key) const;

  // With defaults, for parameters that may be absent.
  int64_t i(const std::string& key, int64_t def) const { return has(key) && !is_null(key) ? i(key) : def; }
  double f(const std::string& key, double def) const { return has(key) && !is_null(key) ? f(key) : def; }
  bool b(const std::string& key, bool def) const { return has(key) && !is_null(key) ? b(key) : def; }

  const std::string& op() const { return op_; }
  const std::map<std::string, ParamValue>& values() const { return values_; }

 private:
  const ParamValue& get(const std::string& key) const;
  std::string op_;
  std::map<std::string, ParamValue> values_;
};

}  // namespace abw
