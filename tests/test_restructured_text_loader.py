"""reStructuredText: read as the Markdown it renders to (ingestion/loaders/restructured_text.py),
and asked through the real pipeline and graph."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from agent import Veraz
from agent.tools.answer_units import passage_units
from ingestion.loaders import load_document
from ingestion.loaders.restructured_text import rst_markdown

API = """\
Retriever API
=============

.. module:: minirag.retrieve

.. class:: HybridRetriever(index, alpha=0.5, k=10)

   Combines BM25 and dense scores.

   :param alpha: weight of the dense score; ``0`` is BM25 only.
   :param k: how many passages to return. Defaults to 10.
   :raises IndexClosedError: if the index was closed.

   .. note:: Scores are min-max normalised per query.

.. deprecated:: 0.4
   ``DenseRetriever`` — use :class:`~minirag.retrieve.HybridRetriever` instead.

Configuración
-------------

``MINIRAG_TIMEOUT``
    Segundos antes de que una búsqueda se rinda (por defecto ``30``).

.. code-block:: python
   :linenos:

   retriever = HybridRetriever(index, alpha=0.3)

Ejemplo de salida::

    hits: 10

.. _target:
.. a comment that is not text
"""


def test_titles_objects_fields_and_directives_become_markdown() -> None:
    markdown = rst_markdown(API)
    lines = markdown.splitlines()
    assert lines[0] == "# Retriever API"
    assert "## HybridRetriever(index, alpha=0.5, k=10)" in lines
    assert "- alpha: weight of the dense score; `0` is BM25 only." in lines
    assert "- Raises IndexClosedError: if the index was closed." in lines
    assert "!!! note" in lines and "    Scores are min-max normalised per query." in lines
    assert "Deprecated since version 0.4: `DenseRetriever` — use HybridRetriever instead." in lines
    assert "## Configuración" in lines  # a second title style is the next level down
    timeout = "- `MINIRAG_TIMEOUT`: Segundos antes de que una búsqueda se rinda (por defecto `30`)."
    assert timeout in lines
    assert "```python\nretriever = HybridRetriever(index, alpha=0.3)\n```" in markdown
    assert ":linenos:" not in markdown  # a directive's options are not its text
    assert "Ejemplo de salida:\n```\nhits: 10\n```" in markdown
    assert "comment" not in markdown and "_target" not in markdown


def test_a_field_is_quoted_under_its_objects_signature() -> None:
    units = passage_units(rst_markdown(API))
    field = next(u for u in units if u.text.startswith("k:"))
    assert "HybridRetriever(index, alpha=0.5, k=10)" in field.context


def test_an_rst_file_is_loaded_as_rst(tmp_path: Path) -> None:
    path = tmp_path / "api.rst"
    path.write_text(API, encoding="utf-8")
    doc = load_document(path)
    assert doc.file_type == "rst"
    assert doc.title == "Retriever API"
    assert "=====" not in doc.text


@pytest.mark.parametrize(
    "unit", ["=" * 20_000, ".. note:: " * 5_000, "   " * 10_000 + "x", "``" * 20_000]
)
def test_pathological_rst_is_read_in_linear_time(unit: str) -> None:
    started = time.perf_counter()
    rst_markdown((unit + "\n") * 3)
    # generous: a quadratic reading of these lines takes minutes
    assert time.perf_counter() - started < 5


def test_deeply_nested_blocks_are_read_to_a_bounded_depth() -> None:
    nested = "\n".join("   " * depth + f"level {depth}" for depth in range(200))
    assert "level 199" in rst_markdown(nested)


def test_questions_about_an_api_reference_are_answered(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "api.rst").write_text(API, encoding="utf-8")
    rag = Veraz(home=tmp_path / "home")
    rag.ingest([docs])
    answer = rag.ask("In which version was DenseRetriever deprecated?")
    assert "0.4" in answer.answer and not answer.abstained
    answer = rag.ask("What is the default value of k in HybridRetriever?")
    assert "10" in answer.answer
    rag.close()


TABLES = """\
=====  =====  ======
Name   Speed  Notes
=====  =====  ======
bm25   fast   lexical
dense  slow   needs
              a GPU
=====  =====  ======

+------------+----------+
| Opción     | Sentido  |
+============+==========+
| --port     | Puerto   |
|            | de       |
|            | escucha. |
+------------+----------+

.. list-table:: Engines
   :header-rows: 1

   * - Engine
     - Tokens/s
   * - vLLM
     - 1980
"""


def test_simple_grid_and_list_tables_become_rows_with_their_header() -> None:
    lines = rst_markdown(TABLES).splitlines()
    assert "| Name | Speed | Notes |" in lines
    assert "| dense | slow | needs a GPU |" in lines  # a continuation line joins its cell
    assert "| --port | Puerto de escucha. |" in lines  # a grid cell over three lines
    assert "| Engine | Tokens/s |" in lines and "| vLLM | 1980 |" in lines
    units = passage_units(rst_markdown(TABLES))
    assert any(u.text == "Opción: --port · Sentido: Puerto de escucha." for u in units)


def test_list_items_keep_their_wrapped_and_nested_lines() -> None:
    rst = (
        "- The retriever combines BM25 and dense\n  embeddings with a weight.\n\n"
        "  - nested item\n1. Install the package, then\n   run the indexer.\n"
    )
    texts = [u.text for u in passage_units(rst_markdown(rst))]
    assert "The retriever combines BM25 and dense embeddings with a weight." in texts
    assert "nested item" in texts
    assert "Install the package, then run the indexer." in texts


def test_doctests_are_code_and_odd_fields_are_text() -> None:
    markdown = rst_markdown(">>> print(1)\n1\n\n: : x\n")
    assert "```python\n>>> print(1)\n1\n```" in markdown
    assert ": : x" in markdown or "x" in markdown.splitlines()[-1]


def test_a_deep_staircase_is_read_without_recursion_error() -> None:
    staircase = "\n".join(" " * depth + "a." for depth in range(1_000))
    assert rst_markdown(staircase).count("a.") == 1_000
