"""Irregular verb forms, read as their infinitive before words are compared.

The offline answerer compares a question with a passage by five-letter prefixes of their
words (ingestion/text_analysis.py), which meets regular morphology ("cuantizar" /
"cuantización") but not an irregular verb: "held out" never meets "hold out", "who
wrote" never meets "written by", "¿quién propuso…?" never meets "fue propuesto por".
Here each irregular form is read as its infinitive first; a regular form is left as it
is. Only the answerer's comparisons use this, not the index: retrieval has its
stemmers and the embedding.
"""

from __future__ import annotations

import re

from ingestion.text_analysis import prefixes

# infinitive, then its irregular forms (past, participle, third person where it changes)
_ENGLISH = """
arise arose arisen|bear bore borne born|beat beaten|become became|begin began begun|
bend bent|bind bound|bite bitten|blow blew blown|break broke broken|breed bred|
bring brought|build built|buy bought|catch caught|choose chose chosen|come came|
deal dealt|dig dug|do did done does|draw drew drawn|drink drank drunk|drive drove driven|
eat ate eaten|fall fell fallen|feed fed|feel felt|fight fought|find found|flee fled|
fly flew flown|forbid forbade forbidden|forget forgot forgotten|forgive forgave forgiven|
freeze froze frozen|get got gotten|give gave given|go went gone goes|grow grew grown|
hang hung|hear heard|hide hid hidden|hold held|keep kept|know knew known|lay laid|
lead led|leave left|lend lent|lose lost|make made|mean meant|meet met|pay paid|
ride rode ridden|ring rang rung|rise rose risen|run ran|say said says|see saw seen|
seek sought|sell sold|send sent|shake shook shaken|shoot shot|show shown|
shrink shrank shrunk|sing sang sung|sink sank sunk|sit sat|sleep slept|slide slid|
speak spoke spoken|spend spent|spin spun|spring sprang sprung|stand stood|
steal stole stolen|stick stuck|strike struck|swear swore sworn|sweep swept|
swim swam swum|swing swung|take took taken|teach taught|tear tore torn|tell told|
think thought|throw threw thrown|understand understood|wake woke woken|wear wore worn|
win won|write wrote written|overcome overcame|undertake undertook undertaken|
withdraw withdrew withdrawn|uphold upheld|overthrow overthrew overthrown|
mislead misled|oversee oversaw overseen|rebuild rebuilt|rewrite rewrote rewritten
"""
_SPANISH = """
hacer hizo hicieron hecho hecha hechos hechas|tener tuvo tuvieron|poner puso pusieron
puesto puesta|decir dijo dijeron dicho dicha|venir vino vinieron|traer trajo trajeron|
producir produjo produjeron|conducir condujo condujeron|introducir introdujo
introdujeron|traducir tradujo tradujeron|reducir redujo redujeron|querer quiso quisieron|
saber supo supieron|poder pudo pudieron|estar estuvo estuvieron|haber hubo|
dar dio dieron|ver vio vieron visto|morir murió murieron muerto muerta|
elegir eligió eligieron|pedir pidió pidieron|seguir siguió siguieron|
servir sirvió sirvieron|convertir convirtió convirtieron|preferir prefirió prefirieron|
construir construyó construyeron|destruir destruyó destruyeron|incluir incluyó
incluyeron|contribuir contribuyó contribuyeron|distribuir distribuyó distribuyeron|
leer leyó leyeron|creer creyó creyeron|caer cayó cayeron|escribir escribió escribieron
escrito escrita escritos escritas|volver vuelto|abrir abierto abierta|romper roto rota|
cubrir cubierto|descubrir descubierto descubierta descubiertos|resolver resuelto|
proponer propuso propusieron propuesto propuesta|componer compuso compusieron compuesto|
imponer impuso impusieron impuesto|disponer dispuso dispusieron|obtener obtuvo
obtuvieron|mantener mantuvo mantuvieron|contener contuvo|sostener sostuvo sostuvieron|
detener detuvo detuvieron
"""


def _table(text: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for group in text.split("|"):
        infinitive, *forms = group.split()
        for form in forms:
            table.setdefault(form, infinitive)
    return table


INFINITIVES = {**_table(_ENGLISH), **_table(_SPANISH)}
"""Irregular form -> infinitive, both languages (a form is in one of them only)."""

_WORD = re.compile(r"[^\W\d_]+")


def as_infinitives(text: str) -> str:
    """``text`` lowercased with each irregular verb form replaced by its infinitive."""
    return _WORD.sub(lambda m: INFINITIVES.get(m.group(0), m.group(0)), text.lower())


def word_keys(text: str, language: str) -> list[str]:
    """What the answerer compares words by: five-letter prefixes of ``text`` with its
    irregular verb forms read as their infinitives."""
    return prefixes(as_infinitives(text), language)
