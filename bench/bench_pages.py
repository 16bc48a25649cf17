"""Server time of the public pages under gunicorn, against /healthz in the same run (issue 12's target: each
page's median at most 3x /healthz's), with the demo data and then with 10,000 more associations; each
measured with the page cache on (as deployed) and off (what a render costs, the baseline).

    .venv/bin/python bench/bench_pages.py [--requests 200] [--size 10000]

A keep-alive-less client as a phone's first request would be (gunicorn's sync workers close each
connection): one request at a time, the pages taken in turn so that noise spreads evenly, Accept-Encoding
"br, gzip" and Accept-Language ky as a Kyrgyz phone sends them.
"""
import argparse
import http.client
import sys
import time
from urllib.parse import urlsplit

from common import add_organizations, database_urls, make_app, median
from server import Gunicorn, demo_pages, seed_demo

HEADERS = {"Accept-Encoding": "br, gzip", "Accept-Language": "ky", "User-Agent": "bench-pages"}
TARGET = 3.0


def fetch(host: str, port: int, path: str) -> tuple[float, int, int, str]:
    """(milliseconds to the last byte, status, encoded bytes, X-Cache)."""
    start = time.perf_counter()
    conn = http.client.HTTPConnection(host, port, timeout=60)
    conn.request("GET", path, headers=HEADERS)
    response = conn.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - start) * 1000
    conn.close()
    return elapsed, response.status, len(body), response.getheader("X-Cache") or ""


def measure(url: str, pages: dict[str, str], requests: int) -> dict[str, dict]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    everything = {"/healthz": "/healthz", **pages}
    for _ in range(5):  # warm-up: imports, templates, the cache filled in each worker
        for path in everything.values():
            fetch(host, port, path)
    times: dict[str, list[float]] = {name: [] for name in everything}
    seen: dict[str, tuple[int, int, str]] = {}
    for _ in range(requests):
        for name, path in everything.items():
            ms, status, size, cache = fetch(host, port, path)
            times[name].append(ms)
            seen[name] = (status, size, cache)
    return {name: {"median": median(values), "status": seen[name][0], "bytes": seen[name][1],
                   "cache": seen[name][2]} for name, values in times.items()}


def report(title: str, cached: dict, uncached: dict) -> list[str]:
    """Print one table; the pages that miss the target with the cache on."""
    base, base_off = cached["/healthz"]["median"], uncached["/healthz"]["median"]
    print(f"\n{title}")
    print(f"  {'page':<13} {'cache on':>9} {'ratio':>6} {'':4}  {'cache off':>9} {'ratio':>6}  {'bytes':>7}  served")
    missed = []
    for name, result in cached.items():
        ratio = result["median"] / base
        ok = ratio <= TARGET and result["status"] == 200
        if name != "/healthz" and not ok:
            missed.append(name)
        verdict = "" if name == "/healthz" else ("PASS" if ok else "FAIL")
        off = uncached[name]["median"]
        print(f"  {name:<13} {result['median']:7.1f}ms {ratio:5.1f}x {verdict:4}  {off:7.1f}ms {off / base_off:5.1f}x"
              f"  {result['bytes']:7,}  {'from the cache' if result['cache'] == 'hit' else 'rendered'}"
              + ("" if result["status"] == 200 else f" (status {result['status']})"))
    return missed


def run(label: str, database: str | None, args) -> list[str]:
    app = make_app(database)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    seed_demo(app)
    pages = demo_pages(app)
    missed = []
    for size_label, extra in (("demo data", 0), (f"demo data + {args.size:,} associations", args.size)):
        if extra:
            add_organizations(app, extra, seed=7)
        results = {}
        for cache in ("1", "0"):
            with Gunicorn(url, workers=2, PAGE_CACHE=cache) as server:
                results[cache] = measure(server.url, pages, args.requests)
        title = f"{label}, {size_label}: median of {args.requests} requests (target: <= {TARGET:g}x /healthz)"
        missed += [f"{name} ({size_label}, {label})" for name in report(title, results["1"], results["0"])]
    return missed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--size", type=int, default=10_000)
    args = parser.parse_args()
    missed = []
    for label, database in database_urls():
        missed += run(label, database, args)
    print("\npage targets: met" if not missed else "\npage targets: MISSED for " + ", ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
