#!/usr/bin/env python3
"""Reshapes one benchmark CSV into a table gnuplot can plot (used by the *.gp scripts here).

usage: select.py FILE UNIT_REGEX [CONTENDER_REGEX [WORKLOAD_REGEX]] [--columns] [--seconds]

Keeps the rows whose unit matches UNIT_REGEX (and contender CONTENDER_REGEX) and prints one
line per workload, one column per contender, in the order they first appear; the first line
holds the column names (trailing notes in parentheses dropped from contenders and workloads). Missing cells are NaN. With --columns, prints the number of columns
(0 when the file is missing or nothing matches), so a chart can skip itself. With --seconds,
values in ms, us and ns are converted to seconds.
"""
import csv
import re
import sys


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    count_only = "--columns" in sys.argv
    seconds = "--seconds" in sys.argv
    scale = {"ms": 1e-3, "us": 1e-6, "ns": 1e-9}
    path, unit = args[0], re.compile(args[1])
    contender = re.compile(args[2]) if len(args) > 2 else re.compile("")
    workload_filter = re.compile(args[3]) if len(args) > 3 else re.compile("")
    workloads, contenders, cells = [], [], {}
    try:
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                if not unit.search(row["unit"]) or not contender.search(row["contender"]):
                    continue
                if not workload_filter.search(row["workload"]):
                    continue
                # The label drops what the workload filter matched and trailing notes in parentheses.
                workload = (workload_filter.sub("", row["workload"]) if len(args) > 3 else row["workload"]).strip()
                workload = re.sub(r"(\s*\([^)]*\))+$", "", workload).strip()
                if workload not in workloads:
                    workloads.append(workload)
                name = re.sub(r"\s*\([^)]*\)$", "", row["contender"])  # drop notes: "(median of 7)"
                if name not in contenders:
                    contenders.append(name)
                value = row["value"]
                if seconds and row["unit"] in scale:
                    value = "%.9g" % (float(value) * scale[row["unit"]])
                cells[(workload, name)] = value
    except OSError:
        pass
    if count_only:
        print(len(contenders) + 1 if workloads else 0)
        return
    quote = lambda s: '"' + s.replace('"', "'") + '"'
    print(" ".join([quote("workload")] + [quote(c) for c in contenders]))
    for w in workloads:
        print(" ".join([quote(w)] + [cells.get((w, c), "NaN") for c in contenders]))


if __name__ == "__main__":
    main()
