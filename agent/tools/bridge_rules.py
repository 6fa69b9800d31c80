"""Bridge questions read without a model: which entity must be found first, and how.

A *bridge* question names an entity only by a description that a first passage resolves
("the band that recorded «Luna de papel»", "la editorial de la revista Ruta Norte",
"Ana Ruiz's paternal grandfather") and asks something about it that a second passage
answers. These rules turn such a question into a chain of steps where a later step
refers to an earlier answer as ``#1`` (the self-ask / ReWOO form; agent/graphs/plan.py
executes it):

    "In what year was the publisher of the magazine Ruta Norte founded?"
    -> ["Who is the publisher of the magazine Ruta Norte?", "In what year was #1 founded?"]

The forms, in Spanish and English:

- possessives: "X's R" is read as "the R of X"; "the R of X" / "el R de X" where R is a
  relation word (father, publisher, drummer, editorial, baterista, …);
- relative clauses: "the band that/who/which recorded …", "el actor que interpretó a
  …", and participles: "the film directed by X", "la película dirigida por X";
- compositions of relations, rewritten as nested possessives before the rest:
  "paternal grandfather" = "father of the father", "abuelo materno" = "padre de la
  madre", "suegro" = "padre del cónyuge", "son-in-law" = "husband of the daughter".

A description is a bridge only when the question asks something else about it: "Who is
the drummer of Los Faros?" is one hop (what is left once the description is taken out is
"Who is #1?"), "Where was the drummer of Los Faros born?" is two. Anything the rules do
not read is left to plain retrieval (and its score-gated second hop).

Everything works on word tokens found by one linear regex; spans are decided in Python,
so no pattern here can backtrack on user text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingestion.text_analysis import fold_accents

_TOKEN = re.compile(r"[\w'’-]+|«[^»\n]{1,120}»|“[^”\n]{1,120}”|\"[^\"\n]{1,120}\"|[^\w\s]")

# Relation words: a person ("Who is …?") or a thing ("What is …?").
_PEOPLE_EN = frozenset(
    [
        "father",
        "mother",
        "son",
        "daughter",
        "wife",
        "husband",
        "spouse",
        "brother",
        "sister",
        "child",
        "parent",
        "grandfather",
        "grandmother",
        "founder",
        "co-founder",
        "author",
        "writer",
        "director",
        "producer",
        "composer",
        "creator",
        "editor",
        "owner",
        "drummer",
        "guitarist",
        "bassist",
        "singer",
        "vocalist",
        "frontman",
        "frontwoman",
        "keyboardist",
        "member",
        "leader",
        "president",
        "chairman",
        "chairwoman",
        "ceo",
        "captain",
        "coach",
        "manager",
        "mayor",
        "governor",
        "architect",
        "designer",
        "inventor",
        "translator",
        "illustrator",
        "host",
        "presenter",
        "successor",
        "predecessor",
        "teacher",
        "mentor",
        "student",
        "partner",
        "heir",
        "uncle",
        "aunt",
        "nephew",
        "niece",
        "cousin",
        "grandson",
        "granddaughter",
        "conductor",
        "star",
        "protagonist",
        "narrator",
    ]
)
_THINGS_EN = frozenset(
    [
        "publisher",
        "manufacturer",
        "label",
        "capital",
        "headquarters",
        "hometown",
        "birthplace",
        "studio",
        "distributor",
        "company",
        "employer",
        "team",
        "club",
        "school",
        "university",
        "museum",
        "band",
    ]
)
_PEOPLE_ES = frozenset(
    [
        "padre",
        "madre",
        "hijo",
        "hija",
        "esposa",
        "esposo",
        "marido",
        "mujer",
        "cónyuge",
        "hermano",
        "hermana",
        "abuelo",
        "abuela",
        "fundador",
        "fundadora",
        "cofundador",
        "autor",
        "autora",
        "escritor",
        "escritora",
        "director",
        "directora",
        "productor",
        "productora",
        "compositor",
        "compositora",
        "creador",
        "creadora",
        "editor",
        "editora",
        "dueño",
        "dueña",
        "propietario",
        "propietaria",
        "baterista",
        "batería",
        "guitarrista",
        "bajista",
        "cantante",
        "vocalista",
        "líder",
        "presidente",
        "presidenta",
        "entrenador",
        "entrenadora",
        "capitán",
        "alcalde",
        "alcaldesa",
        "arquitecto",
        "arquitecta",
        "diseñador",
        "diseñadora",
        "inventor",
        "inventora",
        "traductor",
        "traductora",
        "ilustrador",
        "ilustradora",
        "presentador",
        "presentadora",
        "sucesor",
        "sucesora",
        "predecesor",
        "maestro",
        "maestra",
        "alumno",
        "alumna",
        "socio",
        "socia",
        "heredero",
        "heredera",
        "tío",
        "tía",
        "sobrino",
        "sobrina",
        "primo",
        "prima",
        "nieto",
        "nieta",
        "protagonista",
        "narrador",
        "narradora",
    ]
)
_THINGS_ES = frozenset(
    [
        "editorial",
        "discográfica",
        "sello",
        "fabricante",
        "capital",
        "sede",
        "estudio",
        "distribuidora",
        "empresa",
        "equipo",
        "club",
        "escuela",
        "universidad",
        "museo",
        "banda",
    ]
)
PERSON_RELATIONS = frozenset(fold_accents(w) for w in _PEOPLE_EN | _PEOPLE_ES)
RELATIONS = PERSON_RELATIONS | frozenset(fold_accents(w) for w in _THINGS_EN | _THINGS_ES)
SPOUSE = frozenset({"spouse", "wife", "husband", "conyuge", "esposa", "esposo", "marido"})

# Compositions: (words, language) -> the nested possessive they stand for.
_COMPOSED_EN = {
    ("paternal", "grandfather"): "father of the father",
    ("paternal", "grandmother"): "mother of the father",
    ("maternal", "grandfather"): "father of the mother",
    ("maternal", "grandmother"): "mother of the mother",
    ("father-in-law",): "father of the spouse",
    ("mother-in-law",): "mother of the spouse",
    ("son-in-law",): "husband of the daughter",
    ("daughter-in-law",): "wife of the son",
    ("child-in-law",): "spouse of the child",
    ("brother-in-law",): "brother of the spouse",
    ("sister-in-law",): "sister of the spouse",
}
_COMPOSED_ES = {
    ("abuelo", "paterno"): "padre del padre",
    ("abuela", "paterna"): "madre del padre",
    ("abuelo", "materno"): "padre de la madre",
    ("abuela", "materna"): "madre de la madre",
    ("suegro",): "padre del cónyuge",
    ("suegra",): "madre del cónyuge",
    ("yerno",): "esposo de la hija",
    ("nuera",): "esposa del hijo",
    ("cuñado",): "hermano del cónyuge",
    ("cuñada",): "hermana del cónyuge",
}

_ARTICLES = frozenset(["the", "a", "an", "el", "la", "los", "las", "un", "una"])
_OF = frozenset({"of", "de", "del"})
_CONTRACTED = frozenset({"del", "al"})  # "de el", "a el": an article inside
_RELATIVE = frozenset({"that", "who", "which", "whose", "que", "quien", "quienes"})
_BY = frozenset({"by", "por"})
# Words that make a name run on across capitalised words ("Universidad de Chile",
# "Bank of England", "Los Faros").
NAME_LINKS = frozenset(
    ["of", "de", "del", "la", "las", "los", "el", "the", "von", "van", "da", "di", "du"]
)
# What a question that only asks "who/what is it?" is made of; anything else left once
# the description is taken out makes the question a bridge.
_ONLY_ASKING = frozenset(
    fold_accents(w)
    for w in [
        "who",
        "what",
        "which",
        "whom",
        "is",
        "was",
        "are",
        "were",
        "be",
        "the",
        "a",
        "an",
        "name",
        "called",
        "of",
        "'s",
        "quién",
        "quien",
        "quiénes",
        "qué",
        "que",
        "cuál",
        "cual",
        "cuáles",
        "es",
        "era",
        "fue",
        "son",
        "eran",
        "se",
        "llama",
        "llamaba",
        "el",
        "la",
        "los",
        "las",
        "un",
        "una",
        "de",
        "del",
        "nombre",
        "cómo",
        "como",
        "how",
        "last",
        "first",
        "full",
        "surname",
        "apellido",
        "completo",
    ]
)
_IRREGULAR_PARTICIPLES = frozenset(
    [
        "written",
        "sung",
        "drawn",
        "built",
        "made",
        "run",
        "led",
        "won",
        "held",
        "founded",
        "known",
        "shot",
        "begun",
        "sold",
        "told",
        "born",
        "taught",
        "brought",
        "bought",
        "thought",
        "played",
        "hecho",
        "escrito",
        "escrita",
        "dicho",
        "vuelto",
        "puesto",
    ]
)
# Kinds of entity a relative clause or participle can describe ("the band that…", "la
# película dirigida por…"); other nouns ("the interception that clinched…") are events
# or things the passage that answers the question describes itself.
_KINDS = frozenset(
    fold_accents(w)
    for w in [
        "band",
        "group",
        "film",
        "movie",
        "actor",
        "actress",
        "singer",
        "architect",
        "company",
        "firm",
        "club",
        "team",
        "museum",
        "label",
        "album",
        "song",
        "book",
        "novel",
        "magazine",
        "newspaper",
        "publisher",
        "university",
        "school",
        "city",
        "town",
        "country",
        "person",
        "man",
        "woman",
        "writer",
        "author",
        "director",
        "artist",
        "painter",
        "musician",
        "scientist",
        "engineer",
        "studio",
        "building",
        "ship",
        "player",
        "composer",
        "producer",
        "poet",
        "journalist",
        "politician",
        "president",
        "king",
        "queen",
        "banda",
        "grupo",
        "película",
        "actor",
        "actriz",
        "cantante",
        "arquitecto",
        "arquitecta",
        "empresa",
        "club",
        "equipo",
        "museo",
        "sello",
        "disco",
        "álbum",
        "canción",
        "libro",
        "novela",
        "revista",
        "periódico",
        "editorial",
        "universidad",
        "escuela",
        "ciudad",
        "pueblo",
        "país",
        "persona",
        "hombre",
        "mujer",
        "escritor",
        "escritora",
        "autor",
        "autora",
        "director",
        "directora",
        "artista",
        "pintor",
        "pintora",
        "músico",
        "científico",
        "científica",
        "ingeniero",
        "ingeniera",
        "estudio",
        "edificio",
        "barco",
        "jugador",
        "jugadora",
        "compositor",
        "compositora",
        "productor",
        "productora",
        "poeta",
        "periodista",
        "político",
        "política",
        "presidente",
        "presidenta",
        "rey",
        "reina",
    ]
)
_WH_EN = frozenset(["who", "what", "which", "when", "where", "how", "whom", "whose", "why"])


@dataclass(frozen=True)
class _Token:
    text: str
    start: int
    end: int

    @property
    def folded(self) -> str:
        return fold_accents(self.text).lower()

    @property
    def capitalised(self) -> bool:
        first = self.text[:1]
        return first.isupper() or first.isdigit() or first in '«“"'


def word_tokens(text: str) -> list[_Token]:
    """Words, quoted titles and punctuation of ``text``, with their offsets."""
    return [_Token(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _expand_compositions(question: str, language: str) -> str:
    """Composed relations written as nested possessives ("abuelo paterno de X" ->
    "padre del padre de X"; "X's paternal grandfather" -> "the father of the father of X")."""
    table = _COMPOSED_ES if language == "es" else _COMPOSED_EN
    tokens = word_tokens(question)
    out, last, i = [], 0, 0
    while i < len(tokens):
        for words, nested in table.items():
            window = tokens[i : i + len(words)]
            if tuple(t.folded for t in window) == tuple(fold_accents(w) for w in words):
                out.append(question[last : tokens[i].start] + nested)
                last = window[-1].end
                i += len(words) - 1
                break
        i += 1
    out.append(question[last:])
    return "".join(out)


def _name_end(tokens: list[_Token], start: int) -> int:
    """The index after a name that begins at ``start`` (capitalised words, joined by
    "de", "of", "y"…), a quoted title, or a ``#n`` reference; ``start`` when none."""
    if start >= len(tokens):
        return start
    if tokens[start].text == "#" and start + 1 < len(tokens) and tokens[start + 1].text.isdigit():
        return start + 2
    if not tokens[start].capitalised or tokens[start].text in "¿?¡!.,;:":
        return start
    end = start + 1
    while end < len(tokens):
        token = tokens[end]
        if token.capitalised and token.text[:1] not in '«“"' and token.text not in "?!.,;:":
            end += 1
        elif (
            token.folded in NAME_LINKS
            and end + 1 < len(tokens)
            and tokens[end + 1].capitalised
            and tokens[end + 1].text not in "?!.,;:"
        ):
            end += 2
        else:
            break
    return end


def _object_end(tokens: list[_Token], start: int) -> int:
    """The index after what a relation applies to: an optional article and up to two
    common nouns, then a name ("the magazine Ruta Norte", "la revista «Ruta Norte»")."""
    i = start
    if i < len(tokens) and tokens[i].folded in _ARTICLES:
        i += 1
    for _ in range(3):
        end = _name_end(tokens, i)
        if end > i and tokens[i].folded in _ARTICLES:
            # a title opening with an article runs on in lower case ("La casa del
            # viento", "El último verano") to the end of the question
            return max(end, _clause_end(tokens, i))
        if end > i:
            return end
        word = tokens[i] if i < len(tokens) else None
        if word and word.text.isalpha() and word.text.islower() and word.folded not in _OF:
            i += 1
        else:
            return start
    return start


def _article_before(tokens: list[_Token], index: int) -> int:
    """``index`` moved back over an article right before it ("the", "la")."""
    return index - 1 if index > 0 and tokens[index - 1].folded in _ARTICLES else index


@dataclass(frozen=True)
class _Description:
    """A span of the question that names an entity by description, and the question
    that finds the entity."""

    start: int  # character offsets in the question
    end: int
    finding: str


def _relation_question(relation: str, obj: str, language: str, rel_word: str) -> str:
    folded = fold_accents(rel_word).lower()
    if folded in SPOUSE:
        return f"¿Con quién está casado {obj}?" if language == "es" else f"Who is {obj} married to?"
    person = folded in PERSON_RELATIONS
    if relation.split()[0].lower() not in _ARTICLES:
        feminine = language == "es" and folded.endswith("a")
        relation = f"{('la' if feminine else 'el') if language == 'es' else 'the'} {relation}"
    if language == "es":
        return f"¿{'Quién' if person else 'Cuál'} es {relation}?"
    return f"{'Who' if person else 'What'} is {relation}?"


def _possessive(question: str, tokens: list[_Token], language: str) -> _Description | None:
    """The innermost "the R of X" / "el R de X" whose X is a name or a #n reference."""
    found: _Description | None = None
    for i, token in enumerate(tokens):
        if token.folded not in _OF or i == 0:
            continue
        # the relation word: right before "of", or one or two modifiers before it
        # ("the current drummer of", "el baterista actual de")
        rel = next(
            (
                j
                for j in range(i - 1, max(-1, i - 3), -1)
                if tokens[j].folded in RELATIONS and tokens[j].text.islower()
            ),
            None,
        )
        if rel is None:
            continue
        if any(not tokens[j].text.isalpha() for j in range(rel, i)):
            continue
        start = rel
        while start > 0 and start > rel - 2 and tokens[start - 1].text.isalpha():
            if tokens[start - 1].folded in _ARTICLES:
                start -= 1
                break
            if tokens[start - 1].text.islower() and tokens[start - 1].folded not in _ONLY_ASKING:
                start -= 1
            else:
                break
        obj_start = i + 1
        obj_end = _object_end(tokens, obj_start)
        if obj_end == obj_start:
            continue
        span = question[tokens[start].start : tokens[obj_end - 1].end]
        obj = question[tokens[obj_start].start : tokens[obj_end - 1].end]
        if tokens[i].folded == "del":
            obj = f"el {obj}"
        found = _Description(
            tokens[start].start,
            tokens[obj_end - 1].end,
            _relation_question(span, obj, language, tokens[rel].text),
        )
        break  # the first "R of" whose object is a name is the innermost one
    return found


def _clause_end(tokens: list[_Token], start: int) -> int:
    """Where a relative clause starting at ``start`` ends: at the question mark or comma,
    except for a closing participle the main question needs ("In what year was the film
    that won the Premio Sol released?" ends the clause after the name)."""
    end = start
    while end < len(tokens) and tokens[end].text not in "?,;!":
        end += 1
    tail = end - 1
    if tail > start + 1 and tokens[tail].text.isalpha() and tokens[tail].text.islower():
        word, before = tokens[tail].folded, tokens[tail - 1]
        closes = word.endswith(("ed", "ado", "ido", "ada", "ida")) or word in _IRREGULAR_PARTICIPLES
        if closes and before.text not in _ARTICLES:
            return tail
    return end


def _relative(question: str, tokens: list[_Token], language: str) -> _Description | None:
    """ "the band that recorded X", "el actor que interpretó a X", "the film directed by
    X", "la película dirigida por X": an article, a common noun, a clause."""
    for i in range(1, len(tokens) - 2):
        noun, after = tokens[i], tokens[i + 1]
        article = tokens[i - 1].folded
        if article not in _ARTICLES | _CONTRACTED or not (
            noun.text.isalpha() and noun.text.islower()
        ):
            continue
        if noun.folded not in _KINDS:
            continue  # "the pass that won the game" names an event, not an entity to find
        relative = after.folded in _RELATIVE and not (
            language == "en" and after.folded == "that" and tokens[i + 2].folded in _ARTICLES
        )
        participle = (
            after.text.islower()
            and i + 2 < len(tokens)
            and tokens[i + 2].folded in _BY
            and (
                after.folded.endswith(("ed", "ado", "ada", "ido", "ida", "ados", "adas"))
                or after.folded in _IRREGULAR_PARTICIPLES
            )
        )
        if not (relative or participle):
            continue
        end = _clause_end(tokens, i + 2)
        if end <= i + 2:
            continue
        clause = question[tokens[i + 2].start : tokens[end - 1].end]
        if language == "es":
            verb = "fue " + after.text if participle else ""
            finding = f"¿Qué {noun.text} {(verb + ' ' + clause) if verb else clause}?"
        elif participle:
            finding = f"Which {noun.text} was {after.text} {clause}?"
        else:
            finding = f"Which {noun.text} {clause}?"
        # "la esposa del arquitecto que…": the description starts at the noun, and the
        # question keeps "del", which bridge_plan reads as "de"
        start = tokens[i].start if article in _CONTRACTED else tokens[i - 1].start
        return _Description(start, tokens[end - 1].end, finding)
    return None


def _possessive_s(question: str) -> str:
    """ "X's R" -> "the R of X" for a capitalised X (a name) and a relation word R."""
    tokens = word_tokens(question)
    for i, token in enumerate(tokens):
        if not token.text.endswith(("'s", "’s")) or not token.capitalised:
            continue
        # the name may be several capitalised words ending in this one
        first = i
        while first > 0 and tokens[first - 1].capitalised and tokens[first - 1].text.isalpha():
            first -= 1
        if first == 0 and first < i and tokens[first].folded in _WH_EN:
            first += 1
        rel_end = i + 1
        while rel_end < len(tokens) and rel_end < i + 4 and tokens[rel_end].text.isalpha():
            word = tokens[rel_end]
            rel_end += 1
            if word.folded in RELATIONS:
                name = question[tokens[first].start : token.end - 2]
                relation = question[tokens[i + 1].start : tokens[rel_end - 1].end]
                rewritten = f"the {relation} of {name}"
                return question[: tokens[first].start] + rewritten + question[word.end :]
            if not word.text.islower():
                break
    return question


def _only_asks_what_it_is(template: str) -> bool:
    """Nothing left but question words, copulas and the #n: "Who is #1?", "¿Quién es #1?"."""
    words = [t.folded for t in word_tokens(template) if t.text.isalpha()]
    return all(w in _ONLY_ASKING for w in words)


def bridge_plan(question: str, language: str = "en", max_steps: int = 4) -> list[str]:
    """The steps of a bridge question, each later one using earlier answers as ``#n``;
    ``[]`` when the question is not a bridge the rules can read.

    The innermost description is resolved first; the question with it replaced by
    ``#1`` is read again, so a chain of descriptions ("the father of the father of X")
    becomes a chain of steps, at most ``max_steps`` long.
    """
    language = "es" if language == "es" else "en"
    text = question.strip()
    if language == "en":
        text = _possessive_s(text)
    text = _expand_compositions(text, language)
    steps: list[str] = []
    while len(steps) < max_steps - 1:
        tokens = word_tokens(text)
        description = _possessive(text, tokens, language) or _relative(text, tokens, language)
        if description is None:
            break
        before = text[: description.start]
        if language == "es" and before.endswith((" del ", " al ")):
            # "el padre del #1" reads "el padre de #1", "al #1" reads "a #1"
            before = before[:-3] + " " if before.endswith(" al ") else before[:-4] + "de "
        template = f"{before}#{len(steps) + 1}{text[description.end :]}"
        if _only_asks_what_it_is(template):
            if not steps:
                return []  # "Who is the drummer of Los Faros?": one hop
            break
        steps.append(description.finding)
        text = template
    if not steps:
        return []
    return [*steps, _as_finding(text, language)]


def _as_finding(text: str, language: str) -> str:
    """The last step asked the way the first ones are: "Who is the husband of #1?" ->
    "Who is #1 married to?" (the passage says "married", not "husband")."""
    description = _possessive(text, word_tokens(text), language)
    if description is None:
        return text
    rest = f"{text[: description.start]}#0{text[description.end :]}"
    return description.finding if _only_asks_what_it_is(rest) else text
