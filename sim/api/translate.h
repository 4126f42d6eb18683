// The facade's error boundary: simulator exceptions become xpusim::Error (include/xpusim/xpusim.h),
// with the location of a ConfigError kept as fields.
#pragma once

#include <mutex>
#include <new>
#include <string>

#include "sim/core/error.h"
#include "xpusim/xpusim.h"

namespace xpu::api {

// The simulator's event kernel is one per process: facade calls from several threads (the Python
// module releases the GIL while it simulates) run one at a time.
std::recursive_mutex& facade_mutex();

template <typename F>
auto translate_errors(F&& f) -> decltype(f()) {
  std::lock_guard<std::recursive_mutex> serial(facade_mutex());
  try {
    return f();
  } catch (const ConfigError& e) {
    throw xpusim::Error(xpusim::Error::Kind::Config, e.what(), e.loc().file, e.loc().line, e.loc().column, e.key_path());
  } catch (const SimulationError& e) {
    throw xpusim::Error(xpusim::Error::Kind::Simulation, e.what());
  } catch (const UserError& e) {
    throw xpusim::Error(xpusim::Error::Kind::Input, e.what());
  } catch (const InternalError& e) {
    throw xpusim::Error(xpusim::Error::Kind::Internal, e.what());
  } catch (const xpusim::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    throw xpusim::Error(xpusim::Error::Kind::Internal, std::string("internal error (a bug in xpusim): ") + e.what());
  }
}

}  // namespace xpu::api
