// The catalog of registries, unknown-name errors and the generated Markdown (registry.h).
#include "sim/core/registry.h"

#include <algorithm>

namespace xpu {
namespace {
std::map<std::string, const RegistryBase*>& catalog() {
  static std::map<std::string, const RegistryBase*> c;
  return c;
}
std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}
}  // namespace

RegistryBase::RegistryBase(std::string what, std::string selected_by)
    : what_(std::move(what)), selected_by_(std::move(selected_by)) {
  catalog()[what_] = this;
}

RegistryBase::~RegistryBase() {
  auto it = catalog().find(what_);
  if (it != catalog().end() && it->second == this) catalog().erase(it);
}

bool RegistryBase::contains(const std::string& name) const {
  const auto n = names();
  return std::find(n.begin(), n.end(), name) != n.end();
}

void RegistryBase::unknown(const std::string& name) const {
  const auto n = names();
  const std::string near = cfg::nearest(name, n);
  throw UserError("unknown " + what_ + " '" + name + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)") +
                  "; known: " + join(n));
}

const std::map<std::string, const RegistryBase*>& registry_catalog() { return catalog(); }

std::string registries_markdown() {
  std::string s;
  for (const auto& [what, r] : catalog()) {
    s += "### " + what + "\n\nSelected by: " + r->selected_by() + ".\n\n| name | description |\n|---|---|\n";
    const auto entries = r->info();
    for (const auto& e : entries) s += "| `" + e.name + "` | " + e.doc + " |\n";
    s += "\n";
    for (const auto& e : entries) {
      if (e.params.empty()) continue;
      s += "Parameters of `" + e.name + "`:\n\n" + cfg::docs_markdown(e.params) + "\n";
    }
  }
  return s;
}

}  // namespace xpu
