"""The layers point one way (docs/design.md, "Layers"): ingestion below agent, agent
below ui / evals / finetune, and no import cycle between modules anywhere."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("ingestion", "agent", "ui", "evals", "finetune")
ALLOWED = {
    "ingestion": set(),
    "agent": {"ingestion"},
    "ui": {"agent", "ingestion"},
    # evals.testset reuses finetune.corpus_pairs (questions from chunks); never the reverse.
    "evals": {"agent", "ingestion", "finetune"},
    "finetune": {"agent", "ingestion"},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] in PACKAGES}


def _graph() -> dict[str, set[str]]:
    modules = {
        _module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py") if p.is_file()
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        graph[name] = {m for m in _imports(path) if m in modules and m != name}
    return graph


def test_each_package_imports_only_the_layers_below_it() -> None:
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in _graph().items()
        for target in targets
        if target.split(".")[0] != module.split(".")[0]
        and target.split(".")[0] not in ALLOWED[module.split(".")[0]]
    )
    assert wrong == []


def test_no_import_cycles_between_packages_of_different_layers_or_modules() -> None:
    graph = _graph()
    layer_edges = {
        (a.split(".")[0], b.split(".")[0])
        for a, targets in graph.items()
        for b in targets
        if a.split(".")[0] != b.split(".")[0]
    }
    assert not [(a, b) for a, b in layer_edges if (b, a) in layer_edges]
    # Module level: a cycle of imports made at import time (top-level statements).
    top: dict[str, set[str]] = {}
    for name in graph:
        path = ROOT / (name.replace(".", "/") + ".py")
        if not path.exists():
            path = ROOT / name.replace(".", "/") / "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names: set[str] = set()
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
        # Importing one's own parent package (``from pkg import sibling``) is no cycle.
        top[name] = {m for m in names if m in graph and not name.startswith(m)}
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for target in top[node]:
            if state.get(target) == 1:
                cycles.append([*stack[stack.index(target) :], target])
            elif target not in state:
                visit(target, [*stack, target])
        state[node] = 2

    for node in sorted(top):
        if node not in state:
            visit(node, [node])
    assert cycles == []
