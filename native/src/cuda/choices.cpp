#include "cuda/choices.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <set>

namespace abw::cuda {
namespace {

std::string quoted(const std::string& s) {
  std::string r = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') r += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) r += c;
  }
  return r + "\"";
}

std::mutex mu;
std::set<std::string>& recorded() {
  static std::set<std::string> s;
  return s;
}

}  // namespace

std::string ms_text(float ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f ms", ms);
  return buf;
}

ChoiceRecord& ChoiceRecord::str(const char* name, const std::string& value) {
  fields_.emplace_back(name, quoted(value));
  return *this;
}

ChoiceRecord& ChoiceRecord::num(const char* name, double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", value);
  fields_.emplace_back(name, std::isfinite(value) ? std::string(buf) : std::string("null"));
  return *this;
}

void ChoiceRecord::emit(const std::string& key) const {
  const char* path = std::getenv("ABW_CUDA_CHOICES");
  if (!path || !*path) return;
  std::lock_guard<std::mutex> lock(mu);
  if (!recorded().insert(key).second) return;
  std::string line = "{\"key\":" + quoted(key);
  for (const auto& f : fields_) line += "," + quoted(f.first) + ":" + f.second;
  line += "}\n";
  const bool to_stderr = std::string(path) == "-";
  std::FILE* f = to_stderr ? stderr : std::fopen(path, "a");
  if (!f) return;
  std::fputs(line.c_str(), f);
  if (to_stderr)
    std::fflush(f);
  else
    std::fclose(f);
}

}  // namespace abw::cuda
