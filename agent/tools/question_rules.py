"""Rules the ``extractive`` model uses where an LLM would understand the question.

Deterministic and cheap: routing (greeting / about the conversation / multi-part),
splitting multi-part questions, rewriting a follow-up into a standalone question, and
keyword rewrites for a second search. Spanish and English phrasings are both covered;
anything unusual falls through to plain retrieval, which is always safe.
"""

from __future__ import annotations

import re

from ingestion.text_analysis import analyze

_GREETING = re.compile(
    r"^\W*(hola|buen[oa]s( días| tardes| noches)?|hey|hello|hi|good (morning|afternoon|evening)"
    r"|gracias|muchas gracias|thanks|thank you|adiós|adios|bye|hasta luego)\b",
    re.IGNORECASE,
)
_ABOUT_CONVERSATION = re.compile(
    r"(qu[ée] te (he )?pregunt|de qu[ée] (hemos )?habla|resum\w* (la|nuestra|esta) conversaci"
    r"|what (did|have) i ask|our conversation|this conversation|what have we (talked|discussed)"
    r"|qu[ée] me (has )?(respondido|dicho))",
    re.IGNORECASE,
)
_COMPARISON = re.compile(
    r"(?:diferencias? (?:hay |existe |existen )?entre|en qu[ée] se diferencian|"
    r"difference(?:s)? between|compar[ae]\w*|contrast)\s+(?P<a>.+?)"
    r"\s+(?:y|e|and|with|con|frente a|vs\.?|versus)\s+(?P<b>[^?¿.]+)",
    re.IGNORECASE,
)
_VERSUS = re.compile(r"(?P<a>[\w .+-]+?)\s+(?:vs\.?|versus|frente a)\s+(?P<b>[\w .+-]+)", re.I)
_CLAUSE_JOIN = re.compile(
    r"\s*(?:,|;)?\s+(?:y|and|además|also)\s+(?=(?:qu[ée]|c[óo]mo|cu[áa]nt\w*|cu[áa]l\w*|"
    r"d[óo]nde|cu[áa]ndo|por qu[ée]|qui[ée]n\w*|what|how|which|why|when|where|who)\b)",
    re.IGNORECASE,
)
_FOLLOW_UP_START = re.compile(
    r"^\W*(y|and|what about|how about|qu[ée] (hay|pasa) (de|con)|and what about|e)\b", re.I
)
_KEY_TERM = re.compile(
    r"\b(?:[A-ZÁÉÍÓÚÑ][\w.+-]*[A-Z0-9][\w.+-]*|[A-Za-z]+[-_]?\d[\w.-]*|\d[\w.,]*)"
)
_QUESTION_WORDS = re.compile(
    r"^\W*(?:(?:qu[ée]|c[óo]mo|cu[áa]nt[oa]s?|cu[áa]les?|d[óo]nde|cu[áa]ndo|por qu[ée]|"
    r"qui[ée]n(?:es)?|what|how(?: much| many)?|which|why|when|where|who|is|are|does|do|can)"
    r"\b\s*)+",
    re.IGNORECASE,
)


def is_greeting(question: str) -> bool:
    return bool(_GREETING.match(question)) and len(question.split()) <= 6


def is_about_conversation(question: str) -> bool:
    return bool(_ABOUT_CONVERSATION.search(question))


def route(question: str) -> str:
    """ "direct", "decompose" or "retrieve" for ``question``."""
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


def split_question(question: str, language: str = "en", max_parts: int = 4) -> list[str]:
    """Sub-questions of a multi-part or comparative question; one item if it is simple.

    Comparisons ("diferencia entre LoRA y QLoRA") become one definition question per
    side plus the original (whose passages may compare them directly).
    """
    text = question.strip()
    parts = [p for p in re.split(r"\?\s*¿?", text) if _clean(p)]
    if len(parts) > 1:
        return [_as_question(p, language) for p in parts][:max_parts]
    match = _COMPARISON.search(text) or _VERSUS.search(text)
    if match and _clean(match.group("a")) and _clean(match.group("b")):
        left = _QUESTION_WORDS.sub("", match.group("a"))
        subs = [_definition(left, language), _definition(match.group("b"), language)]
        return [*subs, text][:max_parts]
    clauses = [c for c in _CLAUSE_JOIN.split(text) if _clean(c)]
    if len(clauses) > 1:
        return [_as_question(c, language) for c in clauses][:max_parts]
    return [text]


_CAPITALISED = re.compile(r"(?<![\w¿¡])([A-ZÁÉÍÓÚÑ][a-záéíóúñü]+)\b")


def key_terms(text: str) -> list[str]:
    """Names, acronyms and numbers in ``text``: the words a relevant passage must contain.

    Acronyms and mixed forms (QLoRA, GPT-4, Q4_K_M, 65B) anywhere; capitalised words
    (Dettmers, Claude) unless they open the sentence, where every word is capitalised.
    """
    found = [m.group(0).rstrip(".,") for m in _KEY_TERM.finditer(text)]
    for match in _CAPITALISED.finditer(text):
        before = text[: match.start()].rstrip(" ¿¡\"'(")
        if before and before[-1] not in ".?!:":
            found.append(match.group(1))
    return list(dict.fromkeys(found))


def is_number(term: str) -> bool:
    return term[:1].isdigit()


def is_follow_up(question: str) -> bool:
    """A short question that leans on the previous one ("¿y QLoRA?", "what about GGUF?")."""
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


def keyword_query(question: str, attempt: int) -> str:
    """A rewritten search query for the ``attempt``-th retry (1-based).

    1: the content words without the question phrasing; 2: only the names and the longest
    words, which are the rarest and so the most discriminating terms.
    """
    body = _QUESTION_WORDS.sub("", question).strip(" ¿?¡!")
    if attempt <= 1:
        return body or question
    words = sorted({w for w in re.findall(r"\w+", body) if len(w) > 3}, key=len, reverse=True)
    keys = key_terms(question)
    chosen = list(dict.fromkeys([*keys, *words[: max(2, len(words) // 2)]]))
    return " ".join(chosen) or body or question
