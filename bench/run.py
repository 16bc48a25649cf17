"""`make bench`: every benchmark, one after the other, each printing its figures and its baseline.

Set BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/<db> to run the near search on PostgreSQL too
(the database is emptied).
"""
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ["bench_near.py", "bench_map.py", "bench_geocoder.py", "bench_registrations.py", "bench_documents.py",
              "bench_pages.py", "bench_phone.py"]


def main() -> int:
    failed = []
    for name in BENCHMARKS:
        print(f"\n=== {name} ===", flush=True)
        start = time.monotonic()
        code = subprocess.call([sys.executable, str(HERE / name)], cwd=HERE)
        print(f"({time.monotonic() - start:.0f} s)", flush=True)
        if code:
            failed.append(name)
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
