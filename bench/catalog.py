"""Catalog benchmark: 100,000 products on PostgreSQL, production settings, gunicorn with two
workers on 127.0.0.1, wrk with 16 connections. Run by hand:

    .venv/bin/python bench/catalog.py            # seeds the bench database on first run

What is measured, beside the framework floor (/ping) of the same run:

- warm: one URL again and again; the page comes from the cache (Redis).
- cold: every request asks for a page not asked for before (category x sort x page x stock
  filter, a different product, a different search), so each one misses the page cache and
  renders from the database. The small shared caches (category tree, facets, header) stay warm
  as they would in a running shop.
- uncached: a second server with the page cache switched off (config.settings.bench_nocache),
  so every request renders its page from the database.
- two-word searches on that server, every request a query not asked before (a pair of
  WORDS, relevance or cheapest first), so nothing about it is cached: neither the page nor
  the search's ranking (listing_search). With 16 connections and with 1 (the latency of one
  search when the server is not queueing requests). These are the issue's "uncached" rows.
- the same «گوشی سامسونگ» again and again on that server: the page is rendered every time,
  the ranking comes from the cache (what paging, re-sorting and signed-in shoppers get).
- search suggestions (/search/suggest/) on that server: every request a different prefix,
  served from the per-catalog-version suggestion index (search_suggest).
- the search query set (metavast/catalog/tests/search_queries.py) through the API on that
  server: share passed, precision@10 and the share of queries with an expected product
  found, on this catalog (issue 14).

`--search-only` runs just the uncached search rows and the query set (a few seconds each).

Before the cold rows every category's first page is asked for once, so the small shared
caches (tree, facets, counts of unfiltered categories) are as warm as in a shop that has been
running; each cold URL still misses the page cache.

Beside each row: the share of the machine's CPU (100% = all cores) that gunicorn, PostgreSQL,
wrk and everything else took in the middle of the row (from /proc, skipping the first two
seconds and the last one). On a small machine they compete for the same cores, which is what
most of a p99 at 16 connections is made of; "other" shows whatever else was running.

Uses its own database (mv_bench), Redis database 12 and var directory, so it never touches the
development or test data.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lib import HEADER, Result, bench_env, manage, serve, wrk

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/mv_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/12"
TWO_WORDS = "گوشی سامسونگ"
WORDS = [
    "گوشی",
    "سامسونگ",
    "اپل",
    "شیائومی",
    "لپ‌تاپ",
    "ایسوس",
    "لنوو",
    "کتاب",
    "حافظ",
    "سعدی",
    "رمان",
    "میز",
    "صندلی",
    "فرش",
    "کفش",
    "کیف",
    "هدفون",
    "تبلت",
    "ساعت",
    "۱۲۸",
    "256",
    "گیگابایت",
    "مشکی",
    "چوب",
    "کتری",
    "لگو",
    "پازل",
    "شامپو",
    "مانتو",
    "پیراهن",
]
# More words for the uncached two-word rows: each request must be a pair not asked before.
MORE_WORDS = ["آیفون", "گلکسی", "ایکیا", "سونی", "مدل", "قرمز", "آبی", "چرم", "بچه", "قاب"]
SORTS = ["newest", "cheapest", "dearest", "bestselling"]
# Production refuses to start without the invoice seller; .env.example's dummy values.
SELLER = {
    "SELLER_NAME": "فروشگاه اینترنتی متاوست",
    "SELLER_ECONOMIC_NUMBER": "10380284790",
    "SELLER_NATIONAL_ID": "10380284790",
    "SELLER_REGISTRATION_NUMBER": "123456",
    "SELLER_ADDRESS": "تهران، خیابان نمونه، پلاک ۱",
    "SELLER_POSTAL_CODE": "1511111111",
    "SELLER_PHONE": "02188776655",
    "MOADIAN_MEMORY_ID": "A1B2C3",
}

LUA = """
local paths = {}
local counter = 0
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
function init(args)
  for line in io.lines("%(file)s") do paths[#paths + 1] = line end
  counter = id
end
function request()
  counter = counter + %(threads)d
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""


def _process_ticks() -> dict[int, tuple[str, str, int]]:
    """pid -> (name, command line, user+system clock ticks so far)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        name = stat[stat.find("(") + 1 : stat.rfind(")")]
        found[int(entry)] = (name, cmdline, int(fields[11]) + int(fields[12]))
    return found


def _cpu_total() -> tuple[int, int]:
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    return sum(values), values[3] + values[4]  # all, idle + iowait


class CpuShares:
    """CPU used by gunicorn (this bench's server, found by its port), PostgreSQL, wrk and the
    rest, between two points in the middle of a row; shares of the whole machine."""

    GROUPS = ("gunicorn", "postgres", "wrk", "other", "idle")

    def __init__(self, port: str, duration: int):
        self.port, self.duration = port, duration
        self.shares: dict[str, float] = {}
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _group(self, name: str, cmdline: str) -> str:
        if "gunicorn" in cmdline and f":{self.port} " in f"{cmdline} ":
            return "gunicorn"
        if name.startswith("postgres") or cmdline.startswith("postgres"):
            return "postgres"
        return "wrk" if name == "wrk" else "other"

    def _run(self) -> None:
        if self.duration < 4 or not os.path.exists("/proc/stat"):
            return
        time.sleep(2)
        before, (total_before, idle_before) = _process_ticks(), _cpu_total()
        time.sleep(self.duration - 3)
        after, (total_after, idle_after) = _process_ticks(), _cpu_total()
        elapsed = total_after - total_before
        if elapsed <= 0:
            return
        used = dict.fromkeys(self.GROUPS, 0)
        for pid, (name, cmdline, ticks) in after.items():
            used[self._group(name, cmdline)] += ticks - before.get(pid, (name, cmdline, 0))[2]
        used["idle"] = idle_after - idle_before
        self.shares = {group: 100 * used[group] / elapsed for group in self.GROUPS}

    def text(self) -> str:
        if not self.shares:
            return ""
        return " CPU " + " ".join(f"{g} {self.shares[g]:.0f}%" for g in self.GROUPS)


def psql(database_url: str, sql: str) -> list[str]:
    out = subprocess.run(
        ["psql", database_url, "-tAc", sql], capture_output=True, text=True, check=True
    ).stdout
    return [line for line in out.splitlines() if line]


def ensure_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"unexpected database name: {name!r}")
    if not psql(admin_url, f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):  # noqa: S608
        psql(admin_url, f"CREATE DATABASE {name}")


def url_script(var_dir: Path, name: str, paths: list[str], threads: int) -> str:
    listing = var_dir / f"{name}.txt"
    listing.write_text("\n".join(paths) + "\n", encoding="utf-8")
    script = var_dir / f"{name}.lua"
    script.write_text(LUA % {"file": listing, "threads": threads}, encoding="utf-8")
    return str(script)


def cold_paths(database_url: str, rng: random.Random) -> dict[str, list[str]]:
    categories = psql(database_url, "SELECT slug FROM catalog_category")
    category_paths = [
        f"/c/{slug}/?{urlencode(q)}"
        for slug in categories
        for sort in SORTS
        for page in range(1, 41)
        for q in ({"sort": sort, "page": page}, {"sort": sort, "page": page, "stock": "1"})
    ]
    slugs = psql(database_url, "SELECT slug FROM catalog_product ORDER BY random() LIMIT 30000")
    product_paths = [f"/product/{quote(slug)}/" for slug in slugs]
    search_paths = [
        f"/search/?{urlencode({'q': f'{a} {b}', 'sort': sort, 'page': page})}"
        for a in WORDS
        for b in WORDS
        if a != b
        for sort in ("relevance", "cheapest")
        for page in (1, 2)
    ]
    for paths in (category_paths, product_paths, search_paths):
        rng.shuffle(paths)
    return {"category": category_paths, "product": product_paths, "search": search_paths}


def fresh_search_paths(rng: random.Random) -> tuple[list[str], list[str]]:
    """Two-word searches, each asked once: (for the 16-connection row, for the 1-connection
    row), disjoint."""
    words = WORDS + MORE_WORDS
    paths = [
        "/search/?" + urlencode({"q": f"{a} {b}", "sort": sort})
        for a in words
        for b in words
        if a != b
        for sort in ("relevance", "cheapest")
    ]
    rng.shuffle(paths)
    cut = len(paths) * 3 // 4
    return paths[:cut], paths[cut:]


def suggest_paths(rng: random.Random) -> list[str]:
    """What the box sends while a shopper types: growing prefixes of real queries, word pairs
    and some three-word queries; enough of them (about 12,000) that 8 s at 1,000+ req/s
    never asks one twice."""
    from metavast.catalog.tests.search_queries import QUERIES

    words = WORDS + MORE_WORDS
    texts = [q for q, _e, _k in QUERIES] + [f"{a} {b}" for a in words for b in words if a != b]
    triples = random.Random(14)
    texts += [" ".join(triples.sample(words, 3)) for _ in range(1000)]
    paths = sorted(
        {
            "/search/suggest/?" + urlencode({"q": text[:cut]})
            for text in texts
            for cut in range(2, len(text) + 1)
        }
    )
    rng.shuffle(paths)
    return paths


def query_set(base: str) -> dict:
    """The issue-14 query set through the API of a running server."""
    import json
    from urllib.request import urlopen

    from metavast.catalog.tests.search_queries import evaluate

    def first_page(query: str) -> list[str]:
        url = f"{base}/api/v1/catalog/products?" + urlencode({"q": query, "page_size": 24})
        with urlopen(url, timeout=30) as response:
            return [item["title"] for item in json.load(response)["items"]]

    return evaluate(TITLES, first_page)


TITLES: list[str] = []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--search-only", action="store_true", help="only the issue-14 rows")
    parser.add_argument("--json", help="also write the figures to this file (bench/run.py)")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DB
    redis_url = os.environ.get("BENCH_REDIS_URL") or DEFAULT_REDIS
    var_dir = Path(tempfile.gettempdir()) / "metavast-bench-catalog"
    var_dir.mkdir(exist_ok=True)
    env = bench_env(
        METAVAST_VAR_DIR=str(var_dir),
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        **{k: os.environ.get(k, v) for k, v in SELLER.items()},
    )
    nocache_env = {**env, "DJANGO_SETTINGS_MODULE": "config.settings.bench_nocache"}

    ensure_database(database_url)
    manage("migrate", "--noinput", "-v0", env=env)
    manage("collectstatic", "--noinput", "-v0", env=env)
    have = int(psql(database_url, "SELECT count(*) FROM catalog_product")[0])
    seed_note = f"already seeded ({have:,} products)"
    if have < args.products:
        started = time.monotonic()
        manage("seed_demo", "--products", str(args.products), env=env)
        seed_note = f"seed_demo --products {args.products}: {time.monotonic() - started:.1f} s"
        psql(database_url, "VACUUM ANALYZE")
    count = int(psql(database_url, "SELECT count(*) FROM catalog_product")[0])
    rng = random.Random(7)
    cold = {
        k: url_script(var_dir, k, v, args.threads) for k, v in cold_paths(database_url, rng).items()
    }
    prefixes = suggest_paths(rng)
    suggest_script = url_script(var_dir, "suggest", prefixes, args.threads)
    fresh16, fresh1 = fresh_search_paths(rng)
    fresh = {
        "paths16": len(fresh16),
        "paths1": len(fresh1),
        "script16": url_script(var_dir, "fresh16", fresh16, args.threads),
        "script1": url_script(var_dir, "fresh1", fresh1, 1),
        "duration": args.duration,
        "suggest_paths": len(prefixes),
    }
    TITLES[:] = psql(database_url, "SELECT title FROM catalog_product WHERE is_published")
    first_slug = psql(database_url, "SELECT slug FROM catalog_product ORDER BY id LIMIT 1")[0]
    product = f"/product/{quote(first_slug)}/"
    search_warm = "/search/?" + urlencode({"q": TWO_WORDS})
    subprocess.run(["redis-cli", "-u", redis_url, "FLUSHDB"], check=True, capture_output=True)

    def run(name, base, path="", script=None, connections=args.connections) -> Result:
        shares = CpuShares(base.rsplit(":", 1)[1], args.duration)
        shares.thread.start()
        result = wrk(
            name,
            base + path,
            connections=connections,
            duration=args.duration,
            threads=min(args.threads, connections),
            script=script,
        )
        shares.thread.join()
        print(result.row() + shares.text(), flush=True)
        return result

    def warm_small_caches(base) -> None:
        for slug in psql(database_url, "SELECT slug FROM catalog_category"):
            subprocess.run(
                ["curl", "-s", "-o", "/dev/null", f"{base}/c/{quote(slug)}/?page=41"], check=True
            )
        # Each worker builds this version's suggestion index on its first suggestion.
        for _ in range(6):
            subprocess.run(
                ["curl", "-s", "-o", "/dev/null", f"{base}/search/suggest/?q=%DA%A9%D8%AA"],
                check=True,
            )

    print(f"\nMetavast catalog bench — PostgreSQL, {count:,} products, {seed_note}")
    print(
        f"gunicorn 2 workers (production settings), wrk {args.connections} connections, "
        f"{args.duration} s per row\n"
    )
    print(HEADER)
    results: dict[str, Result] = {}
    if args.search_only:
        with serve(nocache_env) as base:
            warm_small_caches(base)
            search_rows(results, run, base, suggest_script, fresh)
        search_goals(results)
        _write_json(args.json, results)
        return
    with serve(env) as base:
        for path in ("/c/mobile/", product, search_warm):
            subprocess.run(["curl", "-s", "-o", "/dev/null", base + path], check=True)
        results["floor"] = run("/ping (framework floor)", base, "/ping")
        results["cat_warm"] = run("category, warm", base, "/c/mobile/")
        results["product_warm"] = run("product, warm", base, product)
        results["search_warm"] = run("search, warm", base, search_warm)
        warm_small_caches(base)
        results["cat_cold"] = run("category, cold (unique URLs)", base, script=cold["category"])
        results["product_cold"] = run("product, cold (unique URLs)", base, script=cold["product"])
        results["search_cold"] = run("search, cold (unique URLs)", base, script=cold["search"])
    with serve(nocache_env) as base:
        warm_small_caches(base)
        results["nc_floor"] = run("/ping, page cache off", base, "/ping")
        results["cat_nc"] = run("category, page cache off", base, script=cold["category"])
        results["product_nc"] = run("product, page cache off", base, script=cold["product"])
        results["search_nc"] = run("search, page cache off", base, script=cold["search"])
        # The row above cached the rankings of these word pairs: start the search rows clean.
        subprocess.run(["redis-cli", "-u", redis_url, "FLUSHDB"], check=True, capture_output=True)
        warm_small_caches(base)
        search_rows(results, run, base, suggest_script, fresh)

    floor = results["floor"].rps
    print("\nGoals (issue 3):")
    for key, label in (("cat", "category"), ("product", "product"), ("search", "search")):
        warm, cold_r = results[f"{key}_warm"], results[f"{key}_cold"]
        print(
            f"- {label:<8}: cold p99 {cold_r.p99_ms:6.1f} ms (goal < 100)"
            f" | page-cache-off p99 {results[f'{key}_nc'].p99_ms:6.1f} ms"
            f" | warm {warm.rps / floor:5.0%} of floor (goal >= 50%)"
        )
    search_goals(results)
    _write_json(args.json, results)


def _write_json(path: str | None, results: dict) -> None:
    """The figures for `make bench`'s one table (bench/run.py)."""
    if not path:
        return
    figures = {
        key: dataclasses.asdict(value) if dataclasses.is_dataclass(value) else value
        for key, value in results.items()
    }
    Path(path).write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")


def warm_search_index(base: str, build_seconds: int = 15) -> None:
    """Each worker builds the catalog version's search index (search_index) in a thread on
    its first search and answers from SQL until it is ready: start the builds in both workers
    (eight searches at once, twice: a worker that got none the first time gets one then) and
    give them time, so the rows measure the index and not the build. The searches are sorted
    «جدیدترین», which the measured rows never ask, so no ranking they need is cached."""
    for _ in range(2):
        curls = [
            subprocess.Popen(
                [
                    "curl",
                    "-s",
                    "-o",
                    "/dev/null",
                    base
                    + "/search/?"
                    + urlencode(
                        {"q": f"{WORDS[i]} {WORDS[(i + 1) % len(WORDS)]}", "sort": "newest"}
                    ),
                ]
            )
            for i in range(8)
        ]
        for curl in curls:
            curl.wait()
        time.sleep(build_seconds)


def search_rows(results: dict, run, base: str, suggest_script: str, fresh: dict) -> None:
    warm_search_index(base)
    results["fresh16"] = run("two words, new query each, 16 c", base, script=fresh["script16"])
    results["fresh1"] = run(
        "two words, new query each, 1 c", base, script=fresh["script1"], connections=1
    )
    for key, paths in (("fresh16", fresh["paths16"]), ("fresh1", fresh["paths1"])):
        asked = results[key].rps * fresh["duration"]
        if asked > paths:
            print(f"  ({key}: {asked:.0f} requests for {paths} queries: some were repeats)")
    two = "/search/?" + urlencode({"q": TWO_WORDS})
    results["two16"] = run("«گوشی سامسونگ» ranking cached, 16 c", base, two)
    results["two1"] = run("«گوشی سامسونگ» ranking cached, 1 c", base, two, connections=1)
    results["suggest16"] = run("suggestions uncached, 16 c", base, script=suggest_script)
    asked = results["suggest16"].rps * fresh["duration"]
    if asked > fresh["suggest_paths"]:
        print(f"  (suggest16: {asked:.0f} requests for {fresh['suggest_paths']} prefixes: repeats)")
    started = time.monotonic()
    report = query_set(base)
    results["query_set"] = report
    print(
        f"\nquery set ({report['queries']} queries, {len(TITLES):,} products,"
        f" {time.monotonic() - started:.0f} s): {report['passed']} passed"
        f" ({report['pass_share']:.1%}), precision@10 {report['precision_at_10']:.3f},"
        f" found {report['found_share']:.1%}"
    )
    for row in report["failures"]:
        print(f"  not passed: {row['kind']} «{row['query']}» → {row['top']}")


def search_goals(results: dict) -> None:
    print("\nGoals (issue 14):")
    print(
        f"- two-word search uncached p99: {results['fresh16'].p99_ms:.1f} ms with 16 connections,"
        f" {results['fresh1'].p99_ms:.1f} ms with 1 (goal < 50)"
    )
    print(
        f"- the same two-word search, ranking cached, page rendered: p99"
        f" {results['two16'].p99_ms:.1f} ms with 16 connections, {results['two1'].p99_ms:.1f} with 1"
    )
    print(f"- suggestions uncached p99: {results['suggest16'].p99_ms:.1f} ms (goal < 30)")
    print(f"- query set passed: {results['query_set']['pass_share']:.1%} (goal >= 95%)")


if __name__ == "__main__":
    main()
