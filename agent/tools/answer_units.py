"""A passage read as people write notes: sentences, list items, table rows, definitions, code.

Course notes and READMEs hold their answers in list items ("- **GPTQ**: …"), table cells
("| Q4_K_M | 4,1 GB |"), definition lines ("pass@k: the probability …") and code
("--port 8000"), not in full sentences. Split into sentences only, those answers were
either never candidates or glued to the line before them. Here each is a unit of its
own, carrying:

- ``text``: what an answer quotes. The document's own words, with Markdown marks
  removed (``**bold**`` → bold, ``[text](url)`` → text, a task box ``[x]`` dropped); a
  table row is read with its header ("Formato: Q4_K_M · Tamaño en disco: 4,1 GB").
- ``context``: what the unit sits under — the headings above it, the line that
  introduces its list, its parent items, the sentence before it. Scoring reads it (the
  items under "## Técnicas de cuantización" are about quantization techniques); answers
  never quote it.
- ``group``: the items of one list (or the rows of one table) share a group, so a
  question asking for several things can be answered with all of them.

Three habits of other people's notes shape the units further:

- **The subject is the heading.** Under "## HQQ:" or "### Axolotl:" (a heading that
  ends in a colon, or is one technical name: "## vLLM") the paragraph says "Este método
  no necesita datos de calibración…" and never names HQQ. Such a unit is quoted with its
  subject ("HQQ: Este método…"), so the answer names what the question asks about;
  a list item keeps its label ("Marlin: kernel de inferencia…") for the same reason.
- **Code is read by statement.** A call whose arguments span lines (``Config(`` …
  ``quant_type="nf4"`` … ``)``) or a shell command continued with ``\\`` is one unit,
  so the line holding the asked value is quoted with what it configures; a YAML key is
  read under its parent key.
- **Asides are said too.** A parenthesis or the clause after a colon that states a
  fact of its own ("(con 8 el modelo no aprendía el formato de salida)"), and a table
  footnote ("\\* con 128 muestras de calibración") are units as well: the whole sentence
  stays a unit, and the aside one more, quoted with the subject of its sentence.

The verifier reads table rows the same way (:func:`table_sentences`), so a quoted row is
checked against the row as the answer shows it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Literal

from agent.tools.sentences import split_sentences
from ingestion.text_analysis import fold_accents

UnitKind = Literal["sentence", "item", "row", "definition", "code", "aside"]

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_ITEM = re.compile(r"^(\s*)(?:[-*+•◦▪]|\d{1,3}[.)])\s+(.*)$")
# PDF text joins a bulleted list into one line ("• NF4, un tipo de dato… • Doble
# cuantización…"): each glyph bullet after the first starts a sibling item.
_INLINE_BULLET = re.compile(r"(?<!\s)\s+[•◦▪]\s+")  # a space run is tried from its start
# no two ``\s*`` side by side around an optional ``|``: they split a run of spaces in
# every way (a line of 1,000 spaces took 0.24 s, 10,000 took 24 s; issue 20)
_TABLE_SEPARATOR = re.compile(r"^\s*(?:\|\s*)?:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*(?:\|\s*)?$")
_TASK_BOX = re.compile(r"^\[[ xX]\]\s+")
# ``[^\[\]]`` and ``[^()]``: a link's text holds no bracket and its target no nested
# parenthesis, so "[[[[…" or "](((…" is read once, not once from every bracket (issue 20)
_IMAGE = re.compile(r"!\[[^\[\]]*\]\([^()]*\)")  # badges and pictures say nothing to quote
_LINK = re.compile(r"\[([^\[\]]+)\]\((?:[^()]|\([^()]*\))*\)")
_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1|(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?!\w)")
_BLOCKQUOTE = re.compile(r"^\s*>\s?")
# Obsidian and Logseq vaults: "[[Tomás Rivera]]", "[[Embeddings comparison#Long context|the
# comparison]]", embeds "![[…]]", fields "owner:: [[Tomás]]", block ids "… ^rec-split"
_WIKI_LINK = re.compile(
    r"(?<![\w(=,\[])!?\[\[(?P<target>[^\[\]|#]{1,200})(?:#[^\[\]|]{0,200})?(?:\|(?P<alias>[^\[\]]{1,200}))?\]\]"
)
_INLINE_FIELD = re.compile(r"^(\s*[^\s:`][^:`]{0,60}?[^\s:`])::\s")  # not "map :: a"
_BLOCK_ID = re.compile(r"\s\^(?=[\w-]*[a-z])[a-z0-9-]{2,40}$")  # not "2 ^10", "Ctrl ^C"
_IMAGE_FILES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp", ".pdf")
# "**BM25**: búsqueda léxica…", "pass@k: the probability…", "`--port`: puerto…"
_DEFINITION = re.compile(r"^(?P<term>[^:.!?]{1,60}?)\s{0,8}[:：]\s+(?P<body>\S.*)$")  # bounded
# A glossary line, "Perplexity — exp of the average…": a dash after a short term, and a
# body that opens in lowercase as a definition does (not "Week 2 — LoRA. Hu et al.…",
# a heading run into its paragraph). Read whole, as a colon definition is.
_DASH_DEFINITION = re.compile(
    r"^(?P<term>[^:.!?—–]{1,60}?)\s{1,8}[—–]\s{1,8}(?P<body>[a-záéíóúñü].*)$"
)  # bounded
_SENTENCE_END = (".", "!", "?", ":", ";", "…")
# A bibliographic reference: "[1] Adeyemi, T. and Liu, M. (2023). Title. Venue." —
# a surname and initials, a year in parentheses; several run into one line (PDF text)
# start at their "[n]".
_REFERENCE_START = re.compile(r"^(?:\[\d{1,3}\]\s*)?[^\W\d_][\w'’-]{0,40},\s(?:[^\W\d_]\.\s?){1,3}")
_REFERENCE_YEAR = re.compile(r"\((?:1[89]|20)\d\d[a-z]?\)")
_REFERENCE_SPLIT = re.compile(r"\s(?=\[\d{1,3}\]\s)")
_REFERENCE_NUMBER = re.compile(r"^\[\d{1,3}\]\s*")
# Hard-wrapped text (e-mail, plain-text notes, reST): every line of a paragraph broken
# near one width. A line that ends mid-sentence within _FULL_SLACK characters of that
# width runs on into the next; only read so when the text has several such full lines
# (_FULL_LINES) and its widest line is a typewriter's.
_WRAP_WIDTHS = range(40, 101)
_FULL_SLACK = 12
_RECORD_START = re.compile(r"^\d{1,4}[-:/.,]\d")  # "2024-05-02 10:15", "09:15", "1,980,vllm"
# A line opening with a model's or a tool's name ("Qwen2.5-7B", "vLLM"), not "3)"
_NAME_START = re.compile(r"[^\W\d_][\w.+-]{0,40}?(?:\d|[a-z][A-Z])")  # bounded
_IDENTIFIER_START = re.compile(r"\d|[a-z][A-Z]")  # "A10", "Qwen2.5", "vLLM": a name, not a start
_FULL_LINES = 3
# A heading that names one thing: ends in a colon ("## HQQ:"), or is a single technical
# token ("## vLLM", "## EXL2"): inner capitals, digits or dots.
_TECHNICAL_NAME = re.compile(r"^[^\W_][\w.+-]*$")
# A table footnote: "\* con 128 muestras", "† TGI 2.0 with…", "[1] measured on…".
_FOOTNOTE = re.compile(r"^\s*(?:\\?\*{1,3}|[†‡§¹²³]|\[\d{1,2}\])\s*(\S.*)$")
# A date written with numbers in a heading: "2024-05-02", "14/03", "14/03/2024".
_ISO_DATE = re.compile(r"\b\d{4}-(\d{1,2})-(\d{1,2})\b")
# "14/03", "05/04/2024": two digits each, or with a year; not "4/8 bits", "0.7/1.0",
# "Parte 1/2"
_DAY_MONTH = re.compile(r"(?<![\d.,/])(\d{1,2})/(\d{1,2})(/\d{2,4})?(?![\d/.,]|\s?[^\W\d_])")


def _dated(title: str) -> bool:
    """Whether a heading holds a date in numbers: a real month and day, so "80/20" (a
    split) is not one."""
    for match in _ISO_DATE.finditer(title):
        if 1 <= int(match[1]) <= 12 and 1 <= int(match[2]) <= 31:
            return True
    for match in _DAY_MONTH.finditer(title):
        written = match[3] or (len(match[1]) == 2 and len(match[2]) == 2)
        if written and 1 <= int(match[1]) <= 31 and 1 <= int(match[2]) <= 12:
            return True
    return False


# Markdown habits of static-site generators and note apps: YAML front matter between
# "---" lines ("author: Kenji Watanabe"), MkDocs admonitions and content tabs
# ('!!! tip "Health check"', '=== "Docker"') whose body is indented under them, and
# GitHub alerts ("> [!WARNING]").
_FRONT_MATTER_FENCE = re.compile(r"^---\s*$")
_FRONT_MATTER_LINES = 40
_FRONT_MATTER_KEY = re.compile(r"^(?P<key>[A-Za-z_][\w-]{0,40})\s{0,4}:\s{0,4}(?P<value>\S.*)$")
_BOXED = re.compile(
    r"^\s{0,3}(?:(?:!!!|\?\?\?\+?)\s{1,4}(?P<type>\w[\w-]*)\s{0,4}(?:\"(?P<title>[^\"]*)\")?"
    r'|===\s{1,4}"(?P<tab>[^"]*)")\s*$'
)  # a tab needs its quoted label: "Resultados\n=== " is a heading's underline
# Boxes read inside boxes: each dedents the rest of its body, so "\t!!! a" nested a
# thousand deep would rewrite the rest of the text once per level. Past this many
# rewritten lines per line of text, further boxes are read as plain lines.
_BOX_WORK_PER_LINE = 4
_ALERT = re.compile(r"^\[!(?:NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]\s*", re.IGNORECASE)

_ASIDE_MIN_WORDS = 4  # a parenthesis shorter than this is a gloss ("(NF4)"), not a fact
_CODE_STATEMENT_LINES = 12  # a longer statement is read line by line
# Labels of the notes themselves, never the subject of what follows them.
_NOTE_LABELS = frozenset({
    "nota", "notas", "note", "notes", "ejemplo", "ejemplos", "example", "examples", "ojo",
    "tip", "tips", "importante", "important", "warning", "aviso", "pasos", "steps",
    "resumen", "summary", "todo", "update", "edit", "actualizacion", "conclusion",
    "conclusiones", "idea", "ideas", "pregunta", "question", "respuesta", "answer",
})  # fmt: skip


# A sentence opening with one of these points back to the one before it ("These devices
# treat carbon monoxide poisoning" after "Hyperbaric medicine uses oxygen chambers"; "He
# is also the oldest quarterback…" after "Peyton Manning became…").
_POINTS_BACK = re.compile(
    r"^\W{0,64}(?:this|these|that|those|such|he|she|it|they|his|her|its|their|there|then|"
    r"est[eaoe]s?|es[eao]s?|aquel\w*|dich[oa]s?|él|ella|ellos|ellas|su|sus|allí|entonces|"
    r"ello|esto)\b",
    re.IGNORECASE,
)
# Spanish drops the subject: "Además, es con 39 años el mariscal de campo más longevo…"
# says who only through the sentence before it. A connector may open it; the verb is a
# third person singular of ser / estar / haber / tener, read accent-folded ("Ademas,
# es…"). Not an impersonal sentence, whose verb is followed by a word and "que" or an
# infinitive ("Es importante revisar…", "Está prohibido aprobar…", "Tiene sentido que…",
# "Ha sido difícil cuadrar…"), nor "Es decir": they are about no one.
_ELIDED_SUBJECT = re.compile(
    r"^\W{0,64}(?:(?:ademas|tambien|asimismo|ahora|hoy|actualmente|luego|despues|"
    r"posteriormente|entonces|mas\s{1,3}tarde)\W{1,3})?"
    r"(?!es\s{1,3}decir\b)(?:es|era|fue|sera|seria|ha|habia|tiene|tenia|tuvo|esta|estaba|"
    r"estuvo)\s{1,3}(?!(?:sido\s{1,3})?[^\W\d_]{1,30}\s{1,3}(?:que\b|[^\W\d_]{1,30}(?:ar|er|ir)\b))",
    re.IGNORECASE,
)
# A subject pronoun for a person ("they" may be a team, or anyone: "They say…").
_SUBJECT_PRONOUN = re.compile(r"^\W{0,64}(?:he|she|él|ella)\b", re.IGNORECASE)


def opens_without_its_subject(text: str) -> bool:
    """Whether a sentence's subject is a person the sentence before it names: it opens
    with "he" / "she" / "él" / "ella" ("He is also the oldest quarterback…") or, in
    Spanish, with its verb ("Además, es con 39 años…"). Not a possessive or a
    demonstrative ("Su hijo…", "These devices…"): what they point at is not who the
    sentence is about."""
    return bool(_SUBJECT_PRONOUN.match(text) or _ELIDED_SUBJECT.match(fold_accents(text[:200])))


def opens_by_pointing_back(text: str) -> bool:
    """Whether a sentence opens by pointing back to the one before it, with a pronoun or
    a demonstrative ("He is also…", "These devices…", "Su autor…")."""
    return bool(_POINTS_BACK.match(text))


@dataclass(frozen=True)
class AnswerUnit:
    """One thing a passage says, as an answer could quote it (see the module docstring)."""

    kind: UnitKind
    text: str
    context: str = ""
    position: int = 0
    group: int = -1
    depth: int = 0
    lead: str = ""  # the line that introduces the unit's list, quoted with a list answer
    term: str = ""  # for definitions and "Term: …" items: the term defined
    reference: bool = False  # mostly the text of a link: it points elsewhere, says nothing
    subject: str = ""  # the heading or label the unit is about, already in ``text``
    headings: str = ""  # the headings the unit sits under: what its section is about
    dated_heading: bool = False  # a heading that says when: it answers only "when?"
    page: str = ""  # for a front matter key: the page's title, which the key is about


def _vault_words(text: str) -> str:
    """Obsidian's marks read as their words, in text outside code spans."""

    def link(match: re.Match[str]) -> str:
        target = match["target"]
        if match.group(0).startswith("!") and target.lower().endswith(_IMAGE_FILES):
            return ""  # an embedded picture says nothing to quote
        return match["alias"] or target

    text = _WIKI_LINK.sub(link, text)
    return _BLOCK_ID.sub("", _INLINE_FIELD.sub(r"\1: ", text))


def clean(text: str) -> str:
    """The words of a Markdown line without its marks: links to their text, no emphasis;
    Obsidian's wiki links to their text, its "key:: value" fields as "key: value"."""
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    if "[[" in text or "::" in text or "^" in text:
        text = "`".join(
            part if odd % 2 else _vault_words(part) for odd, part in enumerate(text.split("`"))
        )
    for _ in range(2):  # nested emphasis ("**a *b* c**")
        text = _EMPHASIS.sub(lambda m: m.group(2) or m.group(3) or "", text)
    return " ".join(text.split())


def _cells(line: str) -> list[str]:
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") else body
    return [clean(cell) for cell in re.split(r"(?<!\\)\|", body)]


def _is_table_row(line: str) -> bool:
    return line.count("|") >= 2 and not _FENCE.match(line)


def render_row(header: list[str], cells: list[str]) -> str:
    """A table row with its header: "Formato: Q4_K_M · Tamaño en disco: 4,1 GB".

    A row whose first header cell is empty is labelled by its own first cell
    ("Público — Ollama: uso personal · vLLM: producción").
    """
    pairs = list(zip(header, cells, strict=False))
    label = ""
    if pairs and not pairs[0][0] and pairs[0][1]:
        label, pairs = pairs[0][1], pairs[1:]
    parts = [f"{h}: {c}" if h else c for h, c in pairs if c]
    body = " · ".join(parts)
    return f"{label} — {body}" if label and body else (label or body)


def table_sentences(text: str) -> list[str]:
    """Every table row of ``text`` read with its header (for the verifier's evidence)."""
    return [unit.text for unit in passage_units(text) if unit.kind == "row"]


@dataclass
class _Reader:
    """Walks a passage's lines once; see :func:`passage_units`."""

    headings: list[tuple[int, str]]
    section: str = ""  # the heading of the section the passage comes from
    links: set[str] = field(default_factory=set)  # the texts of the passage's links
    units: list[AnswerUnit] = field(default_factory=list)
    paragraph: list[str] = field(default_factory=list)
    lead: str = ""
    groups: int = 0
    # open list levels: (indent, group, item text)
    levels: list[tuple[int, int, str]] = field(default_factory=list)
    list_lead: str = ""
    subject: str = ""  # what the current section is about, when its heading names it
    wrap_width: int = 0  # the width the passage was hard-wrapped at (0: it was not)
    open_item: int = -1  # the index of the list item wrapped lines continue (-1: none)

    def heading_path(self) -> str:
        return " › ".join(title for _, title in self.headings if title)

    def context(self, *more: str) -> str:
        return " › ".join(part for part in (self.heading_path(), *more) if part)

    def add(self, kind: UnitKind, text: str, context: str, **extra: object) -> None:
        if re.search(r"\w", text):
            if kind != "aside":
                # a list item's wrapped lines go to it, past the asides read from it
                self.open_item = len(self.units) if kind == "item" else -1
            self.units.append(
                AnswerUnit(
                    kind,
                    text,
                    context,
                    position=len(self.units),
                    reference=self.is_reference(text),
                    headings=self.heading_path(),
                    **extra,  # type: ignore[arg-type]
                )
            )

    def is_reference(self, text: str) -> bool:
        """Half the words or more are link text ("Ver también: herramientas de
        cuantización"): a pointer to another page, not an answer, however well its words
        match the question."""
        words = len(text.split())
        linked = sum(len(link.split()) for link in self.links if link and link in text)
        return words > 0 and linked * 2 >= words

    def new_group(self) -> int:
        self.groups += 1
        return self.groups

    # -- blocks -----------------------------------------------------------------------

    def heading(self, level: int, title: str) -> None:
        self.flush()
        self.end_list()
        title = clean(title)
        self.headings = [(lv, t) for lv, t in self.headings if lv < level]
        if _dated(title):
            # "## [0.3.2] - 2024-05-02": the heading itself says when (a changelog's
            # release, a log's day), and nothing under it repeats the date
            self.add("sentence", title, self.heading_path(), dated_heading=True)
        self.headings.append((level, title))
        self.lead = ""
        # under "## [0.3.2] - 2024-05-02 / ### Fixed", each item is quoted with its
        # release and the headings below it ("[0.3.0] - 2024-04-15 › Removed: Python 3.8
        # support": without "Removed" it read as the opposite), so "When was the memory
        # leak fixed?" is answered by the item. Only a release's ISO date below the
        # document's title: "# Notas del curso 02/05" dates the notes, not each line.
        released = [i for i, (lv, t) in enumerate(self.headings) if lv > 1 and _ISO_DATE.search(t)]
        self.subject = subject_of_heading(title)
        if released and not self.subject:
            self.subject = " › ".join(t for _, t in self.headings[released[-1] :])

    def flush(self) -> None:
        """The prose paragraph gathered so far becomes definitions or sentences."""
        if not self.paragraph:
            return
        joined: list[list[str]] = []  # the lines of each sentence run, joined once at the end
        for n, raw in enumerate(self.paragraph):
            line = clean(_ALERT.sub("", _BLOCKQUOTE.sub("", raw)))
            wrapped = (
                joined
                and not joined[-1][-1].endswith(_SENTENCE_END)
                and line[:1].islower()
                and not (_DEFINITION.match(line) and _DEFINITION.match(joined[-1][0]))
            )  # "status: in progress" / "owner: Tomás": one field a line, not one sentence
            if wrapped or (joined and runs_on(self.paragraph[n - 1], raw, self.wrap_width)):
                joined[-1].append(line)
            elif line:
                joined.append([line])
        lines = [" ".join(parts) for parts in joined]
        self.paragraph = []
        previous = ""
        for line in lines:
            if line == self.section and not line.endswith("."):
                continue  # the section's heading kept in its text (PDF, DOCX): context only
            definition = _DEFINITION.match(line) or _glossary_line(line)
            if _is_lead(line):
                # "Parámetros que más tocamos:" introduces a list; "Can I serve two models
                # at once?" set as a FAQ entry frames the answer below it; "Axolotl:" alone
                # on its line names what the paragraph below it is about.
                self.lead = line.rstrip(":").strip()
                if line.endswith(":") and _names_one_thing(self.lead):
                    self.subject = self.lead
                continue
            footnote = _FOOTNOTE.match(line)
            if footnote and self.units and self.units[-1].kind == "row":
                # "\* con 128 muestras…" under a table: said of the table's rows
                self.add("sentence", footnote.group(1), self.context(self.lead, previous))
                previous = footnote.group(1)
                continue
            if definition and _is_term(definition.group("term")):
                self.add("definition", line, self.context(self.lead), term=definition["term"])
                self.add_asides(line, definition["term"], colon=False)
                previous = line
                continue
            if _REFERENCE_START.match(line) and _REFERENCE_YEAR.search(line):
                # "[1] Adeyemi, T. and Liu, M. (2023). Fast Sampling with Draft Models.
                # [2] Leviathan, Y. …": each reference whole, authors with their title
                for reference in _REFERENCE_SPLIT.split(line):
                    # its "[1]" is not quoted: in an answer it would read as a citation
                    said = _REFERENCE_NUMBER.sub("", reference)
                    self.add("sentence", said, self.context(self.lead))
                previous = line
                continue
            for sentence in split_sentences(line):
                said = with_subject(self.subject, sentence)
                self.add("sentence", said, self.context(self.lead, previous), subject=self.subject)
                self.add_asides(sentence, self.subject)
                previous = sentence
        self.list_lead = lines[-1] if lines and lines[-1].endswith(":") else ""

    def add_asides(self, sentence: str, subject: str, colon: bool = True) -> None:
        """The asides of ``sentence`` as units of their own (see :func:`asides`), quoted
        with the sentence's subject; the sentence is their context."""
        if fold_accents(subject).lower() in _NOTE_LABELS:
            subject = ""  # "Ojo: …", "Nota: …" label the note, not what it is about
        for aside in asides(sentence, colon):
            context = self.context(self.lead, sentence)
            self.add("aside", with_subject(subject, aside), context, subject=subject)

    def item(self, indent: int, body: str) -> None:
        self.flush()
        while self.levels and self.levels[-1][0] > indent:
            self.levels.pop()
        if self.levels and self.levels[-1][0] == indent:
            group = self.levels[-1][1]
            self.levels.pop()
        else:
            group = self.new_group()
        parents = [text for _, _, text in self.levels]
        lead = self.list_lead if not self.levels else ""
        text = clean(_TASK_BOX.sub("", body.strip()))
        definition = _DEFINITION.match(text)
        term = definition["term"] if definition and _is_term(definition["term"]) else ""
        if not parents and not term and self.subject:
            text = with_subject(self.subject, text)  # "## AQLM:" over "- llega a 2 bits"
        self.add(
            "item",
            text,
            self.context(self.list_lead.rstrip(":"), *parents),
            group=group,
            depth=len(parents),
            lead=lead if not parents else "",
            term=term,
        )
        self.levels.append((indent, group, text))
        self.add_asides(text, term, colon=not term)

    def continue_item(self, line: str) -> None:
        """A wrapped line of the last list item."""
        at = self.open_item  # past its asides: "Coste: la pasada (1.200 pares…) tarda 3 h en la"
        if at < 0:
            self.paragraph.append(line)
            return
        last = self.units[at]
        self.units[at] = replace(last, text=f"{last.text} {clean(line)}")

    def end_list(self) -> None:
        self.levels = []
        self.list_lead = ""

    def table(self, header: list[str] | None, rows: list[list[str]]) -> None:
        self.flush()
        self.end_list()
        self.list_lead = ""
        group = self.new_group()
        context = self.context(self.lead)
        for cells in rows:
            text = render_row(header, cells) if header else " · ".join(c for c in cells if c)
            self.add("row", text, context, group=group)

    def output(self, said: list[tuple[str, str]]) -> None:
        """What a notebook cell printed (see :func:`output_lines`): statements of fact
        under the statement that printed each, not code a question about code would want."""
        self.flush()
        self.list_lead = ""
        for line, statement in said:
            self.add("sentence", line, self.context(self.lead, statement))

    def code(self, lines: list[str]) -> None:
        self.flush()
        self.list_lead = ""
        for statement, parent in code_statements(lines):
            self.add("code", statement, self.context(self.lead, parent))


_HAS_WORD = re.compile(r"[^\W\d_]{2}")
# A code fence whose output a notebook export puts under it: Python, or no language.
_NOTEBOOK_LANGUAGES = frozenset({"", "python", "python3", "py", "ipython", "ipython3"})
_PRINTS = re.compile(r"(?<![\w.])(?:print|display|pprint)\s{0,4}\(")
# A cell's last line whose value a notebook shows: a name, an attribute, an item, or a
# call that returns a table or a summary ("df.describe()"); not "model.eval()" or
# "logger.info(acc)", whose lines below are something else.
_SHOWN_VALUE = re.compile(
    r"[\w.]{1,80}(?:\[[^\[\]\n]{1,80}\])?"
    r"(?:\.(?:head|tail|describe|info|value_counts|summary|shape|dtypes|columns)(?:\(\s*\d*\s*\))?)?"
)

_KEYWORD_LINE = re.compile(r"(?:import|from|def|class|return|pass|del|global)\b")


def printing_statements(fence_info: str, block: list[str]) -> list[str]:
    """The statements of a notebook cell that print what an indented block under it
    shows: its print()/display() calls, else its last statement when that shows a value
    (``_SHOWN_VALUE``). None for a cell in another language: a shell block followed by an
    indented one is two blocks of code."""
    language = fence_info.strip().split(" ")[0].lower().strip("{}.")
    if language not in _NOTEBOOK_LANGUAGES:
        return []
    statements = [text for text, _ in code_statements(block)]
    printing = [text for text in statements if _PRINTS.search(text)]
    if printing or not statements:
        return printing
    last = statements[-1]
    return [last] if _SHOWN_VALUE.fullmatch(last) and not _KEYWORD_LINE.match(last) else []


def output_lines(block: list[str], printing: list[str]) -> list[tuple[str, str]] | None:
    """The lines a notebook cell printed, each with the statement that printed it, as an
    answer quotes them: a line of bare values ("2.3.1 4.41.2") with that statement, since
    the values alone do not say what they are; a line that names its values ("r=8
    macro_f1=0.836") as it is. Lines are tied to statements only when that is certain:
    one printing statement, or one line per printing statement; None otherwise (the block
    is then read as code, as any indented block)."""
    lines = [" ".join(line.split()) for line in block]
    lines = [text for text in lines if re.search(r"[^\W_]", text)]  # not "})"
    if len(printing) == 1:
        printers = printing * len(lines)
    elif printing and len(printing) == len(lines):
        printers = printing
    else:
        return None
    return [
        (text if _HAS_WORD.search(text) else f"{printer} → {text}", printer)
        for text, printer in zip(lines, printers, strict=True)
    ]


def subject_of_heading(title: str) -> str:
    """What a heading names when its section is about one thing ("HQQ:" → "HQQ",
    "vLLM" → "vLLM"); "" for a topic heading ("Entrenamiento", "Runtimes")."""
    title = title.strip()
    if title.endswith((":", "：")):
        named = title[:-1].strip()
        return named if _names_one_thing(named) else ""
    if _TECHNICAL_NAME.match(title) and re.search(r"\w[A-Z0-9]|[.+]", title):
        return title
    return ""


def _names_one_thing(lead: str) -> bool:
    """A label that names a thing ("Axolotl", "torchtune", "MLC LLM"), not a label of the
    notes themselves ("Ejemplo", "Nota", "Pasos") nor a phrase ("Cómo instalar las
    dependencias"): one word, or up to three capitalised words."""
    words = lead.split()
    if not 0 < len(words) <= 3 or fold_accents(lead).lower() in _NOTE_LABELS:
        return False
    return len(words) == 1 or all(w[:1].isupper() or any(c.isdigit() for c in w) for w in words)


def with_subject(subject: str, text: str) -> str:
    """``text`` said of ``subject`` ("HQQ: Este método…"), unless it names it already."""
    if not subject or fold_accents(subject).lower() in fold_accents(text).lower():
        return text
    return f"{subject}: {text}"


def asides(sentence: str, colon: bool = True) -> list[str]:
    """The facts a sentence tells on the side: each parenthesis of ``_ASIDE_MIN_WORDS``
    words or more ("(con 8 el modelo no aprendía el formato de salida)"), and what
    follows a colon inside it ("Ojo: con gradient_checkpointing…"), unless ``colon`` is
    false (a definition's body is the definition itself). One pass, linear."""
    found: list[str] = []
    depth, opened = 0, 0
    for offset, char in enumerate(sentence):
        if char == "(":
            if depth == 0:
                opened = offset + 1
            depth += 1
        elif char == ")" and depth:
            depth -= 1
            if depth == 0:
                inner = sentence[opened:offset].strip()
                if len(inner.split()) >= _ASIDE_MIN_WORDS:
                    found.append(inner)
    head, mark, tail = sentence.partition(": ")
    if colon and mark and len(head.split()) <= 6 and len(tail.split()) >= _ASIDE_MIN_WORDS:
        found.append(tail.strip())
    return found


def code_statements(lines: list[str]) -> list[tuple[str, str]]:
    """The statements of a code block, each with what it sits under, as (text, parent).

    A statement runs while brackets are open or a line ends in a backslash, so a call
    whose arguments span lines is one statement; its lines are kept as written. A
    YAML/INI key is read under its parent key ("training" for "learning_rate: 2e-4").
    Comment-only lines are left out. Linear: each character is looked at once.
    """
    statements: list[tuple[str, str]] = []
    current: list[str] = []
    depth = 0
    parents: list[tuple[int, str]] = []  # (indent, key) of open YAML blocks
    parent = ""
    for line in lines:
        stripped = line.strip()
        if not current:
            if not stripped or stripped.startswith(("#", "//")):
                continue
            indent = len(line) - len(line.lstrip())
            while parents and parents[-1][0] >= indent:
                parents.pop()
            parent = parents[-1][1] if parents else ""
            if stripped.endswith(":") and "(" not in stripped:
                parents.append((indent, stripped[:-1].strip()))
        current.append(stripped)
        depth = max(depth + _bracket_balance(stripped), 0)
        if depth == 0 and not stripped.endswith("\\"):
            statements.append(("\n".join(current), parent))
            current, depth = [], 0
    if current:
        statements.append(("\n".join(current), parent))
    result: list[tuple[str, str]] = []
    for text, under in statements:
        lines_of = text.split("\n")
        if len(lines_of) > _CODE_STATEMENT_LINES:
            result.extend((part, lines_of[0]) for part in lines_of if part)
        else:
            result.append((text, under))
    return result


def _bracket_balance(line: str) -> int:
    """Opened minus closed brackets of ``line``, outside quotes and trailing comments."""
    balance, quote = 0, ""
    for char in line:
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#":
            break
        elif char in "([{":
            balance += 1
        elif char in ")]}":
            balance -= 1
    return balance


def _glossary_line(line: str) -> re.Match[str] | None:
    """``line`` as "Term — definition", unless the term labels the note itself ("Nota —
    el servidor se reinicia…" is an aside, not the definition of "Nota")."""
    match = _DASH_DEFINITION.match(line)
    if match and fold_accents(match["term"]).strip().lower() in _NOTE_LABELS:
        return None
    return match


def _is_term(term: str) -> bool:
    """A defined term is short and not a clause: "BM25", "`--port`", "Mitigation"."""
    words = term.split()
    return 0 < len(words) <= 6 and not term.endswith((",", ";"))


def _is_lead(line: str) -> bool:
    """A line that introduces what follows: "Parámetros que más tocamos:", or a question
    set as a FAQ entry ("Does it support GPUs?")."""
    return line.endswith((":", "?")) and len(line.split()) <= 14


def _front_matter(lines: list[str], reader: _Reader) -> int:
    """Reads a YAML front matter block at the top of ``lines`` ("---", "author: Kenji
    Watanabe", "---") as definition lines, one per key; the index of the first line
    after it (0 without one). Run into one paragraph, "--- title: … author: … date: …"
    answered no "who wrote…?"."""
    if not lines or not _FRONT_MATTER_FENCE.match(lines[0]):
        return 0
    for end in range(1, min(len(lines), _FRONT_MATTER_LINES)):
        if _FRONT_MATTER_FENCE.match(lines[end]):
            break
    else:
        return 0
    keyed = [_FRONT_MATTER_KEY.match(line.strip()) for line in lines[1:end] if line.strip()]
    if not keyed or not all(keyed):
        return 0  # a horizontal rule, not front matter
    pairs = [(m["key"], m["value"].strip()) for m in keyed if m is not None]
    # the page's own title says what the other keys are about ("author: Kenji Watanabe"
    # of "Deploying the docs bot")
    title = next((v for k, v in pairs if fold_accents(k).lower() in _TITLE_KEYS), "")
    page = title or reader.heading_path()
    for key, value in pairs:
        about = "" if fold_accents(key).lower() in _TITLE_KEYS else title
        reader.add("definition", f"{key}: {value}", reader.context(about), term=key, page=page)
    return end + 1


_TITLE_KEYS = frozenset({"title", "titulo"})


def _dedent(line: str) -> str:
    """An indented line of an admonition or tab body, moved out by one level."""
    if line.startswith("\t"):
        return line[1:]
    return line[4:] if line.startswith("    ") else line.lstrip()


def wrap_width(lines: Sequence[str]) -> int:
    """The width ``lines`` were hard-wrapped at (quote marks not counted), 0 when they
    were not: several lines end near the widest, and the widest is a typewriter's."""
    lengths = [len(_BLOCKQUOTE.sub("", line).rstrip()) for line in lines]
    widest = max(lengths, default=0)
    if widest not in _WRAP_WIDTHS:
        return 0
    full = sum(1 for n in lengths if n >= widest - _FULL_SLACK)
    return widest if full >= _FULL_LINES else 0


def runs_on(previous: str, line: str, width: int) -> bool:
    """Whether ``line`` continues ``previous`` in text wrapped at ``width``: ``previous``
    ends mid-sentence near the width (people who wrap by hand leave a few characters)."""
    before = _BLOCKQUOTE.sub("", previous).rstrip()
    after = _BLOCKQUOTE.sub("", line).strip()
    if not width or not before or not after or before.endswith(_SENTENCE_END):
        return False
    if _ITEM.match(after) or _HEADING.match(after) or after.startswith("["):
        return False  # a list item, a heading, a chat line's "[09:15]" start anew
    label = _DEFINITION.match(after)
    if (
        label
        and len(label["term"].split()) <= 3
        and (after[:1].isupper() or _DEFINITION.match(before))
    ):
        return False  # "Retriever: BM25 y e5" under "Setup: Ollama…", "owner: …" under "status: …"
    if _RECORD_START.match(after) and _RECORD_START.match(before):
        return False  # records: log lines, CSV rows, "09:15 Ana: …" under "09:12 Luis: …"
    first, opening = after.split(maxsplit=1)[0], before.split(maxsplit=1)[0]
    if _NAME_START.match(first) and _NAME_START.match(opening):
        return False  # one line a model: "Qwen2.5-7B scored 74…" / "Llama-3-8B scored 66…"
    if first[:1].isupper() and not _IDENTIFIER_START.search(first):
        # a capital opens a line of its own ("Modelo base Qwen" under a line without a
        # full stop) unless the line before stops on a little word ("… en la" / "A10")
        last = before.rsplit(maxsplit=1)[-1]
        if not (last.isalpha() and last.islower() and len(last) <= 3):
            return False
    return len(before) >= width - _FULL_SLACK


def unwrapped(text: str) -> str:
    """``text`` with its hard-wrapped lines joined into the lines they wrap (quote marks
    of a continuation dropped), code fences left as they are; ``text`` itself when it
    was not hard-wrapped. For readers that split at line breaks, like the verifier's."""
    lines = text.splitlines()
    width = wrap_width(lines)
    if not width:
        return text
    out: list[list[str]] = []
    fenced = False
    for n, line in enumerate(lines):
        fence = bool(_FENCE.match(line))
        fenced = fenced != fence
        if out and not fenced and not fence and runs_on(lines[n - 1], line, width):
            out[-1].append(_BLOCKQUOTE.sub("", line).strip())
        else:
            out.append([line.rstrip()])
    return "\n".join(" ".join(parts) for parts in out)


@lru_cache(maxsize=4096)
def passage_units(text: str, heading: str = "", title: str = "") -> tuple[AnswerUnit, ...]:
    """The answer units of ``text`` in reading order, under the document's ``title`` and
    the ``heading`` of the section the passage comes from.

    Cached: the grader and the answerer read the same passages one after the other."""
    outer = list(dict.fromkeys(clean(part) for part in (title, heading) if part))
    reader = _Reader(headings=[(0, part) for part in outer], section=clean(heading))
    reader.subject = subject_of_heading(clean(heading.lstrip("#").strip()))
    lines = text.splitlines()
    reader.wrap_width = wrap_width(lines)
    i = _front_matter(lines, reader)
    printed: list[str] = []  # the statements of a code block just read: what prints below
    boxes: list[tuple[int, str]] = []  # open admonitions and tabs: (end of body, title)
    box_work = 0
    while i < len(lines):
        while boxes and i >= boxes[-1][0]:
            reader.flush()
            if reader.lead == boxes.pop()[1]:
                # the box's title introduced its body only; the box around it, if any,
                # introduces what follows
                reader.lead = boxes[-1][1] if boxes else ""
        line = lines[i]
        reader.links.update(clean(m.group(1)) for m in _LINK.finditer(line))
        boxed = _BOXED.match(line) if box_work <= _BOX_WORK_PER_LINE * len(lines) else None
        end = i + 1
        while boxed and end < len(lines) and (not lines[end].strip() or lines[end][:1] in " \t"):
            end += 1
        if boxed and any(body.strip() for body in lines[i + 1 : end]):
            # the box's title (or a tab's label) introduces its body, which is read as
            # if it were not indented
            reader.flush()
            reader.end_list()
            # '!!! tip "Health check"' is titled; "!!! IMPORTANTE" by its type
            box_title = boxed["title"] or boxed["tab"] or boxed["type"] or ""
            reader.lead = box_title
            lines[i + 1 : end] = [_dedent(body) for body in lines[i + 1 : end]]
            box_work += end - i
            boxes.append((end, box_title))
            i += 1
            continue
        fence = _FENCE.match(line)
        if fence:
            marker, block = fence.group(1), []
            i += 1
            while i < len(lines) and not lines[i].lstrip().startswith(marker):
                block.append(lines[i])
                i += 1
            reader.code(block)
            i += 1
            printed = printing_statements(line[fence.end() :], block)
            continue
        if line.strip() and not line.startswith(("    ", "\t")):
            printed = []  # an indented block after prose is code of its own, not output
        heading_match = _HEADING.match(line)
        if heading_match:
            reader.heading(len(heading_match.group(1)), heading_match.group(2))
            i += 1
            continue
        if _is_table_row(line):
            header: list[str] | None = None
            if i + 1 < len(lines) and _TABLE_SEPARATOR.match(lines[i + 1]):
                header, i = _cells(line), i + 2
            rows = []
            while i < len(lines) and _is_table_row(lines[i]):
                if not _TABLE_SEPARATOR.match(lines[i]):
                    rows.append(_cells(lines[i]))
                i += 1
            reader.table(header, rows)
            continue
        item = _ITEM.match(line)
        if item:
            indent = len(item.group(1).expandtabs(4))
            for body in _INLINE_BULLET.split(item.group(2)):
                reader.item(indent, body)
        elif not line.strip():
            reader.flush()
        elif reader.levels and (
            line[:1].isspace() or runs_on(lines[i - 1], line, reader.wrap_width)
        ):
            reader.continue_item(line)
        elif line.startswith(("    ", "\t")) and not reader.paragraph:
            block = []
            while i < len(lines) and lines[i].startswith(("    ", "\t")):
                block.append(lines[i])
                i += 1
            said = output_lines(block, printed) if printed else None
            if said is not None:
                reader.output(said)  # a notebook's output under its cell
            else:
                reader.code(block)
            printed = []
            continue
        else:
            if reader.levels:
                reader.end_list()
            reader.paragraph.append(line)
        i += 1
    reader.flush()
    return tuple(reader.units)
