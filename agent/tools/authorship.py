"""Who wrote it? A question about a text's author is answered by a text that credits one.

"Who wrote the glossary?" was answered from the glossary itself: its entries name "KV",
"GPU" and "Mixtral", and a "who?" takes any name. A sentence that names people without
saying who wrote the asked thing ("Hu et al. introduced LoRA in 2021" for "Who wrote
the LoRA cheatsheet?") answers another question.

Asked about an author (wrote, authored, transcribed, took the notes, typed up, drafted;
escribió, redactó, transcribió, tomó los apuntes, elaboró, pasó a limpio; "the author
of", "el autor de"; not "compiled" / "recopiló", said of data as often as of a text),
an answer must hold, in one sentence, a person's name and an author's credit as
documents write one: a byline ("By Priya Raman", "Notes by K. Osei", "escrito por",
"answered … by tkruger", "a 1999 paper by…"), a field ("author: Kenji Watanabe",
"Firmado: Lucía Ferrer", "Maintainer:"), a writing verb, the question's own verb ("los
tomó Lucía Ferrer"), a reference ("Adeyemi, T. and Liu, M. (2023)", "(Mann et al.,
1999)"), a mail's sender line ("From:", "De:"), a work's author ("Al-Muwaffaq's
writings", "un documento de 1999 de Michael E. Mann"). A short answer that only names
the person ("Kenji Watanabe [1].") is credited by its cited sentence that names the
same person (:func:`credited_in`).

Not asked about an author: "Who wrote back to the client?", "¿Quién escribió al
proveedor?" (a message), "Who has write access…?", "Who needs written approval?", "Who
was the report written for?" (its reader). Every pattern reads its text once, with
bounded gaps: linear in the text's length.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from agent.tools.answer_features import names
from agent.tools.sentences import split_sentences
from agent.tools.word_forms import word_keys

# The verbs and nouns a question asks for an author by. Past forms and "written by" /
# "written?" only: "write access", "written approval" ask for something else.
_ASKS_AN_AUTHOR = re.compile(
    r"\b(?:wrote|authored|transcribed|typed(?:\s{1,3}up)?|drafted|"
    r"took\s{1,3}(?:the\s{1,3})?notes|written(?=\s{0,3}(?:by\b|\?|$))|"
    r"(?:the\s{1,3})?authors?\s{1,3}of|"
    r"escribi[óo]|escribieron|redact[óo]|redactaron|transcribi[óo]|transcribieron|"
    r"tom[óo]\s{1,3}(?:los\s{1,3}|las\s{1,3})?(?:apuntes|notas)|"
    r"elabor[óo]|pas[óo]\s{1,3}a\s{1,3}limpio|autor(?:a|es|as)?\s{1,3}(?:de|del)|"
    r"escrit[oa]s?\s{1,3}por)\b",
    re.IGNORECASE,
)
_WHO = re.compile(r"\bqui[ée]n(?:es)?\b|\bwho(?:m|se)?\b", re.IGNORECASE)
# "Who was the report written for?", "¿Para quién fue escrito?": the reader; "Who wrote
# back to the client?", "¿Quién escribió al proveedor?": a message, not a text's author.
_NOT_THE_AUTHOR = re.compile(
    r"\bfor\s{0,3}\?|\bfor\s{1,3}whom\b|\b(?:para|a)\s{1,3}qui[ée]n(?:es)?\b|"
    r"\bwrote\s{1,3}(?:back|to)\b|\bescribi(?:[óo]|eron)\s{1,3}(?:a|al)\b",
    re.IGNORECASE,
)

_UPPER = "A-ZÁÉÍÓÚÑ"
_NOT_SOMEONE = (
    r"(?!(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|"
    r"april|may|june|july|august|september|october|november|december|lunes|martes|"
    r"mi[ée]rcoles|jueves|viernes|s[áa]bado|domingo|slack|email|e-mail|correo|tel[ée]fono|"
    r"phone|default|defecto)\b)"
)
# The works a text's author is credited with: "a 1999 paper by…", "Al-Muwaffaq's writings".
_WORK_NOUNS = (
    r"book|paper|poem|essay|notes|guide|report|article|contributions?|works?|writings?|"
    r"novel|thesis|libro|art[íi]culo|poema|ensayo|apuntes|notas|gu[íi]a|informe|obra|"
    r"novela|tesis|documento|manual"
)
_WORKS = rf"(?:{_WORK_NOUNS})"
# A byline: "by" / "por" opening a line or a sentence ("By Priya Raman · June 3"), or after
# a word that says what was written or posted ("Notes by K. Osei", "Written and
# maintained by…", "Acta redactada por Marta Gil", "answered Mar 3, 2024 at 8:02 by
# tkruger"), before a name or a handle that ends its line. Not the agent of another verb
# ("Deploys are triggered by Jenkins", "se lanzan por Jenkins"), nor "by Friday", "por
# Slack", "by 11 points".
_WRITTEN_THINGS = _WORK_NOUNS + (
    r"|post|posted|answered|asked|edited|published|publicad[oa]|respondid[oa]|"
    r"preguntad[oa]|editad[oa]|written|escrit[oa]s?|maintained|mantenid[oa]|transcribed|"
    r"transcrit[oa]|typed|drafted|redactad[oa]|elaborad[oa]|compiled|compilad[oa]|"
    r"recopilad[oa]|slides|diapositivas|acta|minutes"
)
_BYLINE = re.compile(
    rf"(?:^|(?<=[\n.!?·|—–(])|(?i:\b(?:{_WRITTEN_THINGS})\b)[^\n.!?]{{0,40}}?)"
    rf"[ \t]{{0,3}}(?i:by|por)[ \t]{{1,3}}(?i:{_NOT_SOMEONE})"
    rf"(?:@|[{_UPPER}]|[a-z][\w.-]{{0,40}}[ \t]{{0,3}}(?:$|[\d·|—–(]))",
    re.MULTILINE,
)
# Writing verbs and credit fields. "Hand-written kernels" and "written in Rust" credit no
# one: "written" / "escrito" only before "by" / "por". "Compiled", "typed" and the like
# credit an author only where the question asks by them (the training script "is compiled
# with torch.compile"): see ``_asked_verb``.
_CREDIT_WORDS = re.compile(
    r"(?<![\w-])(?:wrote|authored|authors?|transcribed|transcript(?:ion)?|drafted|"
    r"escribi[óo]|escribieron|redact[óo]|redactaron|autor(?:a|es|as)?|autor[íi]a|"
    r"transcribi[óo]|transcribieron|transcripci[óo]n|elabor[óo]|elaboraron|firmad[oa]|"
    r"signed|maintainers?|mantenedor(?:a|es|as)?|cr[ée]ditos|credits)\b"
    r"|\b(?:written|escrit[oa]s?|redactad[oa]s?|transcrit[oa]s?)\s{1,3}(?:by|por)\b",
    re.IGNORECASE,
)
_SENDER_LINE = re.compile(r"^[ \t>]{0,8}(?:from|de|sender|remitente)[ \t]{0,3}:", re.I | re.M)
# "Adeyemi, T." (a reference's surname and initial) or "et al. (2023)" / "et al., 2023".
_REFERENCE = re.compile(
    rf"\b[{_UPPER}][\w'’-]{{1,40}},[ \t]{{1,3}}[{_UPPER}]\.|"
    r"\bet\s{1,3}al\.?,?\s{0,3}\(?(?:1[5-9]|20)\d\d\b"
)
# A work's author: "Al-Muwaffaq's writings", "un documento de 1999 de Michael E. Mann",
# "el libro de Cervantes". Not "Priya Raman's team", "It's", "las ventas de Europa".
_WORK_OF = re.compile(
    rf"\b[{_UPPER}][\w-]{{1,40}}['’]s\s{{1,3}}(?:\w{{1,20}}\s{{1,3}})?(?i:{_WORKS})\b|"
    rf"\b(?i:{_WORKS})\s{{1,3}}(?:de\s{{1,3}}(?:1[5-9]|20)\d\d\s{{1,3}})?de\s{{1,3}}[{_UPPER}]"
)
_CREDITS = (_BYLINE, _CREDIT_WORDS, _SENDER_LINE, _REFERENCE, _WORK_OF)


@functools.lru_cache(maxsize=1024)
def asks_for_an_author(question: str) -> bool:
    """Whether ``question`` asks who wrote something ("Who wrote the glossary?",
    "¿Quién transcribió la clase 7?", "Who is the author of…?"), not who wrote to
    someone or for whom. Cached: the answerer asks it of every unit of every passage."""
    return (
        bool(_WHO.search(question))
        and bool(_ASKS_AN_AUTHOR.search(question))
        and not _NOT_THE_AUTHOR.search(question)
    )


@functools.lru_cache(maxsize=1024)
def _asked_verb(question: str, language: str) -> frozenset[str]:
    """The word keys of the verb ``question`` asks for an author by ("tomó los apuntes"
    -> the keys of "tomó", "apuntes"): the same verb in a sentence credits its author.
    Cached, as :func:`asks_for_an_author`."""
    match = _ASKS_AN_AUTHOR.search(question)
    return frozenset(word_keys(match.group(0), language)) if match else frozenset()


def _credits(sentence: str, language: str, verb: frozenset[str]) -> bool:
    """Whether ``sentence`` holds an author's credit: one of ``_CREDITS``, or ``verb`` (the
    question's own) whole."""
    if any(pattern.search(sentence) for pattern in _CREDITS):
        return True
    return bool(verb) and verb <= set(word_keys(sentence, language))


def credits_an_author(text: str, language: str, question: str = "") -> bool:
    """Whether a sentence of ``text`` names a person and credits an author in one of the
    forms the module docstring lists (``question`` adds its own verb to them)."""
    verb = _asked_verb(question, language) if question else frozenset()
    return any(
        names(sentence, language, people=True) and _credits(sentence, language, verb)
        for sentence in split_sentences(text)
    )


def credited_in(
    people: set[str], sources: Sequence[str], language: str, question: str = ""
) -> bool:
    """Whether a sentence of ``sources`` that names one of ``people`` (folded names, as
    :func:`answer_features.names` gives them) credits an author: "Kenji Watanabe [1]."
    answers "Who wrote the deployment guide?" when [1] says "The guide was written by
    Kenji Watanabe"."""
    if not people:
        return False
    verb = _asked_verb(question, language) if question else frozenset()
    return any(
        names(sentence, language, people=True) & people and _credits(sentence, language, verb)
        for source in sources
        for sentence in split_sentences(source)
    )
