"""The word keys the offline answerer compares a question and a passage by.

The answerer compares words by their five-letter prefixes (ingestion/text_analysis.py),
which meets regular morphology ("cuantizar" / "cuantización") but not what differs
early in a word. Before prefixes are cut, here:

- an irregular verb form is read as its infinitive: "held out" never met "hold out",
  "who wrote" never met "written by", "¿quién propuso…?" never met "fue propuesto por";
  "author"/"autora" is read as "write"/"escribir";
- an English "-ied" past as its "-y" base ("tried" / "try"), a short form as its word
  ("docs" / "documentation");
- code's joined words apart ("transformers.__version__", "lora_alpha");
- in Spanish, a regular "-ar" verb with a root of two to four letters as its infinitive
  ("usan" / "usamos", "ganó" / "ganaron": persons that differ inside five letters);
- and a question (:func:`question_keys`) without the words notes never say ("ahora",
  "now", the "many" of "how many").

Other regular forms are left as they are. Only the answerer's comparisons use this, not the
index: retrieval has its stemmers and the embedding.
"""

from __future__ import annotations

import re

from ingestion.text_analysis import fold_accents, is_function_word, prefixes

# infinitive, then its irregular forms (past, participle, third person where it changes).
# Left out: forms that are more often a noun or an adjective in course notes ("bound",
# "found", "left", "saw", "meant", "born", "fed", "shot", "lost", "puesto", "hecho",
# "dicho", "vino", "visto", "impuesto", "compuesto"); they would make a unit about an upper
# bound look like one about binding.
_ENGLISH = """
arise arose arisen|beat beaten|become became|begin began begun|bend bent|
bite bitten|blow blew blown|break broke broken|breed bred|bring brought|build built|
buy bought|catch caught|choose chose chosen|come came|deal dealt|dig dug|do did done does|
draw drew drawn|drink drank drunk|drive drove driven|eat ate eaten|fall fallen|
feel felt|fight fought|flee fled|fly flew flown|forbid forbade forbidden|
forget forgot forgotten|forgive forgave forgiven|freeze froze frozen|get got gotten|
give gave given|go went gone goes|grow grew grown|hang hung|hear heard|hide hid hidden|
hold held|keep kept|know knew known|lead led|lend lent|make made|meet met|pay paid|
ride rode ridden|rise risen|run ran|say said says|see seen|seek sought|sell sold|
send sent|shake shook shaken|show shown|shrink shrank shrunk|sing sang sung|
sit sat|sleep slept|slide slid|speak spoke spoken|spend spent|steal stole stolen|
strike struck|swear swore sworn|sweep swept|swim swam swum|swing swung|take took taken|
teach taught|tell told|think thought|throw threw thrown|understand understood|
wake woke woken|wear wore worn|win won|write wrote written|overcome overcame|
undertake undertook undertaken|withdraw withdrew withdrawn|uphold upheld|
overthrow overthrew overthrown|mislead misled|oversee oversaw overseen|rebuild rebuilt|
rewrite rewrote rewritten
"""
_SPANISH = """
hacer hizo hicieron|tener tuvo tuvieron|poner puso pusieron|decir dijo dijeron|
venir vinieron|traer trajo trajeron|producir produjo produjeron|conducir condujo
condujeron|introducir introdujo introdujeron|traducir tradujo tradujeron|reducir redujo
redujeron|querer quiso quisieron|saber supo supieron|poder pudo pudieron|
estar estuvo estuvieron|haber hubo|dar dio dieron|ver vio vieron|morir murió murieron
muerto muerta muertos muertas|elegir eligió eligieron|pedir pidió pidieron|
seguir siguió siguieron|servir sirvió sirvieron|convertir convirtió convirtieron|
preferir prefirió prefirieron|construir construyó construyeron|destruir destruyó
destruyeron|incluir incluyó incluyeron|contribuir contribuyó contribuyeron|
distribuir distribuyó distribuyeron|leer leyó leyeron|creer creyó creyeron|caer cayó
cayeron|escribir escribió escribieron escrito escrita escritos escritas|
volver vuelto vuelta vueltos vueltas|abrir abierto abierta abiertos abiertas|
romper roto rota rotos rotas|cubrir cubierto cubierta cubiertos cubiertas|
descubrir descubierto descubierta descubiertos descubiertas|resolver resuelto resuelta
resueltos resueltas|proponer propuso propusieron propuesto propuesta propuestos
propuestas|componer compuso compusieron|imponer impuso impusieron|disponer dispuso
dispusieron|obtener obtuvo obtuvieron|mantener mantuvo mantuvieron|contener contuvo|
sostener sostuvo sostuvieron|detener detuvo detuvieron
"""


def _table(text: str) -> dict[str, str]:
    """Folded form -> infinitive: "eligio" typed without its accent is "eligió"."""
    table: dict[str, str] = {}
    for group in text.split("|"):
        infinitive, *forms = group.split()
        for form in forms:
            table.setdefault(fold_accents(form), infinitive)
    return table


# The noun for who wrote a text shares no letters with the verb ("author: Kenji
# Watanabe" answers "Who wrote the guide?"; "autora: Ana" answers "¿Quién escribió…?").
_AUTHOR = "write author authors authored|escribir autor autora autores autoras"

# Verbs and the nouns notes write instead, whose keys differ: "¿Cuándo termina el
# piloto?" over a plan's "Fin: 28 feb", "Which method did they decide on?" over a
# "Decision" box, "When does it start?" over "Inicio: lunes".
_FAMILIES = """
end ends ended finish finishes finished|fin termina terminan terminar terminó acaba acaban
acabar acabó finaliza finalizan finalizar finalizó|start starts started begin begins began
begun|inicio empieza empiezan empezar empezó comienza comienzan comenzar comenzó|
decide decision decisions|decidir decisión decisiones
"""

INFINITIVES = {
    **_table(_ENGLISH), **_table(_SPANISH), **_table(_AUTHOR), **_table(_FAMILIES)
}  # fmt: skip
"""Irregular form (accent-folded) -> infinitive (or the family's word), both languages."""

_WORD = re.compile(r"[^\W\d_]+")


# An English "-ied" past and its "-y" base differ in their fifth letter, so "Which chunk
# sizes did they try?" never met "We tried 256, 512…" ("tried", "applied", "studied").
# Read as the base. Not "-ies": "cookies" and "movies" are plurals of "-ie" words.


# Short forms notes use for words a question spells out, whose five-letter keys differ:
# "the docs bot" for "el bot de documentación", "prod" for "production", code's
# "max_seq_length" for "longitud de secuencia".
_SHORT_FORMS = {
    "doc": "documentation", "docs": "documentation", "prod": "production",
    "repo": "repository", "repos": "repositories", "eval": "evaluation",
    "evals": "evaluations", "info": "information", "env": "environment",
    "dev": "development", "stats": "statistics", "seq": "sequence", "len": "length",
    "num": "number", "param": "parameter", "params": "parameters",
    "config": "configuration", "configs": "configurations",
    "tel": "teléfono", "tlf": "teléfono", "telf": "teléfono", "tfno": "teléfono",
}  # fmt: skip


def _base(word: str) -> str:
    folded = fold_accents(word)
    irregular = INFINITIVES.get(folded) or _SHORT_FORMS.get(folded)
    if irregular:
        return irregular
    if len(word) > 4 and word.endswith("ied") and word[-5:-3].isascii():
        return f"{word[:-3]}y"  # two ASCII letters before "ied": "tried", "applied"
    return word


def as_infinitives(text: str) -> str:
    """``text`` lowercased with each irregular verb form replaced by its infinitive
    (looked up without accents), each short form by its full word ("docs") and each
    "-ied" past by its "-y" base."""
    return _WORD.sub(lambda m: _base(m.group(0)), text.lower())


# "transformers.__version__", "lora_alpha": words joined by code's underscores and dots
# are words to the answerer ("¿Qué versión de transformers…?" met neither "version" in
# "__version__" nor anything in "lora_alpha"). Not a dot between digits ("4.41.2").
_JOINED = re.compile(r"_+|(?<=[^\W\d_])\.(?=[^\W\d_])")


# A regular Spanish "-ar" verb whose root is two to four letters long: its persons and
# tenses differ inside the first five letters ("usan" / "usamos", "ganó" / "ganaron",
# "jugó" / "jugaron"), so the question's person never met the notes'. Read as the
# infinitive. Only endings no noun of that shape has in common use (not "-a", "-o",
# "-as", "-ando": "comando"), a root with a vowel ("gran", "plan" are no verbs), and a
# capital only where a sentence starts ("Usamos vLLM…"; "Susan", "Roman" are names).
_SHORT_AR_FORM = re.compile(
    r"(?<![^\W\d_])([a-zñA-ZÑ][a-zñ]{1,3})"
    r"(?:ó|an|amos|aron|aba|aban|ado|ados|ada|adas|ar|ará|arán|aría|arían)(?![^\W\d_])"
)
_SENTENCE_START = re.compile(r"(?:^|[.!?¿¡:\n])[\s\"'(«“*_-]{0,8}$")


def _short_ar_infinitives(text: str) -> str:
    """``text`` with each such form as its infinitive; a function word ("eran",
    "estaban") stays what it is, a stopword."""

    def infinitive(match: re.Match[str]) -> str:
        form, root = match.group(0), match.group(1)
        if is_function_word(form, "es") or not any(c in "aeiou" for c in root.lower()):
            return form
        start = match.start()
        # the few characters before the word only: searched from the text's start, each
        # capitalised form would read all the text before it
        if root[0].isupper() and not _SENTENCE_START.search(text, max(0, start - 10), start):
            return form  # a name inside a sentence
        return f"{root}ar"

    return _SHORT_AR_FORM.sub(infinitive, text)


def word_keys(text: str, language: str) -> list[str]:
    """What the answerer compares words by: five-letter prefixes of ``text`` with its
    irregular verb forms read as their infinitives, code's joined words apart."""
    words = _JOINED.sub(" ", text)
    if language == "es":
        words = _short_ar_infinitives(words)
    return prefixes(as_infinitives(words), language)


# Words that place a question in the asker's present, which notes written earlier never
# repeat: "¿Cuántos documentos se reranquean ahora?" over "reranqueamos solo el top 20"
# lost a third of its coverage to "ahora" and was abstained on.
_ASKERS_NOW = re.compile(
    r"\b(?:ahora(?: mismo)?|actualmente|hoy(?: en d[ií]a)?|now|currently|nowadays|today)\b",
    re.IGNORECASE,
)
# ... and the second word of an English question word: "how many" is "cuántos", a
# stopword, but "many" was a content word the notes had to say ("How many documents are
# reranked?" found a third of itself in "we rerank only the top 20"). Not "how long": with
# "long" gone, "inferior" alone (a prefix of "inference") covered half of "How long does
# inference take?" over a Spanish line about the learning rate.
_HOW_WHAT = re.compile(r"\bhow\s{1,8}(?:many|much)\b", re.IGNORECASE)


def question_keys(question: str, language: str) -> list[str]:
    """The word keys a question is compared by: :func:`word_keys` without the words that
    only say the question is about the present (whole words: "actualizar" stays) or
    complete its question word."""
    for filler in (_ASKERS_NOW, _HOW_WHAT):
        question = filler.sub(" ", question)
    return word_keys(question, language)
