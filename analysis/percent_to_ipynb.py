#!/usr/bin/env python3
"""Convert a percent-format script (cells start with `# %%`, markdown cells with `# %% [markdown]`)
into a Jupyter notebook (nbformat 4, no outputs), deterministically.

usage: /usr/bin/python3 analysis/percent_to_ipynb.py analysis/notebook_example.py analysis/notebook_example.ipynb
       (--check: exit 1 when OUT differs from what IN converts to)
"""
import json
import sys


def convert(text):
    cells, kind, lines = [], None, []

    def flush():
        if kind is None:
            return
        body = lines[:]
        while body and not body[-1].strip():
            body.pop()
        if kind == "markdown":
            body = [l[2:] if l.startswith("# ") else l.lstrip("#") for l in body]
        src = [l + "\n" for l in body]
        if src:
            src[-1] = src[-1][:-1]
        cell = {"cell_type": kind, "metadata": {}, "source": src}
        if kind == "code":
            cell.update({"execution_count": None, "outputs": []})
        cells.append(cell)

    for line in text.splitlines():
        if line.startswith("# %%"):
            flush()
            kind, lines = ("markdown" if "[markdown]" in line else "code"), []
        elif kind is not None:
            lines.append(line)
    flush()
    nb = {"cells": cells,
          "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                       "language_info": {"name": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    for i, c in enumerate(nb["cells"]):
        c["id"] = f"cell-{i}"
    return json.dumps(nb, indent=1, sort_keys=True) + "\n"


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    if len(args) != 2:
        sys.exit(__doc__)
    with open(args[0], encoding="utf-8") as f:
        nb = convert(f.read())
    if check:
        try:
            with open(args[1], encoding="utf-8") as f:
                same = f.read() == nb
        except FileNotFoundError:
            same = False
        if not same:
            sys.exit(f"{args[1]} is stale: run /usr/bin/python3 analysis/percent_to_ipynb.py {args[0]} {args[1]}")
        return
    with open(args[1], "w", encoding="utf-8") as f:
        f.write(nb)


if __name__ == "__main__":
    main(sys.argv[1:])
