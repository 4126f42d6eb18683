// Registry<T>: registration, lookup, factories with arguments, unknown names with a suggestion,
// declared parameters taken from a spec's visit declaration, and the catalog schema prints.
#include <gtest/gtest.h>

#include "sim/core/registry.h"

namespace xpu {
namespace {

struct Shape {
  virtual ~Shape() = default;
  virtual double area() const = 0;
};
struct Square : Shape {
  explicit Square(double s) : side(s) {}
  double side;
  double area() const override { return side * side; }
};
struct Disc : Shape {
  explicit Disc(double r) : radius(r) {}
  double radius;
  double area() const override { return 3.0 * radius * radius; }
};

struct ShapeSpec {
  double side = 1.0;
  std::int64_t corners = 4;
  std::string colour = "red";
  template <class V>
  void visit(V& v) {
    v.field("side", side, cfg::Field("edge length").positive());
    v.field("corners", corners, cfg::Field("number of corners").min(0));
    v.field("colour", colour, cfg::Field("fill").one_of({"red", "blue"}));
  }
};

using ShapeRegistry = Registry<Shape, double>;
ShapeRegistry& shapes() {
  static ShapeRegistry r("test shape", "shape.kind");
  return r;
}
XPU_REGISTER(shapes(), "square", "four equal sides", params_of<ShapeSpec>("shape", {"side", "corners"}),
             [](double x) -> std::unique_ptr<Shape> { return std::make_unique<Square>(x); });
XPU_REGISTER(shapes(), "disc", "round", no_params(),
             [](double x) -> std::unique_ptr<Shape> { return std::make_unique<Disc>(x); });

TEST(Registry, FindsAndMakesEntriesByName) {
  EXPECT_EQ(shapes().names(), (std::vector<std::string>{"disc", "square"}));
  EXPECT_TRUE(shapes().contains("square"));
  EXPECT_FALSE(shapes().contains("triangle"));
  EXPECT_DOUBLE_EQ(shapes().make("square", 3.0)->area(), 9.0);
  EXPECT_DOUBLE_EQ(shapes().make("disc", 2.0)->area(), 12.0);
  ASSERT_NE(shapes().find("disc"), nullptr);
  EXPECT_EQ(shapes().find("disc")->doc, "round");
}

TEST(Registry, UnknownNameSuggestsTheNearestAndListsAll) {
  try {
    shapes().make("sqare", 1.0);
    FAIL();
  } catch (const UserError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("unknown test shape 'sqare'"), std::string::npos) << m;
    EXPECT_NE(m.find("did you mean 'square'"), std::string::npos) << m;
    EXPECT_NE(m.find("known: disc, square"), std::string::npos) << m;
  }
}

TEST(Registry, ParametersComeFromTheSpecDeclaration) {
  const auto info = shapes().info();
  ASSERT_EQ(info.size(), 2u);
  EXPECT_TRUE(info[0].params.empty());  // disc
  ASSERT_EQ(info[1].params.size(), 2u);  // square: side, corners (not colour), in declaration order
  EXPECT_EQ(info[1].params[0].key, "shape.side");
  EXPECT_EQ(info[1].params[0].default_text, "1");
  EXPECT_NE(info[1].params[0].range.find("> 0"), std::string::npos);
  EXPECT_EQ(info[1].params[1].key, "shape.corners");
  EXPECT_EQ(params_of<ShapeSpec>("")().size(), 3u);  // no keys: every field
}

TEST(Registry, CatalogListsEveryRegistryForSchema) {
  auto it = registry_catalog().find("test shape");
  ASSERT_NE(it, registry_catalog().end());
  EXPECT_EQ(it->second->selected_by(), "shape.kind");
  const std::string md = registries_markdown();
  EXPECT_NE(md.find("### test shape"), std::string::npos) << md;
  EXPECT_NE(md.find("| `square` | four equal sides |"), std::string::npos) << md;
  EXPECT_NE(md.find("`shape.side`"), std::string::npos) << md;
}

TEST(Registry, ALaterEntryOfTheSameNameReplacesTheEarlier) {
  ShapeRegistry local("local shape", "none");
  local.add("s", "first", nullptr, [](double x) -> std::unique_ptr<Shape> { return std::make_unique<Square>(x); });
  local.add("s", "second", nullptr, [](double x) -> std::unique_ptr<Shape> { return std::make_unique<Disc>(x); });
  EXPECT_EQ(local.names().size(), 1u);
  EXPECT_EQ(local.find("s")->doc, "second");
  EXPECT_DOUBLE_EQ(local.make("s", 1.0)->area(), 3.0);
}

TEST(Registry, ARegistryLeavesTheCatalogWhenDestroyed) {
  {
    ShapeRegistry scoped("scoped shape", "none");
    EXPECT_EQ(registry_catalog().count("scoped shape"), 1u);
  }
  EXPECT_EQ(registry_catalog().count("scoped shape"), 0u);
}

}  // namespace
}  // namespace xpu
