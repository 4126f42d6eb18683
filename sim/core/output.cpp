#include "sim/core/output.h"

#include <unistd.h>

#include <fstream>

#include "sim/core/error.h"

namespace fs = std::filesystem;

namespace xpu {
namespace {

fs::path temp_name(const fs::path& file) {
  return file.parent_path() / ("." + file.filename().string() + ".tmp." + std::to_string(::getpid()));
}

void stage(const fs::path& tmp, const fs::path& fin, std::string_view content) {
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (out) out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (out) out.flush();
  const bool ok = static_cast<bool>(out);
  out.close();
  if (!ok || out.fail()) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw UserError(fin.string() + ": cannot write file");
  }
}

}  // namespace

void write_file_atomic(const fs::path& file, std::string_view content) {
  const fs::path tmp = temp_name(file);
  stage(tmp, file, content);
  std::error_code ec;
  fs::rename(tmp, file, ec);
  if (ec) {
    std::error_code ignore;
    fs::remove(tmp, ignore);
    throw UserError(file.string() + ": cannot rename into place: " + ec.message());
  }
}

void write_files_atomic(const fs::path& dir, const std::vector<std::pair<std::string, std::string>>& files) {
  prepare_output_dir(dir, "output directory");
  std::vector<std::pair<fs::path, fs::path>> staged;
  auto cleanup = [&]() {
    std::error_code ec;
    for (const auto& [tmp, fin] : staged) fs::remove(tmp, ec);
  };
  try {
    for (const auto& [name, content] : files) {
      const fs::path fin = dir / name;
      const fs::path tmp = temp_name(fin);
      staged.emplace_back(tmp, fin);
      stage(tmp, fin, content);
    }
  } catch (...) {
    cleanup();
    throw;
  }
  for (const auto& [tmp, fin] : staged) {
    std::error_code ec;
    fs::rename(tmp, fin, ec);
    if (ec) {
      cleanup();
      throw UserError(fin.string() + ": cannot rename into place: " + ec.message());
    }
  }
}

void prepare_output_dir(const fs::path& dir, const std::string& option) {
  if (dir.empty()) throw UserError(option + ": empty path");
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    throw UserError(option + " " + dir.string() + ": exists and is not a directory");
  fs::create_directories(dir, ec);
  if (ec) throw UserError(option + " " + dir.string() + ": cannot create directory: " + ec.message());
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    throw UserError(option + " " + dir.string() + ": directory is not writable");
}

void prepare_output_file(const fs::path& file, const std::string& option) {
  if (file.empty() || file.filename().empty()) throw UserError(option + ": not a file name: '" + file.string() + "'");
  std::error_code ec;
  if (fs::exists(file, ec) && !fs::is_regular_file(file, ec))
    throw UserError(option + " " + file.string() + ": exists and is not a regular file");
  const fs::path parent = file.parent_path().empty() ? fs::path(".") : file.parent_path();
  prepare_output_dir(parent, option);
}

}  // namespace xpu
