"""The programme: editing sessions (capacity under the event's lock: more seats go to those waiting for
them), speakers and their photos, and the programme as people read it, grouped by day in the event's time
zone. Services flush; the caller commits."""
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import groupby
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select

from diaspora.content_i18n import I18nText, first_field, i18n, replaced
from diaspora.database import utcnow
from diaspora.errors import ServiceError
from diaspora.events import session_seats
from diaspora.events.locking import lock_event
from diaspora.events.permissions import require_manager
from diaspora.extensions import db
from diaspora.models import Event, EventSession, SessionSpeaker, Speaker
from diaspora.validation import refuse_control_characters

PHOTO_SIZE = 400  # px, the longer side
MAX_UPLOAD = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a small file can still unpack to a huge image ("decompression bomb")


@dataclass
class SessionChanges:
    titles: I18nText | dict
    starts_at: datetime
    ends_at: datetime
    room: I18nText | dict = field(default_factory=dict)
    descriptions: I18nText | dict = field(default_factory=dict)
    capacity: int | None = None
    checkin_required: bool = False
    speaker_ids: list[int] = field(default_factory=list)  # in the order shown


@dataclass
class SpeakerData:
    name: str
    roles: I18nText | dict = field(default_factory=dict)
    organisations: I18nText | dict = field(default_factory=dict)
    photo: bytes | None = None  # an upload, checked and resized here
    remove_photo: bool = False


def find_session(event: Event, session_id: int) -> EventSession | None:
    session = db.session.get(EventSession, session_id)
    return session if session is not None and session.event_id == event.id else None


def find_speaker(event: Event, speaker_id: int) -> Speaker | None:
    speaker = db.session.get(Speaker, speaker_id)
    return speaker if speaker is not None and speaker.event_id == event.id else None


def speakers(event: Event) -> list[Speaker]:
    return list(db.session.scalars(select(Speaker).where(Speaker.event_id == event.id)
                                    .order_by(Speaker.name, Speaker.id)))


def _programme_changed(event: Event) -> None:
    # registering caches an event's sessions by its updated_at (registration_rules.event_rules)
    event.updated_at = utcnow()
    db.session.flush()


def update_session(user, event: Event, session: EventSession, data: SessionChanges) -> list:
    """Save every field of a session. More places seat those waiting for it, first come first served
    (the returned links); fewer leave everyone seated where they are."""
    require_manager(user, event)
    refuse_control_characters({"title": dict(data.titles), "room": dict(data.room),
                               "description": dict(data.descriptions)}, multiline=("description",))
    if not i18n(data.titles):
        raise ServiceError(_("Give the title in at least one language."), first_field("title"))
    if data.ends_at < data.starts_at:
        raise ServiceError(_("The session cannot end before it starts."), "ends_at")
    if data.capacity is not None and not 0 <= data.capacity <= 1_000_000:
        raise ServiceError(_("Enter a number from %(min)s to %(max)s.", min=0, max=1000000), "capacity")
    own = {s.id for s in speakers(event)}
    if any(speaker_id not in own for speaker_id in data.speaker_ids):
        raise ServiceError(_("Choose from the list."), "speakers")
    if data.capacity != session.capacity:
        lock_event(event.id)  # seats are counted and handed out under it
        db.session.refresh(session)
    session.title = replaced(session.title, data.titles)
    session.room = replaced(session.room, data.room)
    session.description = replaced(session.description, data.descriptions)
    session.starts_at, session.ends_at = data.starts_at, data.ends_at
    grew = session.capacity is not None and (data.capacity is None or data.capacity > session.capacity)
    session.capacity = data.capacity
    session.checkin_required = data.checkin_required
    ordered = list(dict.fromkeys(data.speaker_ids))
    session.speaker_links = [SessionSpeaker(speaker_id=speaker_id, position=n)
                             for n, speaker_id in enumerate(ordered)]
    _programme_changed(event)
    db.session.expire(event, ["sessions"])
    return session_seats.fill(event, [session.id]) if grew else []


def resized_photo(upload: bytes) -> tuple[bytes, str]:
    """A JPEG or PNG upload, checked by Pillow and re-encoded at most PHOTO_SIZE px: (bytes, MIME type).
    Anything else is refused with a message for the form."""
    refused = ServiceError(_("Upload a photo as a JPEG or PNG file."), "photo")
    if not upload or len(upload) > MAX_UPLOAD:
        raise ServiceError(_("The photo is too large: at most %(num)d MB.", num=MAX_UPLOAD // 1024 // 1024),
                           "photo") if upload else refused
    try:
        with Image.open(io.BytesIO(upload)) as image:
            if image.format not in ("JPEG", "MPO", "PNG"):  # MPO: a phone's JPEG with a second frame
                raise refused
            if image.width * image.height > MAX_PIXELS:
                raise refused
            image.load()
            picture = ImageOps.exif_transpose(image)  # a copy: of an MPO, its first frame
            picture.thumbnail((PHOTO_SIZE, PHOTO_SIZE))
            out = io.BytesIO()
            if picture.mode in ("RGBA", "LA", "P"):  # transparency kept: PNG
                picture.save(out, "PNG", optimize=True)
                return out.getvalue(), "image/png"
            picture.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
            return out.getvalue(), "image/jpeg"
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        raise refused from None


def _apply_speaker(speaker: Speaker, data: SpeakerData) -> None:
    refuse_control_characters({"name": data.name, "role": dict(data.roles), "organisation": dict(data.organisations)})
    name = (data.name or "").strip()
    if not name:
        raise ServiceError(_("Give the speaker's name."), "name")
    if len(name) > 200:
        raise ServiceError(_("At most %(num)d characters.", num=200), "name")
    photo = resized_photo(data.photo) if data.photo else None
    speaker.name = name
    speaker.role = replaced(speaker.role, data.roles)
    speaker.organisation = replaced(speaker.organisation, data.organisations)
    if photo is not None:
        speaker.photo, speaker.photo_type = photo
        speaker.photo_version = (speaker.photo_version or 0) + 1
    elif data.remove_photo and speaker.photo_type:
        speaker.photo, speaker.photo_type = None, None
        speaker.photo_version = (speaker.photo_version or 0) + 1


def add_speaker(user, event: Event, data: SpeakerData) -> Speaker:
    require_manager(user, event)
    speaker = Speaker(event_id=event.id, photo_version=0)
    _apply_speaker(speaker, data)
    db.session.add(speaker)
    _programme_changed(event)
    return speaker


def update_speaker(user, event: Event, speaker: Speaker, data: SpeakerData) -> None:
    require_manager(user, event)
    _apply_speaker(speaker, data)
    _programme_changed(event)


def delete_speaker(user, event: Event, speaker: Speaker) -> None:
    require_manager(user, event)
    db.session.delete(speaker)
    _programme_changed(event)
    db.session.expire(event, ["sessions"])


def by_day(event: Event) -> list[tuple[date, list[EventSession]]]:
    """The sessions grouped by their day in the event's time zone, in order."""
    zone = ZoneInfo(event.timezone)
    return [(day, list(sessions)) for day, sessions in
            groupby(event.sessions, key=lambda s: s.starts_at.astimezone(zone).date())]


def parallel(event: Event) -> dict[int, list[int]]:
    """{session id: ids of the sessions running at the same time}: the form disables those (static/js)."""
    out: dict[int, list[int]] = {}
    for session in event.sessions:
        out[session.id] = [other.id for other in event.sessions if other.id != session.id and session.overlaps(other)]
    return out
