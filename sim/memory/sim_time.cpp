#include "sim/memory/sim_time.h"

#include <systemc>

#include "sim/core/kernel.h"

namespace xpu::mem {
std::int64_t abs_now_ps() {
  static const bool init = (Kernel::instance(), true);
  (void)init;
  return static_cast<std::int64_t>(sc_core::sc_time_stamp().value());
}
}  // namespace xpu::mem
