"""Checkout throughput: paid orders per second, place-order to verified payment.

Run by hand on PostgreSQL (never in CI):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mv_bench .venv/bin/python bench/checkout.py

What runs, all on this machine:
- gunicorn with production settings (config.settings.bench) on 127.0.0.1;
- a fake Zarinpal v4 server in its own process (metavast/payments/tests/fake_zarinpal.py):
  request/verify/unverified over real HTTP, and a StartPay page that "pays" and redirects to
  the shop's callback, as the customer's bank would;
- 16 buyers (processes, so the load generator is not one GIL), each with its own HTTP
  session and API token, looping:
  add a hot product to the cart (and, while it lasts, one unit of a scarce product) →
  place the order (checkout API) → start the payment (payments API) → follow the bank's
  StartPay redirect → the callback page, which verifies with the gateway and shows «paid».

Printed: paid orders/s over the measured window, step latencies, the framework floor (/ping
req/s with wrk against the same gunicorn, in the same run) and a zero-oversell audit read
from the database afterwards (stock counters versus paid and unpaid order lines, one paid
payment per paid order, the scarce product never sold past its stock).

Work queued after commit (notification delivery, the invoice with its PDF, the Moadian
submission) is queued to Redis when REDIS_URL is set and not done during the run (no Celery
worker runs); without REDIS_URL Celery runs it eagerly in the request that queued it, after
its commit, so the latencies and gunicorn's CPU then include it (the callback's invoice PDF
most of all).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import requests
from lib import PYTHON, ROOT, bench_env, free_port, manage, serve, wrk

MERCHANT_ID = "11111111-2222-3333-4444-555555555555"  # what the fake expects
PASSWORD = "bench-harbour-9318-tulip"

SEED = r"""
import json, sys, uuid
import django
django.setup()
from django.utils import timezone
from metavast.accounts.models import User
from metavast.accounts.services.addresses import AddressInput, address_create
from metavast.catalog.services.products import category_create, product_create, variant_create
from metavast.catalog.models import Category
from metavast.checkout.demo import seed_shipping
from metavast.checkout.models import ShippingMethod

buyers, hot_count, hot_stock, scarce_stock = (int(a) for a in sys.argv[1:5])
run = uuid.uuid4().hex[:8]
seed_shipping()
category = Category.objects.filter(slug="bench").first() or category_create(name="بنچ", slug="bench")
def variant(title, stock, price):
    product = product_create(title=title, category=category, slug=f"bench-{run}-{uuid.uuid4().hex[:6]}")
    return variant_create(product=product, sku=f"B-{uuid.uuid4().hex[:12]}", price=price, on_hand=stock)
hot = [variant(f"کالای پرفروش {i}", hot_stock, 1_250_000 + 10_000 * i).pk for i in range(hot_count)]
scarce = variant("کالای کمیاب", scarce_stock, 990_000).pk
now = timezone.now()
people = []
for i in range(buyers):
    mobile = f"+98935{(uuid.uuid4().int % 10_000_000):07d}"
    user = User(email=f"bench-{run}-{i}@example.com", email_confirmed_at=now, mobile=mobile,
                mobile_confirmed_at=now, first_name="خریدار", last_name=f"شماره {i}")
    user.set_password(sys.argv[5])
    user.save()
    address = address_create(user=user, data=AddressInput(
        province="tehran", city="تهران", street="خیابان آزادی", plaque="12", postal_code="1193653471"))
    people.append({"user_id": user.pk, "login": mobile, "address_id": address.pk})
print(json.dumps({"hot": hot, "scarce": scarce, "buyers": people,
                  "shipping_method_id": ShippingMethod.objects.get(code="post-pishtaz").pk}))
"""

AUDIT = r"""
import json, sys
from collections import Counter
import django
django.setup()
from django.db.models import Count, Sum
from metavast.catalog.models import Variant
from metavast.orders.models import Order, OrderLine
from metavast.payments.models import Payment

data = json.loads(sys.argv[1])
users = [b["user_id"] for b in data["buyers"]]
orders = Order.objects.filter(user_id__in=users)
result = {}
result["orders"] = dict(Counter(orders.values_list("status", flat=True)))
result["payments"] = dict(Counter(Payment.objects.filter(order__user_id__in=users).values_list("status", flat=True)))
paid = orders.filter(status="paid")
result["paid_orders_without_one_paid_payment"] = paid.exclude(
    pk__in=Payment.objects.filter(status="paid").values("order_id")).count()
result["orders_with_two_paid_payments"] = (
    Payment.objects.filter(status="paid", order__user_id__in=users).values("order_id")
    .annotate(n=Count("pk")).filter(n__gt=1).count())
stock = {}
for pk in data["hot"] + [data["scarce"]]:
    v = Variant.objects.get(pk=pk)
    lines = OrderLine.objects.filter(variant_id=pk, order__user_id__in=users)
    committed = lines.filter(order__status="paid").aggregate(n=Sum("quantity"))["n"] or 0
    reserved = lines.filter(order__status="awaiting_payment").aggregate(n=Sum("quantity"))["n"] or 0
    stock[pk] = {"on_hand": v.on_hand, "reserved": v.reserved, "committed_lines": committed,
                 "reserved_lines": reserved}
result["stock"] = stock
print(json.dumps(result))
"""


# Database round trips per step (issue 16), counted in-process after the run: the same API
# calls as a buyer, through Django's test client against the bench database and the fake
# gateway, for a customer's second order with two lines (the first fills per-process caches),
# as metavast/payments/tests/test_query_counts.py counts them. Auth and transaction
# statements are included; work queued on commit (delivery, invoices) is not: in production
# a worker runs it. Without a broker (no REDIS_URL) Celery would run those tasks eagerly in
# the request, after its commit, and their queries would be counted with the request's
# (place 29 and callback 43 instead of 23 and 15: outbox delivery, the invoice, its PDF and
# the Moadian submission), so this count queues them on an in-memory broker, never run.
QUERIES = r"""
import json, sys, uuid
from urllib.parse import urlsplit
import django
django.setup()
import requests
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

data, password = json.loads(sys.argv[1]), sys.argv[2]
person = data["buyers"][0]
api = Client(HTTP_HOST="127.0.0.1")
signed = api.post(
    "/api/v1/accounts/auth/signin",
    {"login": person["login"], "password": password},
    content_type="application/json",
)
api.defaults["HTTP_AUTHORIZATION"] = "Bearer " + signed.json()["access"]


def counted(call, ok):
    with CaptureQueriesContext(connection) as queries:
        response = call()
    assert response.status_code == ok, (response.status_code, response.content[:300])
    return response, len(queries.captured_queries)


def post(path, body, ok):
    return counted(
        lambda: api.post("/api/v1" + path, body, content_type="application/json"), ok
    )


def buy():
    counts = {}
    for step, variant in (("cart add", data["hot"][0]), ("cart add, 2nd line", data["hot"][1])):
        _, counts[step] = post("/cart/lines", {"variant_id": variant, "quantity": 1}, 200)
    placed, counts["place order"] = post(
        "/checkout/orders",
        {
            "address_id": person["address_id"],
            "shipping_method_id": data["shipping_method_id"],
            "payment_method": "online",
            "idempotency_key": uuid.uuid4().hex,
        },
        201,
    )
    number = placed.json()["number"]
    started, counts["start payment"] = post(
        f"/payments/orders/{number}/start", {"gateway": "zarinpal"}, 201
    )
    bank = requests.get(started.json()["redirect_url"], allow_redirects=False, timeout=30)
    back = urlsplit(bank.headers["Location"])
    _, counts["callback"] = counted(
        lambda: Client(HTTP_HOST="127.0.0.1").get(back.path + "?" + back.query), 200
    )
    return counts


buy()
print(json.dumps(buy()))
"""


def run_django(code: str, *args: str, env: dict[str, str]) -> dict:
    out = subprocess.run(
        [PYTHON, "-c", code, *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


class Buyer:
    def __init__(self, base: str, data: dict, person: dict, index: int, scarce_state):
        self.base, self.data, self.person, self.index = base, data, person, index
        self.scarce_state = scarce_state
        self.session = requests.Session()
        self.bank = requests.Session()  # the browser coming back from the bank: no cookies
        self.stop_at = 0.0
        self.measure_from = 0.0
        self.paid = 0
        self.failures: Counter = Counter()
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.scarce_bought = 0

    def api(self, method: str, path: str, **kwargs):
        return self.session.request(method, f"{self.base}/api/v1{path}", timeout=30, **kwargs)

    def sign_in(self) -> None:
        response = self.api(
            "POST",
            "/accounts/auth/signin",
            json={"login": self.person["login"], "password": PASSWORD},
        )
        response.raise_for_status()
        self.session.headers["Authorization"] = f"Bearer {response.json()['access']}"

    def timed(self, name: str, call):
        started = time.perf_counter()
        result = call()
        self.timings[name].append(time.perf_counter() - started)
        return result

    def one_order(self) -> bool:
        hot = self.data["hot"][self.index % len(self.data["hot"])]
        added = self.timed(
            "cart add",
            lambda: self.api("POST", "/cart/lines", json={"variant_id": hot, "quantity": 1}),
        )
        if added.status_code != 200:
            self.failures[f"cart add {added.status_code}"] += 1
            return False
        with_scarce = False
        if not self.scarce_state.is_set():
            scarce = self.api(
                "POST", "/cart/lines", json={"variant_id": self.data["scarce"], "quantity": 1}
            )
            with_scarce = scarce.status_code == 200
            if scarce.status_code == 409:
                self.scarce_state.set()
        body = {
            "address_id": self.person["address_id"],
            "shipping_method_id": self.data["shipping_method_id"],
            "payment_method": "online",
            "idempotency_key": uuid.uuid4().hex,
        }
        placed = self.timed("place order", lambda: self.api("POST", "/checkout/orders", json=body))
        if placed.status_code == 409 and with_scarce:
            # The scarce unit went to someone else between cart and checkout: drop it, retry.
            self.scarce_state.set()
            self.api("DELETE", f"/cart/lines/{self.data['scarce']}")
            with_scarce = False
            body["idempotency_key"] = uuid.uuid4().hex
            placed = self.api("POST", "/checkout/orders", json=body)
        if placed.status_code != 201:
            self.failures[f"place {placed.status_code}"] += 1
            return False
        number = placed.json()["number"]
        started = self.timed(
            "start payment",
            lambda: self.api(
                "POST", f"/payments/orders/{number}/start", json={"gateway": "zarinpal"}
            ),
        )
        if started.status_code != 201:
            self.failures[f"start {started.status_code}"] += 1
            return False
        at_bank = self.timed(
            "bank (fake StartPay)",
            lambda: self.bank.get(
                started.json()["redirect_url"], allow_redirects=False, timeout=30
            ),
        )
        back = self.timed(
            "callback + verify",
            lambda: self.bank.get(at_bank.headers["Location"], allow_redirects=False, timeout=30),
        )
        if back.status_code != 200 or "پرداخت با موفقیت انجام شد" not in back.text:
            self.failures[f"callback {back.status_code}"] += 1
            return False
        self.scarce_bought += with_scarce
        return True

    def run(self) -> None:
        while time.monotonic() < self.stop_at:
            began = time.monotonic()
            try:
                ok = self.one_order()
            except requests.RequestException as exc:
                self.failures[type(exc).__name__] += 1
                ok = False
            if ok and began >= self.measure_from:
                self.paid += 1


def buyer_process(base, data, person, index, scarce_state, window, ready, go, results) -> None:
    """One buyer in its own process: 16 buyers as threads of one process were held back by
    its GIL (the load generator, not the shop, set the pace)."""
    buyer = Buyer(base, data, person, index, scarce_state)
    buyer.sign_in()
    ready.release()
    go.wait()
    buyer.measure_from, buyer.stop_at = window[0], window[1]  # CLOCK_MONOTONIC: system-wide
    buyer.run()
    results.put(
        {
            "paid": buyer.paid,
            "failures": dict(buyer.failures),
            "timings": dict(buyer.timings),
            "scarce_bought": buyer.scarce_bought,
        }
    )


def _processes() -> dict[int, tuple[int, float, str]]:
    """pid -> (parent pid, CPU seconds so far, command line), from /proc (Linux only)."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                command = cmdline.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        found[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick, command)
    return found


def cpu_usage(base: str, env: dict[str, str], fake_pid: int) -> tuple[float, dict, float]:
    """(monotonic time, {pid: (part of the bench, CPU seconds)}, the machine's busy seconds)."""
    port = base.rsplit(":", 1)[1]
    database = env["DATABASE_URL"].rsplit("/", 1)[1].split("?")[0]
    processes = _processes()
    masters = {
        pid for pid, (_, _, cmd) in processes.items() if "gunicorn" in cmd and f":{port} " in cmd
    }
    parts = {}
    for pid, (parent, seconds, cmd) in processes.items():
        if pid in masters or parent in masters:
            part = "gunicorn (shop)"
        elif pid == fake_pid:
            part = "fake Zarinpal"
        elif parent == os.getpid():
            part = "buyers (load generator)"
        elif cmd.startswith("postgres:") and f" {database} " in cmd:
            part = "PostgreSQL backends (this db)"
        elif cmd.startswith("postgres") or cmd.startswith("/usr/lib/postgresql"):
            part = "PostgreSQL, other"
        elif "redis-server" in cmd:
            part = "Redis"
        else:
            part = "other processes (not this bench)"
        parts[pid] = (part, seconds)
    with open("/proc/stat") as stat:
        jiffies = [int(n) for n in stat.readline().split()[1:8]]
    busy = (sum(jiffies) - jiffies[3] - jiffies[4]) / os.sysconf("SC_CLK_TCK")
    return time.monotonic(), parts, busy


def cpu_share(before, after) -> dict[str, float]:
    """Percent of one core each part used between two `cpu_usage` samples (a process that
    started in between counts from zero; one that ended is missed)."""
    (t0, p0, busy0), (t1, p1, busy1) = before, after
    span = max(t1 - t0, 1e-9)
    share: dict[str, float] = defaultdict(float)
    for pid, (part, seconds) in p1.items():
        previous = p0.get(pid)
        share[part] += 100 * (seconds - (previous[1] if previous else 0.0)) / span
    share["whole machine (busy)"] = 100 * (busy1 - busy0) / span
    return dict(sorted(share.items()))


def ping_floor(base: str) -> tuple[float, float]:
    """(req/s, p50 ms) of /ping with wrk, 16 connections, 10 s."""
    result = wrk("/ping", f"{base}/ping", connections=16, duration=10)
    return result.rps, result.p50_ms


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--buyers", type=int, default=16)
    parser.add_argument("--duration", type=int, default=20, help="measured seconds")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--hot", type=int, default=4, help="hot products shared by all buyers")
    parser.add_argument("--scarce", type=int, default=150, help="units of the scarce product")
    parser.add_argument("--json", help="also write the figures to this file (bench/run.py)")
    args = parser.parse_args()
    if "postgres" not in os.environ.get("DATABASE_URL", ""):
        raise SystemExit("bench/checkout.py needs PostgreSQL: set DATABASE_URL=postgres://...")

    fake_port = free_port()
    fake = subprocess.Popen(
        [PYTHON, "-m", "metavast.payments.tests.fake_zarinpal", str(fake_port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    fake.stdout.readline()  # its URL, once it listens
    try:
        var_dir = tempfile.mkdtemp(prefix="metavast-bench-")
        env = bench_env(
            METAVAST_VAR_DIR=var_dir,
            ZARINPAL_BASE_URL=f"http://127.0.0.1:{fake_port}",
            ZARINPAL_MERCHANT_ID=MERCHANT_ID,
            PAYMENT_REDIRECT_ALLOWED_HOSTS=f"127.0.0.1:{fake_port}",
        )
        manage("migrate", "--noinput", "-v0", env=env)
        manage("collectstatic", "--noinput", "-v0", env=env)
        data = run_django(
            SEED, str(args.buyers), str(args.hot), "1000000", str(args.scarce), PASSWORD, env=env
        )
        with serve(env, workers=args.workers, threads=args.threads) as base:
            ctx = mp.get_context("fork")
            scarce_state, go = ctx.Event(), ctx.Event()
            ready, results = ctx.Semaphore(0), ctx.Queue()
            window = ctx.Array("d", 2)
            processes = [
                ctx.Process(
                    target=buyer_process,
                    args=(base, data, person, i, scarce_state, window, ready, go, results),
                    daemon=True,
                )
                for i, person in enumerate(data["buyers"])
            ]
            for process in processes:
                process.start()
            for _ in processes:
                ready.acquire()
            measure_from = time.monotonic() + args.warmup
            window[0], window[1] = measure_from, measure_from + args.duration
            go.set()
            time.sleep(args.warmup)
            usage_from = cpu_usage(base, env, fake.pid)
            time.sleep(args.duration)
            usage = cpu_share(usage_from, cpu_usage(base, env, fake.pid))
            buyers = [results.get() for _ in processes]
            for process in processes:
                process.join()
            # Orders begun in the window and finished after it count; the window ends
            # when the last buyer stops.
            elapsed = time.monotonic() - measure_from
            floor = ping_floor(base)
        audit = run_django(AUDIT, json.dumps(data), env=env)
        # After the audit, so its two orders are not in the figures above.
        counting_env = dict(env)
        if not (env.get("REDIS_URL") or env.get("CELERY_BROKER_URL")):
            counting_env["CELERY_BROKER_URL"] = "memory://"  # queued, not run (see QUERIES)
        try:
            queries = run_django(QUERIES, json.dumps(data), PASSWORD, env=counting_env)
        except subprocess.CalledProcessError:  # its traceback is on stderr already
            queries = {}
    finally:
        fake.terminate()
        fake.wait(timeout=10)

    paid = sum(b["paid"] for b in buyers)
    failures = sum((Counter(b["failures"]) for b in buyers), Counter())
    timings: dict[str, list[float]] = defaultdict(list)
    for buyer in buyers:
        for name, values in buyer["timings"].items():
            timings[name].extend(values)

    oversold = []
    for pk, row in audit["stock"].items():
        initial = args.scarce if int(pk) == data["scarce"] else 1_000_000
        sold = initial - row["on_hand"]
        if (
            row["on_hand"] < row["reserved"]
            or row["reserved"] != row["reserved_lines"]
            or sold != row["committed_lines"]
            or sold > initial
        ):
            oversold.append((pk, row))
    scarce = audit["stock"][str(data["scarce"])]

    print(
        f"\nMetavast checkout bench — PostgreSQL, gunicorn {args.workers} workers × "
        f"{args.threads} threads, {args.buyers} buyers, fake Zarinpal over HTTP, "
        f"{os.cpu_count()} CPUs"
    )
    print(f"  paid orders (measured window) : {paid} in {elapsed:.1f} s")
    print(f"  paid orders/s                 : {paid / elapsed:.1f}")
    print(f"  framework floor /ping         : {floor[0]:.0f} req/s (p50 {floor[1]:.1f} ms)")
    print(f"  failures                      : {dict(failures) or 'none'}")
    print(
        "  CPU in the window (% of one core; "
        f"{os.cpu_count()} cores = {100 * (os.cpu_count() or 1)} %):"
    )
    for name, percent in usage.items():
        print(f"    {name:<32}: {percent:6.1f}")
    if paid:
        # CPU time per order does not depend on what else shares the machine as much as
        # orders/s does: the figure to compare between runs on a busy machine.
        per_order = {
            name: 10 * usage.get(name, 0.0) * elapsed / paid
            for name in ("gunicorn (shop)", "PostgreSQL backends (this db)")
        }
        print(
            "  CPU per paid order (ms)       : "
            + ", ".join(f"{name} {ms:.1f}" for name, ms in per_order.items())
        )
    print(
        "  queries per step              : "
        + (", ".join(f"{name} {count}" for name, count in queries.items()) or "not counted")
    )
    print("  step latency (ms)             :  p50     p99")
    for name in (
        "cart add",
        "place order",
        "start payment",
        "bank (fake StartPay)",
        "callback + verify",
    ):
        print(
            f"    {name:<28}: {percentile(timings[name], 0.5):6.1f}  {percentile(timings[name], 0.99):6.1f}"
        )
    print(f"  orders by status (whole run)  : {audit['orders']}")
    print(f"  payments by status            : {audit['payments']}")
    print(
        f"  paid orders w/o one paid payment: {audit['paid_orders_without_one_paid_payment']}, "
        f"orders with two paid payments: {audit['orders_with_two_paid_payments']}"
    )
    print(
        f"  scarce product                : {args.scarce} units, sold {args.scarce - scarce['on_hand']}, "
        f"reserved {scarce['reserved']}"
    )
    print(f"  oversell check                : {oversold or 'OK, zero oversell'}")
    if args.json:
        steps = {
            name: {"p50_ms": percentile(v, 0.5), "p99_ms": percentile(v, 0.99)}
            for name, v in timings.items()
        }
        figures = {
            "paid_per_s": paid / elapsed,
            "paid": paid,
            "floor_rps": floor[0],
            "failures": dict(failures),
            "oversold": len(oversold),
            "cpu_ms_per_order": per_order if paid else {},
            "queries_per_step": queries,
            "steps": steps,
        }
        Path(args.json).write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
