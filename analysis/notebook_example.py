# %% [markdown]
# # xpusim in a notebook
#
# A training step on an 8-chip Ascend-910B-like node, what one knob changes, and a small sweep.
# Cells are `# %%` blocks (open with jupytext, VS Code or JupyterLab), or run the whole file:
#     PYTHONPATH=build/python /usr/bin/python3 analysis/notebook_example.py
# from the repository root. See docs/python.md.

# %%
import os
import sys

# The repository root: $XPUSIM_SOURCE_DIR, or the current folder or its parent (Jupyter starts in analysis/).
root = os.environ.get("XPUSIM_SOURCE_DIR") or next(
    (d for d in (os.getcwd(), os.path.dirname(os.getcwd())) if os.path.isdir(os.path.join(d, "arch-configs"))), os.getcwd())
sys.path.insert(0, os.path.join(root, "build", "python"))
import xpusim

pod = os.path.join(root, "arch-configs/pods/ascend-910b-8node.yaml")
chip = os.path.join(root, "arch-configs/chips/ascend-910b-like.yaml")
mlp = os.path.join(root, "workloads/samples/mlp-dp8.yaml")

# %% [markdown]
# ## One step: the summary as Python objects

# %%
r = xpusim.run(arch=pod, workload=mlp)
print(r.text)
avg = r.summary["per_rank_avg_s"]
print(f"step {r.step_time_s * 1e3:.3f} ms: compute {avg['compute'] * 1e3:.3f} ms, "
      f"exposed communication {avg['exposed_communication'] * 1e3:.3f} ms")

# %% [markdown]
# ## The op table (a DataFrame when pandas is installed)

# %%
ops = r.ops
if hasattr(ops, "groupby"):
    print(ops.groupby("class")["duration_s"].sum().sort_values(ascending=False))
else:
    by_class = {}
    for o in ops:
        by_class[o["class"]] = by_class.get(o["class"], 0.0) + o["duration_s"]
    for k, v in sorted(by_class.items(), key=lambda kv: -kv[1]):
        print(f"{k:24s} {v * 1e3:10.3f} ms")

# %% [markdown]
# ## What-if: faster HBM

# %%
fast = xpusim.run(arch=pod, workload=mlp, set={"chip.hbm.bandwidth": "2.1TB/s"}, timeline=False)
print(f"HBM 1.6 -> 2.1 TB/s: step {r.step_time_s * 1e3:.3f} -> {fast.step_time_s * 1e3:.3f} ms "
      f"({(1 - fast.step_time_s / r.step_time_s) * 100:.1f}% faster)")

# %% [markdown]
# ## One GEMM on one chip

# %%
g = xpusim.op(chip, "gemm M=4096 N=4096 K=4096 dtype=bf16")
print(f"{g['op']}: {g['time_s'] * 1e6:.1f} us, {g['bound']}-bound, "
      f"{g['flops'] / g['time_s'] / 1e12:.1f} TFLOP/s, utilization {g['utilization'] * 100:.1f}%")

# %% [markdown]
# ## A sweep: step time against HBM bandwidth

# %%
s = xpusim.sweep(pod, mlp, vary={"chip.hbm.bandwidth": ["1.2TB/s", "1.6TB/s", "2.1TB/s", "3.2TB/s"]})
rows = s.table
rows = rows.to_dict("records") if hasattr(rows, "to_dict") else rows
for row in rows:
    print(f"{row['chip.hbm.bandwidth']:>8s}  step {row['step_time_s'] * 1e3:8.3f} ms")

# %% [markdown]
# ## The report
# In a notebook, a result on its own line shows its HTML report (summary, breakdown, roofline,
# timeline); the same page can be written to a file and opened in any browser, offline.

# %%
r

# %%
out = os.environ.get("XPUSIM_EXAMPLE_OUT", os.path.join(root, "out", "notebook"))
os.makedirs(out, exist_ok=True)
r.write_html(os.path.join(out, "report.html"))
print("wrote", os.path.join(out, "report.html"))
