"""The date a PDF or web page states about itself, for scoping a question by date.

Returned as ISO "YYYY-MM-DD" with where it was read ("pdf CreationDate",
"html meta article:published_time"), or None: then `qa` dates the document by
its file's modification time. Only the calendar day is kept: a scope is by day,
and a time zone offset would move a date across midnight for some readers.
"""

from __future__ import annotations

import re
from datetime import date

# Publication dates first, then creation, then modification: "when was this written" is
# what "only the 2024 reports" means.
_HTML_META_NAMES = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "citation_publication_date",
    "citation_date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "date",
    "pubdate",
    "publish-date",
    "publication_date",
    "sailthru.date",
    "dc.date.created",
    "dcterms.created",
    "article:modified_time",
    "og:updated_time",
    "dcterms.modified",
    "last-modified",
)
_ISO_DAY = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_COMPACT_DAY = re.compile(r"^D?:?(\d{4})(\d{2})(\d{2})")


def calendar_day(text: str | None) -> str | None:
    """"2024-03-05T10:00:00+01:00", "2024/3/5", "20240305", "D:20240305..." -> "2024-03-05"; None if no valid day."""
    if not text:
        return None
    text = text.strip()
    match = _COMPACT_DAY.match(text) or _ISO_DAY.search(text)
    if match is None:
        return None
    try:
        day = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    return day.isoformat() if 1900 <= day.year <= 2200 else None  # a zeroed or garbage date is no date


def pdf_date(metadata: dict) -> tuple[str, str] | None:
    """From a PDF's document information (pypdfium2's `get_metadata_dict`): CreationDate, else ModDate."""
    for key in ("CreationDate", "ModDate"):
        day = calendar_day(metadata.get(key))
        if day:
            return day, f"pdf {key}"
    return None


def html_date(tree) -> tuple[str, str] | None:
    """From a page's <meta> tags (name, property, itemprop or http-equiv), in `_HTML_META_NAMES` order,
    else its first <time datetime="...">."""
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        content = meta.get("content")
        for attribute in ("property", "name", "itemprop", "http-equiv"):
            name = (meta.get(attribute) or "").strip().lower()
            if name and content and name not in found:
                found[name] = content
    for name in _HTML_META_NAMES:
        day = calendar_day(found.get(name))
        if day:
            return day, f"html meta {name}"
    for element in tree.iter("time"):
        day = calendar_day(element.get("datetime"))
        if day:
            return day, "html <time datetime>"
    return None
