// Locating the rank files of a Chakra trace (`dir/prefix` -> prefix.0.et, prefix.1.et, ...; one
// .et file; or a directory holding one set). Contract in chakra.h.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>

#include "sim/core/error.h"
#include "sim/workload/chakra/chakra.h"

namespace xpu::wl::chakra {
namespace fs = std::filesystem;

namespace {

// ---- locating rank files --------------------------------------------------------------------------

// "prefix.N.et" -> (prefix, N); false when the name has another shape.
bool split_rank_name(const std::string& fname, std::string& prefix, long& rank) {
  if (fname.size() < 5 || fname.compare(fname.size() - 3, 3, ".et") != 0) return false;
  std::string stem = fname.substr(0, fname.size() - 3);
  auto dot = stem.rfind('.');
  if (dot == std::string::npos || dot + 1 >= stem.size()) return false;
  std::string num = stem.substr(dot + 1);
  if (!std::all_of(num.begin(), num.end(), [](unsigned char c) { return std::isdigit(c); })) return false;
  if (num.size() > 7) return false;
  prefix = stem.substr(0, dot);
  rank = std::stol(num);
  return true;
}

RankFiles collect(const fs::path& dir, const std::string& prefix, const std::string& shown) {
  std::map<long, std::string> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string p;
    long r = 0;
    if (split_rank_name(e.path().filename().string(), p, r) && p == prefix) found[r] = e.path().string();
  }
  if (found.empty()) throw UserError(shown + ": no Chakra rank files " + prefix + ".<rank>.et in " + dir.string());
  RankFiles rf;
  rf.name = prefix;
  long expect = 0;
  for (const auto& [r, f] : found) {
    if (r != expect)
      throw UserError(shown + ": rank file " + (dir / (prefix + "." + std::to_string(expect) + ".et")).string() +
                      " is missing (found ranks up to " + std::to_string(found.rbegin()->first) + ")");
    rf.files.push_back(f);
    ++expect;
  }
  return rf;
}


}  // namespace

bool looks_like_chakra(const std::string& path) {
  std::error_code ec;
  fs::path p(path);
  if (fs::is_regular_file(p, ec)) return p.extension() == ".et";
  if (fs::is_directory(p, ec)) {
    for (const auto& e : fs::directory_iterator(p, ec))
      if (e.path().extension() == ".et") return true;
    return false;
  }
  fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  return fs::exists(dir / (p.filename().string() + ".0.et"), ec);
}

RankFiles find_rank_files(const std::string& path) {
  std::error_code ec;
  fs::path p(path);
  if (fs::is_regular_file(p, ec)) {
    RankFiles rf;
    std::string prefix;
    long r = 0;
    rf.name = split_rank_name(p.filename().string(), prefix, r) ? prefix : p.stem().string();
    rf.files.push_back(path);
    return rf;
  }
  if (fs::is_directory(p, ec)) {
    std::set<std::string> prefixes;
    for (const auto& e : fs::directory_iterator(p, ec)) {
      std::string pre;
      long r = 0;
      if (split_rank_name(e.path().filename().string(), pre, r)) prefixes.insert(pre);
    }
    if (prefixes.empty()) throw UserError(path + ": directory holds no Chakra rank files (<prefix>.<rank>.et)");
    if (prefixes.size() > 1) {
      std::string all;
      for (const auto& x : prefixes) all += (all.empty() ? "" : ", ") + x;
      throw UserError(path + ": directory holds several traces (" + all + "); pass " + path + "/<prefix>");
    }
    return collect(p, *prefixes.begin(), path);
  }
  fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  if (!fs::is_directory(dir, ec)) throw UserError(path + ": no such file or directory");
  return collect(dir, p.filename().string(), path);
}


}  // namespace xpu::wl::chakra
