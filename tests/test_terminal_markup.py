"""Text printed through Rich is never read as markup unless the code wrote the markup.

Rich drops anything that looks like a tag: "add [[sources]] to veraz.toml" printed as
markup came out as "add [] to veraz.toml". Two kinds of test: the rule checked on the
source of every module that prints (values reach markup only through
``agent.terminal.markup``/``say``, which escape them), and the commands run as a user
would, with brackets in file names, questions and messages.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.terminal import markup

ROOT = Path(__file__).resolve().parents[1]
PRINTING_MODULES = [
    *sorted((ROOT / "agent" / "cli").glob("*.py")),
    ROOT / "agent" / "terminal.py",
    ROOT / "evals" / "command.py",
    ROOT / "evals" / "bench_command.py",
    ROOT / "agent" / "server" / "command.py",
    ROOT / "finetune" / "command.py",
    ROOT / "ui" / "command.py",
]
RICH_METHODS = {"print", "input", "log"}


def _interpolates(node: ast.AST) -> bool:
    """Whether an expression builds text from values (an f-string, ``%`` or ``.format``)."""
    for child in ast.walk(node):
        if isinstance(child, ast.JoinedStr) and any(
            isinstance(v, ast.FormattedValue) for v in child.values
        ):
            return True
        if isinstance(child, ast.Call) and getattr(child.func, "attr", "") == "format":
            return True
        if isinstance(child, ast.BinOp) and isinstance(child.op, ast.Mod):
            return True
    return False


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
        first = node.args[0]
        where = f"{path.relative_to(ROOT)}:{node.lineno}"
        forwarded = isinstance(first, ast.Name) and first.id == "template"  # say() -> markup()
        if (
            name in ("say", "markup")
            and not forwarded
            and not isinstance(first, ast.Constant | ast.BinOp)
        ):
            found.append(f"{where}: {name}() template must be a literal")
        elif name in ("say", "markup") and _interpolates(first):
            found.append(f"{where}: {name}() template built from values")
        elif name in RICH_METHODS and isinstance(node.func, ast.Attribute):
            no_markup = any(
                k.arg == "markup" and isinstance(k.value, ast.Constant) and k.value.value is False
                for k in node.keywords
            )
            if not no_markup and _interpolates(first):
                found.append(f"{where}: values interpolated into Rich markup")
        elif name == "add_row":
            for arg in node.args:
                if isinstance(arg, ast.Subscript | ast.Attribute) or (
                    isinstance(arg, ast.JoinedStr)
                    and any(
                        isinstance(v, ast.FormattedValue) and v.format_spec is None
                        for v in arg.values
                    )
                ):
                    found.append(f"{where}: table cell from data without markup()")
    return found


def test_no_module_prints_values_as_markup() -> None:
    problems = [problem for path in PRINTING_MODULES for problem in _violations(path)]
    assert problems == []


def test_the_source_rule_catches_an_fstring_into_rich(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        'console.print(f"[red]failed[/] {path}")\nsay(f"{x}")\ntable.add_row(row["name"])\n',
        encoding="utf-8",
    )
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert len(_violations(bad)) == 3
    finally:
        ROOT = saved


@pytest.mark.parametrize(
    "value",
    ["[[sources]]", "[bold]x[/bold]", "notes[draft].md", "[/]", "[link=file:///etc]x[/link]"],
)
def test_markup_keeps_values_verbatim(value: str) -> None:
    from rich.console import Console

    out = Console(record=True, width=200)
    out.print(markup("[red]failed[/] {value}", value=value), highlight=False)
    assert out.export_text().strip() == f"failed {value}"


def test_schedule_without_sources_shows_the_toml_brackets(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["schedule", "--once", "--home", str(tmp_path)], env={"VERAZ_SOURCES": "[]"}
    )
    assert result.exit_code == 2
    assert "add [[sources]] to veraz.toml" in " ".join(result.output.split())


@pytest.fixture(scope="module")
def bracketed_collection(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A collection with a file whose name and text hold markup-like brackets."""
    base = tmp_path_factory.mktemp("brackets")
    docs = base / "docs"
    docs.mkdir()
    (docs / "[bold]notas[i].md").write_text(
        "# Configuración [tool.ruff]\n\n"
        "La sección [tool.ruff] de pyproject.toml fija line-length = 100 para todo el "
        "proyecto.\n",
        encoding="utf-8",
    )
    (docs / "[red]roto[x].pdf").write_bytes(b"%PDF-1.4 not really a pdf")
    return base, docs


def test_ingest_and_ask_show_bracketed_names_and_text(bracketed_collection) -> None:  # type: ignore[no-untyped-def]
    base, docs = bracketed_collection
    home = ["--home", str(base / "home")]
    runner = CliRunner(env={"COLUMNS": "200"})
    ingest = runner.invoke(app, ["ingest", str(docs), *home])
    assert ingest.exit_code == 0, ingest.output
    assert "[red]roto[x].pdf" in " ".join(ingest.output.split())  # the failed file, exactly
    retrieve = runner.invoke(app, ["retrieve", "sección tool.ruff line-length", *home])
    assert "[tool.ruff]" in retrieve.output
    asked = runner.invoke(app, ["ask", "¿Qué fija la sección [tool.ruff]?", "--no-stream", *home])
    assert asked.exit_code == 0, asked.output
    assert "[tool.ruff]" in asked.output
