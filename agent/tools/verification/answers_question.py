"""Does the answer answer the question? The part of verification that grounding misses.

A sentence-by-sentence check against the sources passes an empty answer, an answer that
is only "[1][2]", the question repeated back ("¿Qué es QLoRA? [1]"), a description of
the sources ("The passage is about Luther's career"), and a true sentence that says
nothing of what was asked ("¿Cuántos parámetros…?" answered without a number): nothing
in them is unsupported. Each is caught here, for every model, and sent to the
fallback model and then to an abstention (agent/graphs/nodes/verify.py).

The requirements follow :mod:`agent.tools.question_kind`, and only where the question's
wording makes them clear: a number for "¿cuántos…?"/"how many…", a date for
"¿cuándo…?"/"when…", a name for "¿quién…?"/"who…", two or more items for a plural
"¿qué técnicas…?", every part of "¿Quién propuso X *y en qué año*?", and for "which
tool…?"/"¿qué método…?" the name of one ("Este método no necesita calibración" says
what it does, not which it is). Given the passages, an answer is about another topic,
however true, when it shares no word with the question, names none of the things the
question names, and neither does any passage sentence near the one it quotes (a small
model copying a sentence of a kept passage that speaks of something else). Only for a
question that names something ("QLoRA", "GPT-4"): without a name, paraphrase defeats a
word check. XQuAD's gold sentences often share no word with their question but sit
next to one that does. Checked on the gold sentences of the XQuAD dev halves, the gold
sentence passes for the share of questions given in README.md ("Answers").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agent.tools.answer_features import (
    has_date,
    has_price,
    holds_measure,
    item_count,
    name_matches,
    names,
    names_something,
    negates,
    new_numbers,
    plain_words,
    says_when,
)
from agent.tools.authorship import asks_for_an_author, credited_in, credits_an_author
from agent.tools.bilingual_lexicon import translations
from agent.tools.named_terms import names_the_owner
from agent.tools.question_holder import holder_words
from agent.tools.question_kind import contact_noun, question_kind
from agent.tools.question_rules import is_number, key_terms, mentions
from agent.tools.sentences import split_sentences, strip_citations
from agent.tools.word_forms import question_keys, word_keys
from ingestion.text_analysis import fold_accents

# A passage sentence within this many sentences of the one an answer quotes that names
# the question's topic puts the answer on that topic.
TOPIC_REACH = 2
MIN_TOPIC_COVERAGE = 0.25  # ... or covers this share of the question's content words

# "The passage is about Luther's career…", "El texto habla de…": a small model describing
# its sources instead of answering (a true sentence, so grounding lets it through).
_ABOUT_THE_SOURCES = re.compile(
    r"^\W{0,64}(?:the|this|that)\s+(?:passage|text|document|context|source|excerpt)s?\s+"
    r"(?:is\s+about|are\s+about|is\s+[\"“«]|talks?\s+about|discuss|deals?\s+with|describes?|"
    r"mentions?|refers?\s+to|is\s+discussing|focuses\s+on)"
    r"|^\W{0,64}(?:el|este|ese|la|esta|esa)\s+(?:pasaje|texto|documento|contexto|fuente|fragmento)s?\s+"
    r"(?:trata|habla|es\s+sobre|describe|menciona|se\s+refiere|se\s+centra|es\s+[\"“«])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AnswerCheck:
    """``answers``: whether the text answers the question; ``reason`` says why not."""

    answers: bool
    reason: str = ""


# a Markdown heading line; the sentence splitter drops its marks
_HEADING = re.compile(r"(?m)^[ \t]{0,3}#{1,6}[ \t]+([^\n]{1,300})$")
_LOCATING_POSTINGS = 64
_NUMBERS = re.compile(r"\d+(?:[.,]\d+)*")
_CITATION_MARKS = re.compile(r"\[\s*\d+(?:\s*[,;–-]\s*\d+)*\s*\]")


def _repeats_itself(answer: str) -> bool:
    """The same sentence of four words or more said twice: a model caught in a loop."""
    seen: set[str] = set()
    for sentence in split_sentences(answer):
        key = " ".join(plain_words(strip_citations(sentence)).lower().split())
        if len(key.split()) >= 4:
            if key in seen:
                return True
            seen.add(key)
    return False


# What a word comparison cannot see: a code span, a path, a flag, an assignment. Their
# words may all be the question's ("/metrics" for "Where are the Prometheus metrics?").
_LITERAL = re.compile(r"`([^`\n]{1,200})`|(?<!\S)(\S{0,80}[/=_]\S{0,80})")
_LITERAL_WORD = re.compile(r"[^\W_]{2,}")
_ROOTED = re.compile(r"^(?:~?/|\./|[a-z][a-z0-9+.-]{0,20}://)[^\W_]", re.IGNORECASE)


def _literal(match: re.Match[str]) -> str:
    return (match.group(1) or match.group(2)).strip().rstrip(".,;:?")


def _new_literal(answer: str, question: str) -> bool:
    """The answer quotes a code span, path or assignment with a word the question does
    not have, or a rooted path or URL (``/metrics``, ``~/.cache``, ``http://…``). A
    literal made of the question's own words, or of one letter (`` `x` ``, ``a=b``,
    ``port=port``, ``are/where``), is not news (an adversarial pass got a restated
    question through with each). Linear: the question's words are a set."""
    asked = {fold_accents(w).lower() for w in _LITERAL_WORD.findall(question)}
    quoted = {_literal(m) for m in _LITERAL.finditer(question)}
    for match in _LITERAL.finditer(strip_citations(answer)):
        literal = _literal(match)
        if _ROOTED.match(literal) and literal not in quoted:
            return True
        if any(fold_accents(w).lower() not in asked for w in _LITERAL_WORD.findall(literal)):
            return True
    return False


# A citation: "(Fedus et al.)", "(Hu y col., 2021)", "(Fedus and colleagues)". Only these
# words mark one: an author-year pair reads like a birthplace ("Picasso (Málaga, 1881)").
# Bounded, so one pass over the answer.
_CITATION = re.compile(
    r"\([^()\n]{0,80}?\b(?:et\.?\s{1,3}al|y\s{1,3}(?:col|cols|colaboradores|colegas|otros)"
    r"|and\s{1,3}(?:colleagues|others|co-?authors))\b[^()\n]{0,80}\)",
    re.IGNORECASE,
)
# A name right before a citation (up to four capitalised or technical words, bounded):
# "Switch Transformer (Fedus et al.)". Lowercase words there ("low-rank matrices (Hu et
# al.)", "Microsoft researchers (…)") cite the sentence, not a name.
_NAME_BEFORE = re.compile(
    r"(?:[A-ZÁÉÍÓÚÑÜ0-9][\w.+-]{0,40}[ \t]{1,3}){0,3}[A-ZÁÉÍÓÚÑÜ0-9][\w.+-]{0,40}[ \t]{0,3}$"
)
_CLAUSE_REACH = 300  # characters read on each side of a citation for its clause
_CLAUSE_AFTER = re.compile(rf"[^.;!?\n]{{0,{_CLAUSE_REACH}}}")
_CLAUSE_BREAKS = ".;!?\n"
_WORDS = re.compile(r"[^\W\d_]+")
# Words that make the name before a citation the one who did what is asked: an object
# pronoun for the asked thing ("Microsoft (Hu et al.) proposed it", "lo creó"), or a
# copula or "by" right before the name ("It was Microsoft (…)", "Fue Microsoft (…)").
_OBJECT_PRONOUNS = frozenset({"it", "them", "lo", "le", "les"})
_BEFORE_THE_AGENT = frozenset({
    "fue", "fueron", "es", "son", "was", "were", "is", "are", "by", "por",
})  # fmt: skip


def _clause_after(text: str, end: int) -> str:
    """The rest of the clause after ``end``, at most ``_CLAUSE_REACH`` characters."""
    after = _CLAUSE_AFTER.match(text, end)
    return after.group(0) if after else ""


def _credits_the_asked_thing(
    text: str, name_at: int, start: int, after: str, verbs: set[str], language: str
) -> bool:
    """Whether the clause around the citation at ``start`` (``after``: the rest of its
    clause) says its name (at ``name_at``) did what the question asks: the question's
    own verb, an object pronoun, or a copula or "by" right before the name."""
    window = text[max(0, start - _CLAUSE_REACH) : start]
    cut = max(window.rfind(mark) for mark in _CLAUSE_BREAKS)
    clause = f"{window[cut + 1 :]} {after}"
    words = {w.lower() for w in _WORDS.findall(clause)}
    if words & _OBJECT_PRONOUNS or set(word_keys(clause, language)) & verbs:
        return True
    # the word before the name, or the name's own first word where a sentence opens
    # with the copula ("Fue Microsoft (…)": both words are capitalised)
    edge = _WORDS.findall(text, max(0, name_at - 40), name_at)[-1:]
    edge += _WORDS.findall(text, name_at, start)[:1]
    return any(word.lower() in _BEFORE_THE_AGENT for word in edge)


def _credited_spans(text: str, question: str, language: str) -> list[tuple[int, int]]:
    """Where ``text`` credits a citation's authors with a named thing the question does
    not ask about, the thing's name and the citation: "Switch Transformer (Fedus et al.)
    used a single expert per token" does not answer "¿Quién propuso Mixtral?" (quoted
    from beside a sentence about Mixtral, it was shown verified).

    Only where the answer never names what the question asks about; only a citation
    between a name and the rest of its clause (one that ends its clause backs the whole
    sentence: "…trains low-rank matrices (Hu et al., 2021)."); and only where that
    clause does not say the name did what is asked (``_credits_the_asked_thing``:
    "Microsoft (Hu et al., 2021) proposed it" answers "Who proposed LoRA?")."""
    keys = [k for k in key_terms(question) if not is_number(k)]
    folded = fold_accents(text).lower()
    if not keys or any(mentions(folded, k) for k in keys):
        return []
    topic = set(word_keys(" ".join(keys), language))
    verbs = set(question_keys(question, language)) - topic
    spans: list[tuple[int, int]] = []
    for match in _CITATION.finditer(text):
        after = _clause_after(text, match.end())
        if not _WORDS.search(after):
            continue  # the citation ends its clause
        thing = _NAME_BEFORE.search(text, max(0, match.start() - 90), match.start())
        if thing and not _credits_the_asked_thing(
            text, thing.start(), match.start(), after, verbs, language
        ):
            spans.append((thing.start(), match.end()))
    return spans


def _people(text: str, question: str, language: str) -> set[str]:
    """The people and organisations ``text`` names that could answer ``question``'s
    "who?": not the question's own names, and not a name or authors that a citation
    credits with something else (``_credited_spans``). Linear: the spans and the names
    both come in order of position, and are walked once."""
    spans = _credited_spans(text, question, language)
    asked = names(question, language)
    found: set[str] = set()
    span = 0
    for name, at in name_matches(text, language, people=True):
        while span < len(spans) and spans[span][1] <= at:
            span += 1
        if (span == len(spans) or at < spans[span][0]) and name not in asked:
            found.add(name)
    return found


def _cited_passages(answer: str, passages: Sequence[str]) -> list[str]:
    """The passages ``answer``'s single [n] markers number, each once, in order; markers
    past the passages are ignored."""
    cited = {int(n) for n in re.findall(r"\[\s*(\d+)\s*\]", answer)}
    return [passages[n - 1] for n in sorted(cited) if 1 <= n <= len(passages)]


def _credits_the_author(
    question: str,
    plain: str,
    people: set[str],
    language: str,
    cited: Sequence[str],
) -> bool:
    """Whether an answer credits an author for "who wrote X?": itself ("By Priya Raman"),
    or through a sentence of a passage it cites (``cited``) that names one of its
    ``people`` ("Kenji Watanabe [1]." where [1] says "written by Kenji Watanabe")."""
    if credits_an_author(plain, language, question):
        return True
    return credited_in(people, cited, language, question)


def answers_question(
    question: str, answer: str, language: str, passages: Sequence[str] = ()
) -> AnswerCheck:
    """Whether ``answer`` (with its [n] markers) answers ``question``; the reason if not.

    ``passages`` (the texts the [n] markers number) let the topic be checked."""
    if not answer.strip():
        return AnswerCheck(False, "empty")
    plain = plain_words(strip_citations(answer))
    if not re.search(r"\w", plain):
        return AnswerCheck(False, "only citation markers")
    if not _CITATION_MARKS.search(answer):
        # an answer that names no passage cannot be checked by its reader, and a model
        # that cites nothing has usually not read the passages
        return AnswerCheck(False, "cites no passage")
    if _repeats_itself(answer):
        return AnswerCheck(False, "repeats itself")
    asked = set(question_keys(question, language))
    said = set(word_keys(plain, language))
    kind = question_kind(question)
    # "Clara Vidal no tiene coche" answers "¿Tiene coche Clara Vidal?" with the same words:
    # all of them, and a negation the question does not have (or the other way round)
    denies = kind.expects == "yes_no" and negates(plain) != negates(question) and asked <= said
    if not said - asked and not denies and not _new_literal(answer, question):
        return AnswerCheck(False, "restates the question")
    if _ABOUT_THE_SOURCES.match(plain):
        return AnswerCheck(False, "describes the sources instead of answering")
    if kind.expects == "number" and not new_numbers(plain, question, kind.measure):
        return AnswerCheck(False, "no number, and the question asks for one")
    if kind.measure and not holds_measure(plain, kind.measure):
        return AnswerCheck(False, f"no {kind.measure}, and the question asks for one")
    if contact_noun(question) and not names_the_owner(question, plain):
        return AnswerCheck(False, f"no {kind.measure} of whom the question asks about")
    if kind.money and not has_price(plain):
        return AnswerCheck(False, "no price, and the question asks what it costs")
    if kind.expects == "date" and not says_when(plain, kind.occasion):
        return AnswerCheck(False, "no date, and the question asks when")
    if kind.expects == "name":
        people = _people(plain, question, language)
        if not people:
            return AnswerCheck(False, "no name, and the question asks who")
        if asks_for_an_author(question) and not _credits_the_author(
            question, plain, people, language, _cited_passages(answer, passages)
        ):
            return AnswerCheck(False, "credits no author, and the question asks who wrote it")
    if "date" in kind.also and not has_date(plain):
        return AnswerCheck(False, "no date, and the question also asks when")
    if "number" in kind.also and not new_numbers(plain, question, kind.measure):
        return AnswerCheck(False, "no number, and the question also asks how many")
    if "name" in kind.also and not _people(plain, question, language):
        return AnswerCheck(False, "no name, and the question also asks who")
    if kind.entity and not names_something(plain, question, language, kind.entity):
        return AnswerCheck(False, f"names no {kind.entity}, and the question asks which")
    if kind.several and item_count(answer) < 2:
        return AnswerCheck(False, "one item, and the question asks for several")
    # the passage sentences around the quoted ones, found once for both checks below
    near = functools.cache(lambda: _near_sentences(answer, language, passages))
    holder = holder_words(question) if passages else ()
    if holder and not _names_the_holder(holder, plain, language, near()):
        return AnswerCheck(False, f"does not say it is about the {' '.join(holder)}")
    if passages and _off_topic(question, answer, language, near):
        return AnswerCheck(False, "about another topic than the question's")
    return AnswerCheck(True)


def _on_topic(text: str, keys: list[str], asked: set[str], language: str) -> bool:
    folded = fold_accents(text).lower()
    if any(mentions(folded, k) for k in keys):
        return True
    said = set(word_keys(text, language))
    return bool(asked) and len(asked & said) / len(asked) >= MIN_TOPIC_COVERAGE


def _near_sentences(answer: str, language: str, passages: Sequence[str]) -> list[str]:
    """For each sentence of ``answer``, the sentences of each passage it cites within
    ``TOPIC_REACH`` of the one sharing most words and numbers with it, and the heading
    above that one: where a quoted sentence's topic or subject is said when the sentence
    itself leaves it out ("- RAM: 16 GB" under "## Test laptop"), or a short answer's
    ("Usa unas 128 muestras.") is. Each passage sentence once, in order.

    Linear: a passage's sentences are indexed by their words once, and a word in more
    than ``_LOCATING_POSTINGS`` of them is too common to say where an answer comes from."""
    sentences = [strip_citations(s) for s in split_sentences(answer)]
    near: list[str] = []
    for passage in _cited_passages(answer, passages):
        source = split_sentences(passage)
        headings = {m.group(1).strip() for m in _HEADING.finditer(passage)}
        where: dict[str, list[int]] = {}
        heading_above: list[int] = []
        last_heading = -1
        for i, text in enumerate(source):
            for key in _words_and_numbers(text, language):
                where.setdefault(key, []).append(i)
            last_heading = i if text.strip() in headings else last_heading
            heading_above.append(last_heading)
        chosen: set[int] = set()
        for sentence in sentences:
            hits: dict[int, int] = {}
            for key in _words_and_numbers(sentence, language):
                postings = where.get(key, [])
                if len(postings) <= _LOCATING_POSTINGS:
                    for i in postings:
                        hits[i] = hits.get(i, 0) + 1
            if not hits:
                continue
            at = max(hits, key=lambda i: (hits[i], -i))
            chosen.update(range(max(at - TOPIC_REACH, 0), min(at + TOPIC_REACH + 1, len(source))))
            if heading_above[at] >= 0:
                chosen.add(heading_above[at])
        near.extend(source[i] for i in sorted(chosen))
    return near


def _words_and_numbers(text: str, language: str) -> set[str]:
    return set(word_keys(text, language)) | set(_NUMBERS.findall(text))


def _off_topic(question: str, answer: str, language: str, near: Callable[[], list[str]]) -> bool:
    """No sentence of the answer, nor the passage sentences near the ones it quotes
    (``near``, read only when the answer alone does not settle it), names the
    question's topic (see the module docstring)."""
    keys = [k for k in key_terms(question) if not is_number(k)]
    asked = set(question_keys(question, language))
    if not keys or not asked:
        return False  # without a name to hold on to, paraphrase defeats a word check
    sentences = [strip_citations(s) for s in split_sentences(answer)]
    if any(
        _on_topic(s, keys, asked, language) or set(word_keys(s, language)) & asked
        for s in sentences
    ):
        return False
    return not any(_on_topic(s, keys, asked, language) for s in near())


def _names_the_holder(
    holder: Sequence[str], plain: str, language: str, near: Sequence[str]
) -> bool:
    """Whether the answer (``plain``), or a passage sentence near one it quotes
    (``near``), names what the question asks a property of
    (agent/tools/question_holder.py): every word of it, as itself, by its word key
    ("chunking" in "chunks") or, across languages, by a translation ("entrenamiento" in
    "training")."""
    text = f"{plain} {' '.join(near)}"
    folded = fold_accents(text).lower()
    keys = set(word_keys(text, "es")) | set(word_keys(text, "en"))
    return all(
        mentions(folded, word)
        or bool(set(word_keys(word, language)) & keys)
        or bool(translations(word, language) & keys)
        for word in holder
    )
