"""Of what a question asks a property: "the test laptop" in "How much RAM does the test
laptop have?", "el servidor de pruebas" in "¿Qué GPU tiene el servidor de pruebas?".

Unanswerable questions in users' notes are mostly of this shape: a property the notes
give for other things (RAM of the models in a benchmark table, a GPU named in a
vLLM flag, the grade of another practical) asked of a thing the notes never describe.
The answerer then finds a unit holding the property and the *does it answer?* check
passes it (it holds a number, a GPU, a grade), so a non-answer was shown verified. An
answer to such a question must name what it is about, itself, in the passage sentences
around the one it quotes or in the heading above that one
(agent/tools/verification/answers_question.py).

Only a possession or use verb is read ("have", "use", "need"; "tiene", "usa", "sacó"):
with any verb the subject's end cannot be told from the verb's object without a parser
("How many points did the Panthers defense give up?"). Read in one anchored match of
bounded parts, so linear in the question's length.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from ingestion.text_analysis import fold_accents, is_function_word

_ASKED = r"^\W{0,64}"
_WORD = r"[\w.+'-]{1,60}"

_HOLDER_EN = re.compile(
    rf"{_ASKED}(?:how\s{{1,4}}(?:much|many)|what|which)\s{{1,4}}(?:{_WORD}\s{{1,4}}){{0,4}}?"
    rf"(?:does|do|did)\s{{1,4}}(?P<holder>(?:{_WORD}\s{{1,4}}){{0,3}}?{_WORD})\s{{1,4}}"
    r"(?:have|use|need|get|take|require|support|hold|contain|store|consume|score|earn|cost)"
    # the verb ends the question, or a place, time or measure follows it ("use on the
    # staging GPU?"): "What do … people feel the need to acknowledge?" is not of this shape
    r"(?:\s{1,4}(?:in|on|at|for|per|during|when|now|today|in\s{1,4}total)\b[^?\n]{0,80})?"
    r"\s{0,4}(?:[?.!,]|$)",
    re.IGNORECASE,
)
_HOLDER_ES = re.compile(
    # "¿Qué término se utiliza…?" is passive, and in "¿Qué tienen prohibido…?" what is
    # asked has no noun: neither asks a property of what follows the verb
    rf"{_ASKED}(?:cu[áa]nt[oa]s?(?:\s{{1,4}}{_WORD}){{0,4}}?|(?:qu[ée]|cu[áa]l(?:es)?)"
    rf"(?:\s{{1,4}}{_WORD}){{1,4}}?)(?<!\sse)\s{{1,4}}"
    r"(?:tiene|tienen|ten[íi]a|ten[íi]an|tuvo|tuvieron|usa|usan|us[óo]|usaron|utiliza|"
    r"utilizan|utiliz[óo]|necesita|necesitan|necesit[óo]|saca|sacan|sac[óo]|sacaron|"
    r"consume|consumen|ocupa|ocupan|soporta|soportan|admite|admiten|requiere|requieren|"
    r"cuesta|cuestan|cost[óo]|obtuvo|obtuvieron)"
    rf"\s{{1,4}}(?P<holder>[^?¿\n]{{1,160}})",
    re.IGNORECASE,
)
# Where the Spanish holder's phrase ends: a preposition of manner, purpose or measure
# ("¿Cuánto cuesta la API por hora?" asks of the API, not of hours).
_HOLDER_END_ES = re.compile(
    r"\s(?:por|para|con|sin|durante|desde|hasta|cada|seg[úu]n|aproximadamente|en\s+total|"
    r"cuando|que|donde|mientras|antes|despu[ée]s|dentro|fuera|si|al|a|en|sobre|"
    r"respecto|frente|contra|entre)\b"
    r"|[,;:(]",
    re.IGNORECASE,
)
# Spanish puts the subject after the verb, where the object also goes: "¿Qué GPU tiene el
# servidor?" asks of the server, "¿Qué universidad tiene su origen en…?" of a
# university. A subject there opens with an article or a name; an object with a
# possessive, a bare noun ("tienen niños") or a superlative ("tuvo el mayor número de…",
# "el impacto más significativo") is what the asked thing has, not who has it.
_SUBJECT_ES = re.compile(
    r"(?:(?:en\s{1,4})?(?:el|la|los|las|un|una|mi|tu|nuestro|nuestra|vuestro|vuestra|este|esta|ese|esa)"
    r"\s{1,4}[^\W\d_]|[A-ZÁÉÍÓÚÑ])"
)
_SUPERLATIVE_ES = re.compile(
    r"\b(?:mayor|menor|mejor|peor|m[áa]s|menos|primer[oa]?|[úu]ltim[oa])\b", re.IGNORECASE
)
# After a Spanish verb, more words than this are a clause, not a name for a thing; the
# English subject sits between "does" and the verb, four words at most.
_MAX_SPANISH_HOLDER_WORDS = 3
# "el servidor de pruebas y cuánta RAM": a second question joined to the first
_SECOND_PART_ES = re.compile(r"\s(?:y|o|u)\s", re.IGNORECASE)
_HOLDER_WORD = re.compile(r"[^\W_]+")
# "la ciudad de Nueva York", "el mes de febrero": a kind before a name is not said with it
# (a kind the name is, not one it owns: "el grupo de Marta" is Marta's group)
_KIND_BEFORE_A_NAME = re.compile(
    r"^(?:en\s{1,4})?(?:el|la|los|las)\s{1,4}(?:ciudad|mes|año|d[ií]a|pa[ií]s|provincia|"
    r"regi[óo]n|comunidad|pueblo|municipio|barrio|r[ií]o|isla|lago|calle|estado)"
    r"\s{1,4}(?:de|del)\s{1,4}"
    r"(?:la\s{1,4}|los\s{1,4}|las\s{1,4}|el\s{1,4})?(?=[A-ZÁÉÍÓÚÑ])"
)
# "the company", "la empresa": a holder that is only a generic noun says no one thing,
# and the notes name it instead ("Acme has 500 employees")
_GENERIC_NOUNS = frozenset({
    "company", "empresa", "compania", "team", "equipo", "model", "modelo", "system",
    "sistema", "project", "proyecto", "app", "application", "aplicacion", "tool",
    "herramienta", "user", "usuario", "city", "ciudad", "country", "pais", "product",
    "producto", "service", "servicio", "organization", "organizacion", "group", "grupo",
    "person", "persona", "thing", "cosa", "it", "this", "that", "esto", "eso",
    # the document itself: "Which transformers version did the notebook use?" is asked
    # of a notebook that never calls itself one
    "notebook", "cuaderno", "document", "documento", "doc", "docs", "notes", "apuntes",
    "notas", "paper", "articulo", "article", "slides", "diapositivas", "post", "page",
    "pagina", "text", "texto", "file", "archivo", "fichero", "report", "informe",
    "author", "autor", "autora", "authors", "autores", "writer",
})  # fmt: skip
# Words of a holder's phrase that say how much or how, not what: "many of these
# protests", "actualmente", "typically".
_NOT_A_HOLDER = frozenset({
    "many", "some", "most", "few", "several", "all", "each", "every", "these", "those",
    "muchos", "muchas", "algunos", "algunas", "varios", "varias", "todos", "todas",
    "cada", "estos", "estas", "esos", "esas", "actualmente", "hoy", "dia", "now", "one",
    "single", "uno", "una", "solo", "sola",
})  # fmt: skip


@functools.lru_cache(maxsize=1024)
def holder_words(question: str) -> tuple[str, ...]:
    """The content words of what ``question`` asks a property of ("test", "laptop"),
    accent-folded and lowercased; () when the question is not of that shape. Bare
    numbers are left out (a label's number is checked by named_terms), not sizes and
    versions ("Wren-1B": "1b"); cached, because the answerer asks it of every unit."""
    question = unicodedata.normalize("NFC", question)
    phrase = ""
    english = _HOLDER_EN.match(question)
    if english:
        phrase = english.group("holder")
    else:
        spanish = _HOLDER_ES.match(question)
        if spanish:
            phrase = spanish.group("holder")
            end = _HOLDER_END_ES.search(phrase)
            phrase = phrase[: end.start()] if end else phrase
            if not _SUBJECT_ES.match(phrase) or _SUPERLATIVE_ES.search(phrase):
                return ()
            kind = _KIND_BEFORE_A_NAME.match(phrase)
            phrase = phrase[kind.end() :] if kind else phrase
    words = tuple(
        fold_accents(word).lower()
        for word in _HOLDER_WORD.findall(phrase)
        if not is_function_word(word, "es")
        and not is_function_word(word, "en")
        and not word.isdigit()
        and fold_accents(word).lower() not in _NOT_A_HOLDER
        and not (word.islower() and word.endswith(("ly", "mente")))
        and not (len(word) <= 2 and word.islower())  # "'s", "g", "kg"
    )
    if all(word in _GENERIC_NOUNS for word in words):
        return ()
    if not english:
        if len(words) > _MAX_SPANISH_HOLDER_WORDS:
            return ()
        second = _SECOND_PART_ES.search(phrase)
        if second:
            kept = set(_HOLDER_WORD.findall(fold_accents(phrase[: second.start()]).lower()))
            words = tuple(word for word in words if word in kept)
    return words
