"""reStructuredText (.rst): read as the Markdown it would render to, so its structure counts.

Sphinx API references and project docs are written in reST. Read as plain text, the
answerer saw "Retriever API" over a row of "=" as a sentence, ``:param k: … Defaults to
10.`` as an unlabelled line and a ``.. code-block::`` body as prose. Converted here:

- section titles (a line under, or between, a row of one punctuation mark) become
  Markdown headings, levels in the order their styles first appear;
- an object's description (``.. class:: HybridRetriever(index, alpha=0.5)``,
  ``.. method::``, ``.. function::``…) becomes a heading one level below the one it is in,
  so its fields and notes are quoted with its signature;
- field lists (``:param alpha: …``, ``:returns: …``, ``:raises IndexClosedError: …``) and
  definition lists become ``name: text`` list items;
- admonitions (``.. note::``, ``.. warning::``…) become MkDocs admonitions, which the
  answerer reads as a titled box; ``.. deprecated:: 0.4`` / ``versionadded`` /
  ``versionchanged`` become "Deprecated since version 0.4: …", as Sphinx renders them;
- ``.. code-block:: python`` and literal blocks (``::``) become fenced code;
- roles and inline markup lose their marks (``:class:`~a.Index``` -> ``Index``).

Comments, link targets, images and ``toctree`` are left out. One pass over the lines
per nesting level, nesting read to a bounded depth: linear in the file's length.
Not docutils: it is not a dependency, and a reader that never fails on odd markup
suits notes better than a validator's errors.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from ingestion.loaders.document import Section
from ingestion.loaders.encoding_detection import decode_text
from ingestion.loaders.markdown import markdown_sections

__all__ = ["load_rst", "rst_markdown"]

_ADORNMENT = re.compile(r"^([!-/:-@\[-`{-~])\1{2,}\s*$")  # "=====", "-----", "~~~~"
_DIRECTIVE = re.compile(r"^\.\.\s+([\w:-]+)::(?:\s+(.*))?$")
_COMMENT = re.compile(r"^\.\.(?:\s|$)")  # ".. a comment", ".. _target:", ".. |sub| …"
_FIELD = re.compile(r"^:([^:`]{1,80}):(?:\s+(.*))?$")
_OPTION = re.compile(r"^:[\w-]+:")  # a directive's options, ":linenos:"
_ROLE = re.compile(r":[\w:.-]{1,40}:`([^`]{1,300})`")
_LITERAL = re.compile(r"``([^`]{1,300})``")
_LINK = re.compile(r"`([^`<]{1,200}?)\s*<([^`>]{1,500})>`__?")
_REFERENCE = re.compile(r"`([^`]{1,200})`__?")
_ENUMERATED = re.compile(r"^#\.\s")
_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)]|#\.)\s+\S")
_SIMPLE_BORDER = re.compile(r"^=+(?: +=+)+ *$")
_GRID_BORDER = re.compile(r"^\+(?:[-=]+\+)+$")

_CODE = frozenset({"code-block", "code", "sourcecode", "literalinclude"})
_ADMONITIONS = frozenset({
    "note", "warning", "tip", "important", "caution", "attention", "danger", "error",
    "hint", "seealso", "admonition", "todo",
})  # fmt: skip
_VERSIONS = {
    "deprecated": "Deprecated since version",
    "versionadded": "New in version",
    "versionchanged": "Changed in version",
    "versionremoved": "Removed in version",
}
_OBJECTS = frozenset({
    "class", "function", "method", "attribute", "property", "exception", "data",
    "staticmethod", "classmethod", "decorator", "envvar", "option", "describe", "object",
})  # fmt: skip
_LEFT_OUT = frozenset({"image", "toctree", "raw", "include", "only", "contents", "index"})
_MAX_DEPTH = 8
_PARAMETER_FIELDS = frozenset({"param", "parameter", "arg", "argument", "key", "keyword"})
_FIELD_NAMES = {"returns": "Returns", "return": "Returns", "rtype": "Return type"}


def _inline(text: str) -> str:
    """Roles and reST's inline marks as Markdown: ``x`` -> `x`, :class:`~a.B` -> B."""

    def role(match: re.Match[str]) -> str:
        target = match.group(1)
        shown = target.split("<", 1)[0].strip() if "<" in target else target
        return shown.lstrip("~!").rsplit(".", 1)[-1] if shown[:1] == "~" else shown.lstrip("!")

    text = _ROLE.sub(role, text)
    text = _LINK.sub(lambda m: f"[{m.group(1).strip()}]({m.group(2).strip()})", text)
    text = _LITERAL.sub(lambda m: f"`{m.group(1)}`", text)
    return _REFERENCE.sub(lambda m: m.group(1), text).replace("\\ ", "")


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _block(lines: list[str], start: int, indent: int) -> tuple[list[str], int]:
    """The lines from ``start`` indented deeper than ``indent`` (blank lines inside
    kept), dedented to their own margin; and the index after them."""
    end = start
    while end < len(lines) and (not lines[end].strip() or _indent_of(lines[end]) > indent):
        end += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    body = lines[start:end]
    margin = min((_indent_of(line) for line in body if line.strip()), default=0)
    return [line[margin:] for line in body], end


def _markdown_table(header: list[str] | None, rows: list[list[str]]) -> list[str]:
    width = max((len(r) for r in [*rows, header or []]), default=0)

    def line(cells: list[str]) -> str:
        cells = [_inline(c.strip()).replace("|", "\\|") for c in cells]
        return "| " + " | ".join(cells + [""] * (width - len(cells))) + " |"

    top = [line(header), "| " + " | ".join(["---"] * width) + " |"] if header else []
    return top + [line(r) for r in rows]


def _table(lines: list[str], start: int) -> tuple[list[str], int] | None:
    """A simple table ("=====  =====" borders) or a grid table ("+----+----+") at
    ``start`` as Markdown rows, and the index after it; None when there is none."""
    border = lines[start].rstrip()
    if _SIMPLE_BORDER.match(border):
        spans = [m.span() for m in re.finditer(r"=+", border)]
        blocks: list[list[list[str]]] = [[]]
        i = start + 1
        while i < len(lines) and lines[i].strip():
            row = lines[i].rstrip()
            if _SIMPLE_BORDER.match(row):
                blocks.append([])
            else:
                cells = [
                    row[a : b if n + 1 < len(spans) else None] for n, (a, b) in enumerate(spans)
                ]
                if blocks[-1] and not cells[0].strip():
                    blocks[-1][-1] = [
                        f"{p} {c.strip()}".strip()
                        for p, c in zip(blocks[-1][-1], cells, strict=True)
                    ]
                else:
                    blocks[-1].append([c.strip() for c in cells])
            i += 1
        blocks = [b for b in blocks if b]
        if not blocks:
            return None
        header = blocks[0][0] if len(blocks) > 1 and len(blocks[0]) == 1 else None
        body = [r for b in (blocks[1:] if header else blocks) for r in b]
        return _markdown_table(header, body), i
    if _GRID_BORDER.match(border):
        bounds = [m.start() for m in re.finditer(r"\+", border)]
        header: list[str] | None = None
        rows: list[list[str]] = []
        cells: list[str] = []
        i = start + 1
        while i < len(lines) and lines[i].strip()[:1] in ("|", "+"):
            row = lines[i].rstrip()
            if _GRID_BORDER.match(row):
                if cells:
                    if "=" in row and header is None and not rows:
                        header = cells
                    else:
                        rows.append(cells)
                cells = []
            else:
                parts = [row[a + 1 : b] for a, b in itertools.pairwise(bounds)]
                cells = [
                    f"{c} {p.strip()}".strip()
                    for c, p in zip(cells or [""] * len(parts), parts, strict=False)
                ]
            i += 1
        return (_markdown_table(header, rows), i) if rows or header else None
    return None


def _list_table(body: list[str]) -> list[str]:
    """``.. list-table::``: "* - a" starts a row, "  - b" adds a cell."""
    header_rows = 0
    rows: list[list[str]] = []
    for line in body:
        option = re.match(r"^:header-rows:\s*(\d+)", line.strip())
        if option:
            header_rows = int(option.group(1))
        elif re.match(r"^[*-]\s+-\s", line):
            rows.append([line.strip()[1:].strip()[2:]])
        elif re.match(r"^\s+-\s", line) and rows:
            rows[-1].append(line.strip()[2:])
        elif line.strip() and rows:
            rows[-1][-1] += " " + line.strip()
    header = rows[0] if header_rows and rows else None
    return ["", *_markdown_table(header, rows[1:] if header else rows), ""]


class _Converter:
    """Markdown lines for reST lines (see the module docstring)."""

    def __init__(self) -> None:
        self.styles: list[str] = []  # title adornment styles, in order of appearance
        self.level = 0  # the level of the last section heading

    def heading(self, style: str) -> int:
        if style not in self.styles:
            self.styles.append(style)
        self.level = min(self.styles.index(style) + 1, 6)
        return self.level

    def convert(self, lines: list[str], depth: int = 0, level: int = 0) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(lines):
            line = lines[i].rstrip()
            stripped = line.strip()
            following = lines[i + 1].rstrip() if i + 1 < len(lines) else ""
            if depth == 0 and _ADORNMENT.match(line) and i + 2 < len(lines):
                # an overlined title: "=====" / "Title" / "====="
                under = lines[i + 2].rstrip()
                title = following.strip()
                if title and under[:1] == line[:1] and _ADORNMENT.match(under):
                    out += ["", "#" * self.heading("over" + line[0]) + " " + _inline(title), ""]
                    i += 3
                    continue
            if (
                depth == 0
                and stripped
                and not _indent_of(line)
                and _ADORNMENT.match(following)
                and len(following.strip()) >= min(len(stripped), 3)
            ):
                out += ["", "#" * self.heading(following[0]) + " " + _inline(stripped), ""]
                i += 2
                continue
            table = _table(lines, i) if stripped[:1] in "=+" else None
            if table is not None:
                rows, i = table
                out += ["", *rows, ""]
                continue
            if stripped.startswith(">>>"):
                end = i
                while end < len(lines) and lines[end].strip():
                    end += 1  # a doctest: the session and its output, as code
                out += ["```python", *(x.strip() for x in lines[i:end]), "```"]
                i = end
                continue
            if _ITEM.match(line):
                # a list item with its wrapped and nested lines: Markdown reads them as is
                body, end = _block(lines, i + 1, _indent_of(line))
                out += [
                    _inline(line),
                    *(_inline(f"{' ' * (_indent_of(line) + 2)}{b}") for b in body),
                ]
                i = end
                continue
            directive = _DIRECTIVE.match(stripped) if not _indent_of(line) else None
            if directive:
                body, i = _block(lines, i + 1, 0)
                name, argument = directive.group(1), directive.group(2) or ""
                out += self.directive(name, argument, body, depth, level)
                continue
            if _COMMENT.match(stripped) and not _indent_of(line):
                _, i = _block(lines, i + 1, 0)  # a comment, a link target: not text
                continue
            field = _FIELD.match(stripped) if not _indent_of(line) else None
            if field and field.group(1).strip():
                body, i = _block(lines, i + 1, 0)
                text = " ".join([field.group(2) or ""] + [b.strip() for b in body if b.strip()])
                out.append(f"- {self._field_name(field.group(1))}: {_inline(text.strip())}")
                continue
            if stripped and not _indent_of(line) and following.strip() and _indent_of(following):
                body, end = _block(lines, i + 1, 0)
                if line.endswith("::"):
                    out += [_inline(line[:-1].rstrip(":").rstrip() + ":"), "```", *body, "```"]
                elif not line.endswith((".", ":")):
                    # a definition list's term and its indented definition
                    definition = " ".join(b.strip() for b in body if b.strip())
                    out.append(f"- {_inline(stripped)}: {_inline(definition)}")
                else:
                    out += [_inline(line), *self.nested(body, depth, level)]
                i = end
                continue
            if stripped.endswith("::"):
                body, end = _block(lines, i + 2 if not following.strip() else i + 1, 0)
                if body:
                    said = stripped[:-1].rstrip(":").rstrip()
                    out += ([_inline(said) + ":"] if said else []) + ["```", *body, "```"]
                    i = end
                    continue
            if _indent_of(line):
                body, i = _block(lines, i, 0)  # a block quote: its text, read as prose
                out += self.nested(body, depth, level)
                continue
            if stripped.startswith("| ") and not stripped.endswith("|"):
                line = stripped[2:]  # a line block's line
            out.append(_ENUMERATED.sub("1. ", _inline(line)))
            i += 1
        return out

    def nested(self, body: list[str], depth: int, level: int) -> list[str]:
        """``body``, a block inside the one at ``depth``, converted; past _MAX_DEPTH its
        lines as they are, so deep nesting costs a bounded number of passes."""
        if depth + 1 >= _MAX_DEPTH:
            return [_inline(line) for line in body]
        return self.convert(body, depth + 1, level)

    @staticmethod
    def _field_name(name: str) -> str:
        """ ":param alpha:" -> "alpha", ":raises IndexClosedError:" -> "Raises IndexClosedError"."""
        words = name.split() or [""]
        if words[0] in _PARAMETER_FIELDS and len(words) > 1:
            return _inline(words[-1])
        if words[0] in ("raises", "raise", "except", "exception") and len(words) > 1:
            return "Raises " + _inline(" ".join(words[1:]))
        if words[0] == "type" and len(words) > 1:
            return f"{_inline(words[-1])} type"
        return _FIELD_NAMES.get(words[0], _inline(name))

    def directive(
        self, name: str, argument: str, body: list[str], depth: int, level: int
    ) -> list[str]:
        kind = name.split(":")[-1]  # "py:class" -> "class"
        options = 0
        while options < len(body) and _OPTION.match(body[options].strip()):
            options += 1
        content = body[options:]
        while content and not content[0].strip():
            content = content[1:]
        if kind in _CODE:
            return ["```" + argument.strip().split(" ")[0], *content, "```"]
        if kind in _LEFT_OUT:
            return []
        if kind in _ADMONITIONS:
            title = argument if kind == "admonition" else kind
            first = [] if kind == "admonition" or not argument else [argument]
            inner = self.nested(first + content, depth, level)
            opening = f'!!! {kind} "{_inline(title)}"' if kind == "admonition" else f"!!! {kind}"
            return ["", opening, *(f"    {line}" if line.strip() else "" for line in inner), ""]
        if kind in _VERSIONS:
            version, _, rest = argument.partition(" ")
            text = " ".join([rest] + [b.strip() for b in content if b.strip()]).strip()
            return ["", f"{_VERSIONS[kind]} {version}: {_inline(text)}".rstrip(": "), ""]
        if kind == "module":
            return ["", f"Module: `{argument.strip()}`", ""]
        if kind in _OBJECTS:
            deeper = min(max(level, self.level) + 1, 6)
            inner = self.nested(content, depth, deeper)
            return ["", "#" * deeper + " " + _inline(argument.strip()), "", *inner, ""]
        if kind == "list-table":
            caption = [f"{_inline(argument.strip())}:"] if argument.strip() else []
            return caption + _list_table(body)
        return self.nested(content, depth, level)


def rst_markdown(text: str) -> str:
    """The Markdown ``text`` (reStructuredText) renders to, as far as its structure goes."""
    lines = _Converter().convert(text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def load_rst(path: Path, data: bytes) -> tuple[list[Section], str]:
    """Sections under the document's titles; its first title is its title."""
    return markdown_sections(rst_markdown(decode_text(path, data)))
