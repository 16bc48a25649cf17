"""Near search at 1k, 10k and 100k associations: the bounding box on the (status, latitude, longitude)
index against a full scan that computes every distance, on the same data in the same run.

    .venv/bin/python bench/bench_near.py [--sizes 1000,10000,100000] [--queries 300]

Associations are spread over the inhabited continents. Each query is a radius search around a random
point with the list's first page (20) loaded as objects, as /map and the API do. Two series:

- same neighbours: the radius shrinks as the directory grows (500 km at 1k ... 50 km at 100k), so every
  query finds ~5 associations at every size; the difference in time is the cost of the table's size
  alone. The targets are checked on this series.
  (BENCH_POSTGRES_URL=postgresql://... adds the same on PostgreSQL.)
- 50 km: the same radius at every size, so a bigger directory also means more matches to rank.
"""
import argparse
import random

from common import add_organizations, database_urls, make_app, median, random_point, timed

from diaspora.directory.search import SearchParams, _load, full_scan_nearest, search


def page_of_full_scan(params):
    """The baseline: every row's distance computed, then the same page loaded. Returns (ids, total)."""
    ranked = full_scan_nearest(params)
    ids = [row[0] for row in ranked[params.offset: params.offset + params.limit]]
    _load(ids)
    return ids, len(ranked)


def measure(params: list[SearchParams], queries: int, full_runs: int) -> dict:
    from diaspora.extensions import db

    for p in params[:20]:  # warm-up: statement cache, page cache
        search(p)
    fresh = db.session.expunge_all  # each web request starts with an empty session
    cycle = iter(params * 3)
    indexed = timed(lambda: search(next(cycle)), queries, setup=fresh)
    cycle = iter(params * 3)
    full = timed(lambda: page_of_full_scan(next(cycle)), full_runs, setup=fresh)
    for p in params[:25]:  # both ways find the same associations in the same order
        result = search(p)
        assert ([org.id for org, _ in result.items], result.total) == page_of_full_scan(p)
    found = sum(search(p).total for p in params[:100]) / min(len(params), 100)
    return {"indexed": median(indexed), "full": median(full), "found": found}


def run(label: str, url: str | None, sizes: list[int], queries: int) -> list[dict]:
    app = make_app(url)
    rng = random.Random(99)
    centres = [random_point(rng) for _ in range(queries)]
    rows, have = [], 0
    for size in sizes:
        add_organizations(app, size - have, start=have)
        have = size
        full_runs = max(5, min(queries, 30_000 // (size // 100)))
        with app.app_context():
            same = 50 * (100_000 / size) ** 0.5
            for series, radius in (("same neighbours", same), ("50 km", 50.0)):
                params = [SearchParams(lat=lat, lng=lng, radius_km=radius, limit=20) for lat, lng in centres]
                rows.append({"db": label, "series": series, "size": size, "radius": radius,
                             **measure(params, queries, full_runs)})
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print("Near search with the first page of 20 loaded (median ms per query, in-process)")
    print(f"{'database':<11}{'series':<16}{'associations':>13}{'radius km':>10}{'indexed':>9}{'full scan':>11}"
          f"{'speed-up':>10}{'found':>7}")
    verdicts = []
    for label, url in database_urls():
        rows = run(label, url, sizes, args.queries)
        for r in sorted(rows, key=lambda r: (r["series"] != "same neighbours", r["size"])):
            print(f"{r['db']:<11}{r['series']:<16}{r['size']:>13,}{r['radius']:>10.0f}{r['indexed']:>9.3f}"
                  f"{r['full']:>11.2f}{r['full'] / r['indexed']:>9.0f}x{r['found']:>7.1f}")
        same = [r for r in rows if r["series"] == "same neighbours"]
        growth = same[-1]["indexed"] / same[0]["indexed"]
        speedup = same[-1]["full"] / same[-1]["indexed"]
        print(f"{label}: at {same[-1]['size']:,} {growth:.2f}x the time at {same[0]['size']:,} (target <= 1.5x); "
              f"median {same[-1]['indexed']:.2f} ms (target < 5 ms); {speedup:.0f}x faster than the full scan "
              f"(target >= 100x)")
        met = growth <= 1.5 and same[-1]["indexed"] < 5 and speedup >= 100
        verdicts.append(f"{label} {'met' if met else 'MISSED'}")
    print("near search targets: " + ", ".join(verdicts))


if __name__ == "__main__":
    main()
