// The study layer's plumbing: a point's key follows the resolved inputs (not how they were written,
// not the labels), metrics round-trip exactly through their text form, and the SQLite store keeps
// each key once across reopenings.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "sim/study/point.h"
#include "sim/study/store.h"
#include "tests/support/paths.h"

using namespace xpu;
using namespace xpu::study;
using xpu::test::src;
namespace fs = std::filesystem;

namespace {

Point scenario_point(const std::vector<ArchOverride>& arch_ov, const std::vector<wl::gen::ScenarioOverride>& sc_ov) {
  Point p;
  p.arch = load_arch(src("arch-configs/pods/ascend-910b-8node.yaml"), arch_ov);
  p.scenario = wl::gen::load_scenario(src("workloads/scenarios/student-gpt-125m-tiny.yaml"), sc_ov);
  p.finalize();
  return p;
}

}  // namespace

TEST(StudyStore, TheKeyFollowsTheResolvedInputsOnly) {
  const Point a = scenario_point({{"chip.hbm.bandwidth", "2TB/s"}}, {});
  const Point b = scenario_point({{"chip.hbm.bandwidth", "2000 GB/s"}}, {});   // same value, other spelling
  const Point c = scenario_point({{"chip.hbm.bandwidth", "2.1TB/s"}}, {});
  EXPECT_EQ(a.key.size(), 16u);
  EXPECT_EQ(a.key, b.key);
  EXPECT_NE(a.key, c.key);
  Point labelled = a;
  labelled.labels = {{"whatever", "x"}};
  labelled.finalize();
  EXPECT_EQ(labelled.key, a.key);
  // The scenario's own value (tp 2) written as an override is the same point; another value is not.
  const Point base = scenario_point({}, {});
  EXPECT_EQ(scenario_point({}, {{"parallel.tp", "2", "test"}}).key, base.key);
  EXPECT_NE(scenario_point({}, {{"parallel.tp", "1", "test"}}).key, base.key);
  Point no_sym = base;
  no_sym.symmetry = false;
  no_sym.finalize();
  EXPECT_NE(no_sym.key, base.key);
  // FNV-1a 64 of the empty string and of "a" (the published test vectors).
  EXPECT_EQ(fnv1a_hex(""), "cbf29ce484222325");
  EXPECT_EQ(fnv1a_hex("a"), "af63dc4c8601ec8c");
}

TEST(StudyStore, MetricsRoundTripExactly) {
  Metrics m;
  m.step_time_s = 0.1 + 0.2;  // not representable in few digits
  m.tokens_per_s = 1.0 / 3.0;
  m.samples_per_s = -1;
  m.mfu = std::nextafter(0.5, 1.0);
  m.achieved_flops_per_s_per_chip = 7.25e14;
  m.compute_s = 1e-300;
  m.exposed_comm_s = 123456.789;
  m.overlap_s = 0;
  m.idle_s = 2.5;
  m.footprint_bytes = 85899345920;
  m.capacity_bytes = 68719476736;
  m.ranks = 512;
  m.simulated_ranks = 64;
  m.events = 18446744073709551615ULL;
  const Metrics r = decode(encode(m));
  EXPECT_EQ(encode(r), encode(m));
  EXPECT_EQ(r.step_time_s, m.step_time_s);
  EXPECT_EQ(r.mfu, m.mfu);
  EXPECT_EQ(r.compute_s, m.compute_s);
  EXPECT_EQ(r.events, m.events);
  EXPECT_FALSE(r.fits());
  Metrics e;
  e.error = "bad; thing\nhere";
  EXPECT_EQ(decode(encode(e)).error, "bad  thing here");
  EXPECT_THROW(decode("step_time_s=1"), UserError);           // incomplete
  EXPECT_THROW(decode("step_time_s=x;" + encode(m)), UserError);  // not a number
}

TEST(StudyStore, SqliteKeepsEachKeyOnceAcrossReopenings) {
  const fs::path dir = fs::temp_directory_path() / ("xpusim_store_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string db = (dir / "r.db").string();
  {
    SqliteStore s(db);
    EXPECT_EQ(s.size(), 0u);
    EXPECT_FALSE(s.get("k1"));
    s.put("k1", "study", "a=1", "one");
    s.put("k2", "study", "a=2", "two");
    s.put("k1", "study", "a=1", "one again");  // the same key replaces, never duplicates
    EXPECT_EQ(s.size(), 2u);
  }
  SqliteStore again(db);
  EXPECT_EQ(again.size(), 2u);
  EXPECT_EQ(*again.get("k1"), "one again");
  EXPECT_EQ(*again.get("k2"), "two");
  // A file that is not a database is refused with its name.
  const std::string junk = (dir / "junk.db").string();
  { std::FILE* f = std::fopen(junk.c_str(), "w"); std::fputs("this is not sqlite, just text, long enough to have a header..........", f); std::fclose(f); }
  try {
    SqliteStore bad(junk);
    FAIL() << "opened a text file as a database";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("junk.db"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}
