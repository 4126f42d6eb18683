#!/usr/bin/env python3
"""Fit chip.power.mac_pj of a chip preset (docs/models/power.md, "Calibration").

The rule: a dense 8192^3 GEMM at the chip's sustained clock draws exactly its TDP, since the sustained
clock is the clock a chip holds under dense matrix work at its power cap. For each dtype given, the
GEMM is simulated with mac_pj = 1 pJ (so the matrix energy reads as MACs x 1e-12 J) and

    mac_pj[dtype] = (tdp_watts - static_watts - HBM watts of that GEMM) x time / (MACs x 1e-12 J)

usage: scripts/calibrate_power.py CHIP.yaml [DTYPE ...]     (default dtypes: bf16 fp8)
Prints the mac_pj map to paste into the preset. Needs build/xpusim; static_watts, hbm_pj_per_byte and
tdp_watts must already be in the preset.
"""
import json
import os
import subprocess
import sys
import tempfile

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = os.path.join(root, "build", "xpusim")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    chip = sys.argv[1]
    dtypes = sys.argv[2:] or ["bf16", "fp8"]
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for d in dtypes:
            trace = os.path.join(tmp, "g.yaml")
            with open(trace, "w") as f:
                f.write("workload:\n  name: power-calibration\n  ranks: 1\n  programs:\n    - ranks: all\n      nodes:\n"
                        "        - {id: g, op: gemm, m: 8192, n: 8192, k: 8192, dtype: %s}\n" % d)
            cmd = [binary, "run", "--arch", chip, "--workload", trace, "--json", "--set",
                   "chip.power.mac_pj={%s: 1}" % d, "--set", "chip.power.throttle=false"]
            j = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
            e, t = j["energy"], j["step_time_s"]
            if e is None or e["tdp_watts"] <= 0:
                sys.exit("%s: the preset needs chip.power.tdp_watts (and static_watts, hbm_pj_per_byte)" % chip)
            budget_w = e["tdp_watts"] - (e["static_j"] + e["hbm_j"]) / t
            out[d] = round(budget_w * t / e["matrix_j"], 3)
    print("mac_pj: {%s}" % ", ".join("%s: %s" % kv for kv in out.items()))


if __name__ == "__main__":
    main()
