"""Turn an iCalendar feed into one row per event."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from .readers import ReadError, decode

if TYPE_CHECKING:  # imported where a feed is read, not wherever gathering is imported
    import pandas as pd

COLUMNS = [
    "uid",
    "summary",
    "start",
    "end",
    "timezone",
    "all_day",
    "location",
    "description",
    "url",
    "categories",
    "status",
    "last_modified",
]


def _iso(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return value.isoformat()


def _timezone(dt: Any, calendar_tz: str) -> str:
    if isinstance(dt, datetime) and dt.tzinfo is not None:
        key = getattr(dt.tzinfo, "key", None) or getattr(dt.tzinfo, "zone", None)
        return str(key or dt.tzinfo.tzname(dt) or "")
    return calendar_tz


def _text(component: Any, name: str) -> str:
    value = component.get(name)
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _categories(component: Any) -> str:
    raw = component.get("CATEGORIES")
    if raw is None:
        return ""
    items = raw if isinstance(raw, list) else [raw]
    return ", ".join(str(c) for item in items for c in getattr(item, "cats", [item]))


def read_ics(body: bytes, label: str) -> pd.DataFrame:
    """Read VEVENTs: UID (stable key), summary, start/end with time zone, location, URL...

    Raises:
        ReadError: not an iCalendar document, or an event without UID or DTSTART.
    """
    import pandas as pd
    from icalendar import Calendar

    try:
        cal = Calendar.from_ical(decode(body, None, label))
    except ValueError as exc:
        raise ReadError(f"{label}: not a valid iCalendar feed: {exc}") from None
    calendar_tz = str(cal.get("X-WR-TIMEZONE", "") or "")
    rows = []
    for number, event in enumerate(cal.walk("VEVENT"), start=1):
        uid = _text(event, "UID")
        if not uid or event.get("DTSTART") is None:
            raise ReadError(f"{label}: event {number} has no UID or no DTSTART")
        start = event.decoded("DTSTART")
        if event.get("DTEND") is not None:
            end = event.decoded("DTEND")
        elif event.get("DURATION") is not None:
            end = start + event.decoded("DURATION")
        else:
            end = start + timedelta(days=1) if not isinstance(start, datetime) else start
        modified = event.decoded("LAST-MODIFIED") if event.get("LAST-MODIFIED") else None
        rows.append(
            {
                "uid": uid,
                "summary": _text(event, "SUMMARY"),
                "start": _iso(start),
                "end": _iso(end),
                "timezone": _timezone(start, calendar_tz),
                "all_day": "true" if not isinstance(start, datetime) else "false",
                "location": _text(event, "LOCATION"),
                "description": _text(event, "DESCRIPTION"),
                "url": _text(event, "URL"),
                "categories": _categories(event),
                "status": _text(event, "STATUS"),
                "last_modified": _iso(modified),
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS, dtype=str)
