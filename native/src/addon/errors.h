// Mapping native failures to JS errors: a code (`ABW_EINVAL`, …) and a message naming the
// argument. Argument errors become TypeError / RangeError, as JS callers expect.
#pragma once
#include <napi.h>

#include <string>

#include "common/error.h"

namespace abw::addon {

Napi::Error to_js_error(Napi::Env env, const std::string& code, const std::string& message);
inline Napi::Error to_js_error(Napi::Env env, const abw::Error& e) { return to_js_error(env, e.code(), e.what()); }
[[noreturn]] void throw_type(Napi::Env env, const std::string& message);

}  // namespace abw::addon

// Wraps an N-API entry point body so C++ exceptions surface as JS errors.
#define ABW_NAPI_GUARD(env, ...)                                                              \
  try {                                                                                       \
    __VA_ARGS__                                                                               \
  } catch (const Napi::Error&) {                                                              \
    throw;                                                                                    \
  } catch (const ::abw::Error& e) {                                                           \
    throw ::abw::addon::to_js_error(env, e);                                                  \
  } catch (const std::bad_alloc&) {                                                           \
    throw ::abw::addon::to_js_error(env, "ENOMEM", "out of memory");                          \
  } catch (const std::exception& e) {                                                         \
    throw ::abw::addon::to_js_error(env, "EINTERNAL", e.what());                              \
  }
