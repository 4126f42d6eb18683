"""xpusim: a cycle-approximate simulator of AI accelerators and pods, from Python.

    import xpusim
    r = xpusim.run(arch="arch-configs/pods/ascend-910b-8node.yaml",
                   workload="workloads/native/mlp_dp8.yaml",
                   set={"chip.hbm.bandwidth": "2.1TB/s"})
    r.step_time_s, r.summary["mfu"], r.ops[:3]
    xpusim.op("arch-configs/chips/ascend-910b-like.yaml", "gemm M=4096 N=4096 K=4096 dtype=bf16")["time_s"]

Every function computes what the matching ``xpusim`` subcommand prints: the same C++ code runs
(libxpusim). Results are plain Python objects (dicts, lists of dicts); tables become pandas
DataFrames when pandas is installed (set ``xpusim.use_pandas = False`` to keep lists). See
docs/python.md.
"""

import csv
import html as _html
import io
import json
import os
import tempfile

from . import errors
from .errors import ConfigError, Error, InputError, InternalError, SimulationError
from . import _xpusim

__all__ = ["run", "op", "mem", "coll", "sweep", "plan", "scale", "cli", "Run", "Study", "Error", "ConfigError",
           "InputError", "SimulationError", "InternalError", "version", "use_pandas"]

__version__ = _xpusim.version()

#: Tables (ops, links, sweep/plan/scale rows) as pandas DataFrames when pandas is importable.
use_pandas = True


def version():
    """The library version, e.g. "0.1.0"."""
    return _xpusim.version()


def _value(text):
    if text == "":
        return None
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    if text in ("true", "false"):
        return text == "true"
    return text


def _table(csv_text):
    """CSV text -> list of dicts (numbers converted), or a DataFrame when pandas is present."""
    reader = csv.reader(io.StringIO(csv_text))
    rows = list(reader)
    if not rows:
        return []
    header, body = rows[0], rows[1:]
    records = [{h: _value(v) for h, v in zip(header, r)} for r in body]
    if use_pandas:
        try:
            import pandas  # optional
        except ImportError:
            return records
        return pandas.DataFrame.from_records(records, columns=header)
    return records


def _set(set):
    return {str(k): str(v) for k, v in (set or {}).items()}


def _size(v):
    return str(v)


class Run:
    """The result of xpusim.run: the summary as Python objects, the tables and the files' text."""

    def __init__(self, raw):
        self._raw = raw
        #: summary.json as a dict (step_time_s, per_rank_avg_s, mfu, by_class, hbm, arch_config, ...)
        self.summary = json.loads(raw.summary_json)
        #: what `xpusim run` prints
        self.text = raw.summary_text
        #: trace.json (Chrome/Perfetto trace events), text
        self.trace_json = raw.trace_json
        #: the self-contained HTML report, text
        self.html = raw.html

    @property
    def step_time_s(self):
        return self.summary["step_time_s"]

    @property
    def ops(self):
        """ops.csv: one row per executed op on the traced ranks (list of dicts or DataFrame)."""
        return _table(self._raw.ops_csv)

    @property
    def links(self):
        """links.csv: one row per network link."""
        return _table(self._raw.links_csv)

    def write(self, directory):
        """Writes summary.json, ops.csv, trace.json and links.csv into directory (all or none)."""
        _xpusim.write_run_files(self._raw, str(directory))

    def write_html(self, path):
        """Writes the HTML report (what `xpusim run --html` writes) to path."""
        _write_atomic(path, self.html)

    def __repr__(self):
        return self.text

    def _repr_html_(self):  # notebooks: the report, isolated in an iframe
        return ('<iframe style="width:100%;height:640px;border:1px solid #ddd" srcdoc="'
                + _html.escape(self.html, quote=True) + '"></iframe>')


class Study:
    """The result of sweep / plan / scale: the table (CSV rows), the printed text and the HTML report."""

    def __init__(self, table_csv, text, html=None):
        self.csv = table_csv
        self.text = text
        self.html = html

    @property
    def table(self):
        return _table(self.csv)

    def __repr__(self):
        return self.text

    def _repr_html_(self):
        if not self.html:
            return None
        return ('<iframe style="width:100%;height:640px;border:1px solid #ddd" srcdoc="'
                + _html.escape(self.html, quote=True) + '"></iframe>')


def _write_atomic(path, text):
    path = os.fspath(path)
    d = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", dir=d)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def run(arch, workload, set=None, ranks=0, symmetry=True, timeline=True):
    """Simulates workload (trace, Chakra prefix or scenario) on arch; `xpusim run`.

    set: arch-key overrides, {"chip.hbm.bandwidth": "2.1TB/s"} (--set). ranks: replay a data-parallel
    trace on N ranks. symmetry=False simulates every rank. timeline=False skips the per-op timeline
    (ops, trace_json and the report's timeline are then empty; faster for big runs).
    """
    return Run(_xpusim.run(os.fspath(arch), os.fspath(workload), _set(set), int(ranks), bool(symmetry), bool(timeline)))


def op(arch, op, set=None, extrapolate=True):
    """One op on one chip (`xpusim op --json`): dict with time_s, cycles, flops, utilization, bound, bytes..."""
    return json.loads(_xpusim.op(os.fspath(arch), op, _set(set), bool(extrapolate)))


def mem(arch=None, preset=None, set=None, pattern="stream", bytes="4 MiB", rw="1:0", request_size=64, stride=4096,
        mode="detailed", seed=1):
    """The HBM model on a synthetic pattern (`xpusim mem --json`): achieved bandwidth, latency, ..."""
    return json.loads(_xpusim.mem(os.fspath(arch) if arch else "", os.fspath(preset) if preset else "", _set(set),
                                  pattern, _size(bytes), rw, _size(request_size), _size(stride), mode, int(seed)))


def coll(arch, op="allreduce", bytes="1 GiB", ranks=0, algorithm="", all=False, set=None):
    """One collective alone on a pod's network (`xpusim coll --json`): time, algbw, busbw per algorithm."""
    return json.loads(_xpusim.coll(os.fspath(arch), _set(set), op, _size(bytes), int(ranks), algorithm, bool(all)))


def cli(*args, check=True):
    """Runs `xpusim ARGS...` in this process and returns (exit_code, stdout, stderr).

    With check (the default) bad input raises xpusim.Error instead of returning exit code 2.
    """
    return _xpusim.cli([os.fspath(a) if not isinstance(a, str) else a for a in args], bool(check))


def _options(kw):
    out = []
    for k, v in kw.items():
        if v is None or v is False:
            continue
        name = "--" + k.replace("_", "-")
        if v is True:
            out.append(name)
        elif isinstance(v, (list, tuple)):
            out += [name, ",".join(str(x) for x in v)]
        else:
            out += [name, str(v)]
    return out


def _study(command, args, csv_name, html):
    with tempfile.TemporaryDirectory(prefix="xpusim-") as d:
        extra = []
        if html:
            extra = ["--html", os.path.join(d, "report.html")]
        if command == "sweep":
            extra += ["--out", os.path.join(d, csv_name)]
        else:
            extra += ["--out", d, "--no-plot"]
        code, out, err = cli(command, *args, *extra)
        path = os.path.join(d, csv_name)
        # Exit 1 (plan: no layout fits) and 3 (sweep: some points failed, see the error column) still
        # leave a complete table; anything else raised already (check=True) or left none.
        if not os.path.exists(path):
            raise SimulationError((err or out).strip() or f"xpusim {command} failed (exit {code})")
        with open(path, encoding="utf-8") as f:
            table_csv = f.read()
        report = None
        if html:
            with open(os.path.join(d, "report.html"), encoding="utf-8") as f:
                report = f.read()
        return Study(table_csv, out, report)


def sweep(arch, workload, vary, set=None, list=False, ranks=None, jobs=1, html=False):
    """Every combination of key values (`xpusim sweep`): vary = {"chip.hbm.bandwidth": ["1.6TB/s", "2.1TB/s"]}.

    Returns a Study; .table has one row per point (step_time_s, mfu, ...). jobs > 1 forks worker processes.
    """
    args = ["--arch", os.fspath(arch), "--workload", os.fspath(workload), "-j", str(int(jobs))]
    for k, vs in vary.items():
        vals = vs if isinstance(vs, (tuple, type([]))) else [vs]
        args += ["--vary", f"{k}=" + ",".join(str(v) for v in vals)]
    for k, v in _set(set).items():
        args += ["--set", f"{k}={v}"]
    if list:
        args.append("--list")
    if ranks:
        args += ["--ranks", str(int(ranks))]
    return _study("sweep", args, "sweep.csv", html)


def plan(arch, model, jobs=1, html=False, **options):
    """Parallel-layout search (`xpusim plan`): options as the CLI's, e.g. gbs=1536, seq=2048,
    inference="decode", context=4096, latency_ms=30, max_sim=4, zero=[0, 1]. Returns a Study
    (.table: plan.csv, every candidate; .text: the ranked table as printed)."""
    args = ["--arch", os.fspath(arch), "--model", str(model), "-j", str(int(jobs))] + _options(options)
    return _study("plan", args, "plan.csv", html)


def scale(arch, scenario, jobs=1, html=False, **options):
    """Strong/weak scaling curves (`xpusim scale`): options as the CLI's, e.g. chips=[8, 16, 32],
    modes="strong", global_batch=64. Returns a Study (.table: scaling.csv)."""
    args = ["--arch", os.fspath(arch), "--scenario", os.fspath(scenario), "-j", str(int(jobs))] + _options(options)
    return _study("scale", args, "scaling.csv", html)
