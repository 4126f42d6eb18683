#include "sim/memory/memory_port.h"

namespace xpu::mem {

const char* pattern_name(Pattern p) {
  switch (p) {
    case Pattern::Stream: return "stream";
    case Pattern::Strided: return "strided";
    case Pattern::Random: return "random";
  }
  return "?";
}

}  // namespace xpu::mem
