from datetime import datetime

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from diaspora.database import UTCDateTime, utcnow
from diaspora.extensions import Model


class GeocodeCache(Model):
    """Answers of the online geocoder, kept so we ask Nominatim once per distinct query (its policy)."""

    __tablename__ = "geocode_cache"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    query_key: Mapped[str] = mapped_column(String(400), unique=True)
    found: Mapped[bool] = mapped_column(default=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
