"""Benchmark: a filtered, sorted list page and the API list, 1,000 to 100,000 organizations on PostgreSQL.

Prints figures, not pass/fail. See bench/README.md. In short:

1. Drops and recreates a scratch PostgreSQL database (default `gongwu_bench`), migrates it, and makes
   one agency, a staff user in it and an API token.
2. For each size (default 1,000, 10,000, 100,000 company organizations, 1 in 8 a contractor) it times,
   in-process with django.test.Client, the list page
   `/organizations/?kind=contractor&sort=-name&per_page=50` and the API list
   `/api/organizations/?kind=contractor&limit=50`: median and p95 server time, and queries per request.
3. At the largest size it serves the app with gunicorn (2 sync workers, DEBUG off) and loads the API
   list and a bare Django JsonResponse view of the same 50 objects (`bench/bench_urls.py`, the limit)
   with `wrk -t2 -c16`, in the same run; it prints requests/s and the ratio API/bare.
4. Stops gunicorn and drops the database.

Goals (from the issue): API ≥ 0.5 × bare throughput; page time flat from 1,000 to 100,000 rows.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/gongwu_bench"
PAGE_URL = "/organizations/?kind=contractor&sort=-name&per_page=50"
API_URL = "/api/organizations/?kind=contractor&limit=50"
BARE_URL = "/bench/bare/"
COMPANY_KINDS = ("contractor", "supervisor", "designer", "surveyor", "consultant", "agent", "supplier", "user_unit")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="row counts, ascending (default %(default)s)")
    parser.add_argument("--requests", type=int, default=100, help="timed in-process requests per endpoint and size")
    parser.add_argument("--budget", type=float, default=30, help="seconds per endpoint and size before stopping early")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per wrk run (default %(default)s)")
    parser.add_argument("--runs", type=int, default=5, help="wrk runs per endpoint, alternating; median and min–max")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections (default %(default)s)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default %(default)s)")
    parser.add_argument("--keep-db", action="store_true", help="leave the bench database in place afterwards")
    parser.add_argument("--no-load", action="store_true", help="skip the gunicorn throughput part")
    return parser.parse_args()


# --- environment and database -------------------------------------------------------------------------


def bench_database_url(default: str = DEFAULT_URL, variable: str | None = None) -> tuple[str, str]:
    """The bench's database and where it came from: its own variable (`variable`, e.g.
    GONGWU_BENCH_ALERTS_DATABASE_URL), else GONGWU_BENCH_DATABASE_URL, else `default`. One variable is read;
    none is written, so a setting meant for another bench is never overridden."""
    for name in (variable, "GONGWU_BENCH_DATABASE_URL"):
        if name and os.environ.get(name):
            return os.environ[name], name
    return default, "default"


def configure_environment(default: str = DEFAULT_URL, variable: str | None = None) -> str:
    """Set the GONGWU_* variables the bench runs under; return the bench database URL (`bench_database_url`)."""
    url, source = bench_database_url(default, variable)
    name = urllib.parse.urlsplit(url).path.lstrip("/")
    if not url.startswith(("postgres://", "postgresql://")) or "bench" not in name:
        sys.exit(
            f"{source if source != 'default' else 'the database'} must be a PostgreSQL database whose name contains 'bench': {url}"
        )
    ignored = [v for v in (variable, "GONGWU_BENCH_DATABASE_URL") if v and v != source and os.environ.get(v)]
    print(f"bench database from {source}: {name}" + (f" ({', '.join(ignored)} not used)" if ignored else ""))
    if os.environ.get("GONGWU_DATABASE_URL", url) != url:
        print("  (GONGWU_DATABASE_URL is not used: a bench drops its database, so it takes only a bench variable)")
    os.environ.update(
        {
            "GONGWU_DATABASE_URL": url,
            "GONGWU_SECRET_KEY": secrets.token_urlsafe(64),
            "GONGWU_AUDIT_KEY": secrets.token_urlsafe(64),
            "GONGWU_ALLOWED_HOSTS": "127.0.0.1,testserver",
            "GONGWU_DEBUG": "0",
            "GONGWU_DEMO": "0",
            "GONGWU_TESTING": "0",
            "GONGWU_SSL_REDIRECT": "0",
            "GONGWU_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "bench_settings",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    sys.path.insert(0, str(BENCH_DIR))
    return url


def admin_sql(url: str, statement: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(statement)


def database_name(url: str) -> str:
    return urllib.parse.urlsplit(url).path.lstrip("/")


# --- data ---------------------------------------------------------------------------------------------


def credit_code(i: int) -> str:
    from gongwu.core.validators import CREDIT_CODE_CHARSET, credit_code_check_character

    digits = []
    for _ in range(9):
        i, r = divmod(i, len(CREDIT_CODE_CHARSET))
        digits.append(CREDIT_CODE_CHARSET[r])
    first17 = "91110105" + "".join(reversed(digits))
    return first17 + credit_code_check_character(first17)


def add_companies(start: int, stop: int) -> None:
    """Bulk-insert companies number start..stop-1; names are a permutation, so insert order ≠ name order."""
    from django.db import connection

    from gongwu.core.models import Organization

    batch = 5000
    for low in range(start, stop, batch):
        Organization.objects.bulk_create(
            [
                Organization(
                    name=f"企业{(i * 7919) % 1000003:07d}建设有限公司",
                    short_name=f"企业{i}",
                    kind=COMPANY_KINDS[i % len(COMPANY_KINDS)],
                    credit_code=credit_code(i + 1000),
                    region="北京市朝阳区",
                    address=f"建国路{i % 500}号",
                    contact_person="张三",
                    contact_phone="13800000000",
                )
                for i in range(low, min(low + batch, stop))
            ]
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE core_organization")


def make_user() -> tuple[object, str]:
    from gongwu.core.models import APIToken, Organization, User

    agency = Organization.objects.create(name="基准测试住建局", kind="agency")
    user = User.objects.create_user(username="bench", password=secrets.token_urlsafe(16))
    user.organization = agency
    user.role = "staff"
    user.save()
    _token, raw = APIToken.issue(user=user, name="bench")
    return user, raw


# --- in-process server time ---------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


# A measured path compared with a limit timed in the same run: at least this many interleaved rounds
# (A, limit, A, limit …, the order reversed every other round), so each reports p50, p95 and its min–max.
MIN_ROUNDS = 9


def spread(values: list[float]) -> dict[str, float]:
    """p50, p95, min and max of a series of timings (ms or req/s), and n."""
    return {
        "median": statistics.median(values),
        "p95": percentile(values, 0.95),
        "min": min(values),
        "max": max(values),
        "n": len(values),
    }


def min_max(t: dict[str, float], width: int = 17, digits: int = 1) -> str:
    """The 'min–max' column of a timing with `spread`'s keys (blank when it has none)."""
    if "min" not in t:
        return " " * width
    return f"{t['min']:,.{digits}f}–{t['max']:,.{digits}f}".rjust(width)


def time_endpoint(client: object, url: str, n: int, budget: float, **headers: str) -> dict[str, float]:
    """Median and p95 wall time of n GETs (fewer, but at least 5, once `budget` seconds are spent), plus
    queries and SQL time per request (from an execute wrapper)."""
    from django.db import connection

    for _ in range(2):  # warm-up: caches, code paths, PostgreSQL buffers
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
    queries: list[tuple[float, str]] = []

    def record(execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append(((time.perf_counter() - t0) * 1000, sql))

    times, sql_times = [], []
    with connection.execute_wrapper(record):
        started = time.perf_counter()
        for _ in range(n):
            if len(times) >= 5 and time.perf_counter() - started > budget:
                break
            queries.clear()
            t0 = time.perf_counter()
            response = client.get(url, headers=headers)
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
            sql_times.append(sum(ms for ms, _sql in queries))
    return {
        **spread(times),
        "sql": statistics.median(sql_times),
        "queries": len(queries),
        "bytes": len(response.content),
        "last": list(queries),
    }


def api_count(client: object, token: str) -> int:
    """The number of contractors, from the API's total (counted only when asked: `count=true`)."""
    body = json.loads(client.get(API_URL + "&count=true", headers={"authorization": f"Bearer {token}"}).content)
    assert len(body["results"]) == 50 and body["has_more"], body
    return body["count"]


# --- load under gunicorn ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn)] if gunicorn.exists() else [sys.executable, "-m", "gunicorn"]
    process = subprocess.Popen(
        [
            *command,
            "-k",
            "sync",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--pythonpath",
            str(BENCH_DIR),
            "--chdir",
            str(ROOT),
            "--log-level",
            "warning",
            "gongwu.wsgi:application",
        ],
        env=os.environ.copy(),
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response,
        ):
            if response.status == 200:
                return process
        time.sleep(0.2)
    stop_process(process)
    raise RuntimeError("gunicorn did not answer /healthz within 30 s")


def stop_process(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def check_url(port: int, path: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        body = json.loads(response.read())
        assert response.status == 200 and len(body["results"]) == 50, (path, response.status)
        return len(body["results"])


def parse_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(port: int, path: str, headers: dict[str, str], seconds: int, connections: int) -> dict[str, float]:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "--latency"]
    for key, value in headers.items():
        args += ["-H", f"{key}: {value}"]
    out = subprocess.run(
        [*args, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True, timeout=seconds + 30
    ).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": parse_ms(re.search(r"\s50%\s+(\S+)", out).group(1)),
        "p99": parse_ms(re.search(r"\s99%\s+(\S+)", out).group(1)),
        "bad": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": errors.group(1).strip() if errors else "",
    }


def run_threads(port: int, path: str, headers: dict[str, str], seconds: int, connections: int) -> dict[str, float]:
    """Fallback when wrk is missing: keep-alive HTTP/1.1 clients on threads. Slower than wrk (it shares the GIL
    and the 2 cores with the server), so its absolute figures are low; the ratio is still comparable."""
    latencies: list[float] = []
    bad = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        mine = []
        while time.monotonic() < stop_at:
            t0 = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - t0) * 1000)
            if response.status != 200:
                with lock:
                    bad[0] += 1
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.close()
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 30)
    elapsed = time.monotonic() - started
    return {
        "rps": len(latencies) / elapsed,
        "p50": percentile(latencies, 0.5),
        "p99": percentile(latencies, 0.99),
        "bad": bad[0],
        "socket_errors": "",
    }


def ensure_wrk() -> bool:
    if shutil.which("wrk"):
        return True
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing; installing it with apt-get …", flush=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            capture_output=True,
            check=False,
            timeout=300,
        )
    return bool(shutil.which("wrk"))


def load_test(args: argparse.Namespace, token: str) -> dict[str, dict[str, float]]:
    use_wrk = ensure_wrk()
    generator = run_wrk if use_wrk else run_threads
    print(f"load generator: {'wrk -t2' if use_wrk else 'Python threads (wrk not found)'}", flush=True)
    port = free_port()
    process = start_gunicorn(port, args.workers)
    auth = {"Authorization": f"Bearer {token}"}
    endpoints = {"bare": (BARE_URL, {}), "api": (API_URL, auth)}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in endpoints}
    try:
        for path, headers in endpoints.values():
            check_url(port, path, headers)
            generator(port, path, headers, 3, args.connections)  # warm-up, discarded
        for run in range(args.runs):
            order = list(endpoints) if run % 2 == 0 else list(reversed(endpoints))  # alternate to spread drift
            for name in order:
                path, headers = endpoints[name]
                result = generator(port, path, headers, args.duration, args.connections)
                results[name].append(result)
                print(
                    f"  run {run + 1} {name:4}: {result['rps']:8.1f} req/s  p50 {result['p50']:6.2f} ms"
                    f"  p99 {result['p99']:6.2f} ms  non-2xx {result['bad']}",
                    flush=True,
                )
    finally:
        stop_process(process)
    summary = {}
    for name, runs in results.items():
        summary[name] = {
            "rps": statistics.median(r["rps"] for r in runs),
            "min": min(r["rps"] for r in runs),
            "max": max(r["rps"] for r in runs),
            "p50": statistics.median(r["p50"] for r in runs),
            "p99": statistics.median(r["p99"] for r in runs),
            "bad": sum(r["bad"] for r in runs),
        }
    # Each run's API ÷ bare (the two were loaded one after the other): the spread of the ratio.
    summary["ratios"] = [a["rps"] / b["rps"] for a, b in zip(results["api"], results["bare"], strict=True) if b["rps"]]
    return summary


# --- main ---------------------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    url = configure_environment(DEFAULT_URL, "GONGWU_BENCH_LIST_DATABASE_URL")
    name = database_name(url)
    print(f"database: {name} (dropped and recreated); load average {os.getloadavg()[0]:.2f}", flush=True)
    admin_sql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin_sql(url, f'CREATE DATABASE "{name}"')

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    timings: dict[int, dict[str, dict]] = {}
    load: dict[str, dict[str, float]] = {}
    try:
        call_command("migrate", verbosity=0, interactive=False)
        user, token = make_user()
        client = Client()
        client.force_login(user)
        have = 0
        for size in sizes:
            t0 = time.perf_counter()
            add_companies(have, size)
            have = size
            print(f"{size:>7,} rows inserted ({time.perf_counter() - t0:.1f} s); timing …", flush=True)
            contractors = api_count(client, token)
            page = time_endpoint(client, PAGE_URL, args.requests, args.budget)
            api = time_endpoint(client, API_URL, args.requests, args.budget, authorization=f"Bearer {token}")
            timings[size] = {"page": page, "api": api, "contractors": contractors}
        if not args.no_load:
            print(f"load at {sizes[-1]:,} rows: gunicorn -k sync -w {args.workers}, c={args.connections}", flush=True)
            load = load_test(args, token)
    finally:
        connection.close()
        if not args.keep_db:
            admin_sql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    report(sizes, timings, load, args)


def report(sizes: list[int], timings: dict, load: dict, args: argparse.Namespace) -> None:
    print()
    print("Server time in-process (django.test.Client, PostgreSQL, staff user): ms per request, median of n")
    print(
        f"{'rows':>8} {'contr.':>6} | {'page p50':>8} {'p95':>8} {'sql':>6} {'q':>2} {'n':>3} {'kB':>5}"
        f" | {'api p50':>7} {'p95':>6} {'sql':>6} {'q':>2} {'n':>3}"
    )
    for size in sizes:
        page, api = timings[size]["page"], timings[size]["api"]
        print(
            f"{size:>8,} {timings[size]['contractors']:>6,} | {page['median']:8.1f} {page['p95']:8.1f} {page['sql']:6.1f}"
            f" {page['queries']:>2} {page['n']:>3} {page['bytes'] / 1000:5.0f} | {api['median']:7.1f} {api['p95']:6.1f}"
            f" {api['sql']:6.1f} {api['queries']:>2} {api['n']:>3}"
        )
    first, last = sizes[0], sizes[-1]
    for what in ("page", "api"):
        ratio = timings[last][what]["median"] / timings[first][what]["median"]
        print(f"flatness {what}: median at {last:,} / at {first:,} = {ratio:.2f}  (goal: about 1)")
    if load:
        print()
        print(
            f"Throughput at {last:,} rows: gunicorn -k sync -w {args.workers}, c={args.connections},"
            f" {args.duration} s x {args.runs} runs (median)"
        )
        print(f"{'endpoint':<28} {'req/s':>8} {'min':>8} {'max':>8} {'p50 ms':>7} {'p99 ms':>7} {'non-2xx':>7}")
        for key, label in (("bare", "bare JsonResponse (limit)"), ("api", "API list, Bearer token")):
            r = load[key]
            print(
                f"{label:<28} {r['rps']:8.1f} {r['min']:8.1f} {r['max']:8.1f} {r['p50']:7.2f} {r['p99']:7.2f}"
                f" {r['bad']:>7}"
            )
        ratio = load["api"]["rps"] / load["bare"]["rps"]
        verdict = "meets" if ratio >= 0.5 else "MISSES"
        ratios = load.get("ratios") or [ratio]
        print(
            f"ratio API / bare = {ratio:.2f} (medians; per run {min(ratios):.2f}–{max(ratios):.2f})"
            f"  (goal >= 0.50: {verdict})"
        )
    print(
        f"load average (1/5/15 min) at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs"
    )
    for what in ("page", "api"):
        print()
        print(f"SQL of one {what} request at {last:,} rows (ms, statement):")
        for ms, sql in timings[last][what]["last"]:
            print(f"  {ms:7.2f}  {sql[:150]}")


if __name__ == "__main__":
    main()
