"""Collects the benchmark CSV files into one Markdown summary of every ratio and its target."""
import csv
import datetime
import glob
import os
import platform
import sys


def machine():
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores"


def main():
    results, compiler = sys.argv[1], sys.argv[2]
    rows = []
    for path in sorted(glob.glob(os.path.join(results, "*.csv"))):
        with open(path, newline="") as f:
            rows.extend(r for r in csv.DictReader(f) if r.get("target"))
    met = sum(1 for r in rows if r["met"] == "yes")
    lines = [
        "# Benchmark summary",
        "",
        f"- date: {datetime.date.today().isoformat()}",
        f"- machine: {machine()}",
        f"- compiler: {compiler}",
        f"- targets met: {met} of {len(rows)}",
        "",
        "| benchmark | workload | contender | ratio (or amount) | target | met |",
        "|---|---|---|---:|---|---|",
    ]
    for r in rows:
        # A bound on an amount (bytes per key, say) has no ratio: show the amount itself.
        ratio = float(r["ratio"])
        shown = f"{ratio:.2f}x" if ratio != 0 else f"{float(r['value']):.2f} {r['unit']}"
        lines.append(f"| {r['benchmark']} | {r['workload']} | {r['contender']} | "
                     f"{shown} | {r['target']} | {r['met']} |")
    with open(os.path.join(results, "summary.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
