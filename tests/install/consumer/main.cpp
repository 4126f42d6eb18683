// Prints the time of a 4096^3 bf16 GEMM on the installed Ascend-910B-like preset, as `xpusim op` does.
#include <cstdio>
#include <xpusim/xpusim.h>

int main() {
  const xpusim::OpResult r = xpusim::op(XPUSIM_DATA_DIR "/arch-configs/chips/ascend-910b-like.yaml",
                                        "gemm M=4096 N=4096 K=4096 dtype=bf16");
  std::printf("version %s\ntime_s %.12e\ncycles %lld\nbound %s\n", xpusim::version().c_str(), r.time_s, r.cycles, r.bound.c_str());
  return 0;
}
