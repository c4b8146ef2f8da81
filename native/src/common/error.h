// Errors raised by kernels and the dispatcher. The N-API layer turns every abw::Error into a
// JS Error carrying `code`, so nothing in native code ever aborts the process.
#pragma once
#include <stdexcept>
#include <string>

namespace abw {

// Codes are stable strings; JS callers branch on them.
//   EINVAL   bad argument value (names the argument)
//   ESHAPE   shapes that do not fit the op
//   EDTYPE   dtype the op or backend does not take
//   ENOKERNEL no implementation for (backend, op, dtype)
//   ENOMEM   allocation failed
//   EINTERNAL a bug: an invariant did not hold
class Error : public std::runtime_error {
 public:
  Error(std::string code, const std::string& message) : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

[[noreturn]] inline void fail(const char* code, const std::string& message) { throw Error(code, message); }

}  // namespace abw

// Check a condition; the message is only built when it fails.
#define ABW_CHECK(cond, code, msg)           \
  do {                                       \
    if (!(cond)) ::abw::fail(code, (msg));   \
  } while (0)
