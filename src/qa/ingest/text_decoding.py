"""Bytes of a text file to the text a reader's editor shows, or a reason it is not text.

The offsets `qa` cites index into exactly what `open(path, encoding=ENCODING).read()`
returns, so decoding mirrors `open`: the named codec, then universal newlines.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

# Control characters other than tab, newline, carriage return and form feed: a few
# stray ones happen in real text; many mean the file is not text at all.
_CONTROL = {c for c in range(32) if c not in (9, 10, 12, 13)}
_OVERSTRIKE = re.compile(r"[^\x00-\x1f]\x08(?=[^\x00-\x1f])")
_CONTROL_CHAR = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_CONTROL)) + "]")
_MAX_CONTROL_SHARE = 0.01
# Bytes 0x80-0x9F are printable in Windows-1252 (curly quotes, dashes, the euro) but
# control codes in Latin-1; five of them are unassigned in Windows-1252.
_CP1252_UNASSIGNED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


class NotText(ValueError):
    """The bytes are not text in an encoding that can be told; the message says why."""


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str  # the name to pass to open() to read the same text


def decode_text(raw: bytes) -> DecodedText:
    """Decode with the encoding the bytes announce or prove; raise NotText otherwise.

    Order: a UTF-16 or UTF-32 byte-order mark; UTF-16 without a mark when every
    other byte is NUL; valid UTF-8 (with or without its mark); else, if there is no NUL byte, Windows-1252
    (when its typographic bytes 0x80-0x9F occur) or Latin-1.
    """
    encoding = _encoding_of(raw)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise NotText(f"not valid {encoding} (byte {exc.start})") from None
    # A regular expression scans in C at about 3 ns a character; str.translate with a table
    # (17 ms for 400 kB) and a Python loop over characters (0.1 s a build) cost far more.
    # A backspace between two characters is nroff's overstrike (bold, underline): text typeset
    # for a terminal (see overstrike), not binary.
    controls = len(_CONTROL_CHAR.findall(text)) - len(_OVERSTRIKE.findall(text))
    if text and controls / len(text) > _MAX_CONTROL_SHARE:
        raise NotText("binary content (control bytes) in a text file")
    return DecodedText(text.replace("\r\n", "\n").replace("\r", "\n"), encoding)


def _encoding_of(raw: bytes) -> str:
    if raw.startswith(codecs.BOM_UTF32_LE) or raw.startswith(codecs.BOM_UTF32_BE):
        return "utf-32"
    if raw.startswith(codecs.BOM_UTF16_LE) or raw.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    utf16 = _utf16_without_mark(raw)  # before UTF-8: ASCII with NULs between is valid UTF-8 too
    if utf16:
        return utf16
    if b"\x00" in raw:  # text in any 8-bit encoding or UTF-8 has no NUL bytes
        raise NotText("binary content (NUL bytes) in a text file")
    try:
        raw.decode("utf-8")
        # A UTF-8 mark stays in the text, as open(encoding="utf-8") keeps it.
        return "utf-8"
    except UnicodeDecodeError:
        pass
    high = {b for b in raw if 0x80 <= b <= 0x9F}
    if high and not (high & _CP1252_UNASSIGNED):
        return "cp1252"
    return "latin-1"


def _utf16_without_mark(raw: bytes) -> str | None:
    """UTF-16 text of mostly Latin script has a NUL in every other byte."""
    if len(raw) < 4 or len(raw) % 2:
        return None
    even, odd = raw[0::2], raw[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None
