"""Claims stronger than their source, and negation or direction across languages: the
checks written from round 2 of the verifier's claims (evidence in
agent/tools/verification/certainty.py and across_languages.py). Each flags the
overstated claim and leaves the faithful one alone, in both languages."""

from __future__ import annotations

import pytest

from agent.tools.sentences import split_sentences
from agent.tools.verification.across_languages import cross_language_polarity
from agent.tools.verification.analysis import analyse
from agent.tools.verification.certainty import overstated
from agent.tools.verification.evidence import Evidence, passage_of
from agent.tools.verification.verifier import Verifier


def _evidence(sources: list[str]) -> Evidence:
    passages = [passage_of(text, i) for i, text in enumerate(sources)]
    return Evidence(passages, frozenset().union(*(p.known_names for p in passages)))


def _overstated(sources: list[str], sentence: str, language: str, best: int = 0) -> str:
    evidence = _evidence(sources)
    claim = analyse(sentence, language, frozenset())
    return overstated(claim, evidence.sentences[best], evidence.sentences)


EARTHQUAKES = "Most large earthquakes occur at convergent boundaries."
ACTA = "Se aprueba por mayoría la reparación de la fachada, con un presupuesto de 38.500 €."
WETLANDS = (
    "These results suggest that the loss could be related to groundwater extraction,"
    " although more studies are needed."
)
HUMEDALES = (
    "Estos resultados sugieren que la reducción podría estar relacionada con la extracción"
    " de aguas subterráneas."
)
FLAG_ES = "El parámetro `--legacy-auth` se eliminará en la versión 5.0."
FLAG_EN = "The --legacy-auth flag will be removed in version 5.0."


@pytest.mark.parametrize(
    ("sources", "language", "overstated_claim", "faithful", "reason"),
    [
        (
            [EARTHQUAKES],
            "en",
            "All large earthquakes occur at convergent boundaries.",
            "Large earthquakes mostly occur at convergent boundaries.",
            "says 'all'",
        ),
        (
            ["La mayoría de los grandes terremotos ocurren en bordes convergentes."],
            "es",
            "Todos los grandes terremotos ocurren en bordes convergentes.",
            "La mayoría de los grandes terremotos ocurren en bordes convergentes.",
            "says 'todos'",
        ),
        (
            [ACTA],
            "es",
            "La comunidad aprobó por unanimidad la reparación de la fachada.",
            "La comunidad aprobó por mayoría la reparación de la fachada.",
            "unanimity",
        ),
        (
            [WETLANDS],
            "en",
            "The loss was caused by groundwater extraction.",
            "The loss could be related to groundwater extraction.",
            "leaves open ('suggest')",
        ),
        (
            [HUMEDALES],
            "es",
            "La reducción está causada por la extracción de aguas subterráneas.",
            "La reducción podría deberse a la extracción de aguas subterráneas.",
            "leaves open",
        ),
        (
            [FLAG_ES],
            "es",
            "La versión 4.1.0 eliminó el parámetro `--legacy-auth`.",
            "El parámetro `--legacy-auth` se eliminará en la versión 5.0.",
            "leaves open",
        ),
        (
            [FLAG_EN],
            "en",
            "The --legacy-auth flag was removed in version 5.0.",
            "Version 5.0 will remove the --legacy-auth flag.",
            "leaves open",
        ),
    ],
)
def test_a_claim_stronger_than_its_source_is_flagged(
    sources: list[str], language: str, overstated_claim: str, faithful: str, reason: str
) -> None:
    assert reason in _overstated(sources, overstated_claim, language)
    assert _overstated(sources, faithful, language) == ""


@pytest.mark.parametrize(
    ("sources", "language", "sentence"),
    [
        # "all three", "every 6.3 days", "todos los lunes": a count or a frequency
        (["TrailLite 2: 18 h. TrailLite Pro: 26 h. SummitX: 40 h."], "en",
         "All three models last at least 18 hours."),
        (["The planet orbits the star with a period of 6.3 days."], "en",
         "The planet completes an orbit every 6.3 days."),
        (["Las reuniones de seguimiento son los lunes a las 10:00."], "es",
         "Las reuniones de seguimiento son todos los lunes a las 10:00."),
        # "may" that grants, "appears" that places
        (["Employees may work remotely up to three days per week."], "en",
         "Employees can work remotely up to three days per week."),
        (["Hit@k is the share of questions for which a relevant chunk appears among the"
          " top k results."], "en",
         "Hit@k is the share of questions with a relevant chunk in the top k results."),
        # a future that is a policy, not a plan
        (["Conservaremos sus datos durante un máximo de seis años."], "es",
         "La empresa conserva los datos como máximo seis años."),
        # found by an adversarial pass: counts, "provided that", nouns and adjectives
        # that look like hedges, present passives, a future in another conjunct
        (["120/120 tests passed on the CI run."], "en", "All tests passed on the CI run."),
        (["Puedes usar la API gratis si citas la fuente."], "es",
         "Puedes usar la API gratis siempre que cites la fuente."),
        (["The Pro plan costs 20 dollars per month."], "en",
         "The Pro tier costs 20 dollars per month."),
        (["The proposed method reaches 91 % accuracy."], "en",
         "The method reaches 91 % accuracy."),
        (["La pendiente media de la carretera es del 8 %."], "es",
         "La carretera tiene una pendiente media del 8 %."),
        (["Refunds will be issued within 14 days."], "en", "Refunds are issued within 14 days."),
        (["The company hired 30 people in 2023 and will hire 20 more in 2024."], "en",
         "The company hired 30 people in 2023."),
        # what one source says will happen, a later one says did
        ([FLAG_ES, "Versión 5.0.0. Eliminado: el parámetro `--legacy-auth`."], "es",
         "La versión 5.0.0 eliminó el parámetro `--legacy-auth`."),
    ],
)  # fmt: skip
def test_faithful_claims_are_not_read_as_overstated(
    sources: list[str], language: str, sentence: str
) -> None:
    assert _overstated(sources, sentence, language) == ""


@pytest.mark.parametrize(
    ("source", "source_language", "sentence", "language"),
    [
        # the same order said from the other event
        ("Reposar la masa 30 minutos antes de añadir la sal.", "es",
         "Add the salt after resting the dough for 30 minutes.", "en"),
        ("El Millbrook está dos puntos por delante del Harrow.", "es",
         "Harrow is two points behind Millbrook.", "en"),
        # a negation said with a verb
        ("El tratamiento no redujo la mortalidad.", "es",
         "The treatment failed to reduce mortality.", "en"),
        ("The board did not approve the budget.", "en",
         "La junta rechazó aprobar el presupuesto.", "es"),
    ],
)  # fmt: skip
def test_the_same_fact_said_another_way_across_languages_passes(
    source: str, source_language: str, sentence: str, language: str
) -> None:
    best = analyse(source, source_language, frozenset())
    assert cross_language_polarity(analyse(sentence, language, frozenset()), best) == ""


@pytest.mark.parametrize(
    ("source", "source_language", "contradicting", "faithful", "language", "reason"),
    [
        (
            "Conclusión: no se recomienda la suplementación sistemática con vitamina D.",
            "es",
            "The authors recommend routine vitamin D supplementation.",
            "The authors do not recommend routine vitamin D supplementation.",
            "en",
            "the source negates 'recomienda'",
        ),
        (
            "The board does not recommend closing the branch.",
            "en",
            "La junta recomienda cerrar la sucursal.",
            "La junta no recomienda cerrar la sucursal.",
            "es",
            "the source negates 'recommend'",
        ),
        (
            "The win lifts Harrow to fourth in the table, two points behind Millbrook.",
            "en",
            "El Harrow sube al cuarto puesto, dos puntos por delante del Millbrook.",
            "El Harrow sube al cuarto puesto, dos puntos por detrás del Millbrook.",
            "es",
            "contradicts the source (position",
        ),
        (
            "Mezclar la harina y el agua; reposar 30 minutos antes de añadir la sal.",
            "es",
            "Rest the dough for 30 minutes after adding the salt.",
            "Rest the dough for 30 minutes before adding the salt.",
            "en",
            "contradicts the source (order",
        ),
    ],
)
def test_negation_and_direction_are_compared_across_languages(
    source: str,
    source_language: str,
    contradicting: str,
    faithful: str,
    language: str,
    reason: str,
) -> None:
    best = analyse(source, source_language, frozenset())
    assert reason in cross_language_polarity(analyse(contradicting, language, frozenset()), best)
    assert cross_language_polarity(analyse(faithful, language, frozenset()), best) == ""


@pytest.fixture(scope="module")
def lexical_verifier() -> Verifier:
    return Verifier(embedder=None)


def test_a_version_written_with_v_is_the_same_number(lexical_verifier: Verifier) -> None:
    source = "## v2.2.1 (2024-01-28)\n### Fixed\n- Memory leak when streaming large CSV files."
    check = lexical_verifier.check_sentence(
        "Version 2.2.1 fixed a memory leak when streaming large CSV files.", [source]
    )
    assert "2.2.1 not in sources" not in check.reason
    wrong = lexical_verifier.check_sentence(
        "Version 2.2.4 fixed a memory leak when streaming large CSV files.", [source]
    )
    assert not wrong.supported and "2.2.4" in wrong.reason


def test_a_number_sign_is_neither_a_sentence_end_nor_a_negation() -> None:
    text = "Kovac is projected to climb to a career-high No. 9 on Monday. Duarte stays."
    assert split_sentences(text)[0].endswith("on Monday.")
    assert not analyse(split_sentences(text)[0], "en", frozenset()).negated
    # a lowercase "no." still ends a sentence
    assert split_sentences("The answer is no. 5 people came.") == [
        "The answer is no.",
        "5 people came.",
    ]


def test_a_negated_auxiliary_denies_the_verb_it_carries() -> None:
    source = analyse("Freírlas durante 20 minutos, sin que lleguen a dorarse.", "es", frozenset())
    assert any(item.surface == "dorarse" for item in source.negated)
    # "redujo" is "reducir" for the direction check: no reduction stays no reduction
    said = analyse("La suplementación no redujo las caídas.", "es", frozenset())
    assert 1 in said.poles.get("magnitude", frozenset())
