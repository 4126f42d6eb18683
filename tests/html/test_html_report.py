"""The HTML reports (`xpusim run|scale|plan|sweep --html`) rendered in a real browser.

Headless Chromium (Debian `chromium`, installed by scripts/deps.sh) loads each report from disk
with the network disabled, and the test checks that
  * the page's script ran to its end (it sets data-report-ready="1" on <body>) and the browser logged
    no script error ("Uncaught ..." on the console),
  * the rendered DOM shows the figures the CLI printed for the same run (the step time string, the
    scaling points, the best plan layout) and has its charts (inline SVG), and
  * a screenshot of the page is a real image of the requested size, not a blank one.
A page with a deliberate script error must be caught by the same check, so the check can fail.
Chromium missing is a failure, not a skip. Run by ctest (tests/CMakeLists.txt).
"""

import os
import re
import shutil
import struct
import subprocess
import tempfile
import unittest
import zlib

ROOT = os.environ.get("XPUSIM_SOURCE_DIR", os.getcwd())
BINARY = os.environ.get("XPUSIM_BINARY", os.path.join(ROOT, "build", "xpusim"))
POD = os.path.join(ROOT, "arch-configs/pods/ascend-910b-8node.yaml")
MLP = os.path.join(ROOT, "workloads/samples/mlp-dp8.yaml")


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def browser(args, tmp, timeout=120):
    """Runs headless Chromium; returns (stdout, stderr)."""
    exe = chromium()
    if exe is None:
        raise AssertionError("chromium is not installed (scripts/deps.sh installs it): the HTML reports cannot be checked")
    env = dict(os.environ, HOME=tmp)
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
           "--user-data-dir=" + os.path.join(tmp, "profile"), "--enable-logging=stderr", "--v=0",
           "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",  # no network: nothing may be fetched
           *args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    return p.stdout, p.stderr


def script_errors(stderr):
    return [l for l in stderr.splitlines() if "CONSOLE" in l and ("Uncaught" in l or "Error" in l)]


def png_info(path):
    """(width, height, number of distinct pixel rows) of an 8-bit RGB/RGBA PNG."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height, ctype = 8, b"", 0, 0, 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    bpp = 4 if ctype == 6 else 3
    stride = 1 + width * bpp
    rows = {raw[i * stride + 1:(i + 1) * stride] for i in range(height)}  # filtered rows: distinct enough
    return width, height, len(rows)


def run_cli(*args):
    p = subprocess.run([BINARY, *args], capture_output=True, text=True)
    if p.returncode != 0:
        raise AssertionError(f"xpusim {' '.join(args)} exited {p.returncode}: {p.stderr}")
    return p.stdout


class HtmlInBrowser(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="xpusim-html-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def render(self, page, shot_name):
        url = "file://" + page
        dom, err = browser(["--dump-dom", url], self.tmp)
        self.assertEqual(script_errors(err), [], err[-2000:])
        self.assertIn('data-report-ready="1"', dom, "the page's script did not run to its end")
        shot = os.path.join(self.tmp, shot_name)
        browser(["--screenshot=" + shot, "--window-size=1280,1800", "--hide-scrollbars", url], self.tmp)
        self.assertTrue(os.path.exists(shot), "no screenshot")
        w, h, distinct = png_info(shot)
        self.assertEqual((w, h), (1280, 1800))
        self.assertGreater(distinct, 100, "the screenshot is (nearly) blank")
        keep = os.environ.get("XPUSIM_HTML_SCREENSHOTS")
        if keep:
            os.makedirs(keep, exist_ok=True)
            shutil.copy(shot, os.path.join(keep, shot_name))
        return dom

    def test_a_script_error_is_caught(self):
        page = os.path.join(self.tmp, "broken.html")
        with open(page, "w") as f:
            f.write("<!DOCTYPE html><html><body><p>x</p><script>undefinedFunction();"
                    "document.body.setAttribute('data-report-ready','1');</script></body></html>")
        dom, err = browser(["--dump-dom", "file://" + page], self.tmp)
        self.assertNotEqual(script_errors(err), [], "the console check does not see script errors")
        self.assertNotIn('data-report-ready="1"', dom)

    def test_bad_html_target_fails_before_simulating(self):
        folder = os.path.join(self.tmp, "a-folder")
        os.makedirs(folder, exist_ok=True)
        p = subprocess.run([BINARY, "run", "--arch", POD, "--workload", MLP, "--html", folder], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--html", p.stderr)
        page = os.path.join(self.tmp, "never.html")
        p = subprocess.run([BINARY, "run", "--arch", POD, "--workload", MLP, "--set", "chip.hbm.bandwidth=-1TB/s",
                            "--html", page], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("chip.hbm.bandwidth", p.stderr)
        self.assertFalse(os.path.exists(page))
        self.assertEqual([f for f in os.listdir(self.tmp) if f.startswith(".never.html")], [])

    def test_run_report(self):
        page = os.path.join(self.tmp, "run.html")
        text = run_cli("run", "--arch", POD, "--workload", MLP, "--html", page)
        step = re.search(r"simulated step time\s+(.+)", text).group(1).strip()
        with open(page, encoding="utf-8") as f:
            source = f.read()
        self.assertNotRegex(source, r"""(src|href)=["']?(https?:)?//(?!ui\.perfetto\.dev)""")  # self-contained
        dom = self.render(page, "run.png")
        self.assertIn(step, dom)  # "33.2235 ms" as the CLI printed it
        self.assertRegex(dom, r'id="step-time"><b>' + re.escape(step))
        for section in ("breakdown-chart", "by-class-table", "roofline-chart", "roofline-table", "timeline"):
            self.assertIn(f'id="{section}"', dom)
        self.assertIn("ui.perfetto.dev", dom)
        # Same inputs, same bytes.
        page2 = os.path.join(self.tmp, "run2.html")
        run_cli("run", "--arch", POD, "--workload", MLP, "--html", page2, "--quiet")
        with open(page2, encoding="utf-8") as f:
            self.assertEqual(f.read(), source)

    def test_scale_report(self):
        page = os.path.join(self.tmp, "scale.html")
        out = os.path.join(self.tmp, "scale")
        text = run_cli("scale", "--arch", os.path.join(ROOT, "arch-configs/pods/torus-4x4x4-like.yaml"),
                       "--scenario", os.path.join(ROOT, "workloads/scenarios/student-gpt-125m-dp4.yaml"),
                       "--chips", "2,4,8", "--modes", "strong", "--out", out, "--no-plot", "--html", page, "-j", "1")
        dom = self.render(page, "scale.png")
        for chart in ("scaling-step", "scaling-throughput", "scaling-efficiency", "scaling-table"):
            self.assertIn(f'id="{chart}"', dom)
        with open(os.path.join(out, "scaling.csv")) as f:
            rows = f.read().splitlines()
        self.assertEqual(len(rows), 4)
        for line in text.splitlines():
            m = re.match(r"\s+strong (\d+) chips .*: step ([\d.]+) ms", line)
            if m:
                self.assertIn(f'data-v="{m.group(1)}"', dom)
                self.assertIn(f">{float(m.group(2)):.4f}<", dom)  # the table's step (ms), 4 decimals

    def test_sweep_report(self):
        page = os.path.join(self.tmp, "sweep.html")
        csv_path = os.path.join(self.tmp, "sweep.csv")
        run_cli("sweep", "--arch", POD, "--workload", MLP, "--vary", "chip.hbm.bandwidth=1.6TB/s,2.1TB/s", "-j", "1",
                "--out", csv_path, "--html", page)
        dom = self.render(page, "sweep.png")
        self.assertIn('id="sweep-chart"', dom)
        with open(csv_path) as f:
            rows = f.read().splitlines()[1:]
        self.assertEqual(len(rows), 2)
        for row in rows:
            step_s = float(row.split(",")[2])
            self.assertIn(f">{step_s * 1e3:.4f}<", dom)  # step (ms) column, as the CSV says

    def test_plan_report(self):
        page = os.path.join(self.tmp, "plan.html")
        text = run_cli("plan", "--arch", os.path.join(ROOT, "arch-configs/pods/dgx-h100-node-like.yaml"),
                       "--model", os.path.join(ROOT, "workloads/models/llama3-8b.yaml"), "--gbs", "16", "--seq", "4096",
                       "--max-sim", "3", "-j", "1", "--html", page)
        dom = self.render(page, "plan.png")
        self.assertIn('id="plan-pareto"', dom)
        best = re.search(r"\btp\d+ pp\d+ dp\d+ cp\d+ ep\d+ vpp\d+ mb\d+ recompute=\w+ zero=\d", text)
        self.assertIsNotNone(best, text)
        self.assertIn(best.group(0), dom)


if __name__ == "__main__":
    unittest.main()
