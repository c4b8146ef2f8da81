#include "addon/errors.h"

namespace abw::addon {

Napi::Error to_js_error(Napi::Env env, const std::string& code, const std::string& message) {
  Napi::Error err;
  if (code == "EDTYPE") err = Napi::TypeError::New(env, message);
  else if (code == "EINVAL" || code == "ESHAPE") err = Napi::RangeError::New(env, message);
  else err = Napi::Error::New(env, message);
  err.Set("code", Napi::String::New(env, "ABW_" + code));
  return err;
}

void throw_type(Napi::Env env, const std::string& message) { throw to_js_error(env, "EDTYPE", message); }

}  // namespace abw::addon
