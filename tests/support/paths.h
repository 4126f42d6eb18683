#pragma once
#include <string>

namespace xpu::test {
inline std::string src(const std::string& rel) { return std::string(XPUSIM_SOURCE_DIR) + "/" + rel; }
inline std::string data(const std::string& rel) { return std::string(XPUSIM_SOURCE_DIR) + "/tests/data/" + rel; }
inline std::string binary() { return XPUSIM_BINARY; }
}  // namespace xpu::test
