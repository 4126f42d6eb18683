// The request/response interface of the memory models (TLM-2.0 style, non-blocking with
// back-pressure): an initiator (DMA engine, traffic generator) calls `try_send(request)`; a model
// that cannot take it now returns false and later calls the retry callback the initiator set (as
// TLM's END_REQ after a refused BEGIN_REQ). When the data transfer finishes the model calls
// `on_done(response)` at that simulated time. Addresses are physical byte addresses of the whole
// memory (all stacks).
#pragma once

#include <cstdint>
#include <functional>

namespace xpu::mem {

struct MemResponse {
  std::uint64_t address = 0;
  std::uint32_t size = 0;
  bool is_write = false;
  std::int64_t accepted_ps = 0;   // absolute simulated time the memory accepted the request
  std::int64_t done_ps = 0;       // absolute time its last data beat was transferred
};

struct MemRequest {
  std::uint64_t address = 0;
  std::uint32_t size = 64;  // bytes
  bool is_write = false;
  std::function<void(const MemResponse&)> on_done;  // may be empty
};

}  // namespace xpu::mem
