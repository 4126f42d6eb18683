"""The Python package against the command-line tool: the same inputs give the same figures.

Run by ctest (tests/CMakeLists.txt) as
    XPUSIM_BINARY=build/xpusim PYTHONPATH=build/python /usr/bin/python3 -m unittest tests/python/test_xpusim.py
from the source root. Every expected value comes from the CLI run as a separate process (or from a
closed form), never from the module itself.
"""

import csv
import io
import json
import os
import subprocess
import tempfile
import unittest

import xpusim

ROOT = os.environ.get("XPUSIM_SOURCE_DIR", os.getcwd())
BINARY = os.environ.get("XPUSIM_BINARY", os.path.join(ROOT, "build", "xpusim"))
POD = os.path.join(ROOT, "arch-configs/pods/ascend-910b-8node.yaml")
CHIP = os.path.join(ROOT, "arch-configs/chips/ascend-910b-like.yaml")
MLP = os.path.join(ROOT, "workloads/samples/mlp-dp8.yaml")
GEMM = "gemm M=4096 N=4096 K=4096 dtype=bf16"


def cli(*args, check=True):
    p = subprocess.run([BINARY, *args], capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"xpusim {' '.join(args)} exited {p.returncode}: {p.stderr}")
    return p


def csv_rows(text):
    return list(csv.DictReader(io.StringIO(text)))


class RunMatchesCli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        xpusim.use_pandas = False
        cls.tmp = tempfile.TemporaryDirectory(prefix="xpusim-py-")
        cls.out = os.path.join(cls.tmp.name, "cli")
        cls.text = cli("run", "--arch", POD, "--workload", MLP, "--set", "chip.hbm.bandwidth=2.1TB/s",
                       "--out", cls.out).stdout
        cls.r = xpusim.run(arch=POD, workload=MLP, set={"chip.hbm.bandwidth": "2.1TB/s"})

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_summary_is_summary_json(self):
        with open(os.path.join(self.out, "summary.json")) as f:
            expected = json.load(f)
        self.assertEqual(self.r.summary, expected)
        self.assertEqual(self.r.step_time_s, expected["step_time_s"])
        self.assertGreater(self.r.step_time_s, 0)
        # The override reached the model: the resolved config says 2.1 TB/s.
        self.assertAlmostEqual(self.r.summary["arch_config"]["chip"]["hbm"]["bandwidth"], 2.1e12, delta=1)

    def test_text_is_what_the_cli_prints(self):
        self.assertTrue(self.text.startswith(self.r.text), self.text[:400])
        self.assertIn("simulated step time", self.r.text)

    def test_ops_table_is_ops_csv(self):
        with open(os.path.join(self.out, "ops.csv")) as f:
            expected = csv_rows(f.read())
        ops = self.r.ops
        self.assertEqual(len(ops), len(expected))
        self.assertGreater(len(ops), 10)
        for got, want in zip(ops, expected):
            self.assertEqual(got["name"], want["name"])
            self.assertEqual(got["class"], want["class"])
            self.assertAlmostEqual(got["duration_s"], float(want["duration_s"]), places=15)
            self.assertEqual(got["flops"], int(want["flops"]))

    def test_files_are_byte_identical(self):
        d = os.path.join(self.tmp.name, "py")
        self.r.write(d)
        for name in ("summary.json", "ops.csv", "trace.json", "links.csv"):
            with open(os.path.join(d, name), "rb") as a, open(os.path.join(self.out, name), "rb") as b:
                self.assertEqual(a.read(), b.read(), name)

    def test_repeatable_in_one_process(self):
        again = xpusim.run(arch=POD, workload=MLP, set={"chip.hbm.bandwidth": "2.1TB/s"})
        self.assertEqual(again.summary, self.r.summary)

    def test_override_changes_the_figures(self):
        slow = xpusim.run(arch=POD, workload=MLP, set={"chip.hbm.bandwidth": "0.5TB/s"}, timeline=False)
        self.assertGreater(slow.step_time_s, self.r.step_time_s)
        self.assertEqual(slow.ops, [])

    def test_html_report(self):
        self.assertTrue(self.r.html.startswith("<!DOCTYPE html>"))
        step = self.text.split("simulated step time")[1].split("\n")[0].strip()
        self.assertIn(step, self.r.html)

    def test_pandas_frame_when_available(self):
        try:
            import pandas  # noqa: F401
        except ImportError:
            self.skipTest("pandas is optional and not installed")
        xpusim.use_pandas = True
        try:
            df = self.r.ops
            self.assertEqual(list(df.columns)[:3], ["rank", "node", "name"])
            self.assertEqual(len(df), len(csv_rows(self.r._raw.ops_csv)))
        finally:
            xpusim.use_pandas = False


class OpMemColl(unittest.TestCase):
    def test_op_equals_cli_json(self):
        want = json.loads(cli("op", "--arch", CHIP, "--json", GEMM).stdout)
        got = xpusim.op(CHIP, GEMM)
        self.assertEqual(got, want)
        self.assertEqual(got["flops"], 2 * 4096 ** 3)  # closed form: 2 M N K
        self.assertGreater(got["time_s"], got["flops"] / 1e16)

    def test_threads_run_one_after_another(self):
        import threading
        want = json.loads(cli("run", "--arch", POD, "--workload", MLP, "--json").stdout)["step_time_s"]
        steps, errors = [], []
        start = threading.Barrier(4)

        def work():
            start.wait()
            try:
                for _ in range(4):
                    steps.append(xpusim.run(arch=POD, workload=MLP).step_time_s)
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(steps, [want] * 16)

    def test_op_override(self):
        want = json.loads(cli("op", "--arch", CHIP, "--json", "--set", "chip.cores=12", GEMM).stdout)
        got = xpusim.op(CHIP, GEMM, set={"chip.cores": "12"})
        self.assertEqual(got, want)
        self.assertNotEqual(got["time_s"], xpusim.op(CHIP, GEMM)["time_s"])

    def test_mem_equals_cli(self):
        p = cli("mem", "--arch", CHIP, "--pattern", "random", "--bytes", "1MiB", "--json")
        got = xpusim.mem(arch=CHIP, pattern="random", bytes="1MiB")
        self.assertEqual(got, json.loads(p.stdout))
        text = cli("mem", "--arch", CHIP, "--pattern", "random", "--bytes", "1MiB").stdout
        self.assertIn(f"({100 * got['efficiency']:.1f}% of peak)", text)

    def test_coll_equals_cli(self):
        got = xpusim.coll(POD, op="allreduce", bytes="64MiB", all=True)
        want = json.loads(cli("coll", "--arch", POD, "--op", "allreduce", "--bytes", "64MiB", "--all", "--json").stdout)
        self.assertEqual(got, want)
        self.assertGreater(len(got["runs"]), 1)
        text = cli("coll", "--arch", POD, "--op", "allreduce", "--bytes", "64MiB", "--all").stdout
        for r in got["runs"]:
            self.assertIn(f"busbw      {r['busbw_bytes_per_s'] / 1e9:.2f} GB/s", text)


class Studies(unittest.TestCase):
    def setUp(self):
        xpusim.use_pandas = False

    def test_sweep_equals_cli(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "s.csv")
            cli("sweep", "--arch", POD, "--workload", MLP, "--vary", "chip.hbm.bandwidth=1.6TB/s,2.1TB/s", "-j", "1",
                "--out", out)
            with open(out) as f:
                want = f.read()
        s = xpusim.sweep(POD, MLP, vary={"chip.hbm.bandwidth": ["1.6TB/s", "2.1TB/s"]}, html=True)
        self.assertEqual(s.csv, want)
        self.assertIn('id="sweep-chart"', s.html)
        self.assertEqual(len(s.table), 2)
        self.assertLess(s.table[1]["step_time_s"], s.table[0]["step_time_s"])

    def test_plan_equals_cli(self):
        node = os.path.join(ROOT, "arch-configs/pods/dgx-h100-node-like.yaml")
        model = os.path.join(ROOT, "workloads/models/llama3-8b.yaml")
        with tempfile.TemporaryDirectory() as d:
            cli("plan", "--arch", node, "--model", model, "--gbs", "16", "--seq", "4096", "--max-sim", "2", "-j", "1",
                "--no-plot", "--out", d)
            with open(os.path.join(d, "plan.csv")) as f:
                want = f.read()
        p = xpusim.plan(node, model, gbs=16, seq=4096, max_sim=2, html=True)
        self.assertEqual(p.csv, want)
        self.assertIn("<svg", p.html)
        ranked = [r for r in p.table if r["rank"] not in (None, 0)]
        self.assertGreaterEqual(len(ranked), 1)


class Errors(unittest.TestCase):
    def test_config_error_carries_file_line_key(self):
        with tempfile.TemporaryDirectory() as d:
            bad = os.path.join(d, "bad.yaml")
            with open(CHIP) as f:
                text = f.read()
            lines = text.splitlines()
            idx = next(i for i, l in enumerate(lines) if l.strip().startswith("bandwidth:"))
            indent = lines[idx][: len(lines[idx]) - len(lines[idx].lstrip())]
            lines[idx] = indent + "bandwidth: -3 TB/s"
            with open(bad, "w") as f:
                f.write("\n".join(lines) + "\n")
            p = cli("op", "--arch", bad, GEMM, check=False)
            self.assertEqual(p.returncode, 2)
            with self.assertRaises(xpusim.ConfigError) as cm:
                xpusim.op(bad, GEMM)
            e = cm.exception
            self.assertEqual(e.file, bad)
            self.assertEqual(e.line, idx + 1)
            self.assertTrue(e.key.endswith("bandwidth"), e.key)
            self.assertIn(f"{bad}:{idx + 1}:", str(e))
            self.assertIn(str(e), p.stderr)
            self.assertIsInstance(e, xpusim.Error)
            self.assertIsInstance(e, ValueError)

    def test_bad_option_is_input_error(self):
        with self.assertRaises(xpusim.InputError):
            xpusim.op(CHIP, "gemm M=0 N=4 K=4")
        with self.assertRaises(xpusim.Error):
            xpusim.run(arch=POD, workload=os.path.join(ROOT, "no-such-workload.yaml"))
        with self.assertRaises(xpusim.InputError):
            xpusim.cli("run", "--bogus")

    def test_cli_returns_output(self):
        code, out, err = xpusim.cli("op", "--arch", CHIP, GEMM)
        self.assertEqual(code, 0)
        self.assertEqual(out, cli("op", "--arch", CHIP, GEMM).stdout)
        self.assertEqual(xpusim.version(), cli("--version").stdout.split()[1])


if __name__ == "__main__":
    unittest.main()
