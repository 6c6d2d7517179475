"""`make bench`: the catalog and checkout benches, then one table of goals (issue 16).

Runs `bench/catalog.py` (100k products on PostgreSQL by default) and `bench/checkout.py`
(16 buyers, 4 workers) as they run by hand, each writing its figures as JSON, then prints one
table: each row's req/s, p50, p99, share of the framework floor measured in the same run
(`/ping`), the goal, and pass or fail. The machine is shared and noisy, so goals are shares of
the floor, not absolute figures. The figures are also written to
`var/bench/<UTC date>-<commit>.json`, with the previous run's file named, so a change can be
compared with the last run on the same machine.

Needs PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/mv_bench), Redis
and wrk. `--quick` uses 10k products and shorter rows (a smoke run, not for the figures).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "var" / "bench"
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/mv_bench"


@dataclass
class Goal:
    label: str
    value: float | None  # what was measured (a share, a ratio or milliseconds)
    goal: float
    kind: str  # "share>=": share of the floor at least; "ratio<=", "ms<", "eq"
    rps: float | None = None
    p50: float | None = None
    p99: float | None = None

    @property
    def passed(self) -> bool | None:
        if self.value is None:
            return None
        if self.kind == "share>=":
            return self.value >= self.goal
        if self.kind in ("ratio<=",):
            return self.value <= self.goal
        if self.kind == "at least":
            return self.value >= self.goal
        if self.kind == "ms<":
            return self.value < self.goal
        return self.value == self.goal

    def shown(self) -> tuple[str, str]:
        if self.kind == "share>=":
            got = "—" if self.value is None else f"{self.value:.1%}"
            return got, f"≥ {self.goal:.1%} of floor"
        if self.kind == "ratio<=":
            got = "—" if self.value is None else f"{self.value:.2f}×"
            return got, f"≤ {self.goal:g}× warm p99"
        if self.kind == "ms<":
            got = "—" if self.value is None else f"{self.value:.1f} ms"
            return got, f"< {self.goal:g} ms p99"
        if self.kind == "at least":
            got = "—" if self.value is None else f"{self.value:.1%}"
            return got, f"≥ {self.goal:.0%}"
        return ("—" if self.value is None else f"{self.value:g}"), f"= {self.goal:g}"


def _row(results: dict, key: str) -> dict:
    return results.get(key) or {}


def _share(results: dict, key: str, floor_key: str) -> float | None:
    row, floor = _row(results, key), _row(results, floor_key)
    if not row or not floor.get("rps"):
        return None
    return row["rps"] / floor["rps"]


def _ratio(results: dict, cold: str, warm: str) -> float | None:
    c, w = _row(results, cold), _row(results, warm)
    if not c or not w or not w.get("p99_ms"):
        return None
    return c["p99_ms"] / w["p99_ms"]


def goals(catalog: dict, checkout: dict) -> list[Goal]:
    rows: list[Goal] = []

    def add(label, key, value, goal, kind):
        row = _row(catalog, key) if key else {}
        rows.append(
            Goal(label, value, goal, kind, row.get("rps"), row.get("p50_ms"), row.get("p99_ms"))
        )

    add(
        "category, warm (page cache)",
        "cat_warm",
        _share(catalog, "cat_warm", "floor"),
        0.8,
        "share>=",
    )
    add(
        "product, warm (page cache)",
        "product_warm",
        _share(catalog, "product_warm", "floor"),
        0.8,
        "share>=",
    )
    add("category, page cache off", "cat_nc", _share(catalog, "cat_nc", "nc_floor"), 0.2, "share>=")
    add(
        "product, page cache off",
        "product_nc",
        _share(catalog, "product_nc", "nc_floor"),
        0.2,
        "share>=",
    )
    add(
        "category, cold p99 / warm p99",
        "cat_cold",
        _ratio(catalog, "cat_cold", "cat_warm"),
        3,
        "ratio<=",
    )
    add(
        "product, cold p99 / warm p99",
        "product_cold",
        _ratio(catalog, "product_cold", "product_warm"),
        3,
        "ratio<=",
    )
    # Issue 14's rows (bench/catalog.py's keys): every request a query not asked before.
    for key, label, limit in (
        ("fresh16", "search, two words, uncached, 16 c", 50),
        ("suggest16", "suggestions, 16 c", 30),
    ):
        row = _row(catalog, key)
        add(label, key, row.get("p99_ms"), limit, "ms<")
    found = _row(catalog, "query_set")
    rows.append(Goal("search query set passed", found.get("pass_share"), 0.95, "at least"))
    paid = checkout.get("paid_per_s")
    floor = checkout.get("floor_rps")
    share = paid / floor if paid is not None and floor else None
    rows.append(Goal("checkout, paid orders/s", share, 0.023, "share>=", paid))
    rows.append(Goal("checkout, oversold products", checkout.get("oversold"), 0, "eq"))
    return rows


def table(rows: list[Goal], catalog: dict, checkout: dict) -> str:
    lines = [
        f"floor /ping: catalog run {(_row(catalog, 'floor').get('rps') or 0):.0f} req/s "
        f"(page cache off: {(_row(catalog, 'nc_floor').get('rps') or 0):.0f}), "
        f"checkout run {(checkout.get('floor_rps') or 0):.0f} req/s",
        "",
        "| what | req/s | p50 ms | p99 ms | result | goal | pass |",
        "|---|---:|---:|---:|---:|---|:---:|",
    ]
    for row in rows:
        got, goal = row.shown()
        verdict = {True: "pass", False: "FAIL", None: "—"}[row.passed]

        def num(value, fmt):
            return "—" if value is None else format(value, fmt)

        lines.append(
            f"| {row.label} | {num(row.rps, '.1f')} | {num(row.p50, '.1f')} | "
            f"{num(row.p99, '.1f')} | {got} | {goal} | {verdict} |"
        )
    return "\n".join(lines)


def _commit() -> str:
    try:
        return (
            subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
            ).stdout.strip()
            or "unknown"
        )
    except OSError:
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k products, short rows")
    parser.add_argument("--skip-catalog", action="store_true")
    parser.add_argument("--skip-checkout", action="store_true")
    args = parser.parse_args()
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", DEFAULT_DB)
    tmp = Path(tempfile.mkdtemp(prefix="metavast-bench-run-"))
    catalog: dict = {}
    checkout: dict = {}
    if not args.skip_catalog:
        out = tmp / "catalog.json"
        extra = ["--products", "10000", "--duration", "4"] if args.quick else []
        subprocess.run(
            [sys.executable, "bench/catalog.py", "--json", str(out), *extra],
            cwd=ROOT,
            env=env,
            check=True,
        )
        catalog = json.loads(out.read_text(encoding="utf-8"))
    if not args.skip_checkout:
        out = tmp / "checkout.json"
        extra = ["--duration", "8"] if args.quick else []
        subprocess.run(
            [sys.executable, "bench/checkout.py", "--json", str(out), *extra],
            cwd=ROOT,
            env=env,
            check=True,
        )
        checkout = json.loads(out.read_text(encoding="utf-8"))

    rows = goals(catalog, checkout)
    print("\nMetavast bench — one table (issue 16)\n")
    print(table(rows, catalog, checkout))

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    previous = sorted(OUT_DIR.glob("*.json"))
    now = dt.datetime.now(dt.UTC)
    path = OUT_DIR / f"{now:%Y%m%dT%H%M%SZ}-{_commit()}.json"
    path.write_text(
        json.dumps(
            {
                "date": now.isoformat(),
                "commit": _commit(),
                "cpus": os.cpu_count(),
                "quick": args.quick,
                "goals": [
                    {
                        "label": r.label,
                        "value": r.value,
                        "goal": r.goal,
                        "kind": r.kind,
                        "passed": r.passed,
                    }
                    for r in rows
                ],
                "catalog": catalog,
                "checkout": checkout,
            },
            indent=2,
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    print(f"\nfigures: {path.relative_to(ROOT)}")
    if previous:
        print(f"previous run on this machine: {previous[-1].relative_to(ROOT)}")


if __name__ == "__main__":
    main()
