// Config loading: every class of bad input gives one clear error naming file, line, column and key.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "sim/core/config.h"

using namespace xpu;
namespace fs = std::filesystem;

namespace {

struct Link {
  BytesPerSecond bandwidth;
  Seconds latency = units::microseconds(1);
  template <class V>
  void visit(V& v) {
    v.field("bandwidth", bandwidth, cfg::Field("one-way bandwidth").required().positive());
    v.field("latency", latency, cfg::Field("latency").min(0));
  }
};
struct Mem {
  Bytes capacity;
  std::int64_t channels = 8;
  template <class V>
  void visit(V& v) {
    v.field("capacity", capacity, cfg::Field("capacity").required().positive());
    v.field("channels", channels, cfg::Field("channels").positive().power_of_two());
  }
  void check(const cfg::Checker& c) const {
    if (capacity.bytes() < static_cast<double>(channels)) c.fail("capacity", "must be at least one byte per channel");
  }
};
struct Top {
  std::string name = "x";
  Hertz clock;
  Link link;
  Mem mem;
  template <class V>
  void visit(V& v) {
    v.field("name", name, cfg::Field("name"));
    v.field("clock", clock, cfg::Field("clock").required().positive());
    v.field("link", link, cfg::Field("link").required());
    v.field("mem", mem, cfg::Field("memory").required());
  }
};

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("xpusim_cfg_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                                         "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name) << text;
    return (path_ / name).string();
  }

 private:
  fs::path path_;
};

const char* kGood =
    "name: chipA\n"
    "clock: 1.85 GHz\n"
    "link:\n"
    "  bandwidth: 56 GB/s\n"
    "mem:\n"
    "  capacity: 64 GiB\n";

// Load `text`, expect a ConfigError; return it.
ConfigError load_error(const TempDir& d, const std::string& text) {
  std::string f = d.write("bad.yaml", text);
  try {
    cfg::read<Top>(cfg::load_file(f));
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.yaml:"), std::string::npos) << e.what();
    return e;
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return ConfigError({}, "", "");
}

}  // namespace

TEST(Config, ReadsUnitsAndDefaults) {
  TempDir d;
  Top t = cfg::read<Top>(cfg::load_file(d.write("good.yaml", kGood)));
  EXPECT_EQ(t.name, "chipA");
  EXPECT_DOUBLE_EQ(t.clock.hertz(), 1.85e9);
  EXPECT_DOUBLE_EQ(t.link.bandwidth.bytes_per_second(), 56e9);
  EXPECT_DOUBLE_EQ(t.link.latency.seconds(), 1e-6);  // default
  EXPECT_DOUBLE_EQ(t.mem.capacity.bytes(), 64.0 * units::GiB);
  EXPECT_EQ(t.mem.channels, 8);
}

TEST(Config, UnknownKeyNamesLineAndSuggests) {
  TempDir d;
  ConfigError e = load_error(d, std::string(kGood) + "  chanels: 16\n");
  EXPECT_EQ(e.loc().line, 7);
  EXPECT_EQ(e.loc().column, 3);
  EXPECT_EQ(e.key_path(), "mem.chanels");
  EXPECT_NE(e.message().find("did you mean 'channels'"), std::string::npos) << e.what();
}

TEST(Config, WrongTypeIsRejected) {
  TempDir d;
  ConfigError e = load_error(d, "name: a\nclock: 1 GHz\nlink: {bandwidth: 1 GB/s}\nmem:\n  capacity: 1 GiB\n  channels: many\n");
  EXPECT_EQ(e.loc().line, 6);
  EXPECT_EQ(e.key_path(), "mem.channels");
  EXPECT_NE(e.message().find("expected an integer"), std::string::npos) << e.what();
  ConfigError e2 = load_error(d, "clock: 1 GHz\nlink: [1, 2]\nmem: {capacity: 1 GiB}\n");
  EXPECT_EQ(e2.key_path(), "link");
  EXPECT_EQ(e2.loc().line, 2);
}

TEST(Config, MissingRequiredKey) {
  TempDir d;
  ConfigError e = load_error(d, "clock: 1 GHz\nlink:\n  latency: 1 us\nmem: {capacity: 1 GiB}\n");
  EXPECT_EQ(e.key_path(), "link.bandwidth");
  EXPECT_NE(e.message().find("missing required key 'bandwidth'"), std::string::npos) << e.what();
  EXPECT_EQ(e.loc().line, 3);  // the map that lacks it
}

TEST(Config, ZeroOrNegativeBandwidthAndSize) {
  TempDir d;
  ConfigError e = load_error(d, "clock: 1 GHz\nlink: {bandwidth: 0 GB/s}\nmem: {capacity: 1 GiB}\n");
  EXPECT_EQ(e.key_path(), "link.bandwidth");
  EXPECT_NE(e.message().find("greater than zero"), std::string::npos) << e.what();
  ConfigError e2 = load_error(d, "clock: 1 GHz\nlink: {bandwidth: 1 GB/s}\nmem: {capacity: -4 GiB}\n");
  EXPECT_EQ(e2.key_path(), "mem.capacity");
  EXPECT_EQ(e2.loc().line, 3);
}

TEST(Config, UnparsableUnitString) {
  TempDir d;
  ConfigError e = load_error(d, "clock: 1.85 GHz\nlink: {bandwidth: 1.6 TB}\nmem: {capacity: 1 GiB}\n");
  EXPECT_EQ(e.key_path(), "link.bandwidth");
  EXPECT_NE(e.message().find("expected a bandwidth"), std::string::npos) << e.what();
  ConfigError e2 = load_error(d, "clock: fast\nlink: {bandwidth: 1 GB/s}\nmem: {capacity: 1 GiB}\n");
  EXPECT_EQ(e2.key_path(), "clock");
  EXPECT_EQ(e2.loc().line, 1);
  EXPECT_EQ(e2.loc().column, 8);
}

TEST(Config, RangeAndCrossFieldChecks) {
  TempDir d;
  ConfigError e = load_error(d, "clock: 1 GHz\nlink: {bandwidth: 1 GB/s}\nmem: {capacity: 1 GiB, channels: 12}\n");
  EXPECT_NE(e.message().find("power of two"), std::string::npos) << e.what();
  ConfigError e2 = load_error(d, "clock: 1 GHz\nlink: {bandwidth: 1 GB/s}\nmem:\n  channels: 16\n  capacity: 8 B\n");
  EXPECT_EQ(e2.key_path(), "mem.capacity");
  EXPECT_EQ(e2.loc().line, 5);
}

TEST(Config, YamlSyntaxErrorHasLocation) {
  TempDir d;
  ConfigError e = load_error(d, "clock: 1 GHz\nlink: {bandwidth: 1 GB/s\nmem: {capacity: 1 GiB}\n");
  EXPECT_GT(e.loc().line, 0);
  EXPECT_NE(e.message().find("YAML syntax error"), std::string::npos);
}

TEST(Config, BaseInheritanceDeepMergesAndOverrides) {
  TempDir d;
  d.write("base.yaml", kGood);
  std::string f = d.write("derived.yaml", "base: base.yaml\nlink:\n  latency: 2 us\nmem:\n  channels: 16\n");
  Top t = cfg::read<Top>(cfg::load_file(f));
  EXPECT_EQ(t.name, "chipA");                                 // inherited
  EXPECT_DOUBLE_EQ(t.link.bandwidth.bytes_per_second(), 56e9);  // inherited inside an overridden map
  EXPECT_DOUBLE_EQ(t.link.latency.seconds(), 2e-6);           // overridden
  EXPECT_EQ(t.mem.channels, 16);
}

TEST(Config, ErrorsInInheritedFilePointAtThatFile) {
  TempDir d;
  d.write("base.yaml", "clock: 1 GHz\nlink: {bandwidth: 1 GB/s, latancy: 1 us}\nmem: {capacity: 1 GiB}\n");
  std::string f = d.write("derived.yaml", "base: base.yaml\nname: y\n");
  try {
    cfg::read<Top>(cfg::load_file(f));
    FAIL() << "expected an error";
  } catch (const ConfigError& e) {
    EXPECT_NE(e.loc().file.find("base.yaml"), std::string::npos) << e.what();
    EXPECT_EQ(e.loc().line, 2);
  }
}

TEST(Config, BaseCycleAndMissingBaseAreErrors) {
  TempDir d;
  d.write("a.yaml", "base: b.yaml\n");
  std::string f = d.write("b.yaml", "base: a.yaml\n");
  EXPECT_THROW(cfg::load_file(f), ConfigError);
  std::string g = d.write("c.yaml", "base: nowhere.yaml\n");
  try {
    cfg::load_file(g);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.loc().line, 1);
    EXPECT_NE(e.message().find("cannot open"), std::string::npos);
  }
}

TEST(Config, DuplicateKeyIsAnError) {
  TempDir d;
  ConfigError e = load_error(d, "clock: 1 GHz\nclock: 2 GHz\nlink: {bandwidth: 1 GB/s}\nmem: {capacity: 1 GiB}\n");
  EXPECT_EQ(e.loc().line, 2);
}

TEST(Config, DescribeListsEveryFieldWithDefaults) {
  auto docs = cfg::describe<Top>();
  ASSERT_GE(docs.size(), 8u);
  bool found = false;
  for (const auto& f : docs)
    if (f.key == "mem.channels") {
      found = true;
      EXPECT_EQ(f.default_text, "8");
      EXPECT_NE(f.range.find("power of two"), std::string::npos);
    }
  EXPECT_TRUE(found);
}

TEST(Config, JsonEchoIsDeterministic) {
  TempDir d;
  Top t = cfg::read<Top>(cfg::load_file(d.write("good.yaml", kGood)));
  std::string a = cfg::to_json(t), b = cfg::to_json(t);
  EXPECT_EQ(a, b);
  EXPECT_NE(a.find("\"bandwidth\": 56000000000"), std::string::npos) << a;
}

TEST(Config, OverridesSetNestedKeysListElementsAndReportThemselves) {
  TempDir d;
  cfg::Node root = cfg::load_file(d.write("good.yaml", kGood));
  cfg::apply_override(root, "link.latency", "3 us", "--set link.latency=3 us");
  cfg::apply_override(root, "mem.channels", "16", "--set mem.channels=16");
  Top t = cfg::read<Top>(root);
  EXPECT_DOUBLE_EQ(t.link.latency.seconds(), 3e-6);
  EXPECT_EQ(t.mem.channels, 16);
  EXPECT_DOUBLE_EQ(t.link.bandwidth.bytes_per_second(), 56e9);  // untouched sibling
  // An unknown key is reported by the reader, located at the override.
  cfg::apply_override(root, "mem.chanels", "4", "--set mem.chanels=4");
  try {
    cfg::read<Top>(root);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.loc().file, "--set mem.chanels=4");
    EXPECT_NE(e.message().find("did you mean 'channels'"), std::string::npos) << e.what();
  }
  // List elements by index; out-of-range and malformed paths are errors.
  cfg::Node lst = cfg::load_string("xs: [{a: 1}, {a: 2}]\n", "l.yaml");
  cfg::apply_override(lst, "xs[1].a", "5", "--set xs[1].a=5");
  EXPECT_EQ(lst.find("xs")->seq[1].find("a")->scalar, "5");
  EXPECT_THROW(cfg::apply_override(lst, "xs[2].a", "5", "o"), ConfigError);
  EXPECT_THROW(cfg::apply_override(lst, "xs[x]", "5", "o"), ConfigError);
  EXPECT_THROW(cfg::apply_override(lst, "xs..a", "5", "o"), ConfigError);
  EXPECT_THROW(cfg::apply_override(lst, "xs", "[1, 2", "o"), ConfigError);  // bad YAML value
}
