// On-chip NoC: layout, X-then-Y routes, and the controller hot spot under max-min sharing.
#include <gtest/gtest.h>

#include "sim/interconnect/network.h"
#include "sim/interconnect/noc.h"

namespace xpu {
namespace {

TEST(Noc, MeshLayoutAndRoutes) {
  NocSpec s;  // 4 x 4 cores, 4 controllers on the west/east edge columns, 256 GB/s, 2 ns per hop
  Noc noc(s);
  EXPECT_EQ(noc.cores(), 16);
  EXPECT_EQ(noc.hbm_controllers(), 4);
  // controller 0 is on the west edge; core 0 is the tile east of the west edge in row 0
  Route r = noc.topology().route(noc.hbm(0), noc.core(0));
  const int y_hbm = noc.hbm(0) / 6;
  EXPECT_EQ(r.links.size(), static_cast<size_t>(1 + y_hbm));  // one hop east, then |dy| hops
  EXPECT_NEAR(r.latency_s, (1 + y_hbm) * 2e-9, 1e-18);
}

TEST(Noc, OneControllerServingAllCoresIsLimitedByItsSingleEgressLink) {
  NocSpec s;
  Noc noc(s);
  LocalScheduler sch;
  Network net(noc.topology(), sch);
  const double S = 1e6, B = 256e9;
  double last = 0;
  for (int i = 0; i < noc.cores(); ++i)
    net.send(noc.hbm(0), noc.core(i), Bytes(S), [&] { last = std::max(last, net.now().seconds()); });
  sch.run();
  // X-first routing: every flow leaves through the controller's one eastward link
  EXPECT_GE(last, 16 * S / B);
  EXPECT_LE(last, 16 * S / B + 10 * 2e-9 + 1e-12);
  // spreading reads over the nearest controllers is at least twice as fast
  LocalScheduler sch2;
  Network net2(noc.topology(), sch2);
  double last2 = 0;
  for (int i = 0; i < noc.cores(); ++i)
    net2.send(noc.hbm(noc.nearest_hbm(i)), noc.core(i), Bytes(S), [&] { last2 = std::max(last2, net2.now().seconds()); });
  sch2.run();
  EXPECT_LT(last2 * 2, last);
}

TEST(Noc, RingPlacesControllersAmongCores) {
  NocSpec s;
  s.kind = "ring";
  s.cols = 4;
  s.rows = 2;
  s.hbm_controllers = 2;
  Noc noc(s);
  EXPECT_EQ(noc.cores(), 8);
  EXPECT_EQ(noc.topology().chips(), 10);
  EXPECT_EQ(noc.hbm(0), 2);
  EXPECT_EQ(noc.hbm(1), 7);
  for (int i = 0; i < noc.cores(); ++i)
    EXPECT_LE(noc.topology().route(noc.core(i), noc.hbm(noc.nearest_hbm(i))).links.size(), 3u);
}

TEST(Noc, TooManyControllersRejected) {
  NocSpec s;
  s.hbm_controllers = 9;
  EXPECT_THROW(Noc{s}, UserError);
}

}  // namespace
}  // namespace xpu
