"""The verifier's hard checks: each vetoes a sentence however well it overlaps.

Unsupported sentences written by LLMs are rarely unrelated to the sources: they copy a
source sentence and change one thing. Every rule here needs positive evidence of a
conflict, not just a difference: paraphrases reorder, drop and substitute words all the
time, and a verifier that cries wolf gets switched off. Each rule is a function of
(sentence analysis, evidence[, best-matching source sentence]) returning the reason it
fails, or "" — testable alone (tests/test_verification_rules.py).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from difflib import SequenceMatcher

from agent.tools.verification.across_languages import cross_language_polarity
from agent.tools.verification.analysis import (
    NUMBER_KINDS,
    Analysis,
    Item,
    fine_kind,
    fold,
    items_match,
    stem_of,
)
from agent.tools.verification.certainty import overstated
from agent.tools.verification.evidence import Evidence
from agent.tools.verification.word_lists import PERIOD_WORDS, SCALE_UNITS, TRANSLATED_NAMES

_MAX_KEY_GAP = 3  # content words between two keys for them to count as linked


_CONTEXT_REACH = 5  # items on one side of a source name that still count as its context


_NUMBER_REACH = 3  # the same for numbers


_CONFLICT_REACH = 3  # how far from a context word a rival name may sit


def hard_failure(sentence: Analysis, evidence: Evidence, best: Analysis) -> str:
    """The first consistency check the sentence fails, in words; "" when none fails.

    Across languages only the checks on names and numbers apply, and those that read
    word lists of both languages (negation and order across languages; a claim stronger
    than its source): the others compare the words around them, and an English claim
    shares no words with its Spanish source.
    """
    if sentence.language not in evidence.languages:
        return (
            missing_key(sentence, evidence)
            or period_conflict(sentence, evidence, best)
            or linked_keys_conflict(sentence, evidence)
            or cross_language_polarity(sentence, best)
            or overstated(sentence, best, evidence.sentences)
        )
    return _same_language_failure(sentence, evidence, best) or overstated(
        sentence, best, evidence.sentences
    )


def _same_language_failure(sentence: Analysis, evidence: Evidence, best: Analysis) -> str:
    """The first consistency check the sentence fails, in words; "" when none fails."""
    return (
        missing_key(sentence, evidence)
        or period_conflict(sentence, evidence, best)
        or polarity_failure(sentence, evidence, best)
        or context_conflict(sentence, evidence)
        or linked_keys_conflict(sentence, evidence)
        or frame_substitution(sentence, evidence, best)
    )


def period_conflict(sentence: Analysis, evidence: Evidence, best: Analysis) -> str:
    """A rate per period of time ("300 € a week", "mensual") that no source states, where
    the source sentence the claim matches best states a rate per another period ("300 €
    al mes"). In either language (word_lists.PERIOD_WORDS). Only rates: "el día 5 de
    cada mes", "en el año 2023", "hoy en día", "after one day" (against "24 hours") name
    a time, not what is paid or done per period. A claim that takes its rate from
    another source sentence is not flagged."""
    claimed = _rates(sentence.text)
    if not claimed:
        return ""
    stated = _rates(best.text)
    if not stated:
        return ""
    anywhere = {period for s in evidence.sentences for period in _rates(s.text).values()}
    for word, period in claimed.items():
        if period not in anywhere:
            other = next(iter(stated))
            return f"'{word}' where the source says '{other}'"
    return ""


# "a week", "per month", "al mes", "por hora", "cada semana", "a la semana"; or an
# adjective of the period ("weekly", "mensual"), which is a rate by itself. Not "a la hora
# de…" (when it comes to…).
_RATE = re.compile(
    r"\b(?:(?:a|an|per|each|every|al|por|cada|a\s+la|a\s+los)\s+([^\W\d_]+)(?!\s+de\b)|"
    r"(hourly|daily|weekly|monthly|yearly|annual|annually|diari[oa]s?|semanal(?:es)?|"
    r"mensual(?:es)?|anual(?:es)?))\b",
    re.IGNORECASE,
)


def _rates(text: str) -> dict[str, str]:
    """The periods ``text`` states rates per, by the words that say so (lowercased)."""
    found: dict[str, str] = {}
    for match in _RATE.finditer(text):
        word = (match.group(1) or match.group(2)).lower()
        period = PERIOD_WORDS.get(fold(word))
        if period is not None:
            found.setdefault(word, period)
    return found


def missing_key(sentence: Analysis, evidence: Evidence) -> str:
    """A number or name of the sentence that the evidence lacks (named in full)."""
    if sentence.language not in evidence.languages:
        return _missing_across_languages(sentence, evidence)
    for key in sentence.keys:
        if key.kind in NUMBER_KINDS:
            if (key.scaled or key.forms).isdisjoint(evidence.numbers):
                return f"number {_said(key)} not in sources"
        elif not _name_found(key, evidence):
            whole = next((i for i in sentence.items if i.start <= key.start < i.end), key)
            return f"name '{whole.surface}' not in sources"
    return ""


def _missing_across_languages(sentence: Analysis, evidence: Evidence) -> str:
    """The same check for a claim written in another language than its sources.

    Numbers are checked as always. Names are checked as the reader would: acronyms and
    technical names ("MSFC", "GPT-4") survive translation and must be there; a name of
    plain words may be translated ("England" / "Inglaterra", "Luther" / "Lutero",
    "Marshall Space Flight Center" / "Centro Marshall de Vuelos Espaciales"), so half of
    its words found, spelled alike or through TRANSLATED_NAMES, is enough: more than half
    of them ("Google Research" for "Facebook AI Research" is not).
    """
    for key in sentence.keys:
        if key.kind in NUMBER_KINDS and (key.scaled or key.forms).isdisjoint(evidence.numbers):
            return f"number {_said(key)} not in sources"
    for item in sentence.items:
        if item.kind != "name" or _name_found(item, evidence):
            continue
        words = re.findall(r"[^\W_][\w.+-]*", item.surface)
        strong = [w for w in words if w.isupper() or _CAMEL_OR_DIGIT.search(w)]
        if not strong and len(words) > 1 and _one_word_there(words, evidence):
            continue  # one word in the other language: "North American" / "norteamericano"
        found = [w for w in words if _translated_word_found(w, evidence)]
        if strong and not any(w in found for w in strong):
            return f"name '{item.surface}' not in sources"
        if not strong and len(found) * 2 <= len(words) and not (len(words) == 1 and found):
            return f"name '{item.surface}' not in sources"
    return ""


_PIECE = 4  # letters of each word of a name that must be found in the one-word form


def _one_word_there(words: list[str], evidence: Evidence) -> bool:
    """A name of plain words written as one word in the sources' language: a source word
    that starts with the first word's first letters and holds each later word's
    ("North American" / "norteamericano"; "Saudi American" is not "sudamericano", nor
    "New American" "norteamericano": a fuzzy match of the joined words let those through,
    found by an adversarial pass)."""
    pieces = [fold(w).strip(".'’")[:_PIECE] for w in words]
    if any(len(piece) < 3 for piece in pieces):
        return False
    first, rest = pieces[0], pieces[1:]
    return any(
        token.startswith(first) and all(piece in token[len(first) :] for piece in rest)
        for token in evidence.tokens
    )


def _said(key: Item) -> str:
    """A number as written, with its scale word when it has one ("1.4 billion")."""
    return f"{key.surface} {key.unit}".strip() if key.scaled else key.surface


_CAMEL_OR_DIGIT = re.compile(r"[a-z][A-Z]|\d")


def _translated_word_found(word: str, evidence: Evidence) -> bool:
    """``word`` of a name, or what it becomes in the other language, in ``evidence``."""
    folded = fold(word).strip(".'’")
    if folded.endswith("'s"):
        folded = folded[:-2]
    if folded in evidence.tokens or any(
        stem_of(folded, lang) in evidence.stems[lang] for lang in ("en", "es")
    ):
        return True
    translations = TRANSLATED_NAMES.get(folded, frozenset()) | {
        english for english, spanish in TRANSLATED_NAMES.items() if folded in spanish
    }
    if translations & evidence.tokens:
        return True
    close = [t for t in evidence.tokens if abs(len(t) - len(folded)) <= 3 and t[:1] == folded[:1]]
    return any(SequenceMatcher(None, folded, t).ratio() >= 0.75 for t in close)


def _name_found(key: Item, evidence: Evidence) -> bool:
    if not key.forms.isdisjoint(evidence.tokens) or not key.forms.isdisjoint(evidence.squashed):
        return True
    if key.kind == "date":
        return bool(evidence.occurrences(key))
    surface = key.surface
    if surface[:1].isupper() and surface[1:].islower():
        # A plain capitalised word: inflection may differ ("Transformers").
        stems = evidence.stems["en"] | evidence.stems["es"]
        return any(stem_of(surface.lower(), lang) in stems for lang in ("en", "es"))
    return False


def found_in(item: Item, items: Iterable[Item]) -> bool:
    """``item`` matches one of ``items`` (same number, or same name in any form)."""
    return any(items_match(item, other) for other in items)


def polarity_failure(sentence: Analysis, evidence: Evidence, best: Analysis) -> str:
    """Negation or direction that differs from the source.

    Negation is compared with the best-matching source sentence: what the sentence
    negates must not be asserted there, and what it negates must not be asserted here.
    A direction word is compared with every source statement about the same thing
    ("más veraces" against "menos veraces"); when no source statement is about the same
    thing, with the best-matching sentence, if it uses only the opposite direction
    about something nearby ("barely changes throughput" against "raises throughput").
    """
    # Both sides' negations are compared: what the sentence negates is fine when a source
    # sentence negates it too ("elegido por X y no por Y" against "…y no por Y"), and
    # what the source negates is fine when the sentence negates it as well, wherever
    # in the sentence the negation cue sits ("no necesita GPU" / "sin necesitar GPU").
    for item in sentence.negated:
        if (
            found_in(item, best.items)
            and not _negation_found(item, sentence, evidence.sentences)  # best among them
            and not _object_of_a_denied_verb(item, sentence, best)
        ):
            return f"negates '{item.surface}', which the source asserts"
    for item in best.negated:
        if (
            found_in(item, sentence.items)
            and not found_in(item, sentence.negated)
            and not _negated_nearby(sentence, item)
        ):
            return f"the source negates '{item.surface}'"
    for concept, pole, target in sentence.pole_marks:
        if target is None:
            continue
        aligned = {
            p
            for other in evidence.sentences
            for c, p, t in other.pole_marks
            if c == concept and t is not None and items_match(t, target)
        }
        if aligned and pole not in aligned:
            return f"contradicts the source ({concept}: '{target.surface}')"
        if aligned or pole in best.poles.get(concept, ()):
            continue
        ours = _surroundings(sentence, target)
        for c, p, t in best.pole_marks:
            if c != concept or p == pole or t is None:
                continue
            if any(found_in(x, ours) for x in _surroundings(best, t)):
                return f"contradicts the source ({concept}: '{t.surface}')"
    return ""


def _negation_found(item: Item, sentence: Analysis, sources: Sequence[Analysis]) -> bool:
    """Whether a source sentence negates ``item`` as ``sentence`` does. A verb denied by
    the "no" after it ("uses no dropout") is negated only of what follows it: it agrees
    with "does not use dropout", not with "does not use layer norm"."""
    after = _item_after(sentence, item)
    for source in sources:
        for negated in source.negated:
            if not items_match(item, negated):
                continue
            denied = source.denied_of.get(negated.start)
            if denied is None or items_match(denied, after):
                return True
    return False


def _object_of_a_denied_verb(item: Item, sentence: Analysis, best: Analysis) -> bool:
    """``item`` follows a verb that ``sentence`` denies by a "no" after it, and ``best``
    negates that verb with ``item`` after it: "adds no inference latency" negates
    "inference" too, and "does not add inference latency" says the same ("does not need
    a GPU but needs calibration" does not say "needs no calibration")."""
    verbs = [verb for verb in sentence.negated if sentence.denied_of.get(verb.start) is item]
    return any(
        items_match(verb, negated) and items_match(item, _item_after(best, negated))
        for verb in verbs
        for negated in best.negated
    )


def _item_after(analysis: Analysis, item: Item) -> Item:
    """The item that follows ``item`` in ``analysis`` (``item`` itself at the end)."""
    for position, candidate in enumerate(analysis.items[:-1]):
        if candidate is item:
            return analysis.items[position + 1]
    return item


def _negated_nearby(analysis: Analysis, item: Item, reach: int = 3) -> bool:
    """Whether a negated item of ``analysis`` sits within ``reach`` items of ``item``:
    the sentence negates the same statement with the cue on another word ("does not
    need a GPU" negates "need", the source's "no GPU is needed" negates "GPU")."""
    negated = {n.start for n in analysis.negated}
    for position, candidate in enumerate(analysis.items):
        if items_match(candidate, item):
            near = analysis.items[max(position - reach, 0) : position + reach + 1]
            if any(x.start in negated for x in near):
                return True
    return False


def _surroundings(analysis: Analysis, item: Item, radius: int = 2) -> list[Item]:
    """The items within ``radius`` of ``item`` (itself included) in ``analysis``."""
    items = analysis.items
    for position, candidate in enumerate(items):
        if candidate.start <= item.start < candidate.end or candidate.start == item.start:
            return items[max(position - radius, 0) : position + radius + 1]
    return [item]


def _neighbours(items: Sequence[Item], position: int, radius: int) -> tuple[list, list]:
    left = [items[position - d] for d in range(1, radius + 1) if position - d >= 0]
    right = [items[position + d] for d in range(1, radius + 1) if position + d < len(items)]
    return left, right


def _is_rival(candidate: Item | None, item: Item, sentence: Analysis) -> bool:
    """Whether ``candidate`` is another key of the same sort where ``item`` should be."""
    if candidate is None or not candidate.is_key or items_match(candidate, item):
        return False
    if fine_kind(candidate) != fine_kind(item):
        return False
    if item.kind in NUMBER_KINDS:
        scaled = candidate.unit in SCALE_UNITS and item.unit in SCALE_UNITS
        return candidate.unit == item.unit or scaled
    return not any(items_match(candidate, key) for key in sentence.items if key.is_key)


def context_conflict(sentence: Analysis, evidence: Evidence) -> str:
    """A name or number whose neighbours in the sentence neighbour another one in the source.

    "coined by Riley Goodside" where the source reads "coined by Simon Willison": the
    name occurs in the source, but never on the same side of "coined" without another
    name in between, and "coined" sits next to a different name. Numbers are held to
    their immediate neighbours on both sides ("alpha = 32, es decir" against "alpha = 16,
    es decir"). Without such positive evidence a moved key is left alone, since
    paraphrases move words around.
    """
    items = sentence.items
    for i, item in enumerate(items):
        occurrences = evidence.occurrences(item)
        candidate_name = item.kind == "word" and item.opens_clause and not occurrences
        if not item.is_key and not candidate_name:
            continue
        probe = item if not candidate_name else replace(item, kind="name")
        number = item.kind in NUMBER_KINDS
        radius = 1 if number else 2
        left, right = _neighbours(items, i, radius)
        if not left and not right:
            continue
        if any(_keeps_context(evidence, s, j, left, right, probe) for s, j in occurrences):
            continue
        if number:
            rival = _number_in_frame(evidence, probe, left, right, sentence)
            if rival is not None:
                return f"{item.surface} where the source has {rival.surface}"
            continue
        headed = evidence.stated_with({s for s, _ in occurrences}, sentence.keys)
        for side, neighbours in ((1, left), (-1, right)):
            for neighbour in neighbours:
                for s, j in evidence.occurrences(neighbour):
                    source = evidence.sentences[s]
                    at = _first_key_at(source, j, side)
                    rival = None if at is None else source.items[at]
                    if at is not None and s in headed and _modifies(source, at):
                        continue  # "### vLLM:" over "- FP8 on H100 needs…": said of vLLM
                    if rival is not None and _is_rival(rival, probe, sentence):
                        if not _same_role(sentence, item, source, rival):
                            # a circumstance ("En LIMA", "In London,") is held to the
                            # source's circumstances of the same preposition
                            rival = _rival_in_role(sentence, item, source)
                            if rival is None:
                                continue
                        return (
                            f"'{item.surface}' where the source has '{rival.surface}' "
                            f"(next to '{neighbour.surface}')"
                        )
    return ""


# A preposition opening a clause that puts a name in a circumstance of the verb (where,
# when, in whose account) rather than among its arguments, with up to one article and one
# noun between: "En LIMA se ajustó LLaMA" says where, "investigadores de Meta ajustaron
# LLaMA" who. Only at the head of a clause: after a verb or participle the same words
# bring an argument ("basado en LLaMA", "se entrenó en GitHub").
_CIRCUMSTANCE = re.compile(
    r"(?:^|([,;:(]))\s*(en|in|at|durante|during|según|segun|tras|after|desde|since)\s+"
    r"(?:(?:el|la|los|las|the|this|that|este|esta|ese|esa)\s+)?(?:[^\W\d_]+\s+)?$",
    re.IGNORECASE,
)
_BEFORE_CHARS = 40


def _circumstance(analysis: Analysis, item: Item) -> str:
    """The circumstance preposition ``item`` follows in ``analysis`` ("en"), or ""."""
    low = max(0, item.start - _BEFORE_CHARS)
    match = _CIRCUMSTANCE.search(analysis.text[low : item.start])
    if match is None or (match.group(1) is None and low > 0):
        return ""  # not at a clause's head (or past what was read)
    return fold(match.group(2))


def _rival_in_role(sentence: Analysis, item: Item, source: Analysis) -> Item | None:
    """A key of ``source`` in the circumstance ``item`` is in ("In Paris, …" for "In
    London, …"), of the same sort, that the sentence does not name."""
    role = _circumstance(sentence, item)
    for key in source.items:
        if key.is_key and _is_rival(key, item, sentence) and _circumstance(source, key) == role:
            return key
    return None


def _same_role(sentence: Analysis, item: Item, source: Analysis, rival: Item) -> bool:
    """Whether ``item`` and its ``rival`` can fill the same slot of the verb they share:
    not when one of them says where or when ("En LIMA se ajustó" against "investigadores
    de Meta ajustaron") and the other does not, with the same preposition. "in London"
    against "in Paris" still conflict, as do "coined by A" and "coined by B"."""
    return _circumstance(sentence, item) == _circumstance(source, rival)


def _clause_break(between: str) -> bool:
    """Clause punctuation in ``between``, ignoring what sits inside parentheses."""
    return bool(re.search(r"[,;:]", re.sub(r"\([^()]*\)", "", between)))


# A name right after one of these, with another name just before, modifies that name
# ("FP8 on H100", "GPT-4 de OpenAI"). Not "by" / "por", which bring a passive's agent.
_MODIFYING_PREPOSITION = re.compile(
    r"\s{1,8}(?:on|in|at|of|for|with|from|en|de|del|con|para|sobre)\s{1,8}", re.IGNORECASE
)


def _modifies(analysis: Analysis, position: int) -> bool:
    """Whether the item at ``position`` is the object of a preposition right after
    another name ("H100" in "FP8 on H100 needs…"): not who or what the verb is about."""
    if position < 1:
        return False
    before, item = analysis.items[position - 1], analysis.items[position]
    between = analysis.text[before.end : item.start]
    return before.is_key and bool(_MODIFYING_PREPOSITION.fullmatch(between))


def _first_key_at(analysis: Analysis, j: int, side: int) -> int | None:
    """Where the first name, number or date from item j in direction ``side`` is, within
    the clause and the conflict reach, past asides; None if a clause ends first."""
    items = analysis.items
    position, steps, previous = j, 0, items[j]
    in_aside = items[j].aside
    while steps < _CONFLICT_REACH:
        position += side
        if not 0 <= position < len(items):
            return None
        found = items[position]
        if found.aside and not in_aside:
            continue
        steps += 1
        first, second = sorted((previous, found), key=lambda x: x.start)
        if _clause_break(analysis.text[first.end : second.start]) and not (in_aside or found.aside):
            return None
        if found.is_key:
            return position
        previous = found
    return None


def _keeps_context(
    evidence: Evidence,
    s: int,
    j: int,
    left: Sequence[Item],
    right: Sequence[Item],
    item: Item,
    either_side: bool = True,
) -> bool:
    """Whether the occurrence at (s, j) keeps some of the sentence's context nearby.

    A neighbour counts on the same side; with ``either_side`` a plain word also counts
    on the other side (active and passive voice swap sides: "Fleming discovered
    penicillin" / "penicillin was discovered by Fleming"; "en 1789 con la toma de la
    Bastilla" / "la toma de la Bastilla en 1789"). Asides are looked past. For a
    name, what lies beyond both another name or number *and* clause punctuation
    describes something else ("coined by Simon Willison in September 2022, after Riley
    Goodside showed"); either one alone is common in faithful wording ("in 1928 at St
    Mary's Hospital in London", "text-davinci-002, zero-shot accuracy rose").
    """
    words = [y for y in (*left, *right) if not y.is_key] if either_side else []
    if item.kind in NUMBER_KINDS:
        return _scan_context(evidence, s, j, left, right, item, False, False, _NUMBER_REACH, words)
    if _scan_context(evidence, s, j, left, right, item, True, False, _CONTEXT_REACH, words):
        return True
    # Within the clause, a neighbouring name or number also counts on the other side
    # ("Fleming ... in 1928" / "in 1928, Fleming").
    either = [*left, *right] if either_side else []
    return _scan_context(evidence, s, j, left, right, item, False, True, _CONTEXT_REACH, either)


def _scan_context(
    evidence: Evidence,
    s: int,
    j: int,
    left: Sequence[Item],
    right: Sequence[Item],
    item: Item,
    stop_at_key: bool,
    stop_at_clause: bool,
    reach: int,
    words: Sequence[Item] = (),
) -> bool:
    analysis = evidence.sentences[s]
    items = analysis.items
    in_aside = items[j].aside
    for side, neighbours in ((-1, left), (1, right)):
        position, steps, previous = j, 0, items[j]
        while steps < reach:
            position += side
            if not 0 <= position < len(items):
                break
            found = items[position]
            if found.aside and not in_aside:
                # An aside neither ends nor uses up the search, but may hold the context.
                if found_in(found, neighbours) or found_in(found, words):
                    return True
                continue
            steps += 1
            if stop_at_clause:
                first, second = sorted((previous, found), key=lambda x: x.start)
                if _clause_break(analysis.text[first.end : second.start]):
                    break
            previous = found
            if found_in(found, neighbours) or found_in(found, words):
                return True
            if stop_at_key and found.is_key and not items_match(found, item):
                break
    return False


def _number_in_frame(
    evidence: Evidence,
    item: Item,
    left: Sequence[Item],
    right: Sequence[Item],
    sentence: Analysis,
) -> Item | None:
    """A different number of the same unit between the same two neighbours in a source."""
    anchor = left[0] if left else right[0]
    offset = 1 if left else -1
    for s, j in evidence.occurrences(anchor):
        candidate = evidence.item_at(s, j + offset)
        if candidate is None or not _is_rival(candidate, item, sentence):
            continue
        position = j + offset
        if left and right:
            after = evidence.item_at(s, position + 1)
            if after is None or not items_match(after, right[0]):
                continue
        return candidate
    return None


def linked_keys_conflict(sentence: Analysis, evidence: Evidence) -> str:
    """Two keys the sentence links, which the sources never state together.

    "Claude 2.1 in March 2023": both occur, but no source sentence holds both, and the
    sentence about Claude 2.1 has another date. Dates, years and percentages need no
    more evidence than that, nor does a number whose rival has its unit ("13,8 GB" where
    the 7B model's lines say "7,2 GB"); names and plain numbers also need a word of the
    sentence's link between them ("developed") in the rival's source sentence. A
    heading's name is stated with each line under it.
    """
    keyed = [(i, item) for i, item in enumerate(sentence.items) if item.is_key]
    claimed = [item for _, item in keyed]
    for (i, a), (k, b) in itertools.pairwise(keyed):
        if k - i - 1 > _MAX_KEY_GAP:
            continue
        in_a = evidence.stated_with({s for s, _ in evidence.occurrences(a)}, claimed)
        in_b = evidence.stated_with({s for s, _ in evidence.occurrences(b)}, claimed)
        if in_a & in_b or not in_a or not in_b:
            continue
        links = sentence.items[i + 1 : k]
        # two quoted sentences the splitter joined ("…10,000 times. labelers preferred the
        # 1.3B…") do not link their numbers
        one_statement = not _STATEMENT_BREAK.search(sentence.text, a.end, b.start)
        for anchor_sentences, other in ((in_a, b), (in_b, a)):
            for s in anchor_sentences:
                items = evidence.sentences[s].items
                rivals = [p for p, z in enumerate(items) if _is_rival(z, other, sentence)]
                if not rivals:
                    continue
                strong = fine_kind(other) in ("date", "year", "percent") or (
                    one_statement
                    and not _measured_twice(other, claimed)
                    and any(_same_measure(other, items[p]) for p in rivals)
                )
                linked = any(
                    found_in(link, items[max(p - 2, 0) : p + 3]) for p in rivals for link in links
                )
                if strong or linked:
                    return (
                        f"'{a.surface}' and '{b.surface}' are not stated together in the "
                        f"sources (there: '{items[rivals[0]].surface}')"
                    )
    return ""


_STATEMENT_BREAK = re.compile(r"[.;!?]\s|\n")


def _measured_twice(number: Item, claimed: Sequence[Item]) -> bool:
    """The claim itself gives another number of ``number``'s unit ("140 GB in FP16 and
    35 GB in 4-bit", "140 GB, more than the 80 GB of an A100"): it compares or lists,
    and each number needs its linking word."""
    return bool(number.unit) and any(
        key is not number and key.kind in NUMBER_KINDS and key.unit == number.unit
        for key in claimed
    )


def _same_measure(number: Item, rival: Item) -> bool:
    """Two numbers of one unit ("13,8 GB" and "7,2 GB", "500 ms" and "40 ms"): the rival
    says the same measure of the anchor, however its line is worded ("- Q8_0: 7,2 GB"
    under "### 7B:" has no verb to link it by)."""
    return (
        number.kind in NUMBER_KINDS
        and rival.kind in NUMBER_KINDS
        and bool(number.unit)
        and number.unit == rival.unit
    )


def frame_substitution(sentence: Analysis, evidence: Evidence, best: Analysis) -> str:
    """A word swapped inside the source sentence the claim copies, the word being nearby.

    "La deduplicación aproximada se hace con un hash" against "La deduplicación exacta
    se hace con un hash ...; la aproximada, con MinHash": same neighbours, a different
    word in between, and "aproximada" is said of something else (other neighbours) in the
    same or the next source sentence. Only the best-matching source sentence is searched
    for the frame: a frame found in an unrelated sentence is a coincidence of wording.
    """
    items = sentence.items
    frame = best.items
    best_index = evidence.sentences.index(best)
    nearby = {
        k
        for k in (best_index - 1, best_index, best_index + 1)
        if 0 <= k < len(evidence.sentences)
        and evidence.sentence_source[k] == evidence.sentence_source[best_index]
    }
    for i in range(1, len(items) - 1):
        word, left, right = items[i], items[i - 1], items[i + 1]
        if word.is_key or items_match(word, left) or items_match(word, right):
            continue
        placed = [(s, j) for s, j in evidence.occurrences(word) if s in nearby]
        if not placed:
            continue
        context = _neighbours(items, i, 2)
        if any(_scan_context(evidence, s, j, *context, word, False, True, 2) for s, j in placed):
            continue  # the word also appears in its own context: not a swap
        swaps: list[Item] = []
        exact = False
        for j in range(1, len(frame) - 1):
            if not (items_match(frame[j - 1], left) and items_match(frame[j + 1], right)):
                continue
            if items_match(frame[j], word):
                exact = True
                break
            if not frame[j].is_key and not _abbreviates(frame[j], word):
                swaps.append(frame[j])
        if swaps and not exact:
            return f"'{word.surface}' where the source has '{swaps[0].surface}'"
    return ""


def _abbreviates(a: Item, b: Item) -> bool:
    """ "r" for "rango": one word is a short prefix of the other."""
    x, y = sorted((fold(a.surface), fold(b.surface)), key=len)
    return len(x) <= 3 and y.startswith(x)
