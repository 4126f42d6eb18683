#include "sim/core/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>

namespace xpu::cfg {
namespace fs = std::filesystem;

// ---- Node -------------------------------------------------------------------------------------------
const Node::Entry* Node::find_entry(const std::string& key) const {
  for (const auto& e : map)
    if (e.key == key) return &e;
  return nullptr;
}
const Node* Node::find(const std::string& key) const {
  const Entry* e = find_entry(key);
  return e ? &e->value : nullptr;
}
std::string Node::kind_name() const {
  switch (kind) {
    case Kind::Null: return "nothing (null)";
    case Kind::Scalar: return "a scalar '" + scalar + "'";
    case Kind::Map: return "a map";
    case Kind::Seq: return "a list";
  }
  return "?";
}

// ---- loading ----------------------------------------------------------------------------------------
namespace {

SourceLoc loc_of(const YAML::Mark& m, const std::string& file) {
  if (m.line < 0) return SourceLoc{file, 0, 0};
  return SourceLoc{file, m.line + 1, m.column + 1};
}

// Bounds on what one YAML document may expand to (docs/config.md, "Limits"). Aliases are expanded
// into copies, so a "billion laughs" document of a few hundred bytes would otherwise become billions
// of nodes; the node budget stops it at once with a located error.
struct Budget {
  std::size_t nodes = 0;
  std::size_t max_nodes = kMaxYamlNodes;
};

// Without aliases a document cannot hold more nodes than it has bytes; aliases may multiply that by
// kMaxAliasExpansion at most (legitimate reuse such as `<<: *defaults` stays far below).
Budget budget_for(std::size_t text_bytes) {
  Budget b;
  b.max_nodes = std::min(kMaxYamlNodes, kMaxAliasExpansion * text_bytes + 4096);
  return b;
}

[[noreturn]] void limit_error(const YAML::Node& y, const std::string& file, const std::string& what) {
  throw ConfigError(loc_of(y.Mark(), file), "", what);
}

Node convert(const YAML::Node& y, const std::string& file, Budget& budget, int depth) {
  if (++budget.nodes > budget.max_nodes)
    limit_error(y, file, "document expands to more than " + std::to_string(budget.max_nodes) +
                             " YAML nodes (aliases count once per use; at most " +
                             std::to_string(kMaxAliasExpansion) + " per byte of text, " +
                             std::to_string(kMaxYamlNodes) + " in all); refusing to load it");
  if (depth > kMaxYamlDepth)
    limit_error(y, file, "nesting deeper than " + std::to_string(kMaxYamlDepth) + " levels");
  Node n;
  n.loc = loc_of(y.Mark(), file);
  switch (y.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      n.kind = Node::Kind::Null;
      break;
    case YAML::NodeType::Scalar:
      n.kind = Node::Kind::Scalar;
      if (y.Scalar().size() > kMaxYamlScalarBytes)
        limit_error(y, file, "a scalar of " + std::to_string(y.Scalar().size()) + " bytes (limit " +
                                 std::to_string(kMaxYamlScalarBytes) + ")");
      n.scalar = y.Scalar();
      n.quoted = y.Tag() == "!";
      break;
    case YAML::NodeType::Sequence:
      n.kind = Node::Kind::Seq;
      for (const auto& c : y) n.seq.push_back(convert(c, file, budget, depth + 1));
      break;
    case YAML::NodeType::Map: {
      n.kind = Node::Kind::Map;
      std::set<std::string> seen;
      for (const auto& kv : y) {
        Node::Entry e;
        if (!kv.first.IsScalar())
          throw ConfigError(loc_of(kv.first.Mark(), file), "", "map keys must be plain strings");
        e.key = kv.first.Scalar();
        e.key_loc = loc_of(kv.first.Mark(), file);
        if (!seen.insert(e.key).second)
          throw ConfigError(e.key_loc, e.key, "duplicate key in the same map");
        e.value = convert(kv.second, file, budget, depth + 1);
        if (e.value.loc.line == 0) e.value.loc = e.key_loc;
        n.map.push_back(std::move(e));
      }
      break;
    }
  }
  return n;
}

Node convert(const YAML::Node& y, const std::string& file, std::size_t text_bytes) {
  Budget budget = budget_for(text_bytes);
  return convert(y, file, budget, 0);
}

YAML::Node parse_yaml(const std::string& text, const std::string& name) {
  if (text.size() > kMaxYamlFileBytes)
    throw UserError(name + ": file of " + std::to_string(text.size()) + " bytes exceeds the YAML reader's limit of " +
                    std::to_string(kMaxYamlFileBytes) + " bytes");
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& ex) {
    throw ConfigError(loc_of(ex.mark, name), "", "YAML syntax error: " + ex.msg);
  }
}

void merge_into(Node& base, const Node& over) {
  if (base.is_map() && over.is_map()) {
    for (const auto& e : over.map) {
      bool found = false;
      for (auto& b : base.map) {
        if (b.key == e.key) {
          merge_into(b.value, e.value);
          b.key_loc = e.key_loc;
          found = true;
          break;
        }
      }
      if (!found) base.map.push_back(e);
    }
    base.loc = over.loc;
    return;
  }
  base = over;
}

Node resolve_bases(Node n, const std::string& dir, std::vector<std::string>& stack);

Node load_path(const std::string& path, std::vector<std::string>& stack, const SourceLoc& from) {
  std::error_code ec;
  fs::path canon = fs::weakly_canonical(fs::path(path), ec);
  std::string key = ec ? path : canon.string();
  if (std::find(stack.begin(), stack.end(), key) != stack.end())
    throw ConfigError(from, "base", "inheritance cycle: '" + path + "' includes itself");
  std::error_code dir_ec;
  if (fs::is_directory(path, dir_ec)) {
    if (from.line > 0) throw ConfigError(from, "base", "'" + path + "' is a directory, not a file");
    throw UserError(path + ": is a directory, not a file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (from.line > 0) throw ConfigError(from, "base", "cannot open '" + path + "'");
    throw UserError(path + ": cannot open file");
  }
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size > static_cast<std::streamoff>(kMaxYamlFileBytes))
    throw UserError(path + ": file of " + std::to_string(size) + " bytes exceeds the YAML reader's limit of " +
                    std::to_string(kMaxYamlFileBytes) + " bytes");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (stack.size() >= kMaxBaseDepth)
    throw ConfigError(from, "base", "`base:` chain deeper than " + std::to_string(kMaxBaseDepth) + " files");
  stack.push_back(key);
  YAML::Node y = parse_yaml(text, path);
  Node n = convert(y, path, text.size());
  if (n.loc.line == 0) n.loc = SourceLoc{path, 1, 1};
  n = resolve_bases(std::move(n), fs::path(path).parent_path().string(), stack);
  stack.pop_back();
  return n;
}

Node resolve_bases(Node n, const std::string& dir, std::vector<std::string>& stack) {
  if (n.is_seq()) {
    for (auto& c : n.seq) c = resolve_bases(std::move(c), dir, stack);
    return n;
  }
  if (!n.is_map()) return n;
  for (auto& e : n.map) e.value = resolve_bases(std::move(e.value), dir, stack);
  const Node::Entry* b = n.find_entry("base");
  if (b == nullptr) return n;
  std::vector<std::pair<std::string, SourceLoc>> files;
  if (b->value.is_scalar()) {
    files.emplace_back(b->value.scalar, b->value.loc);
  } else if (b->value.is_seq()) {
    for (const auto& s : b->value.seq) {
      if (!s.is_scalar()) throw ConfigError(s.loc, "base", "expected a file name");
      files.emplace_back(s.scalar, s.loc);
    }
  } else {
    throw ConfigError(b->value.loc, "base", "expected a file name or a list of file names");
  }
  Node merged;
  merged.kind = Node::Kind::Map;
  merged.loc = n.loc;
  for (const auto& [f, loc] : files) {
    fs::path p = fs::path(f).is_absolute() ? fs::path(f) : fs::path(dir.empty() ? "." : dir) / f;
    Node parent = load_path(p.lexically_normal().string(), stack, loc);
    if (!parent.is_map()) throw ConfigError(loc, "base", "'" + f + "' does not hold a map");
    merge_into(merged, parent);
  }
  Node self = n;
  self.map.erase(std::remove_if(self.map.begin(), self.map.end(),
                                [](const Node::Entry& e) { return e.key == "base"; }),
                 self.map.end());
  merge_into(merged, self);
  return merged;
}

}  // namespace

Node load_file(const std::string& path) {
  std::vector<std::string> stack;
  return load_path(path, stack, SourceLoc{});
}

Node load_string(const std::string& text, const std::string& name, const std::string& dir) {
  YAML::Node y = parse_yaml(text, name);
  Node n = convert(y, name, text.size());
  std::vector<std::string> stack;
  return resolve_bases(std::move(n), dir, stack);
}

// ---- Field ------------------------------------------------------------------------------------------
static std::string num_text(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string Field::range_text(std::optional<double> type_max) const {
  std::string s;
  auto add = [&](const std::string& x) { s += (s.empty() ? "" : ", ") + x; };
  if (positive_) add("> 0");
  if (min_) add(">= " + num_text(*min_));
  if (max_) add("<= " + num_text(*max_));
  else if (type_max) add("<= " + num_text(*type_max));
  if (pow2_) add("power of two");
  if (!choices_.empty()) {
    std::string c;
    for (const auto& x : choices_) c += (c.empty() ? "" : ", ") + x;
    add("one of " + c);
  }
  return s;
}

// ---- scalar readers ---------------------------------------------------------------------------------
namespace {
const Node& need_scalar(const Node& n, const std::string& path, const char* what) {
  if (!n.is_scalar())
    throw ConfigError(n.loc, path, std::string("expected ") + what + ", got " + n.kind_name());
  return n;
}
}  // namespace

void read_scalar(const Node& n, const std::string& path, std::int64_t& out) {
  const std::string& s = need_scalar(n, path, "an integer").scalar;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 0);
  if (s.empty() || *end != '\0' || errno == ERANGE) {
    // accept "1e6"-style integers if exact
    char* e2 = nullptr;
    double d = std::strtod(s.c_str(), &e2);
    if (!s.empty() && *e2 == '\0' && std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e18) {
      out = static_cast<std::int64_t>(d);
      return;
    }
    throw ConfigError(n.loc, path, "expected an integer, got '" + s + "'");
  }
  out = v;
}
void read_scalar(const Node& n, const std::string& path, int& out) {
  std::int64_t v = 0;
  read_scalar(n, path, v);
  if (v > 2147483647LL || v < -2147483648LL)
    throw ConfigError(n.loc, path, "integer out of range, got '" + n.scalar + "'");
  out = static_cast<int>(v);
}
void read_scalar(const Node& n, const std::string& path, double& out) {
  const std::string& s = need_scalar(n, path, "a number").scalar;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || !std::isfinite(v))
    throw ConfigError(n.loc, path, "expected a number, got '" + s + "'");
  out = v;
}
void read_scalar(const Node& n, const std::string& path, bool& out) {
  const std::string& s = need_scalar(n, path, "true or false").scalar;
  if (s == "true" || s == "True" || s == "yes" || s == "on") out = true;
  else if (s == "false" || s == "False" || s == "no" || s == "off") out = false;
  else throw ConfigError(n.loc, path, "expected true or false, got '" + s + "'");
}
void read_scalar(const Node& n, const std::string& path, std::string& out) {
  out = need_scalar(n, path, "a string").scalar;
}

template <class Q, class F>
static void read_quantity(const Node& n, const std::string& path, Q& out, F parse, const char* what) {
  const std::string& s = need_scalar(n, path, what).scalar;
  try {
    out = parse(s);
  } catch (const UnitError& e) {
    throw ConfigError(n.loc, path, e.what());
  }
}

static bool plain_number(const std::string& s, double& v) {
  char* end = nullptr;
  v = std::strtod(s.c_str(), &end);
  return !s.empty() && *end == '\0' && std::isfinite(v);
}

void read_scalar(const Node& n, const std::string& path, Bytes& out) {
  double v;
  if (n.is_scalar() && plain_number(n.scalar, v)) { out = Bytes(v); return; }  // plain count = bytes
  read_quantity(n, path, out, parse_bytes, "a size");
}
void read_scalar(const Node& n, const std::string& path, Flops& out) {
  read_quantity(n, path, out, parse_flops, "an operation count");
}
void read_scalar(const Node& n, const std::string& path, Seconds& out) {
  read_quantity(n, path, out, parse_seconds, "a time");
}
void read_scalar(const Node& n, const std::string& path, BytesPerSecond& out) {
  read_quantity(n, path, out, parse_bandwidth, "a bandwidth");
}
void read_scalar(const Node& n, const std::string& path, FlopsPerSecond& out) {
  read_quantity(n, path, out, parse_flops_rate, "a compute rate");
}
void read_scalar(const Node& n, const std::string& path, Hertz& out) {
  read_quantity(n, path, out, parse_frequency, "a frequency");
}

std::string type_name(const std::int64_t*) { return "integer"; }
std::string type_name(const int*) { return "integer"; }
std::string type_name(const double*) { return "number"; }
std::string type_name(const bool*) { return "bool"; }
std::string type_name(const std::string*) { return "string"; }
std::string type_name(const Bytes*) { return "size (e.g. 64 GiB)"; }
std::string type_name(const Seconds*) { return "time (e.g. 1.2 us)"; }
std::string type_name(const BytesPerSecond*) { return "bandwidth (e.g. 1.6 TB/s)"; }
std::string type_name(const FlopsPerSecond*) { return "rate (e.g. 989 TFLOP/s)"; }
std::string type_name(const Hertz*) { return "frequency (e.g. 1.85 GHz)"; }
std::string type_name(const Flops*) { return "operation count"; }

std::string json_scalar(std::int64_t v) { return std::to_string(v); }
std::string json_scalar(int v) { return std::to_string(v); }
std::string json_scalar(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}
std::string json_scalar(bool v) { return v ? "true" : "false"; }
std::string json_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\t': o += "\\t"; break;
      case '\r': o += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          o += buf;
        } else {
          o += c;
        }
    }
  }
  return o;
}
std::string json_scalar(const std::string& v) { return "\"" + json_escape(v) + "\""; }

double numeric_value(std::int64_t v) { return static_cast<double>(v); }
double numeric_value(int v) { return v; }
double numeric_value(double v) { return v; }

std::string default_text(const std::int64_t& v) { return std::to_string(v); }
std::string default_text(const int& v) { return std::to_string(v); }
std::string default_text(const double& v) { return num_text(v); }
std::string default_text(const bool& v) { return v ? "true" : "false"; }
std::string default_text(const std::string& v) { return v.empty() ? "\"\"" : v; }
std::string default_text(const Bytes& v) { return v.value() == 0 ? "0" : format_bytes(v); }
std::string default_text(const Seconds& v) { return v.value() == 0 ? "0 s" : format_seconds(v); }
std::string default_text(const BytesPerSecond& v) { return v.value() == 0 ? "0" : format_bandwidth(v); }
std::string default_text(const FlopsPerSecond& v) { return v.value() == 0 ? "0" : format_flops_rate(v); }
std::string default_text(const Hertz& v) { return num_text(v.value() / 1e9) + " GHz"; }
std::string default_text(const Flops& v) { return num_text(v.value()); }

// ---- Reader -----------------------------------------------------------------------------------------
Reader::Reader(const Node& map, std::string path, std::shared_ptr<std::map<std::string, SourceLoc>> locs)
    : map_(&map), path_(std::move(path)), locs_(std::move(locs)) {}

void Reader::finish() const {
  for (const auto& e : map_->map) {
    if (std::find(declared_.begin(), declared_.end(), e.key) != declared_.end()) continue;
    std::string msg = "unknown key '" + e.key + "'";
    std::string near = nearest(e.key, declared_);
    if (!near.empty()) msg += " (did you mean '" + near + "'?)";
    else {
      std::string all;
      for (const auto& d : declared_) all += (all.empty() ? "" : ", ") + d;
      msg += "; valid keys here: " + all;
    }
    throw ConfigError(e.key_loc, path_.empty() ? e.key : path_ + "." + e.key, msg);
  }
}

void check_range(const Node& n, const std::string& path, double v, const Field& f, std::optional<double> type_max) {
  auto shown = [&]() { return n.is_scalar() ? "'" + n.scalar + "'" : num_text(v); };
  if (!std::isfinite(v)) throw ConfigError(n.loc, path, "must be a finite number, got " + shown());
  if (f.is_positive() && !(v > 0))
    throw ConfigError(n.loc, path, "must be greater than zero, got " + shown());
  if (f.min_value() && v < *f.min_value())
    throw ConfigError(n.loc, path, "must be at least " + num_text(*f.min_value()) + ", got " + shown());
  if (f.max_value() && v > *f.max_value())
    throw ConfigError(n.loc, path, "must be at most " + num_text(*f.max_value()) + ", got " + shown());
  if (!f.max_value() && type_max && std::fabs(v) > *type_max)
    throw ConfigError(n.loc, path, "outside the plausible range (magnitude at most " + num_text(*type_max) +
                                       "; see `xpusim schema`), got " + shown());
  if (f.is_power_of_two()) {
    double l = std::log2(v);
    if (!(v >= 1) || l != std::floor(l))
      throw ConfigError(n.loc, path, "must be a power of two, got " + shown());
  }
}

void check_choice(const Node& n, const std::string& path, const std::string& v, const Field& f) {
  if (f.choices().empty()) return;
  if (std::find(f.choices().begin(), f.choices().end(), v) != f.choices().end()) return;
  std::string all;
  for (const auto& c : f.choices()) all += (all.empty() ? "" : ", ") + c;
  std::string msg = "must be one of " + all + ", got '" + v + "'";
  std::string near = nearest(v, f.choices());
  if (!near.empty()) msg += " (did you mean '" + near + "'?)";
  throw ConfigError(n.loc, path, msg);
}

// ---- Checker ----------------------------------------------------------------------------------------
SourceLoc Checker::where(const std::string& key) const {
  if (locs_) {
    auto it = locs_->find(path(key));
    if (it != locs_->end()) return it->second;
  }
  return fallback_;
}
void Checker::fail(const std::string& key, const std::string& message) const {
  throw ConfigError(where(key), path(key), message);
}

// ---- JsonWriter -------------------------------------------------------------------------------------
void JsonWriter::close() {
  if (!first_) os_ << "\n" << std::string(indent_, ' ');
  os_ << "}";
}

// ---- overrides ------------------------------------------------------------------------------------
void apply_override(Node& root, const std::string& key_path, const std::string& value, const std::string& origin) {
  const SourceLoc here{origin, 0, 0};  // no line: the origin names the override itself
  if (key_path.empty()) throw ConfigError(here, "", "empty key");
  // Parse the value as YAML in its own little document.
  Node v;
  try {
    v = convert(YAML::Load(value), origin, value.size());
  } catch (const YAML::Exception& ex) {
    throw ConfigError(here, key_path, "value is not valid YAML: " + ex.msg);
  }
  if (v.is_null() && value.empty()) throw ConfigError(here, key_path, "missing value (write KEY=VALUE)");
  std::function<void(Node&)> stamp = [&](Node& n) {
    n.loc = here;
    for (auto& e : n.map) { e.key_loc = here; stamp(e.value); }
    for (auto& c : n.seq) stamp(c);
  };
  stamp(v);
  Node* cur = &root;
  std::string done;
  size_t i = 0;
  while (i < key_path.size()) {
    size_t j = key_path.find_first_of(".[", i);
    std::string name = key_path.substr(i, j == std::string::npos ? std::string::npos : j - i);
    if (name.empty()) throw ConfigError(here, key_path, "malformed key path");
    if (cur->is_null()) { cur->kind = Node::Kind::Map; cur->loc = here; }
    if (!cur->is_map())
      throw ConfigError(here, done.empty() ? name : done, "cannot set '" + name + "' inside " + cur->kind_name());
    Node::Entry* e = nullptr;
    for (auto& x : cur->map)
      if (x.key == name) e = &x;
    if (e == nullptr) {
      cur->map.push_back(Node::Entry{name, here, Node{}});
      e = &cur->map.back();
      e->value.loc = here;
    }
    done += (done.empty() ? "" : ".") + name;
    cur = &e->value;
    i = j == std::string::npos ? key_path.size() : j;
    while (i < key_path.size() && key_path[i] == '[') {
      size_t close = key_path.find(']', i);
      if (close == std::string::npos) throw ConfigError(here, key_path, "missing ']'");
      std::string idx = key_path.substr(i + 1, close - i - 1);
      char* end = nullptr;
      long k = std::strtol(idx.c_str(), &end, 10);
      if (idx.empty() || *end != '\0' || k < 0) throw ConfigError(here, key_path, "bad list index '" + idx + "'");
      if (!cur->is_seq() || static_cast<size_t>(k) >= cur->seq.size())
        throw ConfigError(here, done, "has no element [" + idx + "] (" + cur->kind_name() + ")");
      done += "[" + idx + "]";
      cur = &cur->seq[static_cast<size_t>(k)];
      i = close + 1;
    }
    if (i < key_path.size()) {
      if (key_path[i] != '.') throw ConfigError(here, key_path, "malformed key path");
      ++i;
    }
  }
  // Keep the key location of an existing entry's value replaced; maps merge into maps.
  if (cur->is_map() && v.is_map()) merge_into(*cur, v);
  else *cur = v;
}

// ---- docs -------------------------------------------------------------------------------------------
std::string docs_markdown(const std::vector<FieldDoc>& docs) {
  std::string s = "| key | type | default | range | description |\n|---|---|---|---|---|\n";
  for (const auto& d : docs) {
    s += "| `" + d.key + "` | " + d.type + " | " + (d.required ? "**required**" : d.default_text) + " | " +
         d.range + " | " + d.description + " |\n";
  }
  return s;
}

std::string nearest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    std::vector<size_t> prev(c.size() + 1), cur(c.size() + 1);
    for (size_t j = 0; j <= c.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= word.size(); ++i) {
      cur[0] = i;
      for (size_t j = 1; j <= c.size(); ++j) {
        size_t sub = prev[j - 1] + (std::tolower(word[i - 1]) == std::tolower(c[j - 1]) ? 0 : 1);
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
      }
      std::swap(prev, cur);
    }
    if (prev[c.size()] < best_d) {
      best_d = prev[c.size()];
      best = c;
    }
  }
  return best;
}

}  // namespace xpu::cfg
