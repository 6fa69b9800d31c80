"""Citations a plain chat client can show: Markdown footnotes in the message text.

Clients of the OpenAI protocol show only ``message.content``; peers that keep their
citations in side channels lose them there. Veraz rewrites each ``[n]`` it cites into a
footnote mark ``[^n]`` and appends one definition per cited passage::

    QLoRA usa NF4 [^1].

    [^1]: qlora.pdf, p. 3 — Método: "QLoRA cuantiza el modelo base a 4 bits …"

Renderers with footnote support (GitHub-flavoured Markdown) link them; others show the
text as written, still readable. The structured citations travel as well, in the
response's ``veraz`` field.
"""

from __future__ import annotations

import re
from pathlib import Path

from agent.tools.sentences import citation_numbers
from agent.types import Answer, Citation

# "[1]", "[1][2]", "[1, 2]", "[1-3]": the forms citation_numbers understands
_CITATION = re.compile(r"\[\s*\d+(?:\s*(?:[,;]|[-–])\s*\d+)*\s*\]")
QUOTE_CHARS = 160


def _where(citation: Citation) -> str:
    where = Path(citation.source).name
    if citation.page:
        where += f", p. {citation.page}"
    if citation.section:
        where += f" — {citation.section}"
    return where


# ``[^\S\n]*``: ``^\s*`` ran from every line start over all the blank lines after it
_HEADING_MARKS = re.compile(r"(?m)^[^\S\n]*#{1,6}\s+")


def _quote(text: str) -> str:
    """The passage's opening words on one line, without Markdown heading marks."""
    flat = " ".join(_HEADING_MARKS.sub("", text).split())
    return flat if len(flat) <= QUOTE_CHARS else flat[:QUOTE_CHARS].rsplit(" ", 1)[0] + " …"


def with_footnotes(answer: Answer) -> str:
    """The answer's text with footnote marks and, after it, one definition per citation."""
    cited = {c.n: c for c in answer.citations}
    if not cited:
        return answer.answer

    def mark(match: re.Match[str]) -> str:
        numbers = citation_numbers(match.group(0))
        if not all(n in cited for n in numbers):
            return match.group(0)
        return "".join(f"[^{n}]" for n in numbers)

    body = _CITATION.sub(mark, answer.answer).rstrip()
    notes = "\n".join(f'[^{n}]: {_where(c)}: "{_quote(c.text)}"' for n, c in sorted(cited.items()))
    return f"{body}\n\n{notes}"


def pieces(text: str) -> list[str]:
    """``text`` cut into word-sized stream chunks whose concatenation is exactly ``text``."""
    return re.findall(r"\s*\S+(?:\s+$)?", text) or [text]
