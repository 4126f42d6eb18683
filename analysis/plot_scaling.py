#!/usr/bin/python3
"""Plot the scaling.csv written by `xpusim scale` into scaling.png and scaling.svg.

usage: /usr/bin/python3 analysis/plot_scaling.py OUTDIR/scaling.csv [--out DIR] [--title TEXT]

Panels:
  1. throughput (tokens/s) against chips, log-log, per mode, with the ideal line T(N0) * N / N0
     (dashed) from the smallest point of that mode; points whose footprint exceeds HBM are marked x;
  2. scaling efficiency T(N) / T_ideal(N) in percent against chips;
  3. one panel per mode: the step time split into compute, exposed communication and idle
     (pipeline bubble, waiting for peers) as stacked bars, in percent of the step, with the step
     time written above each bar.
Deterministic output (see plot_common.py). Needs only the standard library and matplotlib.
"""
import argparse
import os
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plot_common import read_csv_rows, COLOURS, fail, plt, save  # noqa: E402
from matplotlib import ticker  # noqa: E402

REQUIRED = ["mode", "chips", "step_time_s", "tokens_per_s", "ideal_tokens_per_s", "scaling_efficiency",
            "compute_s", "exposed_comm_s", "idle_s", "hbm_fits"]


def read_rows(path):
    rows = read_csv_rows(path, REQUIRED, "a scaling.csv from `xpusim scale`")
    out = {}
    for r in rows:
        try:
            rec = {k: float(r[k]) for k in REQUIRED if k not in ("mode", "hbm_fits")}
        except ValueError as e:
            fail("%s: bad number in row %s: %s" % (path, r, e))
        rec["mode"] = r["mode"]
        rec["fits"] = r["hbm_fits"] != "no"
        out.setdefault(r["mode"], []).append(rec)
    for rs in out.values():
        rs.sort(key=lambda x: x["chips"])
    return out


def time_label(seconds):
    if seconds >= 1:
        return "%.2f s" % seconds
    if seconds >= 1e-3:
        return "%.1f ms" % (seconds * 1e3)
    return "%.0f us" % (seconds * 1e6)


def human(v, _pos=None):
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if v >= div:
            return ("%.3g" % (v / div)) + suffix
    return "%.3g" % v


def chip_axis(ax, chips):
    ax.set_xscale("log", base=2)
    ax.set_xticks(chips)
    ax.set_xticklabels([str(int(c)) for c in chips])
    ax.minorticks_off()
    ax.set_xlabel("chips")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("csv")
    ap.add_argument("--out", default=None, help="output directory (default: the CSV's)")
    ap.add_argument("--title", default="", help="figure title")
    a = ap.parse_args()
    out_dir = a.out or os.path.dirname(os.path.abspath(a.csv))
    modes = read_rows(a.csv)
    order = [m for m in ("strong", "weak") if m in modes] + sorted(m for m in modes if m not in ("strong", "weak"))
    all_chips = sorted({r["chips"] for rs in modes.values() for r in rs})

    n_panels = 2 + len(order)
    ncols = 2
    nrows = (n_panels + 1) // 2
    fig, axes = plt.subplots(nrows, ncols, figsize=(11, 4.0 * nrows), squeeze=False)
    flat = [ax for row in axes for ax in row]

    # 1. throughput with the ideal line
    ax = flat[0]
    for m in order:
        rs = modes[m]
        x = [r["chips"] for r in rs]
        c = COLOURS.get(m, COLOURS["other"])
        ax.plot(x, [r["tokens_per_s"] for r in rs], "o-", color=c, label="%s scaling" % m)
        ax.plot(x, [r["ideal_tokens_per_s"] for r in rs], "--", color=c, alpha=0.6, label="%s ideal" % m)
        bad = [r for r in rs if not r["fits"]]
        if bad:
            ax.plot([r["chips"] for r in bad], [r["tokens_per_s"] for r in bad], "x", color="#d62728",
                    markersize=10, mew=2, label="%s: exceeds HBM" % m)
    chip_axis(ax, all_chips)
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(human))
    ax.yaxis.set_minor_formatter(ticker.NullFormatter())
    ax.set_ylabel("throughput (tokens/s, whole job)")
    ax.set_title("Throughput vs chips (dashed: ideal linear scaling)")
    ax.legend(fontsize=8)

    # 2. efficiency
    ax = flat[1]
    for m in order:
        rs = modes[m]
        ax.plot([r["chips"] for r in rs], [100 * r["scaling_efficiency"] for r in rs], "o-",
                color=COLOURS.get(m, COLOURS["other"]), label="%s scaling" % m)
        for r in rs:
            ax.annotate("%.0f%%" % (100 * r["scaling_efficiency"]), (r["chips"], 100 * r["scaling_efficiency"]),
                        textcoords="offset points", xytext=(0, -13 if m == "strong" else 6), ha="center",
                        fontsize=7, color=COLOURS.get(m, COLOURS["other"]))
    ax.axhline(100, color=COLOURS["ideal"], linestyle="--", linewidth=1)
    chip_axis(ax, all_chips)
    lo = min([100 * r["scaling_efficiency"] for rs in modes.values() for r in rs] + [100])
    ax.set_ylim(max(0, min(50, lo - 10)), 108)
    ax.set_ylabel("scaling efficiency (% of ideal)")
    ax.set_title("Efficiency: T(N) / (T(N0) x N / N0)")
    ax.legend(fontsize=8, loc="lower left")

    # 3. breakdown per mode
    for i, m in enumerate(order):
        ax = flat[2 + i]
        rs = modes[m]
        labels = [str(int(r["chips"])) for r in rs]
        xs = list(range(len(rs)))
        step = [r["step_time_s"] if r["step_time_s"] > 0 else 1.0 for r in rs]
        comp = [100 * r["compute_s"] / s for r, s in zip(rs, step)]
        expo = [100 * r["exposed_comm_s"] / s for r, s in zip(rs, step)]
        idle = [100 * r["idle_s"] / s for r, s in zip(rs, step)]
        ax.bar(xs, comp, color=COLOURS["compute"], label="compute")
        ax.bar(xs, expo, bottom=comp, color=COLOURS["exposed"], label="exposed communication")
        ax.bar(xs, idle, bottom=[c + e for c, e in zip(comp, expo)], color=COLOURS["idle"],
               label="idle (bubble / waiting)")
        for x, r in zip(xs, rs):
            ax.text(x, 101, time_label(r["step_time_s"]), ha="center", va="bottom", fontsize=7)
        ax.set_xticks(xs)
        ax.set_xticklabels(labels)
        ax.set_xlabel("chips")
        ax.set_ylim(0, 130)
        ax.set_yticks([0, 20, 40, 60, 80, 100])
        ax.set_ylabel("% of step time")
        ax.set_title("%s scaling: where the step goes (step time above bars)" % m.capitalize())
        ax.grid(axis="x", visible=False)
        ax.legend(fontsize=7, loc="upper center", ncol=3, framealpha=0.9)
    for ax in flat[n_panels:]:
        ax.set_visible(False)

    if a.title:
        fig.suptitle(a.title, fontsize=11)
    fig.tight_layout()
    for p in save(fig, out_dir, "scaling"):
        print("  wrote %s" % p)


if __name__ == "__main__":
    main()
