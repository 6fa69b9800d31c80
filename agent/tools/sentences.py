"""Split Spanish and English answer text into sentences, and read their [n] citation markers.

The verifier judges an answer one sentence at a time, so a bad split is a bad verdict:
cutting "p. ej." or "4.8" in two leaves fragments that no source supports, and a citation
marker cut off as its own "sentence" loses the link to the source it names. The rules
below are deliberately small and predictable (no model): split on . ! ? … and line
breaks, except where the full stop belongs to an abbreviation, an initial, a number, a
version or a URL; keep trailing markers such as "[1][2]" with the sentence before them.
"""

from __future__ import annotations

import re

__all__ = ["citation_numbers", "split_sentences", "strip_citations"]

# Abbreviations that never end a sentence in practice (a capitalised word or a number
# follows them in the same sentence: "Sr. García", "Fig. 3", "e.g. Llama", "aprox. 5 GB").
# Compared lowercased, with their internal dots.
_NEVER_FINAL = frozenset({
    "e.g", "i.e", "p.ej", "ej", "vs", "v.s", "cf", "approx", "aprox", "fig", "figs", "eq",
    "eqs", "núm", "num", "nº", "vol", "vols", "pág", "págs", "pp", "sr", "sra", "srta",
    "sres", "dr", "dra", "drs", "dras", "prof", "profa", "lic", "mr", "mrs", "ms", "mt", "st",
    "ud", "uds", "vd", "vds", "et", "al", "dept", "depto", "cap", "trad", "op", "cit", "av",
    "avda", "ee", "uu", "tel", "tlf", "telf", "tfno", "ext",
})  # fmt: skip
# Abbreviations that often close a sentence too: they end one only when the next word
# starts like a sentence (capital letter, ¿, ¡, quote, digit).
_MAYBE_FINAL = frozenset({
    "etc", "a.c", "d.c", "a.m", "p.m", "inc", "ltd", "corp", "co", "jr", "sec", "ibid",
})  # fmt: skip

_CITATION = re.compile(r"\[\s*(\d+(?:\s*(?:[,;]|[-–])\s*\d+)*)\s*\]")
_CITATION_RUN = re.compile(r"(?:\s*\[\s*\d+(?:\s*(?:[,;]|[-–])\s*\d+)*\s*\])+")
_CLOSERS = "\"'”’»)]"
_BULLET = re.compile(r"^\s*(?:[-*•·‣◦▪–—>]+|\d{1,3}[.)]|[a-zA-Z][)]|#{1,6})\s+")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_WORD_BEFORE = re.compile(r"([^\W\d_]+(?:\.[^\W\d_]+)*)$")
_SPACE_BEFORE_PUNCT = re.compile(r"(?<!\s)\s+([.,;:!?…])")  # each run tried once
_SPACES = re.compile(r"\s*")
_AFTER_INITIAL = re.compile(r"\((?:1[89]|20)\d\d[a-z]?\)|(?:and|y|&)\s")
_LOOK = 64  # characters read around a full stop: longer than any abbreviation


def _is_abbreviation(head: str, following: str) -> bool:
    """Whether the full stop at the end of ``head`` belongs to an abbreviation or initial.

    ``head`` is the text up to (not including) the dot; ``following`` is what comes after
    the dot and its spaces, used for the ambiguous cases ("etc." can close a sentence).
    """
    match = _WORD_BEFORE.search(head)
    if match is None:
        return False
    word = match.group(1)
    start = match.start(1)
    # "p. ej.": the abbreviation spans a space, so look one word further back too.
    extended = re.search(r"([^\W\d_]+)\.\s*" + re.escape(word) + r"$", head)
    if extended and f"{extended.group(1)}.{word}".lower() in _NEVER_FINAL:
        return True
    lowered = word.lower()
    if lowered in _NEVER_FINAL:
        return True
    if word in ("No", "Nos") and following[:1].isdigit():
        return True  # "No. 9", "Nos. 3-5": a number's sign
    if "." in word and word.isupper():
        # Dotted capitals ("U.S. Army", "EE. UU."): a missed split only merges two
        # sentences, while a wrong one leaves fragments no source supports.
        return True
    if lowered in _MAYBE_FINAL or "." in word:
        # Other dotted forms ("a.C.") and "etc." end a sentence only before a new one.
        return not _starts_sentence(following)
    if len(word) == 1 and word.isupper() and (start == 0 or not head[start - 1].isalnum()):
        # An initial ("J. R. Smith", "Hu, E. J.") unless it is a lone capital letter
        # closing the text; a reference's year or next author may follow it ("Liu, M.
        # (2023).", "Adeyemi, T. and Liu, M.")
        return bool(following) and (
            following[:1].isupper() or _AFTER_INITIAL.match(following) is not None
        )
    return False


def _starts_sentence(text: str) -> bool:
    """Whether ``text`` begins the way a new sentence does."""
    stripped = text.lstrip("\"'“‘«([")
    if not stripped:
        return True
    first = stripped[0]
    return first.isupper() or first.isdigit() or first in "¿¡"


def _protect_urls(line: str) -> tuple[str, list[str]]:
    """Replace URLs by placeholders so their dots and question marks never split."""
    urls: list[str] = []

    def keep(match: re.Match[str]) -> str:
        url = match.group(0)
        trailing = ""
        while url and url[-1] in ".,;:!?)]»\"'":
            trailing = url[-1] + trailing
            url = url[:-1]
        urls.append(url)
        return f"\x00{len(urls) - 1}\x00{trailing}"

    return _URL.sub(keep, line), urls


def _restore_urls(text: str, urls: list[str]) -> str:
    return re.sub(r"\x00(\d+)\x00", lambda m: urls[int(m.group(1))], text)


def _split_line(line: str) -> list[str]:
    """Split one line (no newlines) at sentence-final punctuation."""
    text, urls = _protect_urls(line)
    pieces: list[str] = []
    start = 0
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch not in ".!?…":
            i += 1
            continue
        end = i + 1
        while end < n and text[end] in ".!?…":  # "...", "?!", "?!?"
            end += 1
        if ch == "." and end - i == 1:
            nxt = text[end] if end < n else ""
            if nxt and not nxt.isspace() and nxt not in _CLOSERS and nxt != "[":
                i = end  # "4.8", "llama.cpp", "v1.2", "e.g.," — a dot inside a token
                continue
        # Take closing quotes/brackets and citation markers that belong to this sentence.
        while end < n and text[end] in _CLOSERS and text[end] != "]":
            end += 1
        run = _CITATION_RUN.match(text, end)
        if run:
            end = run.end()
            while end < n and text[end] in _CLOSERS and text[end] != "]":
                end += 1
        # Only the head of what follows and the tail of the sentence so far are read:
        # slicing the whole rest (or the whole sentence) at every full stop made a long
        # line of "a. a. a." quadratic.
        after = _SPACES.match(text, end).end()
        following = text[after : after + _LOOK]
        if end < n and not text[end].isspace():
            i = end  # "?)," or similar: punctuation inside the sentence
            continue
        head = text[max(start, i - _LOOK) : i]
        if ch == "." and end - i == 1 and _is_abbreviation(head, following):
            i = end
            continue
        if ch in ".…" and (end - i > 1 or ch == "…") and not _starts_sentence(following):
            i = end  # an ellipsis mid-sentence: "espera… y luego"
            continue
        if following and following[0].islower() and ch == ".":
            i = end  # a lowercase continuation after a dot is almost never a new sentence
            continue
        pieces.append(text[start:end])
        start = end
        i = end
    pieces.append(text[start:])
    return [_restore_urls(p, urls).strip() for p in pieces if p.strip()]


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` in order, each stripped, bullets and list numbers removed.

    Line breaks always end a sentence (answers use them for lists and paragraphs); a
    citation marker alone on its line ("[3]") is attached to the sentence before it.
    """
    sentences: list[str] = []
    for raw in text.splitlines():
        line = _BULLET.sub("", raw, count=1).strip()
        if not line:
            continue
        for piece in _split_line(line):
            if _CITATION_RUN.fullmatch(piece) and sentences:
                sentences[-1] = f"{sentences[-1]} {piece.strip()}"
            elif not re.search(r"\w", piece):
                if sentences:
                    sentences[-1] += piece
            else:
                sentences.append(piece)
    return sentences


def citation_numbers(sentence: str) -> list[int]:
    """The citation numbers in ``sentence`` in order of appearance, without repeats.

    Understands "[1]", "[1][2]", "[1, 2]" and ranges "[1-3]".
    """
    found: list[int] = []
    for match in _CITATION.finditer(sentence):
        for part in re.split(r"\s*[,;]\s*", match.group(1)):
            bounds = re.split(r"\s*[-–]\s*", part)
            if len(bounds) == 2:
                low, high = int(bounds[0]), int(bounds[1])
                numbers = range(low, high + 1) if 0 <= high - low <= 50 else (low, high)
            else:
                numbers = (int(bounds[0]),)
            for number in numbers:
                if number not in found:
                    found.append(number)
    return found


def strip_citations(sentence: str) -> str:
    """``sentence`` without its [n] markers, spaces tidied: "NF4 [2]." -> "NF4."."""
    text = _CITATION.sub(" ", sentence)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    return re.sub(r"\s{2,}", " ", text).strip()
