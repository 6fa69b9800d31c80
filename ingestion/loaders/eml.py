"""E-mail (.eml): the standard library ``email`` package reads it.

Not ``unstructured.partition_email``: it needs python-dateutil, which is not a dependency.
The headers become a searchable first section; an HTML-only body goes through the HTML
partitioner; attachments are not read (they are files of their own).
"""

from __future__ import annotations

import email
import email.policy
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
        body_sections = [Section(text=text, page=None, title="")] if text else []
    if not body_sections:
        raise LoaderError(path, "no text: the e-mail has no body (attachments are not read)")

    sections = [Section(text=header, page=None, title=subject)] if header else []
    sections += [Section(text=s.text, page=None, title=s.title or subject) for s in body_sections]
    first_heading = next((s.title for s in body_sections if s.title), "")
    return sections, subject or first_heading
