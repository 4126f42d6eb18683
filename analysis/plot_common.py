"""Shared helpers for the xpusim plot scripts (run with /usr/bin/python3, Debian's matplotlib).

Determinism: the Agg backend, a fixed SVG hash salt, no creation date or software version in the
PNG/SVG metadata, fixed figure sizes and DPI: the same input gives the same bytes on the same
matplotlib version. Files are written to a temporary name and renamed into place.
"""
import os
import sys

try:
    import matplotlib
except ImportError:  # pragma: no cover - exercised by the CLI's own check
    sys.stderr.write("error: matplotlib is missing for %s (install python3-matplotlib: scripts/deps.sh)\n"
                     % sys.executable)
    sys.exit(3)

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams.update({
    "svg.hashsalt": "xpusim",
    "svg.fonttype": "path",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "figure.dpi": 100,
})

# One colour per bucket, used by every script so the figures read alike.
COLOURS = {
    "compute": "#4c72b0",
    "overlap": "#8fa9d6",
    "exposed": "#dd8452",
    "idle": "#b0b0b0",
    "strong": "#1f77b4",
    "weak": "#2ca02c",
    "ideal": "#555555",
    "gemm": "#4c72b0",
    "vector": "#55a868",
    "memcpy": "#8172b3",
    "comm": "#dd8452",
    "p2p": "#c44e52",
    "other": "#937860",
}


def save(fig, out_dir, stem, formats=("png", "svg")):
    """Write fig as out_dir/stem.<fmt> for each format, atomically, without dates. Returns paths."""
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for fmt in formats:
        final = os.path.join(out_dir, "%s.%s" % (stem, fmt))
        tmp = os.path.join(out_dir, ".%s.%s.tmp" % (stem, fmt))
        meta = {"Software": None} if fmt == "png" else {"Date": None, "Creator": None}
        fig.savefig(tmp, format=fmt, metadata=meta, dpi=110 if fmt == "png" else None)
        os.replace(tmp, final)
        paths.append(final)
    plt.close(fig)
    return paths


def read_csv_rows(path, required=(), what="a CSV from xpusim"):
    """The rows of a CSV as dicts; fails (exit 2) when it cannot be read, has no data rows, or lacks a
    required column (naming `what` it should have been)."""
    import csv
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        fail("cannot read %s: %s" % (path, e.strerror))
    if not rows:
        fail("%s has no data rows" % path)
    missing = [c for c in required if c not in rows[0]]
    if missing:
        fail("%s lacks column(s) %s (is it %s?)" % (path, ", ".join(missing), what))
    return rows


def fail(message):
    sys.stderr.write("error: %s\n" % message)
    sys.exit(2)
