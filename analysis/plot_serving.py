#!/usr/bin/python3
"""Plot what `xpusim serve` writes.

usage: /usr/bin/python3 analysis/plot_serving.py FILE.csv [--out DIR] [--title TEXT]

FILE is either
  latency_vs_load.csv (from --rates): latency_vs_load.png/.svg, three panels against the offered load
    (requests/s): time to first token p50 and p99, time per output token p50 and p99 (ms, log scale),
    and output throughput per chip with the share of requests meeting the SLO;
  kv_timeline.csv (from --out): kv_timeline.png/.svg, KV-cache blocks in use (% of the pod's) and the
    running and waiting sequences over time.
Deterministic output (see plot_common.py). Needs only the standard library and matplotlib.
"""
import argparse
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plot_common import COLOURS, fail, plt, read_csv_rows, save  # noqa: E402

LOAD = ["rate_requests_per_s", "output_tokens_per_s_per_chip", "ttft_p50_s", "ttft_p99_s", "tpot_p50_s",
        "tpot_p99_s", "slo_attainment"]
TIMELINE = ["time_s", "kv_used_fraction", "running", "waiting"]


def numbers(path, rows, cols):
    missing = [c for c in cols if c not in rows[0]]
    if missing:
        fail("%s lacks column(s) %s" % (path, ", ".join(missing)))
    out = []
    for r in rows:
        try:
            out.append({c: float(r[c]) for c in cols})
        except ValueError as e:
            fail("%s: bad number in row %s: %s" % (path, r, e))
    return out


def plot_load(path, rows, out, title):
    rs = sorted(numbers(path, rows, LOAD), key=lambda r: r["rate_requests_per_s"])
    x = [r["rate_requests_per_s"] for r in rs]
    fig, ax = plt.subplots(1, 3, figsize=(13, 3.8))
    for key, style, label in (("ttft_p50_s", "-o", "p50"), ("ttft_p99_s", "--s", "p99")):
        ax[0].plot(x, [1e3 * r[key] for r in rs], style, color=COLOURS["exposed"], label=label)
    ax[0].set_title("time to first token")
    for key, style, label in (("tpot_p50_s", "-o", "p50"), ("tpot_p99_s", "--s", "p99")):
        ax[1].plot(x, [1e3 * r[key] for r in rs], style, color=COLOURS["compute"], label=label)
    ax[1].set_title("time per output token")
    for a in ax[:2]:
        a.set_yscale("log")
        a.set_ylabel("ms")
        a.legend(loc="upper left")
    ax[2].plot(x, [r["output_tokens_per_s_per_chip"] for r in rs], "-o", color=COLOURS["strong"], label="tokens/s per chip")
    ax[2].set_ylabel("output tokens/s per chip")
    ax[2].set_title("throughput and SLO attainment")
    tw = ax[2].twinx()
    tw.plot(x, [100 * r["slo_attainment"] for r in rs], "--s", color=COLOURS["weak"], label="requests meeting the SLO")
    tw.set_ylabel("% of requests meeting the SLO")
    tw.set_ylim(0, 105)
    tw.grid(False)
    for a in ax:
        a.set_xlabel("offered load (requests/s)")
    fig.suptitle(title)
    fig.tight_layout()
    return save(fig, out, "latency_vs_load")


def plot_timeline(path, rows, out, title):
    rs = numbers(path, rows, TIMELINE)
    t = [r["time_s"] for r in rs]
    fig, ax = plt.subplots(2, 1, figsize=(9, 5), sharex=True)
    ax[0].step(t, [100 * r["kv_used_fraction"] for r in rs], where="post", color=COLOURS["compute"])
    ax[0].set_ylabel("KV cache in use (%)")
    ax[0].set_ylim(0, 105)
    ax[1].step(t, [r["running"] for r in rs], where="post", color=COLOURS["strong"], label="running")
    ax[1].step(t, [r["waiting"] for r in rs], where="post", color=COLOURS["exposed"], label="waiting")
    ax[1].set_ylabel("sequences")
    ax[1].set_xlabel("time (s)")
    ax[1].legend(loc="upper left")
    fig.suptitle(title)
    fig.tight_layout()
    return save(fig, out, "kv_timeline")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("csv")
    p.add_argument("--out", default=None)
    p.add_argument("--title", default="xpusim serve")
    a = p.parse_args()
    out = a.out or os.path.dirname(os.path.abspath(a.csv))
    rows = read_csv_rows(a.csv)
    if "rate_requests_per_s" in rows[0]:
        paths = plot_load(a.csv, rows, out, a.title)
    elif "kv_used_fraction" in rows[0]:
        paths = plot_timeline(a.csv, rows, out, a.title)
    else:
        fail("%s is neither a latency_vs_load.csv nor a kv_timeline.csv from `xpusim serve`" % a.csv)
    for path in paths:
        print("  wrote %s" % path)


if __name__ == "__main__":
    main()
