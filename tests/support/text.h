// Reading what the CLI writes, for tests: CSV tables (plain cells, no quoting: the CSVs whose rows are
// checked have none) and one number out of a JSON document by key.
#pragma once

#include <cmath>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace xpu::test {

using CsvRow = std::map<std::string, std::string>;

// One map per data row, keyed by the header's column names. `header` (optional) receives the columns;
// `widths_ok` (optional) is cleared when a row has another number of cells than the header.
inline std::vector<CsvRow> read_csv(const std::string& text, std::vector<std::string>* header = nullptr,
                                    bool* widths_ok = nullptr) {
  std::istringstream in(text);
  std::string line;
  std::vector<CsvRow> rows;
  auto split = [](const std::string& l) {
    std::vector<std::string> v;
    std::string cell;
    std::istringstream s(l);
    while (std::getline(s, cell, ',')) v.push_back(cell);
    if (!l.empty() && l.back() == ',') v.push_back("");
    return v;
  };
  if (widths_ok) *widths_ok = true;
  if (!std::getline(in, line)) return rows;
  const auto cols = split(line);
  if (header) *header = cols;
  while (std::getline(in, line)) {
    const auto v = split(line);
    if (widths_ok && v.size() != cols.size()) *widths_ok = false;
    CsvRow r;
    for (size_t i = 0; i < cols.size() && i < v.size(); ++i) r[cols[i]] = v[i];
    rows.push_back(r);
  }
  return rows;
}

// The number after the first `"key": ` at or after `from` (NaN when absent).
inline double json_number(const std::string& js, const std::string& key, std::size_t from = 0) {
  const auto at = js.find("\"" + key + "\": ", from);
  if (at == std::string::npos) return std::nan("");
  return std::stod(js.substr(at + key.size() + 4));
}

}  // namespace xpu::test
