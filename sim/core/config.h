// Config loading: YAML at the edge, checked plain structs inside.
//
// 1. `load_file()` parses YAML (yaml-cpp) into a `cfg::Node` tree in which every node remembers its
//    file, line and column. A map may name `base: other.yaml` (or a list of files): those are loaded
//    first (paths relative to the file that names them), then this map is deep-merged over them
//    (maps merge key by key, scalars and sequences replace). Cycles in `base` are an error.
// 2. A spec struct declares each of its parameters once, in a `visit` member template:
//
//        struct LinkSpec {
//          BytesPerSecond bandwidth;
//          Seconds latency = units::microseconds(1);
//          template <class V> void visit(V& v) {
//            v.field("bandwidth", bandwidth, cfg::Field("one-way bandwidth of one link").required().positive());
//            v.field("latency", latency, cfg::Field("per-message start-up latency").min(0));
//          }
//        };
//
//    The same declaration drives reading (`cfg::read<LinkSpec>(node, "pod.link")`: type checks,
//    unit parsing, ranges, unknown keys with a nearest-key suggestion), the generated reference
//    (`cfg::describe<LinkSpec>()`), and the echo of the resolved config into reports
//    (`cfg::to_json`). Defaults are the member initialisers: written once.
//    A spec may also define `void check(const cfg::Checker& c) const` for cross-field rules; it
//    runs after reading and reports through `c.fail("key", "rule, got value")`, which names the
//    file and line of that key.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "sim/core/error.h"
#include "sim/core/units.h"

namespace xpu::cfg {

// ---- the located YAML tree ------------------------------------------------------------------------
class Node {
 public:
  enum class Kind { Null, Scalar, Map, Seq };
  Kind kind = Kind::Null;
  std::string scalar;          // for Scalar
  bool quoted = false;         // scalar was quoted in the source ("..."/'...')
  SourceLoc loc;               // where the value starts
  struct Entry;
  std::vector<Entry> map;      // for Map, in source order
  std::vector<Node> seq;       // for Seq

  bool is_map() const { return kind == Kind::Map; }
  bool is_seq() const { return kind == Kind::Seq; }
  bool is_scalar() const { return kind == Kind::Scalar; }
  bool is_null() const { return kind == Kind::Null; }
  const Node* find(const std::string& key) const;
  const Entry* find_entry(const std::string& key) const;
  std::string kind_name() const;
};
struct Node::Entry {
  std::string key;
  SourceLoc key_loc;
  Node value;
};
using Entry = Node::Entry;

// Reader limits: a document over these is refused with a located error instead of exhausting memory
// or stack (alias "billion laughs", deep nesting, huge scalars or files, long `base:` chains).
inline constexpr std::size_t kMaxYamlFileBytes = std::size_t{256} << 20;  // 256 MiB of text
inline constexpr std::size_t kMaxYamlNodes = 4'000'000;                  // after alias expansion
inline constexpr std::size_t kMaxAliasExpansion = 64;                    // nodes per byte of text
inline constexpr int kMaxYamlDepth = 200;                                // nesting levels
inline constexpr std::size_t kMaxYamlScalarBytes = std::size_t{1} << 20; // 1 MiB per scalar
inline constexpr std::size_t kMaxBaseDepth = 32;                         // `base:` files in a chain

// Parse a file (resolving `base:`); throws ConfigError with the location of any syntax error.
Node load_file(const std::string& path);
// Parse text that came from `name` (used in error messages); `base:` resolves relative to `dir`.
Node load_string(const std::string& text, const std::string& name, const std::string& dir = ".");

// ---- field declarations ---------------------------------------------------------------------------
class Field {
 public:
  explicit Field(std::string description) : desc_(std::move(description)) {}
  Field& required() { required_ = true; return *this; }
  Field& positive() { positive_ = true; return *this; }       // > 0
  Field& min(double v) { min_ = v; return *this; }             // >= v
  Field& max(double v) { max_ = v; return *this; }             // <= v
  Field& one_of(std::vector<std::string> choices) { choices_ = std::move(choices); return *this; }
  Field& power_of_two() { pow2_ = true; return *this; }

  const std::string& description() const { return desc_; }
  bool is_required() const { return required_; }
  bool is_positive() const { return positive_; }
  const std::optional<double>& min_value() const { return min_; }
  const std::optional<double>& max_value() const { return max_; }
  const std::vector<std::string>& choices() const { return choices_; }
  bool is_power_of_two() const { return pow2_; }
  // The range `schema` prints: the field's own bounds, or the value type's plausible ceiling
  // (`plausible_max<T>()`) where the field declares no maximum of its own.
  std::string range_text(std::optional<double> type_max = std::nullopt) const;

 private:
  std::string desc_;
  bool required_ = false;
  bool positive_ = false;
  bool pow2_ = false;
  std::optional<double> min_, max_;
  std::vector<std::string> choices_;
};

// ---- type traits: how each member type reads, prints and is named ---------------------------------
template <class T> struct is_vector : std::false_type {};
template <class T> struct is_vector<std::vector<T>> : std::true_type {};
template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};
template <class T> struct is_string_map : std::false_type {};
template <class T> struct is_string_map<std::map<std::string, T>> : std::true_type {};

// Scalar readers: convert one scalar node to a value, or throw ConfigError at that node.
void read_scalar(const Node& n, const std::string& path, std::int64_t& out);
void read_scalar(const Node& n, const std::string& path, int& out);
void read_scalar(const Node& n, const std::string& path, double& out);
void read_scalar(const Node& n, const std::string& path, bool& out);
void read_scalar(const Node& n, const std::string& path, std::string& out);
void read_scalar(const Node& n, const std::string& path, Bytes& out);
void read_scalar(const Node& n, const std::string& path, Seconds& out);
void read_scalar(const Node& n, const std::string& path, BytesPerSecond& out);
void read_scalar(const Node& n, const std::string& path, FlopsPerSecond& out);
void read_scalar(const Node& n, const std::string& path, Hertz& out);
void read_scalar(const Node& n, const std::string& path, Flops& out);

std::string type_name(const std::int64_t*);
std::string type_name(const int*);
std::string type_name(const double*);
std::string type_name(const bool*);
std::string type_name(const std::string*);
std::string type_name(const Bytes*);
std::string type_name(const Seconds*);
std::string type_name(const BytesPerSecond*);
std::string type_name(const FlopsPerSecond*);
std::string type_name(const Hertz*);
std::string type_name(const Flops*);

// Plausible ceilings by value type, applied to every value of that type whose field declares no `max`
// of its own (a typo such as 1e300 GB/s is an error at load, not an overflow deep in a model).
// Chosen well above any real accelerator or pod figure: 1 PiB, 1e6 s, 10 PB/s, 10 EFLOP/s, 1 THz,
// 1e24 FLOP, 2^30 for integer counts, 1e15 in magnitude for plain numbers.
inline constexpr double kPlausibleMaxBytes = 1125899906842624.0;      // 1 PiB
inline constexpr double kPlausibleMaxSeconds = 1.0e6;
inline constexpr double kPlausibleMaxBytesPerSecond = 1.0e16;        // 10 PB/s
inline constexpr double kPlausibleMaxFlopsPerSecond = 1.0e19;        // 10 EFLOP/s
inline constexpr double kPlausibleMaxHertz = 1.0e12;                 // 1 THz
inline constexpr double kPlausibleMaxFlops = 1.0e24;
inline constexpr double kPlausibleMaxCount = 1073741824.0;           // 2^30
inline constexpr double kPlausibleMaxMagnitude = 1.0e15;             // plain numbers (ratios, energies)

template <class T>
std::optional<double> plausible_max() {
  using V = std::decay_t<T>;
  if constexpr (std::is_same_v<V, Bytes>) return kPlausibleMaxBytes;
  else if constexpr (std::is_same_v<V, Seconds>) return kPlausibleMaxSeconds;
  else if constexpr (std::is_same_v<V, BytesPerSecond>) return kPlausibleMaxBytesPerSecond;
  else if constexpr (std::is_same_v<V, FlopsPerSecond>) return kPlausibleMaxFlopsPerSecond;
  else if constexpr (std::is_same_v<V, Hertz>) return kPlausibleMaxHertz;
  else if constexpr (std::is_same_v<V, Flops>) return kPlausibleMaxFlops;
  else if constexpr (std::is_same_v<V, int> || std::is_same_v<V, std::int64_t>) return kPlausibleMaxCount;
  else if constexpr (std::is_same_v<V, double>) return kPlausibleMaxMagnitude;
  else return std::nullopt;
}

// Range check of one read value (finite; the field's bounds; the type's plausible ceiling).
void check_range(const Node& n, const std::string& path, double v, const Field& f, std::optional<double> type_max);
void check_choice(const Node& n, const std::string& path, const std::string& v, const Field& f);

// JSON text for a scalar value (numbers in SI base units).
std::string json_scalar(std::int64_t v);
std::string json_scalar(int v);
std::string json_scalar(double v);
std::string json_scalar(bool v);
std::string json_scalar(const std::string& v);
template <class Tag>
std::string json_scalar(const Quantity<Tag>& q) { return json_scalar(q.value()); }

double numeric_value(std::int64_t v);
double numeric_value(int v);
double numeric_value(double v);
template <class Tag>
double numeric_value(const Quantity<Tag>& q) { return q.value(); }

// ---- reading ---------------------------------------------------------------------------------------
// Records where each key path came from, so cross-field checks can point at the right line.
class Checker {
 public:
  Checker(const std::map<std::string, SourceLoc>* locs, std::string prefix, SourceLoc fallback)
      : locs_(locs), prefix_(std::move(prefix)), fallback_(std::move(fallback)) {}
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;
  SourceLoc where(const std::string& key) const;
  std::string path(const std::string& key) const { return prefix_.empty() ? key : prefix_ + "." + key; }

 private:
  const std::map<std::string, SourceLoc>* locs_;
  std::string prefix_;
  SourceLoc fallback_;
};

template <class T, class = void>
struct has_check : std::false_type {};
template <class T>
struct has_check<T, std::void_t<decltype(std::declval<const T&>().check(std::declval<const Checker&>()))>>
    : std::true_type {};

class Reader {
 public:
  Reader(const Node& map, std::string path, std::shared_ptr<std::map<std::string, SourceLoc>> locs);

  template <class T>
  void field(const char* key, T& member, const Field& f);

  // Call after all fields: rejects keys that no field declared (suggesting the nearest).
  void finish() const;

  const std::string& path() const { return path_; }
  const Node& node() const { return *map_; }
  std::shared_ptr<std::map<std::string, SourceLoc>> locs() const { return locs_; }

 private:
  std::string sub(const char* key) const { return path_.empty() ? key : path_ + "." + key; }

  const Node* map_;
  std::string path_;
  std::shared_ptr<std::map<std::string, SourceLoc>> locs_;
  std::vector<std::string> declared_;
};

template <class T>
void read_value(const Node& n, const std::string& path, T& out,
                const std::shared_ptr<std::map<std::string, SourceLoc>>& locs, const Field& f);

// Read a whole spec from a map node.
template <class T>
void read_into(const Node& n, const std::string& path, T& out,
               const std::shared_ptr<std::map<std::string, SourceLoc>>& locs) {
  if (!n.is_map())
    throw ConfigError(n.loc, path, "expected a map of settings, got " + n.kind_name());
  Reader r(n, path, locs);
  out.visit(r);
  r.finish();
  if constexpr (has_check<T>::value) out.check(Checker(locs.get(), path, n.loc));
}

template <class T>
T read(const Node& n, const std::string& path = "") {
  auto locs = std::make_shared<std::map<std::string, SourceLoc>>();
  T out{};
  read_into(n, path, out, locs);
  return out;
}

// A detector for "T has visit(Reader&)".
template <class T, class = void>
struct is_struct_spec : std::false_type {};
template <class T>
struct is_struct_spec<T, std::void_t<decltype(std::declval<T&>().visit(std::declval<Reader&>()))>>
    : std::true_type {};

template <class T>
void read_value(const Node& n, const std::string& path, T& out,
                const std::shared_ptr<std::map<std::string, SourceLoc>>& locs, const Field& f) {
  (*locs)[path] = n.loc;
  if constexpr (is_struct_spec<T>::value) {
    read_into(n, path, out, locs);
  } else if constexpr (is_optional<T>::value) {
    typename T::value_type v{};
    if constexpr (is_struct_spec<typename T::value_type>::value) v = out.value_or(v);
    read_value(n, path, v, locs, f);
    out = std::move(v);
  } else if constexpr (is_vector<T>::value) {
    if (!n.is_seq()) throw ConfigError(n.loc, path, "expected a list, got " + n.kind_name());
    out.clear();
    for (size_t i = 0; i < n.seq.size(); ++i) {
      typename T::value_type v{};
      read_value(n.seq[i], path + "[" + std::to_string(i) + "]", v, locs, f);
      out.push_back(std::move(v));
    }
  } else if constexpr (is_string_map<T>::value) {
    if (!n.is_map()) throw ConfigError(n.loc, path, "expected a map, got " + n.kind_name());
    for (const auto& e : n.map) {
      typename T::mapped_type v{};
      auto it = out.find(e.key);
      if (it != out.end()) v = it->second;
      read_value(e.value, path + "." + e.key, v, locs, f);
      out[e.key] = std::move(v);
    }
  } else {
    read_scalar(n, path, out);
    using V = std::decay_t<T>;
    if constexpr (std::is_arithmetic_v<V> && !std::is_same_v<V, bool>) {
      check_range(n, path, numeric_value(out), f, plausible_max<V>());
    } else if constexpr (std::is_same_v<V, std::string>) {
      check_choice(n, path, out, f);
    } else if constexpr (std::is_base_of_v<Quantity<BytesTag>, V> || std::is_base_of_v<Quantity<SecondsTag>, V> ||
                         std::is_base_of_v<Quantity<BytesPerSecondTag>, V> ||
                         std::is_base_of_v<Quantity<FlopsPerSecondTag>, V> ||
                         std::is_base_of_v<Quantity<HertzTag>, V> || std::is_base_of_v<Quantity<FlopsTag>, V>) {
      check_range(n, path, out.value(), f, plausible_max<V>());
    }
  }
}

template <class T>
void Reader::field(const char* key, T& member, const Field& f) {
  declared_.emplace_back(key);
  const Entry* e = map_->find_entry(key);
  const std::string p = sub(key);
  if (e == nullptr || e->value.is_null()) {
    if (f.is_required() && e == nullptr)
      throw ConfigError(map_->loc, p, std::string("missing required key '") + key + "' (" + f.description() + ")");
    if (f.is_required())
      throw ConfigError(e->value.loc, p, "required key has no value (" + f.description() + ")");
    return;
  }
  (*locs_)[p] = e->key_loc;
  read_value(e->value, p, member, locs_, f);
}
// ---- describing (generated reference) -------------------------------------------------------------
struct FieldDoc {
  std::string key;          // dotted path
  std::string type;
  std::string default_text; // "" when required or none
  std::string description;
  std::string range;
  bool required = false;
};

class Describer {
 public:
  explicit Describer(std::string prefix) : prefix_(std::move(prefix)) {}
  template <class T>
  void field(const char* key, T& member, const Field& f);
  std::vector<FieldDoc> docs;

 private:
  std::string prefix_;
};

template <class T>
std::vector<FieldDoc> describe(const std::string& prefix = "") {
  T v{};
  Describer d(prefix);
  v.visit(d);
  return d.docs;
}

std::string default_text(const std::int64_t& v);
std::string default_text(const int& v);
std::string default_text(const double& v);
std::string default_text(const bool& v);
std::string default_text(const std::string& v);
std::string default_text(const Bytes& v);
std::string default_text(const Seconds& v);
std::string default_text(const BytesPerSecond& v);
std::string default_text(const FlopsPerSecond& v);
std::string default_text(const Hertz& v);
std::string default_text(const Flops& v);

template <class T, class = void>
struct is_describable : std::false_type {};
template <class T>
struct is_describable<T, std::void_t<decltype(std::declval<T&>().visit(std::declval<Describer&>()))>>
    : std::true_type {};

template <class T>
void Describer::field(const char* key, T& member, const Field& f) {
  std::string p = prefix_.empty() ? key : prefix_ + "." + key;
  using V = std::decay_t<T>;
  if constexpr (is_describable<V>::value) {
    docs.push_back({p, "map", "", f.description(), "", f.is_required()});
    Describer sub(p);
    member.visit(sub);
    for (auto& d : sub.docs) docs.push_back(std::move(d));
  } else if constexpr (is_vector<V>::value) {
    using E = typename V::value_type;
    if constexpr (is_describable<E>::value) {
      docs.push_back({p, "list of maps", "", f.description(), "", f.is_required()});
      E e{};
      Describer sub(p + "[]");
      e.visit(sub);
      for (auto& d : sub.docs) docs.push_back(std::move(d));
    } else {
      docs.push_back({p, "list of " + type_name(static_cast<const E*>(nullptr)), "", f.description(),
                      f.range_text(plausible_max<E>()), f.is_required()});
    }
  } else if constexpr (is_string_map<V>::value) {
    using E = typename V::mapped_type;
    if constexpr (is_describable<E>::value) {
      docs.push_back({p, "map of name -> map", "", f.description(), f.range_text(), f.is_required()});
      E e{};
      Describer sub(p + ".<name>");
      e.visit(sub);
      for (auto& d : sub.docs) docs.push_back(std::move(d));
    } else {
      std::string def;
      for (const auto& [k, v] : member) def += (def.empty() ? "" : ", ") + k + ": " + default_text(v);
      docs.push_back({p, "map of name -> " + type_name(static_cast<const E*>(nullptr)), def, f.description(),
                      f.range_text(plausible_max<E>()), f.is_required()});
    }
  } else if constexpr (is_optional<V>::value) {
    using E = typename V::value_type;
    docs.push_back({p, type_name(static_cast<const E*>(nullptr)) + " (optional)", "", f.description(),
                    f.range_text(plausible_max<E>()), false});
  } else {
    docs.push_back({p, type_name(static_cast<const V*>(nullptr)), f.is_required() ? "" : default_text(member),
                    f.description(), f.range_text(plausible_max<V>()), f.is_required()});
  }
}

// ---- echo as JSON (resolved config into reports) ---------------------------------------------------
class JsonWriter {
 public:
  explicit JsonWriter(std::ostringstream& os, int indent) : os_(os), indent_(indent) {}
  template <class T>
  void field(const char* key, T& member, const Field&);
  void close();

 private:
  template <class T>
  void value(const T& v);
  std::ostringstream& os_;
  int indent_;
  bool first_ = true;
};

template <class T, class = void>
struct is_jsonable_spec : std::false_type {};
template <class T>
struct is_jsonable_spec<T, std::void_t<decltype(std::declval<T&>().visit(std::declval<JsonWriter&>()))>>
    : std::true_type {};

std::string json_escape(const std::string& s);

template <class T>
void JsonWriter::value(const T& v) {
  using V = std::decay_t<T>;
  if constexpr (is_jsonable_spec<V>::value) {
    os_ << "{";
    JsonWriter sub(os_, indent_ + 2);
    const_cast<V&>(v).visit(sub);
    sub.close();
  } else if constexpr (is_vector<V>::value) {
    os_ << "[";
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) os_ << ", ";
      value(v[i]);
    }
    os_ << "]";
  } else if constexpr (is_string_map<V>::value) {
    os_ << "{";
    bool first = true;
    for (const auto& [k, x] : v) {
      os_ << (first ? "" : ", ") << "\"" << json_escape(k) << "\": ";
      value(x);
      first = false;
    }
    os_ << "}";
  } else if constexpr (is_optional<V>::value) {
    if (v) value(*v); else os_ << "null";
  } else {
    os_ << json_scalar(v);
  }
}

template <class T>
void JsonWriter::field(const char* key, T& member, const Field&) {
  os_ << (first_ ? "\n" : ",\n") << std::string(indent_ + 2, ' ') << "\"" << key << "\": ";
  first_ = false;
  value(member);
}

template <class T>
std::string to_json(const T& spec, int indent = 0) {
  std::ostringstream os;
  os << "{";
  JsonWriter w(os, indent);
  const_cast<T&>(spec).visit(w);
  w.close();
  return os.str();
}

// Set one value in a loaded tree: `key_path` is dotted with optional list indexes
// ("chip.hbm.bandwidth", "pod.topology.levels[1].link_bandwidth"); `value` is YAML text (a scalar,
// or a flow list/map such as "[4, 4, 4]"). Missing maps on the way are created (unknown keys are
// then reported by the spec reader as usual); list indexes must exist. Errors and the new node's
// location name `origin` (e.g. "--set chip.hbm.bandwidth=2 TB/s"). Throws ConfigError.
void apply_override(Node& root, const std::string& key_path, const std::string& value, const std::string& origin);

// Render field docs as a Markdown table (used by `xpusim schema` and docs/).
std::string docs_markdown(const std::vector<FieldDoc>& docs);

// Levenshtein-nearest candidate, or "" when nothing is close.
std::string nearest(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace xpu::cfg
