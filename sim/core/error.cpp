#include "sim/core/error.h"

namespace xpu {

std::string SourceLoc::str() const {
  if (line <= 0) return file.empty() ? std::string("<input>") : file;
  return (file.empty() ? std::string("<input>") : file) + ":" + std::to_string(line) + ":" +
         std::to_string(column);
}

static std::string compose(const SourceLoc& loc, const std::string& key, const std::string& msg) {
  std::string s = loc.str() + ": ";
  if (!key.empty()) s += key + ": ";
  return s + msg;
}

ConfigError::ConfigError(SourceLoc loc, std::string key_path, std::string message)
    : UserError(compose(loc, key_path, message)),
      loc_(std::move(loc)),
      key_(std::move(key_path)),
      msg_(std::move(message)) {}

void internal_error(const char* file, int line, const std::string& what) {
  throw InternalError(std::string("internal error (a bug in xpusim) at ") + file + ":" +
                      std::to_string(line) + ": " + what);
}

}  // namespace xpu
