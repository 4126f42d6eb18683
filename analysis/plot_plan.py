#!/usr/bin/python3
"""Plot the plan.csv written by `xpusim plan` into plan.png and plan.svg.

usage: /usr/bin/python3 analysis/plot_plan.py OUTDIR/plan.csv [--out DIR] [--title TEXT]

Panels (training):
  1. Pareto plot: simulated step time against the HBM footprint per rank (memory model) of every
     simulated layout; the Pareto front (no other layout is both faster and smaller) is joined by a
     line and labelled; the HBM capacity is a dashed vertical line;
  2. the ranked layouts' step time split into compute, exposed communication and idle (pipeline
     bubble, waiting for peers) as stacked horizontal bars, best at the top.
With --inference (plans of `xpusim plan --inference`), panel 1 is throughput per chip against the
step latency, with the Pareto front (no other layout is both faster and higher in throughput), the
layouts slower than the target (too_slow) as crosses and the target (--latency-ms) as a dashed line.
Deterministic output (see plot_common.py). Needs only the standard library and matplotlib.
"""
import argparse
import os
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plot_common import read_csv_rows, COLOURS, fail, plt, save  # noqa: E402

REQUIRED = ["rank", "status", "batch", "tokens_per_s_per_chip", "tp", "pp", "dp", "cp", "ep", "vpp", "micro_batch", "recompute", "zero",
            "hbm_total_gib", "hbm_capacity_gib", "step_time_s", "compute_s", "exposed_comm_s", "idle_s", "pareto"]


def read_rows(path, inference):
    rows = read_csv_rows(path, REQUIRED, "a plan.csv from `xpusim plan`")
    sim, slow = [], []
    for r in rows:
        if r["status"] not in ("simulated", "too_slow"):
            continue
        try:
            rec = {k: float(r[k]) for k in ("hbm_total_gib", "hbm_capacity_gib", "step_time_s", "compute_s",
                                           "exposed_comm_s", "idle_s", "tokens_per_s_per_chip")}
            rec["rank"] = float(r["rank"]) if r["rank"] else 0.0
        except ValueError as e:
            fail("%s: bad number in row %s: %s" % (path, r, e))
        rec["pareto"] = r["pareto"] == "yes"
        if inference:
            rec["label"] = "tp%s%s batch %s" % (r["tp"], "" if r["ep"] == "1" else " ep" + r["ep"], r["batch"])
        else:
            rec["label"] = "tp%s pp%s dp%s cp%s%s vpp%s mb%s %s z%s" % (
                r["tp"], r["pp"], r["dp"], r["cp"], "" if r["ep"] == "1" else " ep" + r["ep"], r["vpp"],
                r["micro_batch"], r["recompute"], r["zero"])
        (sim if r["status"] == "simulated" else slow).append(rec)
    if not sim:
        fail("%s has no ranked layouts" % path)
    sim.sort(key=lambda x: x["rank"])
    return sim, slow


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("csv")
    ap.add_argument("--out", default=None, help="output directory (default: the CSV's)")
    ap.add_argument("--title", default="", help="figure title")
    ap.add_argument("--inference", action="store_true", help="the CSV is an inference plan")
    ap.add_argument("--latency-ms", type=float, default=0.0, help="inference latency target")
    a = ap.parse_args()
    out_dir = a.out or os.path.dirname(os.path.abspath(a.csv))
    sim, slow = read_rows(a.csv, a.inference)
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(13, max(4.0, 0.32 * len(sim) + 1.5)))

    if a.inference:
        front = sorted([r for r in sim if r["pareto"]], key=lambda r: r["step_time_s"])
        others = [r for r in sim if not r["pareto"]]
        ax.scatter([1e3 * r["step_time_s"] for r in others], [r["tokens_per_s_per_chip"] for r in others],
                   color=COLOURS["idle"], label="meets the target", zorder=2)
        if slow:
            ax.scatter([1e3 * r["step_time_s"] for r in slow], [r["tokens_per_s_per_chip"] for r in slow], marker="x",
                       color=COLOURS["p2p"], label="too slow", zorder=2)
        ax.plot([1e3 * r["step_time_s"] for r in front], [r["tokens_per_s_per_chip"] for r in front], "o-",
                color=COLOURS["exposed"], label="Pareto front", zorder=3)
        for r in front:
            ax.annotate("#%d %s" % (r["rank"], r["label"]), (1e3 * r["step_time_s"], r["tokens_per_s_per_chip"]),
                        fontsize=7, xytext=(4, 4), textcoords="offset points")
        if a.latency_ms > 0:
            ax.axvline(a.latency_ms, linestyle="--", color=COLOURS["ideal"], label="latency target")
        ax.set_xlabel("step latency (ms)")
        ax.set_ylabel("tokens/s per chip")
        ax.set_title("throughput against latency")
        ax.legend(loc="best")
    else:
        plot_memory(ax, sim)
    breakdown(bx, sim)
    if a.title:
        fig.suptitle(a.title)
    fig.tight_layout()
    for p in save(fig, out_dir, "plan"):
        print("  wrote %s" % p)


def plot_memory(ax, sim):
    front = sorted([r for r in sim if r["pareto"]], key=lambda r: r["hbm_total_gib"])
    others = [r for r in sim if not r["pareto"]]
    ax.scatter([r["hbm_total_gib"] for r in others], [r["step_time_s"] for r in others], color=COLOURS["idle"],
               label="simulated", zorder=2)
    ax.plot([r["hbm_total_gib"] for r in front], [r["step_time_s"] for r in front], "o-", color=COLOURS["exposed"],
            label="Pareto front", zorder=3)
    for r in front:
        ax.annotate("#%d %s" % (r["rank"], r["label"]), (r["hbm_total_gib"], r["step_time_s"]), fontsize=7,
                    xytext=(4, 4), textcoords="offset points")
    ax.axvline(sim[0]["hbm_capacity_gib"], linestyle="--", color=COLOURS["ideal"], label="HBM capacity")
    ax.set_xlabel("HBM footprint per rank (GiB, memory model)")
    ax.set_ylabel("step time (s)")
    ax.set_title("step time against memory")
    ax.legend(loc="best")


def breakdown(bx, sim):
    y = list(range(len(sim)))[::-1]
    comp = [r["compute_s"] for r in sim]
    expo = [r["exposed_comm_s"] for r in sim]
    idle = [r["idle_s"] for r in sim]
    bx.barh(y, comp, color=COLOURS["compute"], label="compute")
    bx.barh(y, expo, left=comp, color=COLOURS["exposed"], label="exposed communication")
    bx.barh(y, idle, left=[c + e for c, e in zip(comp, expo)], color=COLOURS["idle"], label="idle (bubble, waiting)")
    bx.set_yticks(y)
    bx.set_yticklabels(["#%d %s" % (r["rank"], r["label"]) for r in sim], fontsize=7)
    bx.set_xlabel("seconds per step (per-rank average)")
    bx.set_title("ranked layouts: where the step goes")
    bx.legend(loc="lower right")


if __name__ == "__main__":
    main()
