#!/usr/bin/python3
"""Gantt chart of a few ranks from the ops.csv of `xpusim run --out DIR`.

usage: /usr/bin/python3 analysis/plot_timeline.py DIR/ops.csv [--ranks 0,64] [--max-ranks 4]
                                                  [--start S] [--end S] [--out DIR]

Writes timeline.png: two lanes per rank (compute stream, communication stream), one bar per op
from issue to completion, coloured by kind (GEMM, vector, memcpy, collective, send; receives hold
no stream and are not drawn: a send's bar shows the transfer). Default ranks: up to --max-ranks of the traced ranks,
evenly spread (for a pipeline, first to last stage). --start/--end (seconds) zoom into a window.
Deterministic output (see plot_common.py).
"""
import argparse
import csv
import os
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plot_common import COLOURS, fail, plt, save  # noqa: E402

GROUPS = [("gemm", COLOURS["gemm"], 1.0), ("vector", COLOURS["vector"], 1.0), ("memcpy", COLOURS["memcpy"], 1.0),
          ("other compute", COLOURS["other"], 1.0), ("collective", COLOURS["comm"], 1.0),
          ("send", COLOURS["p2p"], 1.0)]


def group_of(kind, cls):
    if kind == "recv":
        return None
    if kind == "send":
        return "send"
    if cls.startswith("comm:"):
        return "collective"
    for g in ("gemm", "vector", "memcpy"):
        if cls.startswith(g):
            return g
    return "other compute"


def traced_ranks(path):
    ranks = set()
    with open(path) as f:
        next(f, None)
        for line in f:
            ranks.add(int(line.split(",", 1)[0]))
    return sorted(ranks)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("ops")
    ap.add_argument("--ranks", default="", help="comma-separated ranks (default: spread over the traced ranks)")
    ap.add_argument("--max-ranks", type=int, default=4)
    ap.add_argument("--start", type=float, default=None, help="window start (s)")
    ap.add_argument("--end", type=float, default=None, help="window end (s)")
    ap.add_argument("--out", default=None, help="output directory (default: the CSV's)")
    a = ap.parse_args()
    if not os.path.exists(a.ops):
        fail("no such file %s" % a.ops)
    out_dir = a.out or os.path.dirname(os.path.abspath(a.ops))
    have = traced_ranks(a.ops)
    if not have:
        fail("%s has no ops" % a.ops)
    if a.ranks:
        try:
            ranks = [int(x) for x in a.ranks.split(",")]
        except ValueError:
            fail("--ranks: expected integers like 0,64")
        missing = [r for r in ranks if r not in have]
        if missing:
            fail("rank(s) %s are not in %s (traced: %s)" % (missing, a.ops, ",".join(map(str, have[:16]))))
    else:
        k = max(1, min(a.max_ranks, len(have)))
        ranks = sorted({have[round(i * (len(have) - 1) / max(1, k - 1))] for i in range(k)})
    wanted = set(ranks)
    lo, hi = a.start, a.end
    bars = {}  # (rank, stream, group) -> [(start, width)]
    t_max = 0.0
    with open(a.ops, newline="") as f:
        r = csv.DictReader(f)
        for row in r:
            rk = int(row["rank"])
            if rk not in wanted:
                continue
            s, e = float(row["start_s"]), float(row["end_s"])
            t_max = max(t_max, e)
            if (lo is not None and e < lo) or (hi is not None and s > hi):
                continue
            g = group_of(row["kind"], row["class"])
            if g is None:
                continue
            bars.setdefault((rk, row["stream"], g), []).append((s, max(e - s, 0.0)))
    lo = 0.0 if lo is None else lo
    hi = t_max if hi is None else hi
    if hi <= lo:
        fail("empty window [%g, %g] s" % (lo, hi))
    scale, unit = (1.0, "s") if hi - lo >= 1 else ((1e3, "ms") if hi - lo >= 1e-3 else (1e6, "us"))

    lanes = [(rk, st) for rk in ranks for st in ("compute", "comm")]
    fig, ax = plt.subplots(figsize=(13, 1.0 + 0.42 * len(lanes)))
    for i, (rk, st) in enumerate(lanes):
        y = len(lanes) - 1 - i
        for name, colour, alpha in GROUPS:
            segs = bars.get((rk, st, name))
            if segs:
                ax.broken_barh([(s * scale, w * scale) for s, w in segs], (y - 0.38, 0.76),
                               facecolors=colour, alpha=alpha, linewidth=0, rasterized=True)
    ax.set_yticks(range(len(lanes)))
    ax.set_yticklabels(["rank %d %s" % (rk, st) for rk, st in reversed(lanes)], fontsize=8)
    ax.set_xlim(lo * scale, hi * scale)
    ax.set_ylim(-0.6, len(lanes) - 0.4)
    ax.set_xlabel("time (%s)" % unit)
    ax.grid(axis="y", visible=False)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c, alpha=al) for _, c, al in GROUPS]
    ax.legend(handles, [g for g, _, _ in GROUPS], fontsize=7, ncol=len(GROUPS), loc="upper center",
              bbox_to_anchor=(0.5, -0.35 if len(lanes) <= 4 else -0.12), frameon=False)
    ax.set_title("Timeline of ranks %s (%s)" % (",".join(map(str, ranks)), os.path.basename(a.ops)))
    fig.tight_layout()
    for p in save(fig, out_dir, "timeline", formats=("png",)):
        print("  wrote %s" % p)


if __name__ == "__main__":
    main()
