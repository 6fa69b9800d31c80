"""A claim stronger than its source: "all" where the source says "most", "unanimously"
where it says "by majority", "did" where it says "may", "is planned" or "will".

These are the errors a model makes most while keeping every word and number of its
source (claims written by someone who never read this verifier: "All large earthquakes
occur at convergent boundaries" over "Most large earthquakes…"; "El estudio demuestra
que … causó" over "sugieren que … podría estar relacionada"; "La versión 4.1.0 eliminó
el parámetro" over "se eliminará en la versión 5.0"). Coverage and the other hard checks
see the same words and pass them. Word lists in both languages, so the check also runs
across languages; linear in the texts' length.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agent.tools.verification.analysis import Analysis, Item, fold, is_stopword

# Words that make a claim hold for every case or every voter. Compared as a group: a
# sentence with one needs a source with one of the same group ("todos" for "all").
_ABSOLUTES: dict[str, frozenset[str]] = {
    "every case": frozenset({
        "all", "every", "always", "everyone", "everybody", "todos", "todas", "siempre",
        "totalidad",
    }),
    "unanimity": frozenset({"unanimous", "unanimously", "unanimidad", "unanime", "unanimemente"}),
}  # fmt: skip
# "all three models", "todos los tres", "all of them" count what the source lists;
# "every 6.3 days", "todos los lunes" say how often
_COUNTED_ALL = re.compile(
    r"\b(?:all|both|todos|todas)\s{1,3}(?:(?:los|las|of|the)\s{1,3})?"
    r"(?:\d+|two|three|four|five|six|dos|tres|cuatro|cinco|seis|them|ellos|ellas)\b"
    r"|\bevery\s{1,3}(?:\d|other|few|single|day|week|month|year|hour|minute|second|night|"
    r"morning|time)"
    r"|\b(?:todos|todas)\s{1,3}(?:los|las)\s{1,3}(?:d[ií]as|semanas|meses|años|horas|noches|"
    r"mañanas|tardes|lunes|martes|mi[ée]rcoles|jueves|viernes|s[áa]bados|domingos|veces)\b",
    re.IGNORECASE,
)

# What leaves a claim open or still to come. A source clause with one of these supports
# only a sentence that keeps it open too (with any of them, or a modal: "can", "puede").
_HEDGES = frozenset({
    "might", "could", "possibly", "possible", "probably", "probable", "likely", "unlikely",
    "perhaps", "suggest", "suggests", "suggested", "suggesting", "planned", "plans", "plan",
    "planning", "expected", "projected", "proposed", "scheduled", "intends", "aims",
    "podria", "podrian", "posiblemente", "posible", "probablemente", "quiza", "quizas",
    "sugiere", "sugieren", "sugirio", "parece", "parecen", "preve", "previsto", "prevista",
    "previstos", "planea", "planean", "planeado", "planeada", "propone", "proponen",
    "propuesta", "pretende", "pretenden", "programado", "programada", "pendiente",
})  # fmt: skip
_OPEN_ON_THE_CLAIM_SIDE = _HEDGES | frozenset({
    "can", "may", "puede", "pueden", "should", "allowed", "permitted", "permite", "debe",
    "deberia", "estimated", "estimado", "estimada", "around", "about", "aproximadamente",
    "unos", "unas",
})  # fmt: skip
# A source in the future ("will be removed", "se eliminará") has not happened yet: a
# claim that puts the same verb in the past ("was removed", "eliminó") says it has. A
# future alone is no hedge: "Conservaremos sus datos…" is a policy, stated as a fact.
_FUTURE = re.compile(
    r"\bwill\b|[’']ll\b|\bgoing\s{1,3}to\b|\b[^\W\d_]{2,40}(?:rá|rán|ré|remos)\b",
    re.IGNORECASE,
)
_PAST = re.compile(
    r"^(?:[^\W\d_]{2,40}(?:ed|ó|aron|ieron|ió)|was|were|did|had|fue|fueron|hizo|hicieron)$",
    re.IGNORECASE,
)
# Hedges only in these phrases: "may" alone also grants ("Employees may work remotely"),
# "appears" alone also places ("appears among the top k").
_HEDGE_PHRASE = re.compile(
    r"\bmay\s{1,3}(?:be|have|not|also|well)\b|\b(?:appears?|seems?|appeared|seemed)\s{1,3}to\b",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r"[^,;:.()\[\]—–\n]+")
_WORD = re.compile(r"[^\W\d_]+")


def _words(text: str) -> set[str]:
    return {fold(w).lower() for w in _WORD.findall(text)}


def overstated(sentence: Analysis, best: Analysis, sources: Sequence[Analysis]) -> str:
    """Why ``sentence`` claims more than its sources, in words; "" when it does not.

    ``best`` is its best-matching source sentence; ``sources`` every source sentence."""
    said = _words(sentence.text)
    for group, words in _ABSOLUTES.items():
        if (
            said & words
            and not _COUNTED_ALL.search(sentence.text)
            and not any(_words(source.text) & words for source in sources)
        ):
            return f"says '{sorted(said & words)[0]}' where the sources do not ({group})"
    if said & _OPEN_ON_THE_CLAIM_SIDE or _leaves_open(sentence.text):
        return ""
    ours_by_form = _by_form(sentence.items)
    items = [
        item
        for item in best.items
        if not is_stopword(item.surface.lower(), best.language)
        and fold(item.surface).lower() not in _HEDGES
    ]
    at = 0  # items and clauses are both in order: one walk over each
    for clause in _CLAUSE.finditer(best.text):
        inside: list[Item] = []
        while at < len(items) and items[at].start < clause.end():
            if items[at].start >= clause.start():
                inside.append(items[at])
            at += 1
        text = clause.group(0)
        open_words = _words(text) & _HEDGES
        phrase = _HEDGE_PHRASE.search(text)
        if phrase:
            open_words.add(phrase.group(0).split()[0].lower())
        future = _FUTURE.search(text)
        if not open_words and not future:
            continue
        shared = [
            (item, ours_by_form[f]) for item in inside for f in _first_shared(item, ours_by_form)
        ]
        if open_words:
            if len(shared) < 2:
                continue
            cue = sorted(open_words)[0]
        elif future and any(_PAST.match(ours.surface) for _, ours in shared):
            cue = future.group(0)
        else:
            continue
        if not _said_plainly([theirs for theirs, _ in shared], best, sources):
            return f"states as done or certain what the source leaves open ('{cue}')"
    return ""


def _leaves_open(text: str) -> bool:
    return bool(_words(text) & _HEDGES or _HEDGE_PHRASE.search(text) or _FUTURE.search(text))


def _by_form(items: Sequence[Item]) -> dict[str, Item]:
    """Each form of ``items`` -> the first item with it: a match is then one lookup per
    form (``items_match`` for words, names and numbers), linear in the items."""
    found: dict[str, Item] = {}
    for item in items:
        for form in item.forms:
            found.setdefault(form, item)
    return found


def _first_shared(item: Item, by_form: dict[str, Item]) -> list[str]:
    """The first form of ``item`` that ``by_form`` holds, as a list of zero or one."""
    return next(([form] for form in item.forms if form in by_form), [])


def _said_plainly(items: list[Item], best: Analysis, sources: Sequence[Analysis]) -> bool:
    """Whether another source sentence states what the open clause does without leaving
    it open: two of its shared items, or all if fewer (the release that did remove the
    flag an earlier one said it will remove; its version number may be written apart)."""
    needed = min(2, len(items))
    for source in sources:
        if source is best or _leaves_open(source.text):
            continue
        forms = _by_form(source.items)
        if sum(bool(_first_shared(item, forms)) for item in items) >= needed:
            return True
    return False
