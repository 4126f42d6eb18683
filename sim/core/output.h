// Output files: written whole or not at all.
//
// Every file xpusim writes goes through write_file_atomic(): the bytes go to a temporary file in the
// destination folder (".<name>.tmp.<pid>"), which is flushed, closed and then renamed over the final
// name. A run that fails or is killed leaves either the previous file or the new one, never a torn
// one. Commands check their output location with prepare_output_dir()/prepare_output_file() before
// they simulate, so an unwritable or invalid --out fails at once with exit 2, not after the work.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xpu {

// Writes `content` to `file` atomically (temp file + rename). Throws UserError naming the file.
void write_file_atomic(const std::filesystem::path& file, std::string_view content);

// Writes several files into `dir`: all are staged first, then renamed into place one by one, so a
// failure while staging leaves none of them changed.
void write_files_atomic(const std::filesystem::path& dir,
                        const std::vector<std::pair<std::string, std::string>>& name_and_content);

// Creates `dir` if needed and checks that files can be created in it. `option` names the command-line
// option in the error ("--out"). Throws UserError.
void prepare_output_dir(const std::filesystem::path& dir, const std::string& option);

// Checks that `file` can be written: its folder exists (or is created) and is writable, and the
// file itself, if present, is a regular file. Throws UserError.
void prepare_output_file(const std::filesystem::path& file, const std::string& option);

}  // namespace xpu
