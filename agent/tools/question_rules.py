"""Rules the ``extractive`` model uses where an LLM would understand the question.

Deterministic and cheap: routing (greeting / about the conversation / multi-part),
splitting multi-part questions, rewriting a follow-up into a standalone question, and
keyword rewrites for a second search. Spanish and English phrasings are both covered;
anything unusual falls through to plain retrieval, which is always safe.
"""

from __future__ import annotations

import functools
import re

from agent.tools.bilingual_lexicon import translated_query
from ingestion.text_analysis import analyze, fold_accents

# Leading punctuation is read up to 64 characters (``^\W{0,64}``): an unbounded ``^\W*``
# inside an alternation made the search superlinear on long runs of punctuation (issue 20).
_GREETING = re.compile(
    r"^\W{0,64}(hola|buen[oa]s( días| tardes| noches)?|hey|hello|hi"
    r"|good (morning|afternoon|evening)|gracias|muchas gracias|thanks|thank you|adiós|adios"
    r"|bye|hasta luego)\b",
    re.IGNORECASE,
)
_ABOUT_CONVERSATION = re.compile(
    r"(qu[ée] te (he )?pregunt|de qu[ée] (hemos )?habla|resum\w* (la|nuestra|esta) conversaci"
    r"|what (did|have) i ask|our conversation|this conversation|what have we (talked|discussed)"
    r"|qu[ée] me (has )?(respondido|dicho))",
    re.IGNORECASE,
)
# Comparisons are found in three linear steps (opening words, then the first joiner on
# the same line, then the second side) rather than one pattern with a lazy ``.+?`` side:
# that pattern tried every joiner position from every opening word, and a question made
# of repeated words or long space runs took seconds to minutes (issue 20).
_COMPARISON_OPENING = re.compile(
    r"(?:diferencias? (?:hay |existe |existen )?entre|en qu[ée] se diferencian|"
    r"difference(?:s)? between|compar[ae]\w*|contrast)\s+",
    re.IGNORECASE,
)
# ``(?<!\s)``: a run of spaces is tried once, from its start, not from each space in it.
_COMPARISON_JOINER = re.compile(
    r"(?<!\s)\s+(?:y|e|and|with|con|frente a|vs\.?|versus)\s+(?=[^?¿.])", re.IGNORECASE
)
_VERSUS_JOINER = re.compile(r"(?<!\s)\s+(?:vs\.?|versus|frente a)\s+(?=[\w .+-])", re.IGNORECASE)
_COMPARED_SIDE = re.compile(r"[^?¿.]+")
_VERSUS_SIDE = re.compile(r"[\w .+-]+")
_MAX_OPENINGS_TRIED = 8
# ``(?<![\s,;])`` and the comma inside its own group: the pattern used to split a space
# run between ``\s*`` and ``\s+`` in every way, from every space (cubic in the run).
_CLAUSE_JOIN = re.compile(
    r"(?<![\s,;])(?:\s*[,;])?\s+(?:y|and|además|also)\s+(?=(?:qu[ée]|c[óo]mo|cu[áa]nt\w*|cu[áa]l\w*|"
    r"d[óo]nde|cu[áa]ndo|por qu[ée]|qui[ée]n\w*|what|how|which|why|when|where|who)\b)",
    re.IGNORECASE,
)
_FOLLOW_UP_START = re.compile(
    r"^\W{0,64}(y|and|what about|how about|qu[ée] (hay|pasa) (de|con)|and what about|e)\b", re.I
)
# ``{0,64}``: from each capital the pattern looked for a later capital or digit through the
# whole rest of the word, and "Ñ.Ñ.Ñ…" made that quadratic; names are shorter than 64.
# A word joined to one letter ("top-k", "top-p") names a setting as exactly as
# an acronym: a passage about top-p does not say which top-k is used. A name that opens
# with a small letter before a capital ("vLLM", "iOS", "gRPC") is as much a name as
# "QLoRA": without it, "…si vLLM no cabe en la GPU?" named only "GPU", and the slide
# that says what to do when vLLM does not fit "en la L4" was ruled out for lacking it.
# Not a unit's symbol ("kWh", "dB", "mAh") nor code's camelCase ("maxTokens", written
# "max_tokens" elsewhere): one or two small letters first, or capitals after ("macOS").
_KEY_TERM = re.compile(
    r"\b(?:[A-ZÁÉÍÓÚÑ][\w.+-]{0,64}[A-Z0-9][\w.+-]*|[A-Za-z]+[-_]?\d[\w.-]*|\d[\w.,]*|"
    r"[a-z]{3,16}-[a-z](?![\w-])|"
    r"(?!(?:kWh|mAh|dB|pH|kW|mW|kB|mV|mA|kN|kHz|mL|dL|cL)\b)"
    r"(?:[a-z]{1,2}[A-Z]|[a-z]{3,16}[A-Z]{2})[\w.+-]*)"
)
_QUESTION_WORDS = re.compile(
    r"^\W{0,64}(?:(?:qu[ée]|c[óo]mo|cu[áa]nt[oa]s?|cu[áa]les?|d[óo]nde|cu[áa]ndo|por qu[ée]|"
    r"qui[ée]n(?:es)?|what|how(?: much| many)?|which|why|when|where|who|is|are|does|do|can)"
    r"\b\s*)+",
    re.IGNORECASE,
)


RULES_MAX_CHARS = 4000
"""The most characters of a question the rules read (its head); a longer question is
still answered whole, and the route step says where the rules stopped reading."""


def rules_view(text: str) -> str:
    """The part of ``text`` the rules read: its first :data:`RULES_MAX_CHARS` characters."""
    return text[:RULES_MAX_CHARS]


def is_greeting(question: str) -> bool:
    return bool(_GREETING.match(question)) and len(rules_view(question).split()) <= 6


def is_about_conversation(question: str) -> bool:
    return bool(_ABOUT_CONVERSATION.search(rules_view(question)))


def route(question: str) -> str:
    """ "direct", "decompose" or "retrieve" for ``question`` (its head: :func:`rules_view`)."""
    question = rules_view(question)
    if is_greeting(question) or is_about_conversation(question):
        return "direct"
    if len(split_question(question)) > 1:
        return "decompose"
    return "retrieve"


def _clean(part: str) -> str:
    return part.strip(" ¿?¡!.,;:").strip()


def _as_question(text: str, language: str) -> str:
    text = _clean(text)
    return f"¿{text}?" if language == "es" else f"{text}?"


def _definition(subject: str, language: str) -> str:
    subject = _clean(subject)
    return f"¿Qué es {subject}?" if language == "es" else f"What is {subject}?"


def _compared(text: str) -> tuple[str, str] | None:
    """The two sides of "diferencia entre A y B" / "compare A with B", or None.

    What the single pattern this replaces matched: its first match, checked by the caller.

    The first side runs from the opening words to the first joiner on the same line, the
    second to the next ``?``, ``¿`` or ``.``. A failed opening makes every later opening
    on its line fail too, so the search moves to the next line; at most
    ``_MAX_OPENINGS_TRIED`` openings are tried, each in one linear scan.
    """
    position = 0
    for _ in range(_MAX_OPENINGS_TRIED):
        opening = _COMPARISON_OPENING.search(text, position)
        if opening is None:
            return None
        line_end = text.find("\n", opening.end())
        line_end = len(text) if line_end < 0 else line_end
        joiner = _COMPARISON_JOINER.search(text, opening.end() + 1)
        if joiner is not None and joiner.start() <= line_end:
            second = _COMPARED_SIDE.match(text, joiner.end())
            if second:
                return text[opening.end() : joiner.start()], second.group(0)
        if line_end >= len(text):
            return None
        position = line_end + 1
    return None


def _is_side_char(char: str) -> bool:
    return char.isalnum() or char in "_ .+-"


def _versus(text: str) -> tuple[str, str] | None:
    """The two sides of "A vs B" / "A frente a B" (names, spaces and ``.+-``), or None.

    Each joiner's first side is read backwards from it, never past the joiner before,
    so the text is read a bounded number of times whatever its shape.
    """
    floor = 0
    joiner = _VERSUS_JOINER.search(text)
    while joiner is not None:
        start = joiner.start()
        while start > floor and _is_side_char(text[start - 1]):
            start -= 1
        second = _VERSUS_SIDE.match(text, joiner.end())
        if second and start < joiner.start():
            return text[start : joiner.start()], second.group(0)
        floor = joiner.start()
        # from just after this joiner's start, not its end: joiners may share spaces
        # ("A vs. versus B" has " versus " right after " vs. ")
        joiner = _VERSUS_JOINER.search(text, joiner.start() + 1)
    return None


def split_question(question: str, language: str = "en", max_parts: int = 4) -> list[str]:
    """Sub-questions of a multi-part or comparative question; one item if it is simple.

    Comparisons ("diferencia entre LoRA y QLoRA") become one definition question per
    side plus the original (whose passages may compare them directly).
    """
    whole = question.strip()
    text = rules_view(whole)
    parts = [p for p in re.split(r"\?\s*¿?", text) if _clean(p)]
    if len(parts) > 1:
        return [_as_question(p, language) for p in parts][:max_parts]
    sides = _compared(text) or _versus(text)
    if sides and _clean(sides[0]) and _clean(sides[1]):
        left = _QUESTION_WORDS.sub("", sides[0])
        subs = [_definition(left, language), _definition(sides[1], language)]
        return [*subs, whole][:max_parts]
    clauses = [c for c in _CLAUSE_JOIN.split(text) if _clean(c)]
    if len(clauses) > 1:
        return [_as_question(c, language) for c in clauses][:max_parts]
    return [whole]


_CAPITALISED = re.compile(r"(?<![\w¿¡])([A-ZÁÉÍÓÚÑ][a-záéíóúñü]+)\b")


def key_terms(text: str) -> list[str]:
    """Names, acronyms and numbers in ``text``: the words a relevant passage must contain.

    Acronyms and mixed forms (QLoRA, GPT-4, Q4_K_M, 65B) anywhere; capitalised words
    (Dettmers, Claude) unless they open the sentence, where every word is capitalised.
    """
    text = rules_view(text)
    found = [m.group(0).rstrip(".,") for m in _KEY_TERM.finditer(text)]
    for match in _CAPITALISED.finditer(text):
        # the character before the word, past spaces and opening marks: read backwards
        # from the word (each run once), not by stripping the whole text before it
        before = match.start()
        while before > 0 and text[before - 1] in " ¿¡\"'(":
            before -= 1
        if before and text[before - 1] not in ".?!:":
            found.append(match.group(1))
    return list(dict.fromkeys(found))


def is_number(term: str) -> bool:
    return term[:1].isdigit()


_ENDINGS = ("'s", "’s", "es", "s")


def mentions(haystack: str, term: str) -> bool:
    """``term`` (a key term) in ``haystack`` (accent-folded, lowercased) where a word
    starts, also without a plural or possessive ending.

    Where a word starts: "RAM" is not in "parámetros", nor "LoRA" in "QLoRA" (a passage
    about QLoRA's paper answered "Who wrote the LoRA cheatsheet?"); after a number it is
    ("6GB", "8xA100"). The end is open, so a name meets what is derived from it ("Brasil"
    in "brasileña", "Amazon" in "Amazonia", "Qwen" in "Qwen2.5"), except for a term of
    three letters or fewer, which must end there or at a digit or mark: "GPU" in
    "gpu-memory-utilization", "RAM" not in "ramas". A name of eight letters or more
    ending in "-ía" also meets its people's name ("Amazonía" in "Amazonas", "Normandía"
    in "normandos"); one of six to forty letters meets itself typed with two
    neighbouring letters inside it swapped ("Geegen" / "Gegeen"). Linear: one search, the
    forms joined in one pattern compiled once per term.
    """
    return bool(_term_regex(fold_accents(term).lower()).search(haystack))


@functools.lru_cache(maxsize=4096)
def _term_regex(folded: str) -> re.Pattern[str]:
    """Every form :func:`mentions` accepts for ``folded``, as one pattern."""
    forms = [folded] + [
        folded[: -len(ending)]
        for ending in _ENDINGS
        if folded.endswith(ending) and len(folded) > len(ending) + 2
    ]
    alternatives = [_term_form(form) for form in dict.fromkeys(forms)]
    if folded.endswith("ia") and len(folded) >= 8 and folded.isalpha():
        # a land's name and its people's ("Amazonía" / "Amazonas", "Normandía" /
        # "normandos"): the stem with a people's ending only, so "Victoria" does not
        # meet "Victor Hugo" nor "Virginia" "Virgin Galactic"
        alternatives.append(re.escape(folded[:-2]) + _PEOPLE_ENDING)
    if len(folded) >= 6 and folded.isalpha():
        alternatives.extend(_land_forms(folded.removesuffix("s")))
    if _TYPO_LENGTH <= len(folded) <= _LONGEST_TYPO_TERM and folded.isalpha():
        alternatives.extend(re.escape(form) + _WORD_END for form in _swapped(folded))
    return re.compile(rf"{_WORD_START}(?:{'|'.join(alternatives)})")


def _land_forms(folded: str) -> list[str]:
    """The land an English people's name of six letters or more comes from, as patterns:
    "Indian" meets "India", "Canadian" "Canada", "Italian" "Italy", "Mexican" "Mexico",
    "European" "Europe", "German" "Germany". A paragraph about Gandhi "in India" answers
    "Which famous Indian…?" without the word (the other way round from ``_PEOPLE_ENDING``).
    The land must be a whole word, so "Indian" does not meet "indicates"."""
    forms: list[str] = []
    if folded.endswith("ian"):
        forms.append(re.escape(folded[:-3]) + r"(?:ia|a|y|e)")
    elif folded.endswith("ean"):  # "European": "Europe"; "Korean": "Korea"
        forms.append(re.escape(folded[:-3]) + "e?a?")
    elif folded.endswith("an"):
        forms.append(re.escape(folded[:-2]) + r"(?:a|o)")
    if folded.endswith("an"):
        forms.append(re.escape(folded) + "y")
    return [form + _WORD_END for form in forms]


# What follows a land's stem in the name of its people, Spanish or English.
_PEOPLE_ENDING = r"(?:os|as|o|a|es|ese|esa|eses|an|ans|ian|ians|ense|enses)(?![^\W\d_])"
_WORD_END = r"(?:'s|’s|s)?(?![^\W\d_])"


_TYPO_LENGTH = 6
# A name longer than any real one is matched as typed: its swapped forms would make a
# pattern the square of its length (a 4,000-letter "word" in a question).
_LONGEST_TYPO_TERM = 40


def _swapped(word: str) -> list[str]:
    """``word`` with two neighbouring letters inside it swapped, each way it can be
    ("Geegen" for "Gegeen"): the commonest typing slip. Only swaps: one letter changed
    would make "Mistral" meet "Mixtral". Not among the first three letters nor the last
    two: those swaps are mostly other words ("Carter" / "crater", "Christina" /
    "Christian", "Medina" / "median"). The swapped form must be the whole word."""
    return [
        word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        for i in range(2, len(word) - 2)
        if word[i] != word[i + 1]
    ]


# Where a key term may start: not after a letter, except after a number ("6GB", "8xA100").
# Checked once per position, before any of the term's forms is tried.
_WORD_START = r"(?:(?<![^\W\d_])|(?<=\dx)|(?<=\d×))"


def _term_form(form: str) -> str:
    end = r"(?:'s|’s|es|s)?(?![^\W\d_])" if len(form) <= 3 else ""
    # "top-k" is written "top_k", "top k" and "topk" too; "vitamin-c", "vitamin C"
    if re.fullmatch(r"[a-z]{3,16}-[a-z]", form):
        word, letter = form.split("-")
        return rf"{re.escape(word)}[-_ ]?{letter}(?![^\W\d_])"
    return f"{re.escape(form)}{end}"


def is_follow_up(question: str) -> bool:
    """A short question that leans on the previous one ("¿y QLoRA?", "what about GGUF?")."""
    question = rules_view(question)
    content = analyze(question, "es") if "¿" in question else analyze(question, "en")
    return bool(_FOLLOW_UP_START.match(question)) or len(content) <= 1


def standalone_question(question: str, previous: str) -> str:
    """Rewrite a follow-up using the previous standalone question.

    The follow-up's names replace the previous question's last name ("¿Cuánta memoria
    necesita LoRA?" + "¿y QLoRA?" -> "¿Cuánta memoria necesita QLoRA?"); without names on
    both sides the two are joined so retrieval still sees both.
    """
    new = [t for t in key_terms(question) if not t.isdigit()]
    old = [t for t in key_terms(previous) if not t.isdigit()]
    if new and old:
        target = old[-1]
        index = previous.rfind(target)
        return previous[:index] + " y ".join(new) + previous[index + len(target) :]
    rest = _FOLLOW_UP_START.sub("", question).strip(" ¿?")
    return f"{previous.rstrip(' ?')} — {rest}?" if rest else previous


TRANSLATED_ATTEMPT = 3
"""The rewrite from which the query is the question in the other language."""


def keyword_query(question: str, attempt: int, language: str = "") -> str:
    """A rewritten search query for the ``attempt``-th retry (1-based).

    1: the content words without the question phrasing; 2: only the names and the longest
    words, which are the rarest and so the most discriminating terms; 3 and after: the
    content words in the other language (``language``, "es" or "en"), word by word from
    the bilingual list, names and code kept: a Spanish question over an English API
    reference shares none of its words, and the embedding ranks Spanish notes first.
    """
    question = rules_view(question)
    body = _QUESTION_WORDS.sub("", question).strip(" ¿?¡!")
    if attempt <= 1:
        return body or question
    if attempt >= TRANSLATED_ATTEMPT:
        translated = translated_query(re.findall(r"[\w.-]+", body), language)
        if translated:
            return translated
    # longest first, ties in the question's order (a set's order changed with the hash
    # seed, and so did which words the query kept and what Veraz answered)
    words = sorted(
        dict.fromkeys(w for w in re.findall(r"\w+", body) if len(w) > 3), key=len, reverse=True
    )
    keys = key_terms(question)
    chosen = list(dict.fromkeys([*keys, *words[: max(2, len(words) // 2)]]))
    return " ".join(chosen) or body or question
