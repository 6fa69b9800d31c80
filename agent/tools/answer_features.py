"""What a piece of answer text holds: numbers, dates, names, several items.

Read the same way where a question's needs are matched: by the extractive answerer when
it picks the unit to quote (agent/tools/unit_scoring.py) and by the "does it answer?"
check (agent/tools/verification/answers_question.py), so the answerer never picks what
the check would turn away.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import operator
import re
from dataclasses import dataclass

from agent.tools.verification.word_lists import MONTHS_EN, MONTHS_ES, NEGATIONS, NUMBER_WORDS
from agent.tools.word_forms import word_keys
from ingestion.text_analysis import analyze, fold_accents

_CITATION_MARKS = re.compile(r"\[\s*\d+(?:\s*[,;–-]\s*\d+)*\s*\]")
_MARKUP = re.compile(r"[*_`#>|]+")
# Numbers standing alone, not the digits of a name ("NF4", "GPT-4", "Q4_K_M").
# ... nor inside a name's digits: "A100" states no "00".
_DIGITS = re.compile(r"(?<![^\W\d])(?<![^\W\d]-)(?<!_)(?<!\d)\d+(?:[.,]\d+)*")
_YEAR = re.compile(r"\b(?:1[0-9]|20)\d\d\b|\b\d{2,4}s\b|'\d\d\b")
_DATE_WORDS = frozenset({
    "siglo", "siglos", "century", "centuries", "decada", "decade", "año", "ano", "años",
    "anos", "year", "years", "dia", "day", "lunes", "martes", "miercoles", "jueves",
    "viernes", "sabado", "domingo", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "hoy", "ayer", "today", "yesterday", "durante", "during", "antes",
    "despues", "before", "after", "epoca", "era", "guerra", "war", "reinado", "reign",
    "primavera", "verano", "otoño", "invierno", "spring", "summer", "autumn", "fall",
    "winter", "medieval", "edad", "age", "ago", "hace", "when", "cuando", "while",
    "mientras", "since", "desde", "until", "hasta",
})  # fmt: skip
_SEVERAL_JOINERS = re.compile(r",|;|\s(?:y|e|o|u|and|or|as well as)\s", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_](?:[\w'’]|[.-](?=\w))*")
_ROMAN = re.compile(r"\b[IVXLC]{2,}\b")
_ORDINALS = frozenset({
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
    "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
    "seventeenth", "eighteenth", "nineteenth", "twentieth", "primero", "primera",
    "segundo", "segunda", "tercero", "tercera", "cuarto", "cuarta", "quinto", "quinta",
    "sexto", "sexta", "septimo", "septima", "octavo", "octava", "noveno", "novena",
    "decimo", "decima", "half", "mitad", "thirds", "tercio", "tercios", "dozen",
    "docena", "several", "varios", "varias", "many", "muchos", "millones", "millions",
    "miles", "thousands", "cientos", "hundreds", "mil", "millon", "million", "billion",
})  # fmt: skip


def plain_words(text: str) -> str:
    """The answer's words: citation markers and Markdown marks removed."""
    return " ".join(_MARKUP.sub(" ", _CITATION_MARKS.sub(" ", text)).split())


def _words(text: str) -> set[str]:
    """Lowercased, accent-folded words, hyphenated ones also in parts ("six-time")."""
    words = {fold_accents(w).lower() for w in _WORD.findall(text)}
    return words | {part for w in words if "-" in w for part in w.split("-") if part}


def numbers(text: str) -> set[str]:
    """Every number ``text`` states: digits, number words, roman numerals, ordinals."""
    found = {d.replace(",", ".") for d in _DIGITS.findall(text)}
    found.update(_ROMAN.findall(text))
    words = _words(text)
    found.update(str(NUMBER_WORDS[w]) for w in words if w in NUMBER_WORDS)
    found.update(w for w in words if w in _ORDINALS)
    # "un"/"una"/"one" are articles and pronouns far more often than numbers
    found.update({"1"} if words & {"single", "unico", "unica", "sola", "solo"} else ())
    return found


# A month's short form beside a day ("28 feb", "3 de sept.", "Mar 3"): alone, "mar" and
# "may" are the sea and a verb; before a number only capitalised, as dates are written
# ("nivel del mar 3 m", "enc 12 / dec 6 layers" are not dates).
_SHORT_MONTHS = "ene|feb|mar|abr|may|jun|jul|ago|sep|sept|oct|nov|dic|jan|apr|aug|dec"
_DAY = r"(?:[1-9]|[12]\d|3[01])"
_DAY_AND_SHORT_MONTH = re.compile(
    rf"\b{_DAY}\s{{1,3}}(?:de\s{{1,3}})?(?i:{_SHORT_MONTHS})\b\.?(?!\w)"
    rf"|\b(?:{_SHORT_MONTHS.title()})\.?\s{{1,3}}{_DAY}\b(?![.,]?\d)"
)


def has_date(text: str) -> bool:
    if _YEAR.search(text) or re.search(r"\b\d{1,2}[:/.]\d{2}\b", text):  # years, 4:51, 12/03
        return True
    if _DAY_AND_SHORT_MONTH.search(text):
        return True
    return bool(_words(text) & (set(MONTHS_ES) | set(MONTHS_EN) | _DATE_WORDS))


# A clause that says on which condition or after what something happens: what answers a
# "when" about practice ("¿Cuándo conviene reindexar?" → "Solo si cambias de modelo").
# Not English "once": in Spanish it is eleven ("once núcleos").
_CONDITION = re.compile(
    r"\b(?:si|cuando|siempre que|en cuanto|tras|despu[ée]s de|antes de|if|when|whenever|"
    r"after|before|unless)\b",
    re.IGNORECASE,
)


# ... or how often: "Restart the server once a week", "cada noche", "weekly" — a period
# after "every"/"cada", not "cada servidor" or "todos los modelos".
_PERIOD_NOUNS = (
    r"(?:\d{1,4}\s{1,3})?(?:days?|nights?|weeks?|months?|years?|hours?|mornings?|evenings?|"
    r"weekends?|d[íi]as?|noches?|semanas?|mes|meses|años?|horas?|mañanas?|tardes?|"
    r"lunes|martes|mi[ée]rcoles|jueves|viernes|s[áa]bados?|domingos?|mondays?|tuesdays?|"
    r"wednesdays?|thursdays?|fridays?|saturdays?|sundays?|release|releases|versi[óo]n|"
    r"versiones|epoch|epochs|[ée]pocas?)\b"
)
_FREQUENCY = re.compile(
    rf"\b(?:every|each|once a|twice a|once per|cada|todos los|todas las|una vez al|"
    rf"una vez por|una vez a la|dos veces al|dos veces por)\s{{1,3}}{_PERIOD_NOUNS}|"
    r"\b(?:daily|weekly|monthly|yearly|nightly|hourly|diariamente|semanalmente|"
    r"mensualmente|anualmente)\b",
    re.IGNORECASE,
)


def says_when(text: str, occasion: bool = False) -> bool:
    """Whether ``text`` answers a "when": a date, or, for an ``occasion`` question (a
    "when" about what to do: ``QuestionKind.occasion``), a condition or an occasion (a
    clause after "si", "if", "cuando", "after"…) or how often ("once a week", "cada
    noche"). Which "when" it answers is left to coverage: the unit must cover the
    question with its context, as any answer must."""
    if has_date(text):
        return True
    return occasion and bool(_CONDITION.search(text) or _FREQUENCY.search(text))


_MONEY = re.compile(
    r"[$€£¥]|\b(?:usd|eur|euros?|d[óo]lares|dollars?|cents?|c[ée]ntimos|gratis|free|"
    r"gratuit[oa])\b",
    re.IGNORECASE,
)


def has_price(text: str) -> bool:
    """A price: a currency sign or word, or "free"/"gratis"."""
    return bool(_MONEY.search(text))


# How each measure of question_kind's ``measure`` is written: its unit or sign, its name
# in either language ("temperature=0.7", "Licencia: MIT"), or, for a license, one of the
# licenses themselves. A value without its measure ("Engine: TGI · p50: 350 ms" for the
# temperature TGI ran at) is some other number of the same thing.
# A number followed by a unit of another measure is not a version: "12.5 GB", "3.2 s".
_OTHER_UNIT = r"(?!\s?(?i:[kmgt]?b|gib|mib|s|ms|h|min|x|k|bits?|tokens?)\b|\s?%)"
_MEASURE_FORMS = {
    "percentage": re.compile(
        r"%|％|\bpor\s?ciento\b|\bper\s?cent|\bpct\b|\bporcentaje|\bpercentage|"
        r"\bpuntos? porcentuales\b|\bpercentage points?\b|\b(?:de|por) cada\b|\bof every\b|"
        r"\bout of\b|\bin every\b|\b(?:la|una|the|one|a) (?:mitad|half)\b|\bhalf of\b|"
        r"\b(?:un|dos|one|two|a) (?:tercios?|thirds?)\b|"
        r"\b(?:un|tres|one|three|a) (?:cuartos?|quarters?)\b|\bcuartas partes\b",
        re.IGNORECASE,
    ),
    # A model's temperature is often written bare ("0.2 for code", "T=0.7"): a decimal
    # between 0 and 2 with one or two decimals counts ("1,980" tokens/s does not, nor a
    # version after a name: "TGI 2.0").
    "temperature": re.compile(
        r"°|\d\s?º\s?[cf]\b|\b\d+\s?[cfk]\b|\bgrados?\b|\bdegrees?\b|\btemperat|"
        r"\bcelsius\b|\bcent[íi]grados?\b|\bkelvin\b|\bfahrenheit\b|"
        r"(?:--|\b)temp\s?[=:]|\btemp\s+\d|(?-i:(?<![A-Z]\s))(?<![\d.,])[0-2][.,]\d{1,2}(?![\d.,])",
        re.IGNORECASE,
    ),
    "speed": re.compile(
        r"\b(?:km/h|mph|kph|m/s|nudos|knots|gbps|mbps|tps)\b|/s\b|/seg\b|/sec\b|"
        r"\bpor (?:segundo|hora|token)\b|\bper (?:second|hour|token)\b|\ban hour\b|"
        r"\bmiles per\b|\bveloc|\bspeed|\bthroughput\b|\brendimiento\b|\brápid|\brapid|"
        r"\bfast|\blent[oa]s?\b|\bslow|\bveces más\b|\btimes (?:faster|higher|more)\b|"
        r"\d\s?x\b",
        re.IGNORECASE,
    ),
    # "v3", "versión", "Python 3.11", "release 2024.05", "GPLv3"; a name and a whole
    # number ("Llama 2", "CUDA 12", "Python 3"); not a number with another unit.
    "version": re.compile(
        r"(?i:\bv\d|\bversi[óo]n)|(?<!\w)\w{1,40}v\d\b|"
        r"(?<![\d.,])\d+(?:\.\d+)+" + _OTHER_UNIT + r"|(?<![\d.])\d+\.x\b|"
        r"\b[A-Z][\w+-]{0,40}\s\d+\b(?![.,]\d)" + _OTHER_UNIT,
    ),
    # "24 GB", "ram_gb: 1.3", "1,5 gigas", "512 MiB": an amount of memory or storage, not
    # a latency or a fraction of the VRAM ("¿Cuánta memoria usa el reranker?" is not
    # answered by "baja a 9 ms")
    # ... or "4Gi", "24G" (Kubernetes, llama.cpp flags), or a share of memory ("70% less
    # VRAM", "la mitad de memoria": "How much less VRAM…?" asks for that; "40% of the
    # request time" is not one). Not "3x": "3x más rápido" is a speed.
    "memory": re.compile(
        r"(?<![^\W\d_])(?:[kmgtp]i?b|gigas?|megas?|teras?|bytes?|gigabytes?|megabytes?)"
        r"(?![^\W\d_])|(?<=\d)\s?(?-i:[KMGTP]i|[GMT])\b|"
        r"(?:%|\bmitad\b|\bhalf\b)[^.;\n]{0,60}\b(?:v?ram|memor\w*|disco|disk)\b|"
        r"\b(?:v?ram|memor\w*|disco|disk)\b[^.;\n]{0,60}(?:%|\bmitad\b|\bhalf\b)",
        re.IGNORECASE,
    ),
    # A phone number after its label ("Tel. +34 91 555 01 23", "Phone number: (555)
    # 010-0199", "Tfno: 915550123", "Tel/Fax: …") or with a country code and a space
    # ("+34 91 555 01 23"). Seven digits at least: not "cell 3", "Phone 15 Pro", "Mobile
    # 5G"; not a time zone ("18:40:12 +0100") nor "+1.25 points"; not a date.
    "phone": re.compile(
        r"\b(?:tel[ée]fonos?(?:\s{1,3}de\s{1,3}contacto)?|tel[ée]f|tel|tlf|telf|tfno|fono|"
        r"(?:tele)?phone(?:\s{1,3}(?:number|no))?|m[óo]vil|mobile|cell|celular|whatsapp)\b"
        r"(?:/fax)?\.?\s{0,3}[:.]?\s{0,3}\(?\+?\d(?:[\s().-]{0,2}\d){6,14}(?!\d)"
        r"|(?<![\w+.])\+\d{1,3}[\s-]\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}(?!\d)",
        re.IGNORECASE,
    ),
    # An e-mail address: a domain of two letters at least and a top level that ends the
    # word ("q@k.transpose(-2)", "A@B.shape" are code).
    "email": re.compile(r"[\w.+-]@[\w-]{2,63}(?:\.[\w-]{1,63}){0,4}\.[^\W\d_]{2,24}(?![\w(])"),
    # A web address: a scheme, "www.", a Markdown link to one, a host with a path
    # ("github.com/acme/bot"), or one of three labels or more ("grafana.acme.io"); not
    # code's attributes ("self.net", "tf.io.gfile") nor "bien.Es decir".
    "url": re.compile(
        r"(?i:\bhttps?://|\bwww\.|\]\((?:https?:|www\.))|"
        r"\b[a-z0-9-]{2,63}(?:\.[a-z0-9-]{2,63}){0,3}\.(?:com|org|net|io|dev|ai|app|es|edu|gov|"
        r"co|mx|ar|cl|pe|uk|de|fr)/[\w/.-]|"
        r"(?<![\w.])[a-z0-9-]{2,63}(?:\.[a-z0-9-]{2,63}){1,3}\.(?:com|org|net|io|dev|ai|app|es|"
        r"edu|gov|co|mx|ar|cl|pe|uk|de|fr)(?![\w.(-])",
    ),
    "license": re.compile(
        r"\blicen[cs](?!iad)|\b(?:mit|apache\s?2?|(?:a|l)?gpl(?:v?\d)?|bsd\d?|mpl|cc[- ]?by|cc0|"
        r"isc|unlicense|zlib|epl|eupl|openrail|rail)\b|creative commons|terms of use|"
        r"términos de uso|\bcopyleft\b|\bpropietari[ao]\b|\bproprietary\b|\bopen[- ]source\b|"
        r"\bc[óo]digo abierto\b|\bdominio p[úu]blico\b|\bpublic domain\b|"
        r"\bno comercial\b|\bnon-?commercial\b|\bpermisiv[ao]\b|\bpermissive\b",
        re.IGNORECASE,
    ),
}


_VERSION = re.compile(r"\bv\d+(?:\.\d+)*", re.IGNORECASE)


# "¿Cuántas GPUs…?", "How many users…?": what the question counts (its next word, or the
# one after an adjective: "how many metric tons").
_COUNTED = re.compile(
    r"\b(?:cu[áa]nt[oa]s|how\s{1,8}many)\s{1,8}([^\W\d_][\w-]{1,40})"
    r"(?:\s{1,8}([^\W\d_][\w-]{1,40}))?",
    re.IGNORECASE,
)
_WEEKDAYS = (
    "lunes|martes|mi[ée]rcoles|jueves|viernes|s[áa]bado|domingo|monday|tuesday|wednesday|"
    "thursday|friday|saturday|sunday"
)
# Numbers that count no thing: a date ("2024-05-13", "13/05/2024", "el jueves 16"), a
# time of day ("de 8 a 14h", "a las 9", "9:30", "10 am"), a number with a unit of another
# measure ("3 h", "12 GB", "11 points": a quantity, not a count of the asked things). A
# ratio stays ("30 % más", "2x", "el doble"): "how many more X?" is answered by one.
# Units written out, read both after a number ("3 horas", "11 points") and as what a
# "how many" counts ("¿Cuántas horas…?").
_UNIT_WORDS = (
    r"horas?|hours?|minutos?|minutes?|segundos?|seconds?|puntos?|points?|d[íi]as?|days?|"
    r"semanas?|weeks?|meses|months?|años|years?"
)
_NOT_A_COUNT = re.compile(
    rf"\b(?i:{_WEEKDAYS})\s{{1,3}}\d{{1,2}}\b"
    r"|\b\d{1,2}:\d\d\b|\b\d{4}-\d\d-\d\d\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b"
    r"|\b(?:de|from|a\s{1,3}las|at)\s{1,3}\d{1,2}\s{1,3}(?:a|to|hasta|-)\s{1,3}\d{1,2}"
    r"(?:\s{0,2}(?:h\b|am\b|pm\b)|:\d\d)"
    rf"|(?<![\w.,])\d+(?:[.,]\d+)?\s{{0,2}}(?i:[kmgt]i?b|ms|s|h|min|am|pm|{_UNIT_WORDS})\b",
)


# What "how many" counts when it asks for a quantity, not things.
_UNIT_NOUN = re.compile(
    r"(?i:[kmgt]i?b|gigas?|megas?|(?:kilo|mega|giga|tera)bytes?|bytes?|ms|mins?|hrs?|"
    rf"milis?|mil[ií]segundos?|milliseconds?|{_UNIT_WORDS})"
)


@functools.lru_cache(maxsize=1024)
def _counts_things(question: str) -> bool:
    """Whether ``question`` asks "how many X?" of things, not of a unit ("¿Cuántas
    horas…?", "How many GPU-hours…?" ask for a quantity). Cached: the answerer asks it
    of every unit of every passage for one question."""
    counted = _COUNTED.search(question)
    if counted is None:
        return False
    parts = [p for w in counted.groups() if w for p in w.split("-")]
    return not any(_UNIT_NOUN.fullmatch(p) for p in parts)


def counted_numbers(text: str, question: str) -> set[str]:
    """The numbers of ``text`` that can count what a "how many X?" question counts: not a
    day, a time of day, or a quantity with a unit ("el jueves 16… de 8 a 14h" holds no
    number of GPUs; "by 11 points" no number of users). A question that counts a unit
    itself ("¿Cuántas horas…?") takes every number. Linear: one pass each."""
    if not _counts_things(question):
        return numbers(text)
    return numbers(_NOT_A_COUNT.sub(lambda m: " " * len(m.group(0)), text))


def new_numbers(text: str, question: str, measure: str = "") -> set[str]:
    """The numbers ``text`` states that ``question`` does not; for a version, "v3" too
    (a digit after a letter is otherwise part of a name: "NF4"). For "how many X?", only
    numbers that can count X (:func:`counted_numbers`)."""
    found = (numbers(text) if measure else counted_numbers(text, question)) - numbers(question)
    if measure == "version":
        found |= {v.lower() for v in _VERSION.findall(text)} - {
            v.lower() for v in _VERSION.findall(question)
        }
    return found


def holds_measure(text: str, measure: str) -> bool:
    """Whether ``text`` states a value of ``measure`` (see ``_MEASURE_FORMS``); any text
    holds the empty measure."""
    form = _MEASURE_FORMS.get(measure)
    return form is None or bool(form.search(text))


# Tried with match() after each name; the gap is bounded so a run of spaces costs nothing.
_NAME_GOES_ON = re.compile(r"\s{1,8}(?:et\s{1,8}al\b|[A-ZÁÉÍÓÚÑ][^\W\d_]{0,64}[a-záéíóúñ]\b)")


def names(text: str, language: str, *, people: bool = False) -> set[str]:
    """Names: technical words (QLoRA, GPT-4) anywhere, capitalised words that do not open
    a sentence or a clause ("por el normando Oursel"), and are not stopwords. With
    ``people``, only names as people and organisations are written (a "who?" is not
    answered by "QLoRA"): capitalised words and acronyms, not mixed-case or digits."""
    return {name for name, _ in name_matches(text, language, people=people)}


_OPENING_MARKS = frozenset(" \"'“«¿¡(*`")
# A field whose value is a person: "Quién: Paula", "Owner: Dana", "Responsable: Irene"
# (a table row read with its header, a front matter key). Its value opens after the
# colon, and is a name all the same. Read in the 30 characters before the colon.
_PERSON_FIELD = re.compile(
    r"\b(?:qui[ée]n(?:es)?|who|responsables?|owners?|autor(?:a|es|as)?|authors?|"
    r"asignad[oa]s?|assignees?|encargad[oa]s?|contacto|contact|lead|reviewers?|"
    r"revisor(?:a|es|as)?|ponentes?|speakers?|presenters?|organizador(?:a|es|as)?|"
    r"organi[sz]ers?|maintainers?|mantenedor(?:a|es|as)?|firmad[oa]|signed|by|por|"
    r"autor[íi]a|cr[ée]ditos|credits)\s{0,3}$",
    re.IGNORECASE,
)
# What such a field holds when it holds no one yet: "Responsable: Pendiente", "Owner: TBD".
_NO_ONE = frozenset({
    "pendiente", "ninguno", "ninguna", "nadie", "nobody", "none", "unknown", "desconocido",
    "desconocida", "tbd", "tba", "unassigned", "vacante", "vacant", "todos", "everyone",
})  # fmt: skip


def name_matches(text: str, language: str, *, people: bool = False) -> list[tuple[str, int]]:
    """Each name of ``text`` (see :func:`names`), folded, with where it starts."""
    found: list[tuple[str, int]] = []
    for match in _WORD.finditer(text):
        word = match.group(0).strip(".'’")
        if _is_handle(text, match.start(), match.end(), word):
            # "@lucia traducir las preguntas": a handle names a person, lowercase or not
            found.append((fold_accents(word).lower(), match.start()))
            continue
        # the character before the word past spaces and opening marks, read backwards
        # from the word: each run is read once (copying the text before every word made
        # a long answer quadratic)
        back = match.start()
        while back > 0 and text[back - 1] in _OPENING_MARKS:
            back -= 1
        opens = back == 0 or text[back - 1] in ".!?:;·—–-\n"
        if opens and _after_initial(text, back - 1):
            opens = False  # "Notes by K. Osei": an initial's period opens nothing
        if (
            opens
            and back > 0
            and text[back - 1] == ":"
            and _PERSON_FIELD.search(text, max(0, back - 31), back - 1)
        ):
            opens = False  # "Quién: Paula": a field that holds a person holds a name
        capitalised = word[:1].isupper() and len(word) > 1
        technical = any(c.isupper() for c in word[1:]) or any(c.isdigit() for c in word)
        if people and fold_accents(word).lower() in _NO_ONE:
            continue  # "Owner: TBD", "Responsable: Pendiente": no one yet
        if people and technical and (not word.isupper() or any(c.isdigit() for c in word)):
            continue  # "QLoRA", "NF4", "GPT-4" name things, not who made them
        # An opening word is a name when a name goes on after it ("Hu et al.
        # introduced…", "Alexander Fleming discovered…"), not when it is any first word.
        named_on = opens and bool(_NAME_GOES_ON.match(text, match.end()))
        if technical or (capitalised and (not opens or named_on) and analyze(word, language)):
            found.append((fold_accents(word).lower(), match.start()))
    return found


# What stands before an initial that starts a name: a line's start, "by"/"por"/"de"
# and the like, a comma or "&", or another initial ("J. R. R. Tolkien"). Not a word:
# "appendix A. However…", "es la B. Luego…" end a sentence on a letter.
_BEFORE_AN_INITIAL = re.compile(
    r"(?:^|\n|\b(?:by|por|de|del|and|y|e|with|con|from|of|notes|notas|autor|author|"
    r"autora)\s{1,3}|[,&;(]\s{0,3}|\b[A-Z]\.\s{1,3})$",
    re.IGNORECASE,
)


def _after_initial(text: str, period: int) -> bool:
    """Whether the character at ``period`` is the period of an initial that starts a
    name ("K." in "Notes by K. Osei", "J. R. R. Tolkien"): one capital letter after a
    line's start, a word that introduces a name, a comma or another initial. Bounded:
    20 characters before the initial are read."""
    if not (
        text[period] == "."
        and period >= 1
        and text[period - 1].isupper()
        and (period == 1 or not text[period - 2].isalnum())
    ):
        return False
    return bool(_BEFORE_AN_INITIAL.search(text, max(0, period - 21), period - 1))


# Handles that address a group or name a thing, not a person: "@here", "@media".
_NOT_A_PERSON = frozenset({"here", "channel", "everyone", "all", "media", "import", "font-face"})


# A page's byline: "answered Mar 2, 2024 at 19:47 by tkruger", "asked by dev_marta",
# "publicado por lgarcia". Forums and Q&A pages write the user's handle in lowercase.
_BYLINE = re.compile(
    r"\b(?:answered|asked|posted|edited|commented|submitted|"
    r"respondid[ao]|preguntad[ao]|publicad[ao]|editad[ao]|comentad[ao])\b"
    r"[^\n.!?]{0,60}\b(?:by|por)\s{1,3}$",
    re.IGNORECASE,
)


# What follows a handle in a byline: the line's end, a number (a reputation, a date) or
# a separator, as pages lay a byline out ("by tkruger 18.3k", "por lgarcia · 3 mar");
# not words ("answered by someone on the forum", "posted by support agents") nor a
# sentence's end ("The paper was written by researchers." is prose; "written" is no
# byline verb for that reason).
_AFTER_A_HANDLE = re.compile(r"[ \t]{0,3}(?:$|[\n\d(\[<·|—–])")
# Words that follow a byline's "by" / "por" without naming a user: a manner, a group.
_NOT_A_USER = frozenset({
    "hand", "default", "design", "mistake", "accident", "itself", "himself", "herself",
    "themselves", "mail", "email", "phone", "defecto", "error", "mano", "ejemplo", "eso",
    "correo", "telefono", "teléfono", "someone", "somebody", "nobody", "anonymous",
    "anyone", "everyone", "many", "several", "others", "people", "users", "students",
    "moderators", "bots", "staff", "admin", "admins", "us", "them", "alumnos", "alumnas",
    "varios", "varias", "escrito", "todos", "nadie", "alguien", "anonimo", "anónimo",
    "usuarios", "estudiantes", "moderadores", "otros", "muchos", "team", "equipo",
})  # fmt: skip


def _is_handle(text: str, start: int, end: int, word: str) -> bool:
    """Whether the word at ``start`` is a person's ``@handle`` ("@iker revisar…", "cc
    @ana"), not the domain of an address ("ana@example.com"), a package scope
    ("@types/node") or a group ("@here"); or a user's handle after a byline ("answered
    … by tkruger"). The byline is read in the 80 characters before the word only."""
    if start == 0:
        return False
    if text[start - 1] != "@":
        lowered = word.lower()
        return (
            lowered not in _NOT_A_PERSON
            and lowered not in _NOT_A_USER
            and bool(analyze(word, "en"))
            and bool(analyze(word, "es"))  # not "the", "el"
            and bool(_BYLINE.search(text, max(0, start - 80), start))
            and bool(_AFTER_A_HANDLE.match(text, end))  # "by support agents" is no user
        )
    if start > 1 and (text[start - 2].isalnum() or text[start - 2] in "._-"):
        return False
    return text[end : end + 1] != "/" and word.lower() not in _NOT_A_PERSON


def negates(text: str) -> bool:
    """Whether ``text`` says "no"/"not"/"sin"/"don't": to a yes/no question, a sentence
    that negates what the question asks is its answer, though every other word of it is
    the question's own ("Clara Vidal no tiene coche" for "¿Tiene coche Clara Vidal?")."""
    words = _words(text)
    return bool(words & NEGATIONS) or any(w.endswith(("n't", "n’t")) for w in words)


def item_count(text: str) -> int:
    """How many things the answer lists: lines, or parts joined by commas and "y"/"and"."""
    lines = [line for line in text.splitlines() if re.search(r"\w", plain_words(line))]
    if len(lines) > 1:
        return len(lines)
    return len(_SEVERAL_JOINERS.split(plain_words(text)))


# "llamafile: ships a model…", "- Marlin: kernel…", "HQQ: Este método…": a label that
# opens a line names what the line is about, whatever its case.
# Spaces and marks are read within the line and bounded (no ``\s*`` that crosses lines):
# runs of blank lines would otherwise make the scan quadratic (tests/test_linear_text.py).
_LABEL = re.compile(
    r"^[ \t>*-]{0,32}(?:\[\d+\][ \t]*)?([^\s:][^:\n]{0,40}?)[ \t]{0,8}:[ \t]+\S", re.MULTILINE
)


# Words after which a name is the thing a "which X?" asks for: "X es / is / fue…",
# "herramientas como X", "called X", "se llama X", "comprada por X", "resultó ser X".
_INTRODUCERS = frozenset({
    "es", "son", "fue", "fueron", "era", "eran", "is", "are", "was", "were", "como", "as",
    "such", "llamado", "llamada", "llamados", "llamadas", "llama", "called", "named",
    "denominado", "denominada", "incluye", "incluyen", "include", "includes", "recomiendo",
    "recommend", "recommended", "recomendado", "recomendada", "by", "por", "ser", "be",
    "resulto", "resulta", "resultaron",
})  # fmt: skip
# Opening words that are not names even before "es"/"is": "Ninguna es mencionada…",
# "Nothing is said about the tool".
_NOT_A_SUBJECT = frozenset({
    "ninguna", "ninguno", "nada", "nadie", "cualquiera", "cualquier", "depende", "ambos",
    "ambas", "todos", "todas", "alguna", "alguno", "otra", "otro", "desconocida",
    "desconocido", "none", "nothing", "nobody", "neither", "either", "both", "all", "any",
    "unclear", "unknown", "another", "other", "each", "every", "someone", "something",
})  # fmt: skip
# After "es"/"is", an article: "Axolotl es una herramienta", "Axolotl is the tool".
_ARTICLES = frozenset({"un", "una", "el", "la", "los", "las", "a", "an", "the"})
_INTRODUCER_REACH = 3  # words between an introducer (or the asked noun) and the name
_CLAUSE_END = re.compile(r"[.!?;]+(?=\s|$)|\n")


def names_something(text: str, question: str, language: str, entity: str = "") -> bool:
    """Whether ``text`` names the thing a "which X?" question asks for: a line's label
    ("promptfoo: test prompts…"), or a name the question does not have (see
    :func:`names`) standing where the answer's subject is.

    A name counts where it stands as the thing asked for:

    - the subject of its clause (no content word before it: "ZipQuant es más rápido
      que GPTQ"), or before the question's own words in its clause ("BSkyB y Virgin
      Media acordaron poner fin…" for "¿Qué empresa acordó poner fin…?");
    - right after one of the question's words ("usa NF4" for "¿Qué formato usa
      QLoRA?"; right after: "más rápido que AWQ" is a comparison);
    - right after the asked noun ``entity`` or a word that introduces it, function
      words between ("el formato ZipQuant", "la más rápida es ZipQuant", "herramientas
      como Axolotl", "comprada por Google"), unless negated ("no es GPTQ").

    A plural ``entity`` ("¿Qué técnicas vimos?") is answered by a list, so any new name
    counts. "Este nuevo formato es más rápido que GPTQ y usa NF4" names NF4, but not as
    the format asked for. Linear in the text: each clause's words are read once.
    """
    asked = _asked_thing(question, language, entity)
    for match in _LABEL.finditer(text):
        label = _words(match.group(1))
        if label and not label <= asked.words and len(match.group(1).split()) <= 4:
            return True
    if entity.endswith("s") and names(text, language) - asked.known:
        return True  # "¿Qué técnicas vimos?": a list of names, however it is phrased
    clauses = _clauses(text)
    if any(_names_the_asked_thing(clause, language, asked) for clause in clauses):
        return True
    # "They did not decide; go with the flow": no phrase names it in a negated answer
    return not negates(text) and any(
        _definite_phrase_after_predicate(clause, language, asked) for clause in clauses
    )


@dataclass(frozen=True)
class _AskedThing:
    """What a "which X?" question says, read once per question (the answerer checks
    every unit of every passage against it)."""

    words: frozenset[str]  # all its words, folded
    known: frozenset[str]  # its words and names: none of them is the answer
    predicate: frozenset[str]  # its other content words: what it says of the X
    predicate_prefixes: frozenset[str]
    noun: str  # the asked noun's first five letters ("forma" for "formato")


@functools.lru_cache(maxsize=64)
def _asked_thing(question: str, language: str, entity: str) -> _AskedThing:
    asked = _words(question)
    named = names(question, language)
    noun = fold_accents(entity).lower()[:5]
    predicate = {
        w for w in asked - named if analyze(w, language) and not (noun and w.startswith(noun))
    }
    return _AskedThing(
        words=frozenset(asked),
        known=frozenset(named | asked),
        predicate=frozenset(predicate),
        predicate_prefixes=frozenset(p for w in predicate for p in word_keys(w, language)),
        noun=noun,
    )


def _names_the_asked_thing(clause: str, language: str, asked: _AskedThing) -> bool:
    """One clause of :func:`names_something`."""
    known, predicate, noun = asked.known, asked.predicate, asked.noun
    words = [(m.group(0), m.start()) for m in _WORD.finditer(clause)]
    if not words:
        return False
    folded = [fold_accents(w).lower() for w, _ in words]
    content = [bool(analyze(w, language)) for w, _ in words]
    # later[i]: a word at i or after it is one of the question's (what it says of the X)
    later = [False] * (len(words) + 1)
    for i in range(len(words) - 1, -1, -1):
        later[i] = later[i + 1] or bool(
            set(word_keys(words[i][0], language)) & asked.predicate_prefixes
        )
    starts = [start for _, start in words]
    candidates = [
        bisect.bisect_left(starts, at) for n, at in name_matches(clause, language) if n not in known
    ]
    if (
        len(words) > 2
        and folded[1] in _INTRODUCERS
        and folded[2] in _ARTICLES
        and words[0][0][:1].isupper()
        and folded[0] not in known
        and folded[0] not in _NOT_A_SUBJECT
        and content[0]
    ):
        candidates.append(0)  # "Axolotl es una herramienta…"
    content_before = list(itertools.accumulate(content, operator.or_, initial=False))
    for index in candidates:
        if not content_before[index] or later[index + 1]:
            return True  # the clause's subject, or the subject of what the question asks
        if index and folded[index - 1] in predicate:
            return True  # "usa NF4" for "¿Qué formato usa QLoRA?"
        if noun and index + 1 < len(words) and folded[index + 1].startswith(noun):
            return True  # "the InstructGPT model" for "Which model…?"
        for back in range(index - 1, max(index - 1 - _INTRODUCER_REACH, -1), -1):
            word = folded[back]
            if word in _INTRODUCERS or (noun and word.startswith(noun)):
                negated = back > 0 and folded[back - 1] in NEGATIONS
                if not negated:
                    return True
                break
            if content[back]:
                break
    return False


_DEFINITE = frozenset({"el", "la", "los", "las", "the"})
# "Eligieron el mismo", "used the previous one": words that point at a thing, not name it.
_NOT_A_THING = frozenset({
    "mismo", "misma", "mismos", "mismas", "otro", "otra", "otros", "otras", "anterior",
    "anteriores", "siguiente", "ultimo", "ultima", "primero", "primera", "nuevo", "nueva",
    "same", "other", "previous", "next", "last", "first", "new", "default", "usual",
    "habitual", "one", "ones",
})  # fmt: skip
_PHRASE_WORDS = 3  # the article and at most two words: "the recursive splitter"


def _phrase_ends_clause(clause: str, words: list[tuple[str, int]], article: int) -> bool:
    """Whether the phrase after the article at ``article`` ends its clause within
    :data:`_PHRASE_WORDS` words, or at a comma, colon or parenthesis: the object the
    verb takes, not a phrase the sentence goes on from ("go with the team next week",
    "go with the flow for now"). Reads only the gaps between the phrase's words."""
    for j in range(article + 1, min(article + _PHRASE_WORDS, len(words))):
        if j + 1 == len(words):
            return True  # the clause's last word
        word, at = words[j]
        gap = clause[at + len(word) : words[j + 1][1]]
        if not gap.isspace():
            return any(mark in gap for mark in ",:)")
    return False


def _definite_phrase_after_predicate(clause: str, language: str, asked: _AskedThing) -> bool:
    """A definite noun phrase the question does not have, right after the question's own
    verb, a function word between at most: "Go with the recursive splitter" for "Which
    chunking method did they decide to go with?", "Elegimos el troceado recursivo" for
    "¿Qué método eligieron?". Notes name a method by what it is as often as by a name.
    Not across a mark ("PROFESORA: Para la práctica 4…" says nothing of what the
    professor mentions), not a word that points instead of naming ("Eligieron el
    mismo"), and only a phrase that ends its clause (the verb's object)."""
    words = [(m.group(0), m.start()) for m in _WORD.finditer(clause)]
    folded = [fold_accents(w).lower() for w, _ in words]
    content = [bool(analyze(w, language)) for w, _ in words]
    for i in range(1, len(folded) - 1):
        if folded[i] not in _DEFINITE or not content[i + 1] or folded[i + 1] in asked.known:
            continue
        if folded[i + 1] in _NOT_A_THING or not _phrase_ends_clause(clause, words, i):
            continue
        for back in (i - 1, i - 2):
            if back < 0:
                break
            word, at = words[back]
            if not clause[at + len(word) : words[back + 1][1]].isspace():
                break  # words apart, not one phrase
            if folded[back] in asked.predicate:
                if not (back > 0 and folded[back - 1] in NEGATIONS):
                    return True
                break
            if content[back]:
                break
    return False


def _clauses(text: str) -> list[str]:
    """``text`` cut at sentence ends and line breaks."""
    return [part for part in _CLAUSE_END.split(text) if part.strip()]
