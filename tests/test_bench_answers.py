"""``veraz bench answers``: what counts as containing the gold answer, and bad datasets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.bench_answers import AnswerItem, contains_answer, load_answer_dataset


def _item(*answers: str, all_required: bool = False) -> AnswerItem:
    return AnswerItem("q", list(answers), source="a.txt", all_required=all_required)


@pytest.mark.parametrize(
    ("answer", "gold", "found"),
    [
        ("Tiene 4,1 GB en disco. [1]", "4,1  gb", True),  # case, accents and spaces
        ("Davis forzó 4 balones sueltos. [1]", "cuatro", True),  # a number either way
        ("The storm lasted four days. [1]", "4", True),
        ("Norman interceptó cuatro pases. [1]", "4", True),
        ("Davis forzó 14 balones sueltos. [1]", "cuatro", False),  # a whole word only
        ("Davis forzó 4,5 balones. [1]", "cuatro", False),
        ("Forzó dos balones. [1]", "cuatro", False),
        # part of a bigger number is not the number (adversarial pass)
        ("Llegaron cien mil personas. [1]", "100", False),
        ("Ciento veinte personas. [1]", "100", False),
        ("Twenty-five soldiers. [1]", "20", False),
        ("Treinta y cinco años. [1]", "5", False),
        ("Treinta y cinco años. [1]", "30", False),
        ("Cinco jugadores y treinta aficionados. [1]", "5", True),
        ("El número " + "9" * 5_000 + " no es cuatro. [1]", "4", True),  # no int() limit
        ("Tim Dettmers presented it. [1]", "Dettmers", True),
        ("It was presented in 2023. [1]", "Dettmers", False),
    ],
)
def test_contains_the_gold_answer(answer: str, gold: str, found: bool) -> None:
    assert contains_answer(answer, _item(gold)) is found


def test_every_gold_answer_when_all_are_required() -> None:
    item = _item("GPTQ", "AWQ", all_required=True)
    assert contains_answer("GPTQ y AWQ [1]", item)
    assert not contains_answer("GPTQ [1]", item)
    assert not contains_answer("anything", _item())  # no gold answer: nothing contains it


def test_a_bad_question_line_names_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A\n\nText.\n", encoding="utf-8")
    good = {"question": "¿Qué?", "answers": ["Text"], "source": "a.md"}
    (tmp_path / "questions.jsonl").write_text(
        json.dumps(good) + "\n" + '{"answers": []}\n', encoding="utf-8"
    )
    with pytest.raises(ValueError, match=r"questions\.jsonl:2"):
        load_answer_dataset(tmp_path)
