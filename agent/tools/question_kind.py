"""What a question asks for: a number, a date, a name, several things, a definition, code.

Read from its wording in Spanish and English, without a model. Two readers use it: the
extractive answerer prefers the answer units that hold what is asked for (a number for
"¿cuántos…?", the items of a list for "¿qué técnicas…?"), and the "does it answer?"
check turns away an answer that lacks it. Only what the wording makes clear is
required; anything else is ``open``, and an open question asks for nothing in particular.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass
from typing import Literal, NamedTuple

Expects = Literal["number", "date", "name", "list", "definition", "code", "yes_no", "open"]


@dataclass(frozen=True)
class QuestionKind:
    """``expects``: what an answer must hold. ``several``: the question asks for more than
    one thing (a plural "¿qué técnicas…?", "which benchmarks…", "list…"). ``about_code``:
    commands, flags, ports, variables, files."""

    expects: Expects
    several: bool = False
    about_code: bool = False
    money: bool = False  # a price: "¿cuánto cuesta…?", "how much does … cost"
    # What a second question word joined by "y"/"and" asks for too: "¿Quién propuso X
    # y en qué año?" expects a name and a date.
    also: tuple[Expects, ...] = ()
    # "¿Qué método…?", "Which tool…?": the thing of that sort the answer must name
    # ("método", "tool"); "" when the question does not ask to name one.
    entity: str = ""
    # "¿Qué temperatura…?", "Which license…?": a measure whose values are written in a
    # form of their own (agent/tools/answer_features.py, ``holds_measure``); "" if none.
    measure: str = ""
    # "¿Cuándo hay que reindexar?", "When should I retrain?": a "when" about what to do,
    # answered by a condition ("Solo si cambias de modelo") as well as by a date.
    occasion: bool = False

    @property
    def parts(self) -> tuple[Expects, ...]:
        """Everything the question asks for: its main need, then what "y…"/"and…" adds."""
        return (self.expects, *self.also)


# Leading punctuation is read up to 64 characters (``^\W{0,64}``): an unbounded ``^\W*``
# inside an alternation made the search superlinear on long runs of punctuation (issue 20).
_QUANTITY_ES = (
    r"porcentaje|fracci[óo]n|proporci[óo]n|tamaño|valor|versi[óo]n|puerto|rango|cantidad|"
    r"n[úu]mero|puntuaci[óo]n|precio|velocidad|tasa|learning rate|batch size"
)
_QUANTITY_EN = (
    r"percentage|fraction|size|value|version|port|rank|number|score|price|speed|"
    r"learning rate|count|amount|length|temperature|batch size"
)
# Spanish question words carry an accent ("qué", "cuándo"); without it they are
# conjunctions ("que", "cuando"), except typed at the start of the question, which
# _accented() restores before these patterns run.
_NUMBER = re.compile(
    r"\b(?:cuánt[oa]s?|how (?:many|much|long|big|large|old|far|fast)|"
    rf"(?:qué|cuál es (?:el|la)) (?:\w+ ){{0,2}}?(?:{_QUANTITY_ES})|"
    r"en qué puerto|on which port|what share|(?:a )?qué edad|(?:at )?what age)\b|"
    rf"^\W{{0,64}}(?:what|which)(?:'s| is| was| are| were)? (?:the )?(?:[\w@.'-]+ ){{0,5}}?"
    rf"(?:{_QUANTITY_EN})\b",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"\bcuándo\b|^\W{0,64}when (?:did|was|were|is|are|does|do|will|has|had|would|could|can)\b|"
    r"\b(?:what year|which year|en qué (?:año|fecha|siglo|d[ée]cada)|"
    r"qué (?:año|fecha|d[íi]a)|cuál (?:es|fue|era) (?:la fecha|el año)|"
    r"what (?:date|day|century|decade)|in (?:what|which) (?:year|century|decade))\b",
    re.IGNORECASE,
)
# A "when" about practice, not about an event: what one must, should or needs to do.
_PRACTICE = re.compile(
    r"\b(?:hay que|conviene|deb(?:o|es|e|emos|en|er[íi]a|er[íi]amos)|tengo que|tenemos que|"
    r"es necesario|hace falta|should|must|need to|ought to|do (?:i|we|you) need|"
    r"is it (?:worth|better|time))\b",
    re.IGNORECASE,
)
# ... unless it asks about the past: "When did we need to roll back?" asks for a date.
_PAST = re.compile(
    r"\b(?:did|was|were|had|hubo|fue|fueron|tuvo|tuvimos|tuvieron|tuve|hab[íi]a|"
    r"hab[íi]amos|debi[óo]|debimos)\b",
    re.IGNORECASE,
)
_REASON = re.compile(r"^\W{0,64}(?:por qué|why|how come|para qué)\b", re.IGNORECASE)
_MONEY = re.compile(
    r"\b(?:cuest[ao]n?|cost(?:s|ó|aba|ar)?|precio|price|pagar|pay|tarifa|fee|"
    r"gast(?:o|a|an|amos|ó|aron|é|ar|aste|asteis|ado)|spen[dt]s?|spending|"
    r"cobr(?:a|an|amos|ó|aron|ar)|charge[sd]?)\b",
    re.IGNORECASE,
)
# "¿Cuánto tiempo cuesta…?", "what does it cost in memory": a cost that is not money.
_NOT_MONEY = re.compile(
    r"\b(?:tiempo|memoria|latencia|precisi[óo]n|exactitud|puntos?|tokens?|pasos?|time|"
    r"memory|latency|accuracy|points?|steps?|vram|gb|mb)\b|"
    # what is counted is not money: "¿Cuántas horas gastamos…?", "How much energy does a
    # run spend?", "How much extra compute does it cost?" (not "¿Cuánto cuesta la API por
    # hora?" nor "How much does the high-quality plan cost?")
    r"\b(?:cu[áa]nt[oa]s?|how\s{1,8}(?:much|many))\s{1,8}(?:(?:extra|more|m[áa]s)\s{1,8})?"
    r"(?:horas?|hours?|minutos?|minutes?|d[íi]as?|days?|energ[íi]a|energy|bater[íi]a|"
    r"battery|kwh|datos|data|compute|c[óo]mputo|computaci[óo]n|flops|rendimiento)\b|"
    r"\b(?:costs?|cuestan?)\s{1,8}(?:in|en)\s{1,8}(?:compute|c[óo]mputo|speed|velocidad|"
    r"quality|calidad|rendimiento|throughput)\b",
    re.IGNORECASE,
)
_WHO = re.compile(r"\bquién(?:es)?\b|^\W{0,64}(?:who|whom|whose)\b|\bby whom\b", re.IGNORECASE)
# "¿Qué es X?", "What is pass@k?", "¿Para qué sirve BM25?": short, about one term.
# "What is the name of…" is not a definition question.
_DEFINITION = re.compile(
    r"^\W{0,64}(?:qué (?:es|son|significa|quiere decir|mide|hace)|"
    r"what (?:is|are)(?! (?:the|a|an) )|what does .+ (?:mean|do|measure)|"
    r"para qué (?:sirve|se usa)|define|explica)\b",
    re.IGNORECASE,
)
_YES_NO = re.compile(
    r"^\W{0,64}(?:does|do|is|are|was|were|can|could|should|would|will|did|has|have|had|"
    r"must|se puede|puede|puedo|soporta|funciona|hay que|es (?:posible|necesario))\b",
    re.IGNORECASE,
)
# A Spanish question asks yes or no when it has no question word and one of these verbs
# opens it or follows its subject: "¿Tiene coche Clara Vidal?", "¿Necesita QLoRA
# calibración?", "¿Clara Vidal tiene coche?". "¿Y QLoRA?" or "¿Ventajas de QLoRA?" has
# no verb and asks something open.
_WH_WORD = re.compile(
    r"\b(?:qué|quién(?:es)?|cuál(?:es)?|cómo|cuándo|dónde|adónde|cuánt[oa]s?|cuán|cuan|porque|"
    r"what|which|who|whom|whose|how|when|where|why)\b"
    # typed without accents after a preposition or a verb of asking: "¿por que…?",
    # "¿en que año…?", "¿sabes que formato…?"
    r"|\b(?:por|para|en|de|con|a|sabes|sabe|saber)\s{1,8}(?:que|quien|quienes|cual|cuales|"
    r"como|cuando|donde|cuanto|cuanta|cuantos|cuantas|cuan)\b",
    re.IGNORECASE,
)
_YES_NO_VERB = re.compile(
    r"^\W{0,8}(?:[^\W\d_]{1,40}\s{1,8}){0,3}?(?:es|son|está|están|era|fue|tiene|tienen|"
    r"tenía|hay|había|necesita|necesitan|usa|usan|utiliza|utilizan|soporta|soportan|admite|"
    r"incluye|incluyen|requiere|requieren|permite|permiten|existe|existen|sirve|sirven|vale|"
    r"conviene|funciona|funcionan|cabe|corre|ocupa|puede|pueden|debo|debe|deben|hace|hizo|"
    r"ganó|llegó|ha|han)\b",
    re.IGNORECASE,
)
_LIST = re.compile(
    r"\b(?:cuáles (?:son|fueron) (?:los|las)|qué (?:\w+ )?(?:hay|existen)|enumera|lista(?:r)?|"
    r"list|name (?:the|all)|qué pasos|what steps|los pasos|the steps)\b",
    re.IGNORECASE,
)
# "¿Qué técnicas…?", "which benchmarks…", "what biases…": a plural noun right after the
# question word. Spanish and English plurals end in -s; a few invariable words are not.
# The noun after the question word (past "other"/"otras", "the"/"las"); or, when the
# first word is a modifier ("which vector indexes are…"), the second, if a verb follows.
_PLURAL_AFTER = re.compile(
    r"\b(?:qué|cuáles|which|what)\s+(?:(?:otr[oa]s|other|the|l[oa]s|main|principales)\s+)?"
    r"([^\W\d_][\w-]{2,})(?:\s+([^\W\d_][\w-]{2,})(?=\s+(?:are|were|did|do|have|has|"
    r"son|eran|fueron|hay|se)\b))?",
    re.IGNORECASE,
)
_AUXILIARIES = frozenset({
    "are", "were", "was", "is", "did", "does", "do", "have", "has", "son", "eran", "fueron",
    "es", "era", "fue", "hay", "han", "se",
})  # fmt: skip
_NOT_PLURAL = frozenset({
    "es", "is", "has", "was", "does", "this", "tus", "sus", "mis", "les", "más", "mas",
    "bus", "plus", "status", "corpus", "virus", "bias", "analysis", "class",
    "process", "access", "loss", "address", "pass", "less", "its", "as", "us", "yes",
    # "¿qué tipos de…?" asks what kind, as often one as several
    "types", "kinds", "sorts", "tipos", "clases",
})  # fmt: skip
_QUESTION_WORDS = {
    "que": "qué", "cuando": "cuándo", "quien": "quién", "quienes": "quiénes",
    "cuanto": "cuánto", "cuanta": "cuánta", "cuantos": "cuántos", "cuantas": "cuántas",
    "cual": "cuál", "cuales": "cuáles", "donde": "dónde", "como": "cómo",
}  # fmt: skip
_UNACCENTED_OPENING = re.compile(
    r"(^\W{0,64}|¿\s*)(" + "|".join(_QUESTION_WORDS) + r")\b", re.IGNORECASE
)


def _accented(text: str) -> str:
    """ "cuantas muestras…?" typed without accents: an opening "cuantas" is the question
    word, so it gets its accent back — right after "¿", or at the start of a question that
    has no "¿" further on ("Cuando estaban…, ¿cuál era…?" opens with a conjunction)."""

    def restore(match: re.Match[str]) -> str:
        opening = match.group(1)
        if "¿" not in opening and "¿" in text[match.end() :]:
            return match.group(0)
        return opening + _QUESTION_WORDS[match.group(2).lower()]

    return _UNACCENTED_OPENING.sub(restore, text)


_CODE = re.compile(
    r"\b(?:comando|command|flag|opci[óo]n|option|par[áa]metro|parameter|argumento|argument|"
    r"variable|env(?:ironment)?|puerto|port|instal\w*|install\w*|ejecut\w*|run|script|cli|"
    r"endpoint|ruta|path|config\w*|archivo|file|terminal|shell|bash|pip|cargo|npm)\b|`",
    re.IGNORECASE,
)
# Tools whose answers are commands ("¿Qué imagen de Docker usa el bot?" is answered by the
# `docker run` line); not in a question asking why ("Why did we move away from Docker?"
# wants the reason, not a command).
_CODE_TOOLS = re.compile(r"\b(?:docker\w*|contenedor(?:es)?|containers?|helm|kubectl)\b", re.I)


# "¿Quién propuso X y en qué año?", "Who introduced LoRA and when?": a second question
# word after "y"/"and" asks for a second thing.
_SECOND_ASK = re.compile(
    r"\s(?:y|e|and)\s+(?=(?:en\s+|in\s+)?(?:qué|cuándo|cuánt[oa]s?|quién(?:es)?|dónde|"
    r"what|which|when|who|where|how\s+(?:many|much))\b)",
    re.IGNORECASE,
)
# Sorts of things a "which/qué X" question asks to name. An answer that never names
# one ("Este método no necesita calibración" for "¿Qué método no necesita…?") says
# something about it but not which it is.
_ENTITY_NOUNS = (
    r"tools?|methods?|techniques?|models?|formats?|librar(?:y|ies)|frameworks?|runtimes?|"
    r"projects?|engines?|kernels?|trainers?|backends?|algorithms?|papers?|compan(?:y|ies)|"
    r"labs?|datasets?|benchmarks?|metrics?|optimi[sz]ers?|packages?|apps?|applications?|"
    r"servers?|databases?|architectures?|systems?|products?|services?|"
    r"herramientas?|métodos?|metodos?|técnicas?|tecnicas?|modelos?|formatos?|librerías?|"
    r"librerias?|bibliotecas?|entornos?|proyectos?|motor(?:es)?|algoritmos?|artículos?|"
    r"empresas?|laboratorios?|métricas?|metricas?|optimizador(?:es)?|paquetes?|"
    r"aplicaci(?:ón|on|ones)|servidor(?:es)?|arquitecturas?|sistemas?|productos?|servicios?"
)
_ENTITY = re.compile(
    r"^\W*(?:which|what|qué|cuál(?:es)?)\s+(?:(?:of\s+the|de\s+l[oa]s)\s+)?"
    r"(?:[^\W\d_]+\s+)?(" + _ENTITY_NOUNS + r")\b",
    re.IGNORECASE,
)


# Measures whose values have a written form of their own: "¿Qué temperatura usamos?" is
# not answered by any number of the right row (a latency, a batch size) but by a
# temperature; "¿Qué licencia tiene X?" not by X's bits but by a license. The measure
# must be what the question word asks for ("¿qué temperatura…?", "what is the license
# of…?"), not a word further on ("¿Qué modelo usa temperatura 0?").
_MEASURE_NOUNS = {
    "percentage": r"porcentajes?|percentages?",
    "temperature": r"temperaturas?|temperatures?",
    "speed": r"velocidad(?:es)?|speeds?",
    "version": r"versi[óo]n(?:es)?|versions?",
    "license": r"licencias?|licen[cs]es?",
}
# Ways to reach someone or something, asked for only by "what is…"/"¿cuál es…?" ("¿Cuál
# es el teléfono de Marcos?", "What is Lucía's email address?", "What's the URL for the
# docs?"): "¿Qué correo mandó Lucía?" asks for a message, not an address. The noun ends
# its phrase: the question stops there or says whose it is ("de…", "of…", "for…"), so
# "What is the email retention policy?", "What is the phone's battery life?", "¿Cuál es
# el enlace entre…?" and "What is the best phone for…?" ask for something else.
_CONTACT_NOUNS = {
    "phone": r"(?:n[úu]meros? de )?(?:tel[ée]fonos?|m[óo]vil|celular)(?: de contacto)?|"
    r"(?:tele)?phone(?: numbers?)?|mobile numbers?",
    "email": r"(?:direcci[óo]n(?:es)? de )?(?:correo|e-?mail|mail)(?: electr[óo]nico)?|"
    r"e-?mail address(?:es)?",
    "url": r"urls?|enlaces?|webs?|(?:p[áa]gina|sitio|direcci[óo]n) web|websites?|"
    r"web ?pages?|web address(?:es)?",
}
_CONTACT = re.compile(
    r"\b(?:qu[ée]|cu[áa]l(?:es)?|what)(?:'s|’s|\s{1,8}(?:es|era|son|is|was|are))\s{1,8}"
    r"(?:(?:el|la|los|las|the|its|their|su|sus)\s{1,8})?"
    # whose, before the noun: "Lucía's", "the support team's"
    r"(?P<owner>(?:[^\W\d_]{1,40}\s{1,8}){0,2}[^\W\d_]{1,40}(?:'s|’s|')\s{1,8})?(?:"
    + "|".join(f"(?P<{name}>{nouns})" for name, nouns in _CONTACT_NOUNS.items())
    + r")(?=\s{0,8}(?:[?¿.!]|$|(?:de|del|of|for|para|in|en)\s))",
    re.IGNORECASE,
)
# whose, after it: "de Marcos", "del máster", "of the lab", "for the docs"
_OWNER_AFTER = re.compile(r"\s{0,8}(?:de|del|of|for|para)\s{1,8}([^?¿.!]{1,80})", re.IGNORECASE)


# The question word and what may stand between it and the noun it asks for: "¿Qué
# temperatura…?", "what is the license…", "¿Cuál es la latencia…?", "What p95 latency…".
_ASKED_NOUN_OPENING = (
    r"\b(?:qué|cuál(?:es)?|which|what)\s{1,8}(?:(?:es|era|fue|son|is|was|are|were)\s{1,8})?"
    r"(?:(?:el|la|los|las|the|its|their|su|sus)\s{1,8})?(?:[^\W\d_]{1,40}\s{1,8})?"
)
_MEASURE = re.compile(
    _ASKED_NOUN_OPENING
    + r"(?:"
    + "|".join(f"(?P<{name}>{nouns})" for name, nouns in _MEASURE_NOUNS.items())
    + r")\b",
    re.IGNORECASE,
)


# "¿Cuánta memoria usa…?", "How much RAM…?": an amount of memory, written with its unit.
# Only after "how much": "Which memory optimization…?" asks for a technique.
_MEMORY = re.compile(
    r"\b(?:cuánt[oa]s?|how much)\s{1,8}(?:(?!conversation|chat|context)[^\W\d_]{1,40}\s{1,8})?"
    r"(?:memoria|memory|ram|vram|disco|disk)\b(?!\s{1,8}(?:de|del|of|in)\s{1,8}"
    r"(?:(?:la|the)\s{1,8})?(?:conversaci[óo]n|conversation|chat|contexto|context|trabajo)\b)",
    re.IGNORECASE,
)


# "¿Cuál es el presupuesto…?", "What is the price of…?": money asked by its noun, not by
# "cuánto cuesta". Only nouns that always mean money: "coste" also means time in notes
# ("Coste: la pasada completa tarda unas 3 h"), and "token budget" is not money.
# The noun right after the question word and its article ("error budget", "compute
# budget" are not money), and the question's head: not a modifier of another noun
# ("Which pricing tier…?", "What is the salary range?", "¿Qué tarifa contrataron?" asks
# for a plan), and not money of something measured ("presupuesto de cómputo").
_MONEY_NOUN = re.compile(
    r"\b(?:qué|cuál(?:es)?|what)\s{1,8}(?:es|era|fue|son|is|was|are|were)\s{1,8}"
    r"(?:el|la|los|las|the|its|their|su|sus)\s{1,8}"
    r"(?:presupuestos?|precios?|salarios?|sueldos?|budgets?|prices?|salar(?:y|ies))"
    r"(?=\s{0,8}(?:\?|$|(?:de|del|of|for|para)\s{1,8}(?!(?:la\s|el\s|the\s)?"
    r"(?:c[óo]mputo|compute|energ|error|rendimiento|performance|contexto|context|"
    r"latencia|latency|memoria|memory|tokens?)\b)))",
    re.IGNORECASE,
)


class _AskedContact(NamedTuple):
    measure: str  # "phone", "email" or "url"
    noun: str  # the words asking for it: "email address", "teléfono"
    owner: str  # whose: "Marcos", "the support team"; "" when the question says no one


@functools.lru_cache(maxsize=1024)
def _asked_contact(question: str) -> _AskedContact | None:
    """The address ``question`` asks for (``_CONTACT``), read once per question: the
    answerer asks for it for every unit of every passage."""
    contact = _CONTACT.search(question)
    if contact is None:
        return None
    measure = next(name for name in _CONTACT_NOUNS if contact.group(name))
    if contact.group("owner"):
        owner = re.sub(r"(?:'s|’s|')\s*$", "", contact.group("owner").strip())
    else:
        after = _OWNER_AFTER.match(question, contact.end())
        owner = after.group(1).strip() if after else ""
    return _AskedContact(measure, contact.group(measure), owner)


def contact_noun(question: str) -> str:
    """The words a question asks for a phone, an e-mail or a web address by ("email
    address", "teléfono"), or "". A unit that holds the address itself says them: "Cc:
    Marcos Gil <marcos.gil@…>" answers "What is Marcos's email address?" without the
    word "email" (agent/tools/unit_scoring.py, ``keys_said_by_address``)."""
    contact = _asked_contact(question)
    return contact.noun if contact else ""


def contact_owner(question: str) -> str:
    """Whose phone, e-mail or web address a question asks for: "Marcos" in "¿Cuál es el
    teléfono de Marcos?", "Lucía" in "What is Lucía's email address?", "the docs" in
    "What is the URL for the docs?"; "" when it says no one ("What is the phone
    number?") or asks for no address."""
    contact = _asked_contact(question)
    return contact.owner if contact else ""


def _measure(text: str) -> str:
    """The measure the question word asks for (a key of ``_MEASURE_NOUNS``, or "memory"),
    or ""."""
    if _MEMORY.search(text):
        return "memory"
    contact = _asked_contact(text)
    if contact is not None:
        return contact.measure
    match = _MEASURE.search(text)
    if match is None:
        return ""
    return next(name for name in _MEASURE_NOUNS if match.group(name))


# Metrics: "What accuracy did the adapter reach?", "¿Qué latencia añade el reranker?".
# Notes write a metric's name (or its usual short form) beside its value ("Recall@5:
# 0.86", "acc = 0.912", "p95 38 ms"), so a unit that names none gives another figure (the
# r=16 line's macro-F1 for "What accuracy…?"). Each metric with the names it goes by,
# matched as whole words: by prefix "latency" met "latent" and "perplexity" "perplexed".
# Words with an everyday sense are left out ("nota", "grade", "precisión", "loss").
_METRICS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    # (the nouns a question asks for it by, the names notes write it by)
    (("accuracy", "exactitud"), ("accuracy", "acc", "exactitud")),
    (("f1",), ("f1", "f1-score", "f-score")),
    (("recall", "exhaustividad"), ("recall", "exhaustividad")),
    (("latency", "latencia"), ("latency", "latencia", "p50", "p90", "p95", "p99")),
    (("throughput",), ("throughput", "tokens/s", "tok/s", "req/s", "rendimiento")),
    (("perplexity", "perplejidad"), ("perplexity", "perplejidad", "ppl")),
    (("bleu",), ("bleu",)),
    (("rouge",), ("rouge", "rouge-l", "rouge-1", "rouge-2")),
    (("mmlu",), ("mmlu",)),
    (("ndcg",), ("ndcg",)),
    (("mrr",), ("mrr",)),
    (("faithfulness", "fidelidad"), ("faithfulness", "fidelidad")),
)
METRIC_NAMES: dict[str, tuple[str, ...]] = {
    noun: names for nouns, names in _METRICS for noun in nouns
}
"""An asked metric noun -> every name notes write that metric by."""
_METRIC_NOUNS = "|".join(sorted(METRIC_NAMES, key=len, reverse=True))
_METRIC = re.compile(_ASKED_NOUN_OPENING + r"(" + _METRIC_NOUNS + r")\b", re.IGNORECASE)
_METRIC_NOUN = re.compile(r"\b(?:" + _METRIC_NOUNS + r")\b", re.IGNORECASE)


@functools.lru_cache(maxsize=1024)
def asked_metrics(question: str) -> tuple[str, ...]:
    """The metrics the question word asks for, lowercased: ("accuracy",) for "What
    accuracy did…?", ("accuracy", "f1") for "What accuracy and F1 did we get?"; () when
    it asks for none. Their names: :data:`METRIC_NAMES`."""
    text = _accented(" ".join(question.split()))
    match = _METRIC.search(text)
    if match is None:
        return ()
    more = [m[0].lower() for m in _METRIC_NOUN.finditer(text, match.end())]
    return tuple(dict.fromkeys([match[1].lower(), *more]))


def question_kind(question: str) -> QuestionKind:
    """What ``question`` asks for (see :class:`QuestionKind`)."""
    text = _accented(" ".join(question.split()))
    second = _SECOND_ASK.search(text)
    if second is not None:
        first = _single_kind(text[: second.start()])
        more = _single_kind(text[second.end() :])
        also = (more.expects,) if more.expects not in ("open", first.expects) else ()
        return QuestionKind(
            first.expects,
            first.several,
            first.about_code or more.about_code,
            first.money,
            also=also,
            entity=first.entity,
            measure=first.measure,
            occasion=first.occasion,
        )
    return _single_kind(text)


def _single_kind(text: str) -> QuestionKind:
    """What one question (no second question word) asks for."""
    kind = _bare_kind(text)
    if kind.expects == "definition" and _asked_contact(text):
        # "What is Marcos's email address?" asks for an address, not what one is
        kind = dataclasses.replace(kind, expects="open")
    if kind.expects == "open" and _MONEY_NOUN.search(text) and not _NOT_MONEY.search(text):
        kind = dataclasses.replace(kind, money=True)
    measure = _measure(text) if kind.expects in ("number", "open", "code") else ""
    entity = _ENTITY.search(text)
    if entity is None or kind.expects in ("number", "date", "name", "definition", "yes_no"):
        return dataclasses.replace(kind, measure=measure) if measure else kind
    return QuestionKind(
        kind.expects,
        kind.several,
        kind.about_code,
        kind.money,
        entity=entity.group(1).lower(),
        measure=measure,
    )


def _bare_kind(text: str) -> QuestionKind:
    """What ``text`` asks for by its first question word."""
    about_code = bool(_CODE.search(text))
    if _REASON.search(text):  # "¿por qué…?" asks for an explanation, whatever follows
        return QuestionKind("open", about_code=about_code)
    about_code = about_code or bool(_CODE_TOOLS.search(text))
    several = _asks_for_several(text)
    if _NUMBER.search(text):
        expects: Expects = "number"
        if _MONEY.search(text) and not _NOT_MONEY.search(text):
            return QuestionKind("number", several, about_code, money=True)
    elif _DATE.search(text):
        occasion = bool(_PRACTICE.search(text)) and not _PAST.search(text)
        return QuestionKind("date", several, about_code, occasion=occasion)
    elif _WHO.search(text):
        expects = "name"
    elif several:
        expects = "list"
    elif _YES_NO.search(text) or _spanish_yes_no(text):
        expects = "yes_no"
    elif _DEFINITION.search(text) and len(text.split()) <= 8:
        expects = "definition"
    elif about_code and re.search(r"\b(?:cómo|how|qué|which|what)\b", text, re.I):
        expects = "code"
    else:
        expects = "open"
    return QuestionKind(expects, several=several, about_code=about_code)


def _spanish_yes_no(text: str) -> bool:
    """A "¿…?" with no question word whose verb is among its first words."""
    if "¿" not in text or _WH_WORD.search(text):
        return False
    return bool(_YES_NO_VERB.search(text[text.index("¿") + 1 :]))


def _asks_for_several(text: str) -> bool:
    if _LIST.search(text):
        return True
    match = _PLURAL_AFTER.search(text)
    if match is None:
        return False
    first, second = (w.lower() if w else None for w in match.groups())
    if first in _AUXILIARIES:  # "what are clades?" asks what they are
        return False
    return _is_plural(first) or (second is not None and _is_plural(second))


def _is_plural(word: str | None) -> bool:
    return (
        word is not None
        and word not in _NOT_PLURAL
        and word.endswith("s")
        and not word.endswith(("ss", "is", "ous", "'s", "’s"))
    )
