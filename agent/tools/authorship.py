"""Who wrote it? A question about a text's author is answered by a text that credits one.

"Who wrote the glossary?" was answered from the glossary itself: its entries name "KV",
"GPU" and "Mixtral", and a "who?" takes any name. A sentence that names people without
saying who wrote the asked thing ("Hu et al. introduced LoRA in 2021" for "Who wrote
the LoRA cheatsheet?") answers another question. Asked about an author (wrote, written,
authored, transcribed, took the notes, typed up, compiled; escribió, redactó, autor,
transcribió, tomó los apuntes, recopiló), an answer must hold an author's credit as
documents write one: a byline ("By Priya Raman", "author: Kenji Watanabe", "Notes by K.
Osei", "escrito por", "answered … by tkruger"), a writing verb ("Notes typed up after
class… (R. Okafor)"), a reference ("Adeyemi, T. and Liu, M. (2023)", "(Mann et al.,
1999)"), a mail's sender line ("From:", "De:"), or a name's possessive or "de"
("Al-Muwaffaq's contributions", "un documento de 1999 de Michael E. Mann").

Every pattern reads its text once, with bounded gaps: linear in the text's length.
"""

from __future__ import annotations

import re

# "Who wrote…?", "Who authored…?", "Who transcribed…?", "Who took the notes…?", "Who is
# the author of…?", "¿Quién escribió / redactó / transcribió…?", "¿Quién es la autora…?",
# "¿Quién tomó los apuntes…?". "Published", "proposed", "introduced" are not writing:
# a method is proposed by its authors, and that credit is checked elsewhere.
_ASKS_AN_AUTHOR = re.compile(
    r"\b(?:wr[io]te|written|writes|authored|authors?|transcribed|transcript\w*|"
    r"took\s{1,3}(?:the\s{1,3})?notes|typed(?:\s{1,3}up)?|compiled|"
    r"escrib\w*|escrit[oa]s?|redact\w*|autor(?:a|es|as)?|transcri\w*|"
    r"tom[óo]\s{1,3}(?:los\s{1,3}|las\s{1,3})?(?:apuntes|notas)|recopil[óo]|compil[óo]|"
    r"pas[óo]\s{1,3}a\s{1,3}limpio)\b",
    re.IGNORECASE,
)
_WHO = re.compile(r"\bqui[ée]n(?:es)?\b|\bwho(?:m|se)?\b", re.IGNORECASE)
# "Who was the report written for?", "¿Para quién fue escrito?": the reader, not the author.
_ASKS_THE_READER = re.compile(
    r"\bfor\s{0,3}\?|\bfor\s{1,3}whom\b|\b(?:para|a)\s{1,3}qui[ée]n(?:es)?\b", re.IGNORECASE
)

# An author's credit in the answer, in the forms listed in the module docstring.
# "Hand-written kernels" and "written in Rust" credit no one: "written" / "escrito" only
# before "by" / "por".
_CREDIT_WORDS = re.compile(
    r"(?<![\w-])(?:wr[io]te|writes|authored|authors?|transcribed|transcript(?:ion)?|typed|"
    r"compiled|recopil\w*|"
    r"escribi\w*|escribe\w*|redact[óo]|autor(?:a|es|as)?|transcribi\w*|transcripci[óo]n|"
    r"firmad[oa]|signed)\b"
    r"|\b(?:written|escrit[oa]s?|redactad[oa]s?|transcrit[oa]s?)\s{1,3}(?:by|por)\b",
    re.IGNORECASE,
)
_UPPER = "A-ZÁÉÍÓÚÑ"
# "By Priya Raman", "por @lucia", "answered … by tkruger 2,877": "by" / "por" before a
# name or a handle that ends its line, not "by default", "por ejemplo", "by 11 points".
_BYLINE = re.compile(
    rf"\b(?i:by|por)[ \t]{{1,3}}(?:@|[{_UPPER}]|[a-z][\w.-]{{0,40}}[ \t]{{0,3}}(?:$|[\d·|—–(]))",
    re.MULTILINE,
)
_SENDER_LINE = re.compile(r"^[ \t>]{0,8}(?:from|de|sender|remitente)[ \t]{0,3}:", re.I | re.M)
# "Adeyemi, T." (a reference's surname and initial) or "et al. (2023)" / "et al., 2023".
_REFERENCE = re.compile(
    rf"\b[{_UPPER}][\w'’-]{{1,40}},[ \t]{{1,3}}[{_UPPER}]\.|"
    r"\bet\s{1,3}al\.?,?\s{0,3}\(?(?:1[5-9]|20)\d\d\b"
)
_POSSESSIVE = re.compile(rf"\b[{_UPPER}][\w-]{{1,40}}['’]s\b")
_OF_A_NAME = re.compile(rf"\bde[ \t]{{1,3}}[{_UPPER}][a-záéíóúñ]{{1,40}}\b")


def asks_for_an_author(question: str) -> bool:
    """Whether ``question`` asks who wrote something ("Who wrote the glossary?",
    "¿Quién transcribió la clase 7?", "Who is the author of…?")."""
    return (
        bool(_WHO.search(question))
        and bool(_ASKS_AN_AUTHOR.search(question))
        and not _ASKS_THE_READER.search(question)
    )


def credits_an_author(text: str) -> bool:
    """Whether ``text`` says who wrote something, in one of the forms a document writes
    an author's credit (see the module docstring)."""
    return any(
        pattern.search(text)
        for pattern in (_BYLINE, _CREDIT_WORDS, _SENDER_LINE, _REFERENCE, _POSSESSIVE, _OF_A_NAME)
    )
