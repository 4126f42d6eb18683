#!/usr/bin/python3
"""Plot where one simulated step goes, from the summary.json of `xpusim run --out DIR`.

usage: /usr/bin/python3 analysis/plot_breakdown.py DIR/summary.json [--ops DIR/ops.csv] [--out DIR]

Writes breakdown.png and breakdown.svg with three panels:
  1. time per op class, per rank (summary.json's by_class: compute classes are summed op times);
     communication classes get their time from ops.csv when it is given or lies beside summary.json
     (issue to completion, averaged over the traced ranks, so it includes waiting for peers);
     without it they are listed by call count; receives are left out (they hold no stream, and
     their span from posting to arrival is waiting, not work);
  2. the step split per rank: compute only, compute overlapped with communication, exposed
     communication, idle (pipeline bubble, waiting) -- the four buckets sum to the step time;
  3. HBM footprint per chip by item against the chip's capacity.
Deterministic output (see plot_common.py).
"""
import argparse
import csv
import json
import os
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plot_common import COLOURS, fail, plt, save  # noqa: E402


def fmt_time(s):
    if s >= 1:
        return "%.2f s" % s
    if s >= 1e-3:
        return "%.2f ms" % (s * 1e3)
    return "%.1f us" % (s * 1e6)


def class_colour(name):
    if name.startswith("comm:send") or name.startswith("comm:recv"):
        return COLOURS["p2p"]
    if name.startswith("comm:"):
        return COLOURS["comm"]
    for k in ("gemm", "vector", "memcpy"):
        if name.startswith(k):
            return COLOURS[k]
    return COLOURS["other"]


def comm_times_from_ops(path):
    """Average over traced ranks of the summed duration per communication class."""
    per_class, ranks = {}, set()
    with open(path, newline="") as f:
        r = csv.reader(f)
        header = next(r, None)
        if not header or "class" not in header or "duration_s" not in header:
            fail("%s is not an ops.csv from `xpusim run` (no class/duration_s columns)" % path)
        ci, di, ri = header.index("class"), header.index("duration_s"), header.index("rank")
        for row in r:
            ranks.add(row[ri])
            if row[ci].startswith("comm:") and row[ci] != "comm:recv":
                per_class[row[ci]] = per_class.get(row[ci], 0.0) + float(row[di])
    n = max(1, len(ranks))
    return {k: v / n for k, v in per_class.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("summary")
    ap.add_argument("--ops", default=None, help="ops.csv for communication times (default: beside summary.json)")
    ap.add_argument("--out", default=None, help="output directory (default: the summary's)")
    a = ap.parse_args()
    try:
        with open(a.summary) as f:
            s = json.load(f)
    except (OSError, ValueError) as e:
        fail("cannot read %s: %s" % (a.summary, e))
    for k in ("step_time_s", "per_rank_avg_s", "by_class"):
        if k not in s:
            fail("%s lacks '%s' (is it a summary.json from `xpusim run`?)" % (a.summary, k))
    out_dir = a.out or os.path.dirname(os.path.abspath(a.summary))
    ops = a.ops or os.path.join(os.path.dirname(os.path.abspath(a.summary)), "ops.csv")
    comm = comm_times_from_ops(ops) if os.path.exists(ops) else None

    step = s["step_time_s"]
    pr = s["per_rank_avg_s"]
    fig = plt.figure(figsize=(14, 5.4))
    gs = fig.add_gridspec(1, 3, width_ratios=[2.2, 1.15, 1])

    # 1. op classes
    ax = fig.add_subplot(gs[0])
    items = []
    for c in s["by_class"]:
        name, t = c["class"], c["time_s"]
        if name == "comm:recv":
            continue  # a receive holds no stream: its issue-to-arrival span is waiting, not work
        if name.startswith("comm:"):
            if comm is not None:
                t = comm.get(name, 0.0)
            label = "%s (%d calls)" % (name, round(c["count"]))
        else:
            label = "%s (%d ops)" % (name, round(c["count"]))
        items.append((t, label, name))
    items = [it for it in items if it[0] > 0 or it[2].startswith("comm:")]
    items.sort(key=lambda x: (-x[0], x[1]))
    ys = list(range(len(items)))[::-1]
    ax.barh(ys, [it[0] for it in items], color=[class_colour(it[2]) for it in items])
    top = max([it[0] for it in items] + [step * 1e-9, 1e-12])
    for y, it in zip(ys, items):
        txt = fmt_time(it[0]) if it[0] > 0 else "time not in summary (no ops.csv)"
        ax.text(it[0] + top * 0.01, y, txt, va="center", fontsize=7)
    ax.set_yticks(ys)
    ax.set_yticklabels([it[1] for it in items], fontsize=7)
    ax.set_xlim(0, top * 1.25)
    ax.set_xlabel("time per rank per step (s)")
    ax.set_title("Time by op class%s" % (" (comm: issue to completion, incl. waiting)" if comm else ""))
    ax.grid(axis="y", visible=False)

    # 2. step split
    ax = fig.add_subplot(gs[1])
    parts = [("compute only", pr["compute"] - pr["overlap"], COLOURS["compute"]),
             ("overlapped comm", pr["overlap"], COLOURS["overlap"]),
             ("exposed comm", pr["exposed_communication"], COLOURS["exposed"]),
             ("idle / bubble", pr["idle"], COLOURS["idle"])]
    bottom = 0.0
    for label, t, colour in parts:
        pct = 100 * t / step if step > 0 else 0
        ax.bar([0], [pct], bottom=[bottom], color=colour, width=0.6, label="%s %s (%.1f%%)" % (label, fmt_time(t), pct))
        if pct >= 4:
            ax.text(0, bottom + pct / 2, "%.1f%%" % pct, ha="center", va="center", fontsize=8, color="white")
        bottom += pct
    ax.set_xlim(-0.6, 0.6)
    ax.set_xticks([])
    ax.set_ylim(0, 150)
    ax.set_yticks([0, 20, 40, 60, 80, 100])
    ax.set_ylabel("% of step time (per-rank average)")
    title = "Step %s" % fmt_time(step)
    if s.get("mfu") is not None:
        title += ", MFU %.1f%%" % (100 * s["mfu"])
    ax.set_title(title)
    ax.legend(fontsize=7, loc="upper center")
    ax.grid(axis="x", visible=False)

    # 3. HBM footprint
    ax = fig.add_subplot(gs[2])
    hbm = s.get("hbm", {})
    cap = hbm.get("capacity_bytes") or 0
    gib = float(1 << 30)
    palette = ["#4c72b0", "#55a868", "#c44e52", "#8172b3", "#ccb974", "#64b5cd", "#937860"]
    bottom = 0.0
    for i, (name, b) in enumerate(hbm.get("items", {}).items()):
        ax.bar([0], [b / gib], bottom=[bottom], color=palette[i % len(palette)], width=0.6,
               label="%s %.2f GiB" % (name, b / gib))
        bottom += b / gib
    if cap:
        ax.axhline(cap / gib, color="#d62728", linestyle="--", linewidth=1.5, label="capacity %.0f GiB" % (cap / gib))
    ax.set_xlim(-0.6, 0.6)
    ax.set_xticks([])
    ax.set_ylim(0, max(bottom, cap / gib) * 1.45 + 1e-9)
    ax.set_ylabel("GiB per chip")
    if hbm.get("footprint_bytes"):
        ax.set_title("HBM per chip: %s" % ("fits" if hbm.get("fits") else "DOES NOT FIT"))
    else:
        ax.set_title("HBM per chip: footprint unknown")
    ax.legend(fontsize=7, loc="upper center")
    ax.grid(axis="x", visible=False)

    fig.suptitle("%s on %s (%d ranks): where one step goes" % (s.get("workload", "?"), s.get("arch", "?"),
                                                               s.get("ranks", 0)), fontsize=11)
    fig.tight_layout()
    for p in save(fig, out_dir, "breakdown"):
        print("  wrote %s" % p)


if __name__ == "__main__":
    main()
