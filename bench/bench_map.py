"""/map at 10,000 associations: page size, bytes per association and server render time, against the
naive folium way (one Marker with a Popup per association in a MarkerCluster) built in the same run.

    .venv/bin/python bench/bench_map.py [--size 10000] [--requests 30]
"""
import argparse
import time

import folium
import folium.plugins
from common import add_organizations, make_app, median, timed


def naive_map(app) -> tuple[float, int]:
    """What the page would cost with a Marker + Popup (name, city, link) per association."""
    from html import escape

    from sqlalchemy import select

    from diaspora.extensions import db
    from diaspora.models import Organization

    with app.app_context():
        rows = db.session.execute(select(Organization.id, Organization.name, Organization.city,
                                         Organization.latitude, Organization.longitude)).all()
    start = time.perf_counter()
    fmap = folium.Map(location=[45, 60], zoom_start=3, tiles=None)
    cluster = folium.plugins.MarkerCluster().add_to(fmap)
    for org_id, name, city, lat, lng in rows:
        if lat is None or lng is None:
            continue
        popup = folium.Popup(f"<b>{escape(name)}</b><br>{escape(city)}<br>"  # generated names, not user text
                             f"<a href='/organizations/{org_id}'>open</a>")
        folium.Marker([lat, lng], popup=popup).add_to(cluster)
    html = fmap.get_root().render()
    return (time.perf_counter() - start) * 1000, len(html.encode())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    app = make_app()
    client = app.test_client()
    empty = len(client.get("/map").data)
    add_organizations(app, args.size)
    for _ in range(3):
        client.get("/map")  # warm-up
    size = len(client.get("/map").data)
    render = median(timed(lambda: client.get("/map"), args.requests))
    filtered = median(timed(lambda: client.get("/map?category=legal-aid&language=ky"), args.requests))
    near = median(timed(lambda: client.get("/map?near=Москва&radius_km=500"), args.requests))
    naive_ms, naive_bytes = naive_map(app)
    n = args.size
    print(f"/map with {n:,} published associations")
    print(f"  page size                  {size / 1024:8.0f} KB  ({size / n:.1f} bytes per association; "
          f"{(size - empty) / n:.1f} added by each; target <= 60)")
    print(f"  render, median of {args.requests:<3}       {render:8.1f} ms  (server side, through the WSGI app)")
    print(f"  render with filters        {filtered:8.1f} ms")
    print(f"  render near Москва, 500 km {near:8.1f} ms")
    print(f"  naive folium (baseline)    {naive_bytes / 1024:8.0f} KB, {naive_ms:.0f} ms "
          f"({naive_bytes / size:.0f}x the size, {naive_ms / render:.0f}x the time)")
    ok = size / n <= 60 and render < 100
    print("map targets: met" if ok else "map targets: MISSED")


if __name__ == "__main__":
    main()
