// Parsing of op descriptions; grammar in op_text.h.
#include "sim/chip/op_text.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>
#include <vector>

#include "sim/chip/systolic.h"
#include "sim/core/config.h"
#include "sim/core/error.h"

namespace xpu::chip {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::toupper(c)); });
  return s;
}

class Fields {
 public:
  Fields(std::string op, std::map<std::string, std::string> kv) : op_(std::move(op)), kv_(std::move(kv)) {}
  std::int64_t integer(const std::string& key, std::int64_t def, bool required) {
    used_.push_back(key);
    auto it = kv_.find(key);
    if (it == kv_.end()) {
      if (required) throw UserError(op_ + ": missing " + upper(key) + "=<integer>");
      return def;
    }
    const std::string& v = it->second;
    if (v.empty() || !std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c); }) ||
        v.size() > 15)
      throw UserError(op_ + ": " + upper(key) + " must be a positive integer, got '" + v + "'");
    const std::int64_t n = std::stoll(v);
    if (n <= 0) throw UserError(op_ + ": " + upper(key) + " must be a positive integer, got " + v);
    return n;
  }
  std::string text(const std::string& key, const std::string& def) {
    used_.push_back(key);
    auto it = kv_.find(key);
    return it == kv_.end() ? def : it->second;
  }
  DType dtype() {
    const std::string s = lower(text("dtype", "bf16"));
    DType d;
    if (!parse_dtype(s, d)) {
      std::string all;
      for (const auto& n : dtype_names()) all += (all.empty() ? "" : ", ") + n;
      throw UserError(op_ + ": unknown dtype '" + s + "'; known: " + all);
    }
    return d;
  }
  void finish() const {
    for (const auto& [k, v] : kv_) {
      if (std::find(used_.begin(), used_.end(), k) != used_.end()) continue;
      const std::string near = cfg::nearest(k, used_);
      throw UserError(op_ + ": unknown key '" + k + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)"));
    }
  }

 private:
  std::string op_;
  std::map<std::string, std::string> kv_;
  std::vector<std::string> used_;
};

}  // namespace

OpDesc parse_op(const std::string& text) {
  std::istringstream is(text);
  std::string name;
  if (!(is >> name)) throw UserError("empty op description; expected e.g. \"gemm M=4096 N=4096 K=4096 dtype=bf16\"");
  name = lower(name);
  std::map<std::string, std::string> kv;
  std::string tok;
  while (is >> tok) {
    const auto eq = tok.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UserError(name + ": expected key=value, got '" + tok + "'");
    std::string k = lower(tok.substr(0, eq));
    if (kv.count(k)) throw UserError(name + ": key '" + k + "' given twice");
    kv[k] = tok.substr(eq + 1);
  }
  Fields f(name, kv);
  OpDesc d;
  if (name == "gemm" || name == "matmul") {
    d.kind = OpDesc::Kind::Gemm;
    d.gemm.m = f.integer("m", 0, true);
    d.gemm.n = f.integer("n", 0, true);
    d.gemm.k = f.integer("k", 0, true);
    d.gemm.batch = f.integer("b", 1, false);
    d.gemm.dtype = f.dtype();
  } else if (name == "conv") {
    ConvShape c;
    c.h = f.integer("h", 0, true);
    c.w = f.integer("w", 0, true);
    c.c = f.integer("c", 0, true);
    c.f = f.integer("f", 0, true);
    c.fh = f.integer("fh", 0, true);
    c.fw = f.integer("fw", 0, true);
    c.stride_h = c.stride_w = f.integer("stride", 1, false);
    c.batch = f.integer("b", 1, false);
    const std::string rnd = lower(f.text("rounding", "floor"));
    if (rnd != "floor" && rnd != "scalesim")
      throw UserError("conv: rounding must be 'floor' or 'scalesim', got '" + rnd + "'");
    d.kind = OpDesc::Kind::Gemm;
    const GemmDims g = lower_conv(c, rnd == "floor" ? ConvRounding::Floor : ConvRounding::ScaleSim);
    d.gemm.m = g.m;
    d.gemm.n = g.n;
    d.gemm.k = g.k;
    d.gemm.dtype = f.dtype();
    d.note = "conv lowered by im2col to GEMM M=" + std::to_string(g.m) + " N=" + std::to_string(g.n) +
             " K=" + std::to_string(g.k);
  } else if (name == "attention" || name == "attn") {
    d.kind = OpDesc::Kind::Attention;
    auto& a = d.attention;
    a.batch = f.integer("b", 1, false);
    a.heads = f.integer("h", 0, true);
    a.kv_heads = f.integer("kvh", a.heads, false);
    a.q_len = f.integer("s", 0, true);
    a.kv_len = f.integer("kv", a.q_len, false);
    a.head_dim = f.integer("d", 0, true);
    const std::string c = f.text("causal", "0");
    if (c != "0" && c != "1") throw UserError("attention: causal must be 0 or 1, got '" + c + "'");
    a.causal = c == "1";
    const std::string bw = f.text("backward", "0");
    if (bw != "0" && bw != "1") throw UserError("attention: backward must be 0 or 1, got '" + bw + "'");
    a.backward = bw == "1";
    a.dtype = f.dtype();
    a.validate();
  } else {
    d.kind = OpDesc::Kind::Vector;
    auto& v = d.vector;
    v.op_class = name;
    const bool has_rows = kv.count("rows") || kv.count("cols");
    if (has_rows) {
      const std::int64_t rows = f.integer("rows", 0, true), cols = f.integer("cols", 0, true);
      v.elements = rows * cols;
      v.row_length = cols;
    } else {
      v.elements = f.integer("n", 0, true);
    }
    v.dtype = f.dtype();
  }
  f.finish();
  return d;
}

OpResult simulate_op(const ChipSpec& chip, const mem::MemoryPort& port, const OpDesc& op, const SimOptions& opt) {
  switch (op.kind) {
    case OpDesc::Kind::Gemm: return simulate_gemm(chip, port, op.gemm, opt);
    case OpDesc::Kind::Vector: return simulate_vector(chip, port, op.vector, opt);
    case OpDesc::Kind::Attention: return simulate_attention(chip, port, op.attention, opt);
  }
  throw InternalError("unknown op kind");
}

}  // namespace xpu::chip
