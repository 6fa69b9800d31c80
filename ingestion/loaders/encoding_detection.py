"""Bytes of a text format (Markdown, plain text, HTML) to ``str``: which encoding is it in?

A byte-order mark decides when there is one; otherwise UTF-8 (also when slightly damaged),
then a charset the file declares, then Windows-1252 when the result reads as a Western
language, and last charset-normalizer's best guess. Bytes that decode to nothing like text
are refused as binary rather than indexed as noise.
"""

from __future__ import annotations

import codecs
import unicodedata
from pathlib import Path

from ingestion.loaders.errors import LoaderError
from ingestion.loaders.mojibake import WINDOWS_1252

__all__ = ["BINARY_REASON", "decode_text"]

BINARY_REASON = "binary content, not text (is this really a .{ext} file?)"
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_WESTERN_MAX_NON_ASCII_LETTERS = 0.3
"""In Spanish, English, French or German text, accented letters are a few percent of all
letters; Cyrillic or Greek bytes read as cp1252 come out almost entirely "accented"."""


def _looks_western(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return True
    non_ascii = sum(not c.isascii() for c in letters)
    return non_ascii <= _WESTERN_MAX_NON_ASCII_LETTERS * len(letters)


def _count_controls(text: str) -> int:
    return sum(unicodedata.category(c) == "Cc" and c not in "\t\n\r\f\v" for c in text)


def _has_control_chars(text: str) -> bool:
    """More than 1% C0/C1 control characters (besides whitespace) means we decoded binary.

    C1 controls inside mojibake of UTF-8 read as Latin-1 ("ð\\x9f\\x98\\x80" was an emoji)
    are text, and repaired later: they do not count.
    """
    limit = 0.01 * max(len(text), 1)
    if _count_controls(text) <= limit:
        return False
    return _count_controls(WINDOWS_1252.sequence_re.sub("", text)) > limit


_UTF16_MIN_NUL_SHARE = 0.4
_UTF16_MAX_OTHER_NUL_SHARE = 0.05


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text saved without a byte-order mark (some Windows tools do), or None.

    Latin-script text in UTF-16 has a NUL in every other byte: in the odd positions for
    little-endian, the even ones for big-endian. Binary files do not keep that rhythm.
    """
    if len(data) < 4 or len(data) % 2:
        return None
    half = len(data) // 2
    even_nuls, odd_nuls = data[0::2].count(0), data[1::2].count(0)
    if odd_nuls >= _UTF16_MIN_NUL_SHARE * half and even_nuls <= _UTF16_MAX_OTHER_NUL_SHARE * half:
        encoding = "utf-16-le"
    elif even_nuls >= _UTF16_MIN_NUL_SHARE * half and odd_nuls <= _UTF16_MAX_OTHER_NUL_SHARE * half:
        encoding = "utf-16-be"
    else:
        return None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    return None if _has_control_chars(text) else text


_MAX_INVALID_UTF8_SHARE = 0.05


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 with a few invalid bytes (a damaged or concatenated file), the bad bytes dropped.

    Only when the valid multi-byte characters outnumber the invalid bytes, and those are
    under 5% of the text: a Windows-1252 file has no valid multi-byte sequences and is
    left to the cp1252 step, which reads its accented letters correctly.
    """
    text = data.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd")
    valid_non_ascii = sum(1 for c in text if not c.isascii()) - invalid
    if valid_non_ascii < invalid or invalid > _MAX_INVALID_UTF8_SHARE * len(text):
        return None
    text = text.replace("\ufffd", "")
    return None if _has_control_chars(text) else text


def decode_text(path: Path, data: bytes, *, declared: str | None = None) -> str:
    """Decode bytes of a text format, trying the likely encodings in order.

    A byte-order mark decides (UTF-8, UTF-16, UTF-32); otherwise UTF-8, then a charset the
    file declares (HTML ``<meta charset>``), then Windows-1252 (a superset of Latin-1) when the
    result reads as a Western language, and last charset-normalizer's best guess. We try
    cp1252 before charset-normalizer because on short Spanish text it guesses cp1250 and turns
    "pequeños" into "pequeńos". NUL bytes mean UTF-16 without a BOM or a file that is not
    text. UTF-8 with a few invalid bytes keeps its valid text and drops the invalid bytes.
    """
    ext = path.suffix.lstrip(".").lower() or "txt"
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                break
    if b"\x00" in data:
        text = _utf16_without_bom(data)
        if text is None:
            raise LoaderError(path, BINARY_REASON.format(ext=ext))
        return text
    candidates = ["utf-8"] + ([declared] if declared else []) + ["cp1252"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            if encoding == "utf-8" and (repaired := _mostly_utf8(data)) is not None:
                return repaired
            continue
        if encoding == "cp1252" and not _looks_western(text):
            continue
        if not _has_control_chars(text):
            return text
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    text = str(best) if best is not None else ""
    if best is None or _has_control_chars(text):
        raise LoaderError(path, BINARY_REASON.format(ext=ext))
    return text
