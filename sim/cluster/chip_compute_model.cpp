#include "sim/cluster/chip_compute_model.h"

#include <algorithm>
#include <cmath>

namespace xpu::cluster {

ChipComputeModel::ChipComputeModel(const ChipSpec& chip, std::unique_ptr<mem::MemoryPort> port,
                                   const chip::SimOptions& opt)
    : chip_(chip), port_(std::move(port)), cache_(std::make_unique<chip::OpCache>(chip_, *port_, opt)) {}

const chip::OpResult& ChipComputeModel::simulate(const chip::OpDesc& op) {
  switch (op.kind) {
    case chip::OpDesc::Kind::Gemm: return cache_->gemm(op.gemm);
    case chip::OpDesc::Kind::Vector: return cache_->vector(op.vector);
    case chip::OpDesc::Kind::Attention: return cache_->attention(op.attention);
  }
  throw InternalError("unknown op kind");
}

std::string ChipComputeModel::name() const { return "compute-array (" + port_->name() + " memory)"; }

namespace {
OpCost from(const chip::OpResult& r) {
  OpCost c;
  c.time = r.time;
  c.flops = r.flops;
  c.hbm_bytes = r.hbm_bytes;
  c.bound = r.bound;
  c.detail = r.mapping;
  return c;
}
}  // namespace

OpCost ChipComputeModel::cost(const wl::Node& n) {
  switch (n.kind) {
    case wl::NodeKind::Gemm: {
      chip::GemmShape g;
      g.m = n.gemm.m;
      g.n = n.gemm.n;
      g.k = n.gemm.k;
      g.batch = n.gemm.batch;
      g.dtype = n.gemm.dtype;
      return from(cache_->gemm(g));
    }
    case wl::NodeKind::Vector: {
      const VectorOpClassSpec* cls = chip_.vector.ops.find(n.vec.op_class);
      const double eb = dtype_bytes(n.vec.dtype);
      if (cls != nullptr && cls->inputs + cls->outputs > 0 && eb > 0 && n.vec.bytes.value() > 0) {
        chip::VectorOpDesc v;
        v.op_class = n.vec.op_class;
        v.dtype = n.vec.dtype;
        v.elements = std::max<std::int64_t>(
            1, static_cast<std::int64_t>(std::llround(n.vec.bytes.value() / ((cls->inputs + cls->outputs) * eb))));
        return from(cache_->vector(v));
      }
      OpCost c;
      c.flops = n.vec.flops;
      c.hbm_bytes = n.vec.bytes;
      mem::AccessProfile prof;
      Seconds tc = c.flops / chip_.vector_peak(),
              tm = c.hbm_bytes / (port_->achievable_bandwidth(prof) * chip_.kernel.memory_efficiency);
      c.time = std::max({tc, tm, chip_.kernel.dispatch_time}) + chip_.kernel.launch_overhead;
      c.bound = tc >= tm ? "compute" : "memory";
      c.detail = "roofline fallback: op class '" + n.vec.op_class + "' not in chip.vector.ops";
      return c;
    }
    case wl::NodeKind::MemCopy: {
      OpCost c;
      mem::AccessProfile prof;
      prof.read_fraction = 0.5;
      c.hbm_bytes = n.copy.bytes * 2.0;
      c.time = c.hbm_bytes / (port_->achievable_bandwidth(prof) * chip_.kernel.memory_efficiency);
      if (n.copy.direction != "d2d") c.time = std::max(c.time, n.copy.bytes / chip_.links.bandwidth);
      c.bound = "memory";
      return c;
    }
    case wl::NodeKind::Attention: {
      const auto& a = n.attn;
      chip::AttentionShape s;
      s.batch = a.batch;
      s.heads = a.heads;
      s.kv_heads = a.kv_heads;
      s.q_len = a.q_len;
      s.kv_len = a.kv_len;
      s.head_dim = std::max(a.head_dim, a.vdim());
      s.causal = a.causal;
      s.backward = a.backward;
      s.dtype = a.dtype;
      OpCost c = from(cache_->attention(s));
      c.flops = a.flops();  // the standard convention (see ir.h), whatever the kernel skips
      return c;
    }
    case wl::NodeKind::Delay: {
      OpCost c;
      c.time = n.duration;
      c.flops = n.flops_hint;
      c.bound = "fixed";
      return c;
    }
    default:
      XPU_ASSERT(false, "compute cost asked for a communication node");
  }
  return {};
}

}  // namespace xpu::cluster
