"""The word lists the verifier's rules read: number words, months, negation cues,
direction words ("poles"), connectives and abbreviations, in Spanish and English.

Kept as data apart from the code that uses them, so a reviewer can read and extend them
without touching a rule.
"""

from __future__ import annotations

NUMBER_WORDS = {
    # "one"/"uno"/"una" double as articles and pronouns, and Spanish "once" (11) is an
    # English word; leaving them out costs little.
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "fifty": 50, "hundred": 100,
    "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8,
    "nueve": 9, "diez": 10, "doce": 12, "quince": 15, "veinte": 20, "treinta": 30,
    "cincuenta": 50, "cien": 100, "ciento": 100,
}  # fmt: skip


def _month_numbers(names: str) -> dict[str, int]:
    return {month: number for number, month in enumerate(names.split(), start=1)}


MONTHS_EN = _month_numbers(
    "january february march april may june july august september october november december"
)


MONTHS_ES = _month_numbers(
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
)


MONTHS_ES["setiembre"] = 9


# Negation cues. Negative pronouns ("nothing", "nadie", "nowhere") are left out: they do
# not negate the words that follow them.
NEGATIONS = frozenset({
    "no", "not", "never", "nor", "cannot", "without", "neither", "non", "nunca", "jamas",
    "sin", "ni", "ningun", "ninguna", "ninguno", "ningunos", "ningunas", "tampoco", "unlike",
})  # fmt: skip


# "not only X" / "no solo X" adds rather than denies.
ONLY = frozenset({"only", "just", "merely", "solo", "solamente", "unicamente", "simply"})


# Contrast phrases: "X rather than Y" denies Y just as "not Y" does.
CONTRAST = (("rather", "than"), ("instead", "of"), ("en", "vez", "de"), ("en", "lugar", "de"))


# Direction words, grouped by concept. A sentence that uses one pole where its matching
# source sentence uses only the opposite pole contradicts it. Matched on accent-folded,
# lowercased words, by prefix where Spanish and English inflect ("reduc" covers reduce,
# reduces, reduced, reducing, reducen, reducción).
POLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "magnitude": (
        ("increas", "aument", "incremen", "grow", "grew", "crec", "rais", "boost", "higher",
         "larger", "bigger", "greater", "mayor", "more", "mas", "rise", "rose", "expand",
         "ampli", "doubl", "dupli"),
        ("decreas", "reduc", "reduj", "disminu", "shrink", "lower", "smaller", "menor", "less",
         "fewer", "menos", "drop", "cut", "declin", "lessen", "minimi", "recort", "halv",
         "little", "barely", "hardly", "slight", "apenas"),
    ),
    "speed": (
        ("faster", "quicker", "rapid", "acceler", "speedup", "speeds"),
        ("slower", "lent", "slow", "ralentiz", "deceler"),
    ),
    "quality": (
        ("better", "mejor", "superior", "outperform", "improv"),
        ("worse", "peor", "inferior", "underperform", "degrad", "empeor"),
    ),
    "order": (
        ("before", "antes", "earlier", "previo", "prior"),
        ("after", "despues", "later", "posterior"),
    ),
    "position": (
        ("ahead", "delante", "above", "encima"),
        ("behind", "detras", "below", "debajo"),
    ),
    "extreme": (
        ("maxim", "max", "most", "largest", "highest", "mayoria"),
        ("minim", "min", "least", "smallest", "lowest"),
    ),
    "cost": (
        ("cheap", "barat", "inexpensive", "econom"),
        ("expensive", "costly", "caro", "cara", "caros", "caras", "costos"),
    ),
    "retention": (
        ("keep", "kept", "preserv", "retain", "conserv", "manten", "mantien", "guard"),
        ("remov", "strip", "discard", "drop", "elimin", "descart", "quit", "borr", "delet"),
    ),
}  # fmt: skip


# Whole words only for prefixes that would also match unrelated words.
EXACT_POLE_WORDS = frozenset({
    "mas", "more", "less", "menos", "cut", "max", "min", "most", "least", "caro", "cara",
    "caros", "caras", "rise", "rose", "drop", "mayor", "menor", "slow", "grew", "kept",
    "quit", "speeds", "little", "lent",
})  # fmt: skip


# Words that announce or frame content without asserting anything ("En resumen:",
# "In other words,", "Según los documentos:"). A sentence made only of these and
# stopwords is skipped rather than judged.
CONNECTIVES = frozenset({
    "resumen", "summary", "short", "conclusion", "brief", "breve", "words", "palabras",
    "note", "nota", "ejemplo", "example", "examples", "ejemplos", "instance", "however",
    "embargo", "therefore", "thus", "hence", "consecuencia", "additionally",
    "adicionalmente", "finally", "finalmente", "firstly", "secondly", "lastly", "overall",
    "general", "respuesta", "answer", "answers", "documentos", "documents", "document",
    "documento", "fuentes", "fuente", "sources", "source", "contexto", "context", "texto",
    "text", "follows", "following", "siguiente", "siguientes", "key", "clave", "points",
    "puntos", "main", "principales", "aqui", "here", "said", "dicho", "sum", "summarize",
    "summarise", "resumir", "resumiendo", "basically", "basicamente", "essentially",
    "esencialmente", "namely", "concretamente", "specifically", "especificamente",
    "importante", "important", "notar", "detalles", "details", "pregunta", "question",
})  # fmt: skip


ABBREVIATIONS = frozenset({"e.g", "i.e", "etc", "vs", "p.ej", "et", "al", "cf"})


SCALE_UNITS = frozenset({
    "b", "bn", "billion", "billon", "m", "million", "millon", "mil", "k", "thousand", "t",
    "trillion", "millone", "billione",
})  # fmt: skip

# What a scale word after a number multiplies it by. Spanish "billón" is 10^12 (English
# "trillion") and "mil millones"/"millardo" 10^9 (English "billion"): "1,4 billones de
# tokens" is "1.4 trillion tokens", never "1.4 billion". Consecutive words multiply
# ("175 mil millones"). Matched accent-folded and lowercased; "B"/"k" as in "70B", "128k".
SCALE_VALUES: dict[str, float] = {
    "k": 1e3, "mil": 1e3, "thousand": 1e3, "thousands": 1e3,
    "millon": 1e6, "millones": 1e6, "million": 1e6, "millions": 1e6,
    "b": 1e9, "bn": 1e9, "billion": 1e9, "billions": 1e9, "millardo": 1e9, "millardos": 1e9,
    "billon": 1e12, "billones": 1e12, "trillion": 1e12, "trillions": 1e12,
}  # fmt: skip

NUMBER_WORDS["mil"] = 1000
NUMBER_WORDS["thousand"] = 1000

# Names that change across Spanish and English: countries, peoples, languages, months, and
# the common words that names of institutions and events are made of ("Seven Years' War"
# / "Guerra de los Siete Años"). A claim in one language names them as its source in the
# other does not, so the cross-language name check looks them up here. Folded, lowercase.
TRANSLATED_NAMES: dict[str, frozenset[str]] = {
    english: frozenset(spanish.split())
    for english, spanish in {
        "england": "inglaterra", "english": "ingles inglesa ingleses inglesas",
        "spain": "espana", "spanish": "espanol espanola espanoles espanolas",
        "france": "francia", "french": "frances francesa franceses francesas francos franco",
        "germany": "alemania", "german": "aleman alemana alemanes alemanas",
        "italy": "italia", "italian": "italiano italiana italianos italianas",
        "britain": "bretana", "british": "britanico britanica britanicos britanicas",
        "scotland": "escocia", "scottish": "escoces escocesa escoceses escocesas",
        "ireland": "irlanda", "irish": "irlandes irlandesa irlandeses",
        "europe": "europa", "european": "europeo europea europeos europeas",
        "america": "america", "american": "americano americana estadounidense norteamericano",
        "united": "unidos unido unidas", "states": "estados", "kingdom": "reino",
        "china": "china", "chinese": "chino china chinos chinas",
        "japan": "japon", "japanese": "japones japonesa japoneses",
        "russia": "rusia", "russian": "ruso rusa rusos rusas",
        "portugal": "portugal", "portuguese": "portugues portuguesa",
        "mexico": "mexico", "brazil": "brasil", "egypt": "egipto", "greece": "grecia",
        "greek": "griego griega griegos", "rome": "roma", "roman": "romano romana romanos",
        "london": "londres", "netherlands": "holanda neerlandes paises bajos",
        "dutch": "holandes neerlandes", "switzerland": "suiza", "sweden": "suecia",
        "poland": "polonia", "turkey": "turquia", "turks": "turcos", "normans": "normandos",
        "norman": "normando normanda normandos", "huguenots": "hugonotes",
        "huguenot": "hugonote", "protestant": "protestante", "catholic": "catolico catolica",
        "christian": "cristiano cristiana", "muslim": "musulman musulmana",
        "pacific": "pacifico", "atlantic": "atlantico", "mediterranean": "mediterraneo",
        "north": "norte", "south": "sur", "east": "este oriente", "west": "oeste occidente",
        "january": "enero", "february": "febrero", "march": "marzo", "april": "abril",
        "may": "mayo", "june": "junio", "july": "julio", "august": "agosto",
        "september": "septiembre setiembre", "october": "octubre", "november": "noviembre",
        "december": "diciembre", "monday": "lunes", "sunday": "domingo",
        "war": "guerra", "wars": "guerras", "battle": "batalla", "treaty": "tratado",
        "revolution": "revolucion", "empire": "imperio",
        "republic": "republica", "king": "rey", "queen": "reina", "church": "iglesia",
        "university": "universidad", "college": "colegio", "school": "escuela",
        "council": "consejo", "assembly": "asamblea", "bureau": "mesa oficina",
        "parliament": "parlamento", "government": "gobierno", "party": "partido",
        "center": "centro", "centre": "centro", "institute": "instituto",
        "association": "asociacion", "society": "sociedad", "department": "departamento",
        "ministry": "ministerio", "court": "tribunal corte", "city": "ciudad",
        "river": "rio", "sea": "mar", "ocean": "oceano", "lake": "lago", "island": "isla",
        "islands": "islas", "mountains": "montanas", "bay": "bahia", "valley": "valle",
        "national": "nacional", "general": "general", "royal": "real",
        "years": "anos", "year": "ano", "seven": "siete", "hundred": "cien",
        "space": "espacial espaciales", "flight": "vuelo vuelos", "award": "premio",
        "awards": "premios", "prize": "premio",
    }.items()
}  # fmt: skip


# Words that name a period of time, by period, in both languages (accent-folded): "300 €
# a week" against "300 € al mes" states another period, however close the rest is.
PERIOD_WORDS = {
    word: period
    for period, words in {
        "hour": "hour hours hourly hora horas",
        "day": "day days daily dia dias diario diaria diarios diarias",
        "week": "week weeks weekly semana semanas semanal semanales",
        "month": "month months monthly mes meses mensual mensuales",
        "year": "year years yearly annual annually ano anos anual anuales",
    }.items()
    for word in words.split()
}
