// Registry<T, Args...>: one named table of implementations per extension point.
//
// Every extension point of xpusim (compute model, memory model, network model, collective
// algorithm, topology level kind, trace reader, trace writer, report writer, CLI subcommand) is a
// Registry of the same shape. An entry registers itself from its own .cpp file with XPU_REGISTER
// (or a point's own macro built on it) and declares, once:
//   * its name (the string a config or command line selects it by),
//   * a one-line doc,
//   * its parameters: the config keys it reads, as cfg::FieldDoc rows (type, unit, default, range,
//     meaning), normally taken from the spec struct's `visit` declaration with `params_of<Spec>`,
//   * a factory making the implementation (Args... are the factory's arguments).
// `xpusim schema`, `xpusim check` and docs/config-reference.md list every registry through
// `registry_catalog()`, and config fields that select an entry take their `one_of` choices from
// `names()`: adding an implementation is one file (plus its test), with no list to update.
//
// Registration happens during static initialisation; registries are function-local statics, so an
// entry may register before or after anything else. The simulator's modules are CMake OBJECT
// libraries (sim/CMakeLists.txt), so the linker never drops a self-registering file.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/core/config.h"
#include "sim/core/error.h"

namespace xpu {

// The parameters an entry declares (computed on demand: describing a spec needs no static order).
using ParamDocs = std::function<std::vector<cfg::FieldDoc>()>;

// The rows of Spec's declaration (prefixed by `prefix`) whose key is in `keys`, in declaration
// order; every key of Spec when `keys` is empty.
template <class Spec>
ParamDocs params_of(std::string prefix, std::vector<std::string> keys = {}) {
  return [prefix = std::move(prefix), keys = std::move(keys)] {
    std::vector<cfg::FieldDoc> all = cfg::describe<Spec>(prefix), out;
    for (auto& d : all) {
      if (keys.empty()) {
        out.push_back(std::move(d));
        continue;
      }
      for (const auto& k : keys) {
        const std::string full = prefix.empty() ? k : prefix + "." + k;  // the key and its sub-keys
        if (d.key == full || d.key.rfind(full + ".", 0) == 0 || d.key.rfind(full + "[]", 0) == 0) out.push_back(d);
      }
    }
    return out;
  };
}
inline ParamDocs params_concat(std::vector<ParamDocs> parts) {
  return [parts = std::move(parts)] {
    std::vector<cfg::FieldDoc> out;
    for (const auto& p : parts)
      for (auto& d : p()) out.push_back(std::move(d));
    return out;
  };
}
inline ParamDocs no_params() { return [] { return std::vector<cfg::FieldDoc>{}; }; }

// What `schema` and the conformance tests see of any registry, whatever its T.
struct EntryInfo {
  std::string name;
  std::string doc;
  std::vector<cfg::FieldDoc> params;
};

class RegistryBase {
 public:
  RegistryBase(std::string what, std::string selected_by);
  virtual ~RegistryBase();  // leaves the catalog
  RegistryBase(const RegistryBase&) = delete;
  RegistryBase& operator=(const RegistryBase&) = delete;
  const std::string& what() const { return what_; }               // "collective algorithm"
  const std::string& selected_by() const { return selected_by_; }  // "models.collective_algorithm"
  virtual std::vector<std::string> names() const = 0;
  virtual std::vector<EntryInfo> info() const = 0;
  bool contains(const std::string& name) const;
  // UserError "unknown <what> 'x' (did you mean 'y'?); known: a, b, c".
  [[noreturn]] void unknown(const std::string& name) const;

 private:
  std::string what_, selected_by_;
};

// Every registry that exists, by `what` (for schema, check and the conformance tests).
const std::map<std::string, const RegistryBase*>& registry_catalog();

template <class T, class... Args>
class Registry : public RegistryBase {
 public:
  using Factory = std::function<std::unique_ptr<T>(Args...)>;
  struct Entry {
    std::string name;
    std::string doc;
    ParamDocs params;
    Factory make;
  };
  using RegistryBase::RegistryBase;

  // Registers (a later entry of the same name replaces the earlier one: tests may override).
  bool add(std::string name, std::string doc, ParamDocs params, Factory make) {
    std::string key = name;
    entries_[key] = Entry{std::move(name), std::move(doc), params ? std::move(params) : no_params(), std::move(make)};
    return true;
  }
  const Entry* find(const std::string& name) const {
    auto it = entries_.find(name);
    return it == entries_.end() ? nullptr : &it->second;
  }
  // The implementation named `name`; UserError (with the nearest name) when none is.
  std::unique_ptr<T> make(const std::string& name, Args... args) const {
    const Entry* e = find(name);
    if (e == nullptr) unknown(name);
    return e->make(std::forward<Args>(args)...);
  }
  const std::map<std::string, Entry>& entries() const { return entries_; }
  std::vector<std::string> names() const override {
    std::vector<std::string> v;
    for (const auto& [k, e] : entries_) v.push_back(k);
    return v;
  }
  std::vector<EntryInfo> info() const override {
    std::vector<EntryInfo> v;
    for (const auto& [k, e] : entries_) v.push_back({k, e.doc, e.params()});
    return v;
  }

 private:
  std::map<std::string, Entry> entries_;
};

// Markdown: one section per registry, one row per entry, its parameters below it.
std::string registries_markdown();

}  // namespace xpu

#define XPU_REGISTRY_CONCAT_(a, b) a##b
#define XPU_REGISTRY_CONCAT(a, b) XPU_REGISTRY_CONCAT_(a, b)
// XPU_REGISTER(registry(), "name", "one-line doc", params, factory): registers at static
// initialisation. `registry` is the point's accessor (e.g. ::xpu::level_kind_registry).
#define XPU_REGISTER(REGISTRY, NAME, DOC, PARAMS, FACTORY)                           \
  static const bool XPU_REGISTRY_CONCAT(xpu_registered_, __LINE__) [[maybe_unused]] = \
      (REGISTRY).add(NAME, DOC, PARAMS, FACTORY)
