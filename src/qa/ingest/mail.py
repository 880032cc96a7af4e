"""Saved mail (.eml with the standard library's `email`, Outlook .msg with extract-msg) to text.

A message is read as a reader sees it: its From, To, Cc and Date lines, then
the body (the plain-text part, else the HTML part's main text, read as a web
page is). The subject is the title and a heading. Attachments are returned as
(name, bytes); the loader indexes those of types `qa` reads as documents of
their own, cited as `mail.eml › report.pdf p. 2`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from qa.ingest.pdf_text import NotExtractable
from qa.ingest.text_blocks import ExtractedText, TextBuilder, append_sections

_HEADER_FIELDS = ("From", "To", "Cc", "Date")


@dataclass(frozen=True)
class ExtractedMail:
    message: ExtractedText
    attachments: tuple[tuple[str, bytes], ...] = ()  # (file name, content) in the order the message has them


def extract_eml(raw: bytes) -> ExtractedMail:
    """Raises: NotExtractable: not a mail message, or nothing in it to read."""
    from email import policy
    from email.parser import BytesParser

    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        if not any(message.get(field) for field in ("From", "To", "Subject", "Date", "Message-ID")):
            raise NotExtractable("not a mail message (no From, To, Subject or Date header)")
        headers = {field: _header(message, field) for field in _HEADER_FIELDS}
        subject = _header(message, "Subject")
        body = _eml_body(message)
        attachments = []
        for part in message.iter_attachments():
            name = part.get_filename()
            content = part.get_payload(decode=True)
            if name and isinstance(content, bytes):
                attachments.append((name, content))
        day = _date_of(message.get("Date"))
    except NotExtractable:
        raise
    except Exception as exc:
        raise NotExtractable(f"unreadable mail message ({type(exc).__name__}: {str(exc)[:200]})") from exc
    return _mail(subject, headers, body, attachments, (day, "eml Date") if day else None)


def _header(message, field: str) -> str:
    try:
        return " ".join(str(message.get(field) or "").split())
    except Exception:  # a header the policy cannot parse: its raw words
        return " ".join(str(message.get_all(field, [""])[0]).split())


def _eml_body(message) -> ExtractedText:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ExtractedText("")
    content = part.get_content()
    if part.get_content_subtype() == "html":
        return _html_body(content.encode("utf-8") if isinstance(content, str) else content)
    return _plain_body(content if isinstance(content, str) else content.decode("utf-8", "replace"))


def _plain_body(text: str) -> ExtractedText:
    builder = TextBuilder()
    for paragraph in text.replace("\r\n", "\n").split("\n\n"):
        builder.paragraph(paragraph)
    return ExtractedText(builder.text, builder.headings)


def _html_body(raw: bytes) -> ExtractedText:
    from qa.ingest.extract import extract_html

    try:
        page = extract_html(raw)
    except NotExtractable:
        return ExtractedText("")  # an empty HTML part: the headers are still the message
    return ExtractedText(page.text, page.headings)


def _date_of(value) -> str | None:
    from email.utils import parsedate_to_datetime

    if not value:
        return None
    try:
        return parsedate_to_datetime(str(value)).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return None


def _mail(
    subject: str, headers: dict[str, str], body: ExtractedText, attachments: list, stated: tuple[str, str] | None
) -> ExtractedMail:
    head = TextBuilder()
    head.heading(1, subject or "(no subject)")
    head.paragraph("\n".join(f"{field}: {value}" for field, value in headers.items() if value))
    if attachments:
        head.paragraph("Attachments: " + ", ".join(name for name, _ in attachments))
    text, headings = append_sections([ExtractedText(head.text, head.headings), body])
    # The body's own headings sit under the subject: shift them a level down.
    headings = headings[:1] + tuple(type(h)(h.start, min(h.level + 1, 6), h.title) for h in headings[1:])
    return ExtractedMail(ExtractedText(text, headings, subject or None, stated), tuple(attachments))


def extract_msg(raw: bytes) -> ExtractedMail:
    """An Outlook .msg file, read like an .eml.

    Raises: NotExtractable: not an Outlook message, or damaged.
    """
    import logging

    import extract_msg

    logging.getLogger("extract_msg").setLevel(logging.CRITICAL)
    try:
        message = extract_msg.openMsg(raw)
    except Exception as exc:
        raise NotExtractable(f"not a readable Outlook .msg file ({type(exc).__name__}: {str(exc)[:200]})") from exc
    try:
        subject = " ".join((message.subject or "").split())
        date = message.date
        headers = {
            "From": " ".join((message.sender or "").split()),
            "To": " ".join((message.to or "").split()),
            "Cc": " ".join((message.cc or "").split()),
            "Date": date.isoformat() if isinstance(date, datetime) else " ".join(str(date or "").split()),
        }
        plain = message.body
        if plain and plain.strip():
            body = _plain_body(plain)
        else:
            html = message.htmlBody
            body = _html_body(html) if html else ExtractedText("")
        attachments = []
        for attachment in message.attachments:
            name = getattr(attachment, "longFilename", None) or getattr(attachment, "shortFilename", None)
            content = getattr(attachment, "data", None)
            if name and isinstance(content, bytes):
                attachments.append((name, content))
        day = date.date().isoformat() if isinstance(date, datetime) else None
    except Exception as exc:
        raise NotExtractable(f"unreadable Outlook .msg file ({type(exc).__name__}: {str(exc)[:200]})") from exc
    finally:
        message.close()
    return _mail(subject, headers, body, attachments, (day, "msg Date") if day else None)
