"""docs/load-test.md's chart and tables, from Locust's CSV files in this directory.

    .venv/bin/python docs/load/make_chart.py      # needs the "load" extra (matplotlib)

Reads {one-node,two-nodes}_stats.csv (whole-run figures per step), *_stats_history.csv (the
aggregated rolling percentiles every second) and loadavg.txt (the machine's 1-minute load
average every 10 s, written during the runs); writes load-test.png and prints the markdown
table of docs/load-test.md.
"""

from __future__ import annotations

import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

HERE = Path(__file__).resolve().parent
RUNS = {"one-node": "one app node", "two-nodes": "two app nodes"}
STEPS = [
    "browse: home",
    "browse: category",
    "browse: product",
    "search",
    "cart: add",
    "checkout: place order",
    "pay: start (API)",
    "pay: sandbox bank page",
    "pay: sandbox bank «پرداخت»",
    "pay: callback + verify",
    "sign in (API)",
]


def stats(run: str) -> dict[str, dict]:
    with open(HERE / f"{run}_stats.csv", newline="") as handle:
        return {row["Name"]: row for row in csv.DictReader(handle)}


def history(run: str) -> list[dict]:
    with open(HERE / f"{run}_stats_history.csv", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["Name"] == "Aggregated"]
    return [r for r in rows if r["50%"] != "N/A"]


def load_average() -> list[tuple[int, float]]:
    rows = []
    for line in (HERE / "loadavg.txt").read_text().splitlines():
        stamp, one, *_ = line.split()
        rows.append((int(stamp), float(one)))
    return rows


def table() -> str:
    lines = [
        "| step | nodes | requests | failures | p50 ms | p95 ms | p99 ms | req/s |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    figures = {run: stats(run) for run in RUNS}
    for step in [*STEPS, "Aggregated"]:
        for run in RUNS:
            row = figures[run].get(step)
            if row is None:
                continue
            lines.append(
                f"| {step} | {1 if run == 'one-node' else 2} | {row['Request Count']} | "
                f"{row['Failure Count']} | {row['50%']} | {row['95%']} | {row['99%']} | "
                f"{float(row['Requests/s']):.1f} |"
            )
    return "\n".join(lines)


def chart() -> Path:
    figure, (top, middle, bottom) = plt.subplots(3, 1, figsize=(10, 11))
    loads = load_average()
    for run, label in RUNS.items():
        rows = history(run)
        start = int(rows[0]["Timestamp"])
        seconds = [(int(r["Timestamp"]) - start) / 60 for r in rows]
        top.plot(seconds, [float(r["95%"]) for r in rows], label=f"p95, {label}")
        top.plot(seconds, [float(r["50%"]) for r in rows], label=f"p50, {label}", ls="--")
        middle.plot(seconds, [float(r["Requests/s"]) for r in rows], label=label)
        end = int(rows[-1]["Timestamp"])
        window = [(t, v) for t, v in loads if start <= t <= end]
        bottom.plot([(t - start) / 60 for t, _ in window], [v for _, v in window], label=label)
    top.set_ylabel("ms (all requests, rolling)")
    top.set_yscale("log")
    top.set_title("Locust, 20 shoppers, 10 minutes each: browse, search, cart, checkout, pay")
    middle.set_ylabel("requests/s")
    bottom.set_ylabel("1-min load average (2 cores)")
    bottom.set_xlabel("minutes into the run")
    for axis in (top, middle, bottom):
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    figure.tight_layout()
    path = HERE / "load-test.png"
    figure.savefig(path, dpi=90)
    return path


if __name__ == "__main__":
    print(table())
    print(chart())
