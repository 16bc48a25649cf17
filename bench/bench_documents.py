"""Name badges for the forum's door: 1,000 badges in one PDF (eight a page, Cyrillic and Kyrgyz text), against
one page of eight badges made in the same run: the cost per badge should not grow with the count.

    .venv/bin/python bench/bench_documents.py [--badges 1000] [--repeat 3]
"""
import argparse
import time
from datetime import timedelta

from common import make_app, median


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--badges", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    app = make_app()
    from diaspora.database import utcnow
    from diaspora.events import services
    from diaspora.events.documents import badges_pdf
    from diaspora.models import Registration

    class Site:  # the site's own organizer, as the CLI acts
        id = None
        is_admin = True
        is_authenticated = True

    with app.app_context():
        starts = utcnow().replace(microsecond=0) + timedelta(days=30)
        event = services.create_event(Site(), services.EventData(
            titles={"ky": "Мекендештер форуму", "ru": "Форум соотечественников"}, starts_at=starts,
            ends_at=starts + timedelta(hours=8), city="Бишкек", country="KG", venue_name={"ky": "Ала-Тоо"}))
        people = [Registration(id=n, event_id=event.id, code=f"Q{n:07d}", full_name=f"Айгүл Токтогулова {n}",
                               country="KZ", city="Алматы", status="confirmed") for n in range(args.badges)]

        def timed(registrations) -> float:
            runs = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                badges_pdf(registrations, event, "ky")
                runs.append((time.perf_counter() - start) * 1000)
            return median(runs)

        page = timed(people[:8])
        everyone = timed(people)
    per_badge, per_badge_page = everyone / args.badges, page / 8
    print(f"name badges, median of {args.repeat}")
    print(f"  one page (8 badges, baseline) {page:9.1f} ms  ({per_badge_page:.2f} ms a badge)")
    print(f"  {args.badges:,} badges                {everyone:9.1f} ms  ({per_badge:.2f} ms a badge, "
          f"{per_badge / per_badge_page:.2f}x the baseline's cost a badge)")


if __name__ == "__main__":
    main()
