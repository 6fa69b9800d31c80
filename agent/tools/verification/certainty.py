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

# Words that make a claim hold for every case or every voter, each with the words of a
# source that limit it ("All large earthquakes…" over "Most large earthquakes…";
# "siempre" over "a menudo"). A claim's word is an overstatement where a source sentence
# about the claim has a limiting word of the same group and none has one of the claim's:
# a source that counts ("120/120 tests passed", "each of the 40") or lists every item
# does not limit, so it is no evidence against "all".
_ABSOLUTES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "every case": (
        frozenset({"all", "every", "everyone", "everybody", "todos", "todas", "totalidad"}),
        frozenset({
            "most", "many", "some", "several", "few", "majority", "mayoria", "muchos",
            "muchas", "algunos", "algunas", "varios", "varias", "casi", "almost", "nearly",
            "parte",
        }),
    ),
    "always": (
        frozenset({"always", "siempre"}),
        frozenset({
            "usually", "often", "sometimes", "generally", "typically", "frequently",
            "normalmente", "menudo", "veces", "generalmente", "frecuentemente", "suele",
            "suelen", "habitualmente",
        }),
    ),
    "unanimity": (
        frozenset({"unanimous", "unanimously", "unanimidad", "unanime", "unanimemente"}),
        frozenset({"majority", "mayoria", "votes", "votos", "voted", "votaron", "against"}),
    ),
}  # fmt: skip
# "all three models", "all of them" count what the source lists; "every 6.3 days",
# "todos los lunes" say how often; "siempre que" is "provided that"; "all in all",
# "after all" are ways of speaking
_NOT_ABSOLUTE = re.compile(
    r"\b(?:all|both|todos|todas)\s{1,3}(?:(?:los|las|of|the)\s{1,3})?"
    r"(?:\d+|two|three|four|five|six|dos|tres|cuatro|cinco|seis|them|ellos|ellas)\b"
    r"|\bevery\s{1,3}(?:\d|other|few|single|day|week|month|year|hour|minute|second|night|"
    r"morning|time)"
    r"|\b(?:todos|todas)\s{1,3}(?:los|las)\s{1,3}(?:d[ií]as|semanas|meses|años|horas|noches|"
    r"mañanas|tardes|lunes|martes|mi[ée]rcoles|jueves|viernes|s[áa]bados|domingos|veces)\b"
    r"|\bsiempre\s{1,3}(?:que|y\s{1,3}cuando)\b|\ball\s{1,3}in\s{1,3}all\b|\bafter\s{1,3}all\b",
    re.IGNORECASE,
)

# What leaves a claim open or still to come, in a source clause: a word that only
# hedges, or a plan or expectation said with its verb ("plans to", "is expected to",
# "se prevé", "está previsto"): "the Pro plan", "the proposed method", "expected output",
# "la pendiente media" are nouns and adjectives that hedge nothing.
_HEDGES = frozenset({
    "might", "possibly", "probably", "likely", "unlikely", "perhaps", "suggest", "suggests",
    "suggested", "suggesting", "podria", "podrian", "posiblemente", "probablemente",
    "quiza", "quizas", "sugiere", "sugieren", "sugirio", "sugirieron",
})  # fmt: skip
_HEDGE_PHRASE = re.compile(
    r"\b(?:may|could)\s{1,3}(?:be|have|not|also|well)\b"
    r"|\b(?:appears?|seems?|appeared|seemed)\s{1,3}to\b"
    r"|\b(?:plans?|planned|planning|intends?|aims?|hopes?)\s{1,3}to\b"
    r"|\b(?:is|are|was|were)\s{1,3}(?:planned|expected|projected|proposed|intended)\b"
    r"|\bse\s{1,3}(?:prev[ée]|planea|espera|pretende|propone)\b"
    r"|\b(?:est[áa]n?|estaba|estaban)\s{1,3}(?:previst[oa]s?|planead[oa]s?)\b"
    r"|\b(?:planea|planean|pretende|pretenden|espera|esperan)\s{1,3}(?:\w+(?:ar|er|ir))\b"
    r"|\bparecen?\s{1,3}(?:que|ser|estar)\b",
    re.IGNORECASE,
)
# On the claim side, any of these keeps it open too (a modal: "can", "puede").
_OPEN_ON_THE_CLAIM_SIDE = _HEDGES | frozenset({
    "can", "could", "may", "puede", "pueden", "should", "would", "allowed", "permitted",
    "permite", "debe", "deberia", "estimated", "estimado", "estimada", "planned", "plans",
    "expected", "projected", "previsto", "prevista", "prevé", "preve", "planea",
})  # fmt: skip
# A source in the future ("will be removed", "se eliminará") has not happened yet: a
# claim that puts the same verb in the past ("was removed", "eliminó") says it has. A
# future alone is no hedge: "Conservaremos sus datos…" is a policy, stated as a fact.
_FUTURE = re.compile(
    r"\bwill\s{1,3}(?:\w+\s{1,3})?\w|[’']ll\b|\bgoing\s{1,3}to\b"
    r"|\b[^\W\d_]{2,40}(?:rá|rán|ré|remos)\b|\bva[ns]?\s{1,3}a\s{1,3}\w+(?:ar|er|ir)\b",
    re.IGNORECASE,
)
# A claim's verb in the past: Spanish preterite, or English "was/were/had/did" or a
# verb in -ed that is not a present passive ("is supported", "are issued").
_PAST_ES = re.compile(r"^[^\W\d_]{2,40}(?:ó|aron|ieron|ió)$", re.IGNORECASE)
_PAST_EN = re.compile(r"^(?:[^\W\d_]{2,40}ed|was|were|did|had|fue|fueron|hizo|hicieron)$")
_PRESENT_PASSIVE = re.compile(r"\b(?:is|are|am|be|been|being|es|son)\s{1,3}$", re.IGNORECASE)
# A clause: up to punctuation, or a conjunction or relative word that starts another
# ("hired 30 people in 2023 and will hire 20 more", "lugar que volverá a visitar").
_CLAUSE = re.compile(
    r"(?:(?!\s(?:and|but|y|pero|que|which|who)\s)[^,;:.()\[\]—–\n])+", re.IGNORECASE
)
_WORD = re.compile(r"[^\W\d_]+")


def _words(text: str) -> set[str]:
    return {fold(w).lower() for w in _WORD.findall(text)}


def overstated(sentence: Analysis, best: Analysis, sources: Sequence[Analysis]) -> str:
    """Why ``sentence`` claims more than its sources, in words; "" when it does not.

    ``best`` is its best-matching source sentence; ``sources`` every source sentence.
    Linear: each source sentence is indexed once, when a clause needs it."""
    said = _words(sentence.text)
    ours_by_form = _by_form(sentence.items)
    if not _NOT_ABSOLUTE.search(sentence.text):
        for group, (absolute, limiting) in _ABSOLUTES.items():
            claimed = said & absolute
            if claimed and _limited(ours_by_form, absolute, limiting, sources):
                return f"says '{sorted(claimed)[0]}' where the source does not ({group})"
    if said & _OPEN_ON_THE_CLAIM_SIDE or _leaves_open(sentence.text):
        return ""
    items = [
        item
        for item in best.items
        if not is_stopword(item.surface.lower(), best.language)
        and fold(item.surface).lower() not in _HEDGES
    ]
    plain: _PlainSources | None = None
    at = 0  # items and clauses are both in order: one walk over each
    for clause in _CLAUSE.finditer(best.text):
        inside: list[Item] = []
        while at < len(items) and items[at].start < clause.end():
            if items[at].start >= clause.start():
                inside.append(items[at])
            at += 1
        text = clause.group(0)
        hedge = sorted(_words(text) & _HEDGES)[:1] or [
            m.group(0).lower() for m in [_HEDGE_PHRASE.search(text)] if m
        ]
        future = _FUTURE.search(text)
        if not hedge and not future:
            continue
        shared = [
            (item, ours) for item in inside if (ours := _match(item, ours_by_form)) is not None
        ]
        if len(shared) < 2:
            continue  # the clause is about something else
        if hedge:
            cue = hedge[0]
        elif future and any(_in_the_past(ours, sentence.text) for _, ours in shared):
            cue = future.group(0)
        else:
            continue
        plain = plain or _PlainSources(sources, best)
        if not plain.state([theirs for theirs, _ in shared]):
            return f"states as done or certain what the source leaves open ('{cue}')"
    return ""


def _limited(
    ours_by_form: dict[str, Item],
    absolute: frozenset[str],
    limiting: frozenset[str],
    sources: Sequence[Analysis],
) -> bool:
    """Whether the source sentences about the claim (two of its content items) limit
    what it says of every case ("most", "a menudo") and none says it of every case."""
    limited = False
    for source in sources:
        shared = sum(
            _match(item, ours_by_form) is not None
            for item in source.items
            if not is_stopword(item.surface.lower(), source.language)
        )
        if shared < 2:
            continue
        words = _words(source.text)
        if words & absolute:
            return False
        limited = limited or bool(words & limiting)
    return limited


def _leaves_open(text: str) -> bool:
    return bool(_words(text) & _HEDGES or _HEDGE_PHRASE.search(text) or _FUTURE.search(text))


def _in_the_past(item: Item, text: str) -> bool:
    """``item`` is a verb in the past: a Spanish preterite, or English in -ed that is no
    present passive ("is supported")."""
    if _PAST_ES.match(item.surface):
        return True
    before = text[max(0, item.start - 12) : item.start]
    return bool(_PAST_EN.match(item.surface)) and not _PRESENT_PASSIVE.search(before)


def _by_form(items: Sequence[Item]) -> dict[str, Item]:
    """Each form of ``items`` -> the first item with it: a match is then one lookup per
    form (``items_match`` for words, names and numbers), linear in the items."""
    found: dict[str, Item] = {}
    for item in items:
        for form in item.forms:
            found.setdefault(form, item)
    return found


def _match(item: Item, by_form: dict[str, Item]) -> Item | None:
    """The item of ``by_form`` that ``item`` matches by one of its forms, or None."""
    return next((by_form[form] for form in item.forms if form in by_form), None)


class _PlainSources:
    """The source sentences that leave nothing open, indexed by their items' forms: the
    release that did remove the flag an earlier one said it will remove."""

    def __init__(self, sources: Sequence[Analysis], best: Analysis) -> None:
        self._where: dict[str, set[int]] = {}
        for k, source in enumerate(sources):
            if source is best or _leaves_open(source.text):
                continue
            for item in source.items:
                for form in item.forms:
                    self._where.setdefault(form, set()).add(k)

    def state(self, items: list[Item]) -> bool:
        """Whether one plain source sentence holds two of ``items`` (all, if fewer); its
        version number may be written apart."""
        needed = min(2, len(items))
        counts: dict[int, int] = {}
        for item in items:
            found: set[int] = set()
            for form in item.forms:
                found |= self._where.get(form, set())
            for k in found:
                counts[k] = counts.get(k, 0) + 1
                if counts[k] >= needed:
                    return True
        return False
