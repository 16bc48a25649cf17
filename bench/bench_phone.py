"""A phone on a slow connection (issue 12's targets): Chromium 390 px wide, throttled to 400 kbit/s down and up
with 400 ms round trips (Chrome DevTools Protocol, Network.emulateNetworkConditions), against gunicorn with
the demo data. The baseline, from the same run: the same visits unthrottled, and the bytes before
compression (what the page would move without it).

    .venv/bin/python bench/bench_phone.py

- /map, first visit (a fresh browser context: empty cache): time from navigation start to the first marker
  or cluster visible (its icon loaded), and the encoded bytes of every request of the page (CDP
  Network.loadingFinished's encodedDataLength, the bytes on the wire with headers) until the network is idle.
- /map, repeat visit (the same context, navigated again): the same time; which requests reached the network
  (anything but the page itself should come from the browser's cache).
- /, /help/ask and an event's page: the bytes of a first visit.
The map has no tile server here (TILES_URL is empty): tiles are the tile server's bytes, not the site's.
The service worker (static/js/sw.js) installs on the first visit; its own fetch of /offline runs in the
worker, off the page's network, and is not counted.
"""
import sys

from common import make_app
from server import Gunicorn, demo_pages, seed_demo

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True,
         "locale": "ky", "extra_http_headers": {"Accept-Language": "ky"}}
SLOW = {"offline": False, "latency": 400, "downloadThroughput": 400 * 1000 / 8, "uploadThroughput": 400 * 1000 / 8}
FAST = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
MAP_FIRST_MS, MAP_REPEAT_MS, MAP_BYTES, PAGE_BYTES = 3000, 1000, 120 * 1024, 60 * 1024
# The first marker or cluster drawn (its icon loaded), recorded in the page at the frame it appears, and
# whether it is on the first screen (without scrolling).
FIRST_MARKER = """() => {
  for (const el of document.querySelectorAll('.leaflet-marker-icon, .marker-cluster')) {
    const box = el.getBoundingClientRect();
    const drawn = el.tagName !== 'IMG' || (el.complete && el.naturalWidth > 0);
    if (drawn && box.width > 0 && getComputedStyle(el).visibility !== 'hidden') {
      window.__firstMarker = performance.now();
      window.__markerOnFirstScreen = box.bottom > 0 && box.top < innerHeight && box.right > 0 && box.left < innerWidth;
      return true;
    }
  }
  return false;
}"""


class Visit:
    """The page's network, seen through CDP: requests, encoded and decoded bytes, where answers came from."""

    def __init__(self, context, page, conditions: dict, server):
        self.page = page
        self.server = server
        self.cdp = context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.cdp.send("Network.emulateNetworkConditions", conditions)
        self.reset()
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.responseReceived", self._received)
        self.cdp.on("Network.dataReceived", self._data)
        self.cdp.on("Network.loadingFinished", self._finished)

    def reset(self) -> None:
        self.requests: dict[str, dict] = {}
        self.logged = len(self.server.requests())

    def at_server(self) -> list[tuple[str, int, int]]:
        """What reached gunicorn during the visit (its access log): the service worker's fetches included."""
        return self.server.requests()[self.logged:]

    def _sent(self, e):
        self.requests.setdefault(e["requestId"], {"url": e["request"]["url"], "encoded": 0, "decoded": 0,
                                                  "status": None, "source": "network"})

    def _received(self, e):
        r = self.requests.setdefault(e["requestId"], {"url": e["response"]["url"], "encoded": 0, "decoded": 0,
                                                      "source": "network"})
        response = e["response"]
        r["status"] = response.get("status")
        if response.get("fromDiskCache") or response.get("fromPrefetchCache"):
            r["source"] = "disk cache"
        elif response.get("fromServiceWorker"):
            r["source"] = "service worker"
        r["encoding"] = {k.lower(): v for k, v in response.get("headers", {}).items()}.get("content-encoding", "")

    def _data(self, e):
        if e["requestId"] in self.requests:
            self.requests[e["requestId"]]["decoded"] += e["dataLength"]

    def _finished(self, e):
        if e["requestId"] in self.requests:
            self.requests[e["requestId"]]["encoded"] = e["encodedDataLength"]

    def go(self, url: str, markers: bool) -> float:
        """Navigate; milliseconds from navigation start to the first marker (when `markers`, else 0)."""
        self.reset()
        self.page.goto(url, wait_until="commit", timeout=120_000)
        shown = 0.0
        if markers:
            self.page.wait_for_function(FIRST_MARKER, polling="raf", timeout=120_000)
            shown = float(self.page.evaluate("window.__firstMarker"))
            self.on_first_screen = self.page.evaluate("window.__markerOnFirstScreen")
        self.page.wait_for_load_state("networkidle", timeout=120_000)
        return shown

    def encoded(self) -> int:
        """Bytes on the wire: CDP's count for what the page fetched itself; for what its service worker fetched
        for it (CDP sees that in the worker), the body bytes gunicorn sent."""
        served: dict[str, int] = {}
        for path, _status, size in self.at_server():
            served.setdefault(path, size)
        own = sum(r["encoded"] for r in self.requests.values() if r["source"] != "service worker")
        base = self.server.url
        return own + sum(served.get(short(r["url"], base), 0) for r in self.requests.values()
                         if r["source"] == "service worker")

    def decoded(self) -> int:
        return sum(r["decoded"] for r in self.requests.values())



def short(url: str, base: str) -> str:
    return url.replace(base, "") or "/"


def kb(n: int) -> str:
    return f"{n / 1024:6.1f} KB"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def warm_up(server, pages: dict[str, str]) -> None:
    """The server as a visitor finds it: each worker has compiled its templates and drawn the maps once (a
    phone's first visit means its cache is empty, not the server's). Not through the browser: its own cache
    stays empty."""
    import urllib.request

    for path in ["/map", "/", "/help/ask", *pages.values()] * 4:
        with urllib.request.urlopen(server.url + path, timeout=60) as answer:
            answer.read()
    server.requests()  # the access log so far; each visit counts from its own start


def run(browser, server, pages: dict[str, str]) -> list[str]:
    base = server.url
    missed = []
    warm_up(server, pages)

    def phone():
        context = browser.new_context(**PHONE)
        return context, context.new_page()

    # /map: first and repeat visit, throttled; then unthrottled as the baseline
    context, page = phone()
    visit = Visit(context, page, SLOW, server)
    first = visit.go(base + "/map", markers=True)
    first_bytes, first_decoded = visit.encoded(), visit.decoded()
    on_screen = visit.on_first_screen
    first_requests = list(visit.requests.values())
    first_at_server = visit.at_server()
    sw = page.evaluate("navigator.serviceWorker && navigator.serviceWorker.controller ? 'active' : 'none'")
    repeat = visit.go(base + "/map", markers=True)
    repeat_network = visit.at_server()
    repeat_bytes = visit.encoded()
    context.close()
    context, page = phone()
    fast = Visit(context, page, FAST, server)
    fast_first = fast.go(base + "/map", markers=True)
    fast_repeat = fast.go(base + "/map", markers=True)
    context.close()

    print("\n/map on a phone (390 px), 400 kbit/s down and up, 400 ms round trips; first visit, empty cache:")
    for r in first_requests:
        print(f"    {short(r['url'], base)[:70]:<70} {r['encoded']:7,} B on the wire"
              f" ({r['decoded']:,} B, {r.get('encoding') or 'identity'}) {r['source']}")
    pages_asked = ", ".join(path for path, _s, _b in first_at_server if not path.startswith("/static/"))
    print(f"  reached the server: {len(first_at_server)} requests ({pages_asked} and static files)")
    print(f"  first marker visible      {first:7.0f} ms   target <= {MAP_FIRST_MS} ms  {verdict(first <= MAP_FIRST_MS)}"
          f"   (unthrottled: {fast_first:.0f} ms; {'on' if on_screen else 'NOT on'} the first screen)")
    print(f"  transferred (encoded)     {kb(first_bytes)}   target <= {MAP_BYTES // 1024} KB  "
          f"{verdict(first_bytes <= MAP_BYTES)}   ({kb(first_decoded).strip()} before compression, "
          f"{len(first_requests)} requests)")
    print(f"  repeat visit: first marker {repeat:6.0f} ms   target <= {MAP_REPEAT_MS} ms  "
          f"{verdict(repeat <= MAP_REPEAT_MS)}   (unthrottled: {fast_repeat:.0f} ms); service worker: {sw}")
    page_only = all(path == "/map" for path, _status, _size in repeat_network)
    listed = ", ".join(f"{path} ({status}, {size:,} B)" for path, status, size in repeat_network)
    print(f"  repeat visit: {len(repeat_network)} request(s) reached the server, {kb(repeat_bytes).strip()}: {listed}"
          f"   target: only the page  {verdict(page_only)}")
    if first > MAP_FIRST_MS:
        missed.append("/map first marker")
    if repeat > MAP_REPEAT_MS:
        missed.append("/map repeat marker")
    if first_bytes > MAP_BYTES:
        missed.append("/map bytes")
    if not page_only:
        missed.append("/map repeat requests")

    print("\nFirst visits, throttled the same way (target <= 60 KB each):")
    for name, path in (("/", "/"), ("/help/ask", "/help/ask"), ("an event's page", pages["event"])):
        context, page = phone()
        visit = Visit(context, page, SLOW, server)
        visit.go(base + path, markers=False)
        total, decoded, count = visit.encoded(), visit.decoded(), len(visit.requests)
        visit.go(base + path, markers=False)
        again = visit.at_server()
        context.close()
        ok = total <= PAGE_BYTES
        if not ok:
            missed.append(f"{name} bytes")
        print(f"  {name:<16} {kb(total)}  {verdict(ok)}   ({kb(decoded).strip()} before compression, {count} requests;"
              f" repeat visit: {', '.join(f'{path} {status}' for path, status, _ in again)} reached the server)")
    return missed


def main() -> int:
    from playwright.sync_api import sync_playwright

    app = make_app()
    seed_demo(app)
    pages = demo_pages(app)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with Gunicorn(url, workers=2, access_log=True) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            missed = run(browser, server, pages)
        finally:
            browser.close()
    print("\nphone targets: met" if not missed else "\nphone targets: MISSED: " + ", ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
