"""E-mail (.eml): the standard library ``email`` package reads it.

Not ``unstructured.partition_email``: it needs python-dateutil, which is not a dependency.
The headers become a searchable first section; an HTML-only body goes through the HTML
partitioner; a plain body's signature is read as one line (``joined_signature``);
attachments are not read (they are files of their own).
"""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from pathlib import Path

from ingestion.loaders.document import Section
from ingestion.loaders.encoding_detection import BINARY_REASON
from ingestion.loaders.errors import LoaderError
from ingestion.loaders.html import html_sections
from ingestion.loaders.text_cleanup import clean_texts, fold_title

__all__ = ["load_eml"]


def _email_body(message: EmailMessage) -> tuple[str, str]:
    """(kind, content) of the best body part: plain text preferred over HTML.

    Falls back to decoding the raw payload ourselves when the declared charset is unknown.
    """
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return "plain", ""
    kind = part.get_content_subtype()
    try:
        content = part.get_content()
    except (LookupError, UnicodeError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return kind, content if isinstance(content, str) else ""


_SIGNATURE_LINES = 8  # a signature longer than this is more likely text after a "--"
# What follows a signature: the quoted message replied to and its header ("El mié, 20
# nov 2024 a las 17:05, Marcos Gil escribió:", "On Mon, … wrote:", "-----Original
# Message-----", "De: …", "From: …").
_AFTER_SIGNATURE = re.compile(
    r"\s{0,8}(?:>|-{2,}\s{0,8}(?:original|mensaje|forwarded)|(?:de|from|sent|enviado):\s|"
    r"(?:el|on)\s{1,8}(?:lun|mar|mi[ée]|jue|vie|s[áa]b|dom|mon|tue|wed|thu|fri|sat|sun)|"
    r".{0,200}(?:escribi[óo]|wrote):\s{0,8}$)",
    re.IGNORECASE,
)


def joined_signature(text: str) -> str:
    """``text`` with its signature block on one line, its lines joined by " · ": "Lucía
    Ferrer · Equipo de Evaluación · Tel. +34 91 555 01 23".

    The block is the lines after a "-- " line (the usenet delimiter, often typed "--") up
    to a blank line or the quoted message the e-mail replies to; it is joined only where
    the message ends after it or that quote follows, so a "--" used as a separator in
    the body leaves its lines as they are. Read line by line, a name and its phone were
    apart, and no line said whose the phone was. One pass over the lines."""
    lines = text.split("\n")
    joined: list[str] = []
    at = 0
    while at < len(lines):
        line = lines[at]
        joined.append(line)
        at += 1
        if line.rstrip() != "--":
            continue
        end = at
        while (
            end < len(lines)
            and lines[end].strip()
            and end - at < _SIGNATURE_LINES
            and not _AFTER_SIGNATURE.match(lines[end])
        ):
            end += 1
        after = end
        while after < len(lines) and not lines[after].strip():
            after += 1
        if end > at and (after == len(lines) or _AFTER_SIGNATURE.match(lines[after])):
            joined.append(" · ".join(part.strip() for part in lines[at:end]))
            at = end
    return "\n".join(joined)


def load_eml(path: Path, data: bytes) -> tuple[list[Section], str]:
    """Headers (Subject/From/To/Date) become the first section so they can be searched.

    Attachments are not read: they are files of their own and deserve their own loader.
    """
    if b"\x00" in data:
        raise LoaderError(path, BINARY_REASON.format(ext="eml"))
    message = email.message_from_bytes(data, policy=email.policy.default)
    if not isinstance(message, EmailMessage):
        raise LoaderError(path, "not a valid e-mail message")
    kind, body = _email_body(message)
    raw_header = "\n".join(
        f"{name}: {value}"
        for name in ("Subject", "From", "To", "Cc", "Date")
        if (value := str(message.get(name, "") or "").strip())
    )
    # Subject, headers and a plain body are cleaned together: one mojibake diagnosis.
    raw_subject = str(message.get("Subject", "") or "")
    plain = body if kind != "html" else ""
    subject, header, text = clean_texts([raw_subject, raw_header, plain])
    subject = fold_title(subject)
    if kind == "html":
        body_sections = html_sections(body).sections if body.strip() else []
    else:
        text = joined_signature(text)
        body_sections = [Section(text=text, page=None, title="")] if text else []
    if not body_sections:
        raise LoaderError(path, "no text: the e-mail has no body (attachments are not read)")

    sections = [Section(text=header, page=None, title=subject)] if header else []
    sections += [Section(text=s.text, page=None, title=s.title or subject) for s in body_sections]
    first_heading = next((s.title for s in body_sections if s.title), "")
    return sections, subject or first_heading
