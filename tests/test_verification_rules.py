"""Each hard check of the verifier, alone: it flags the fabrication it exists for and
leaves the faithful wording of the same source alone."""

from __future__ import annotations

import pytest

from agent.tools.verification import rules
from agent.tools.verification.analysis import analyse
from agent.tools.verification.evidence import Evidence, passage_of
from agent.tools.verification.scoring import skip_reason, term_coverage

DEDUP = "La deduplicación exacta se hace con un hash del documento; la aproximada, con MinHash."
COINED = (
    "The term prompt injection was coined by Simon Willison in September 2022, after Riley "
    "Goodside showed the attack."
)
CLAUDE = [
    "Claude 2.1 was released in November 2023.",
    "The first Claude was released in March 2023.",
]

CASES = [
    # rule, language, sources, fabricated sentence, faithful sentence, reason fragment
    (
        "missing_key",
        "es",
        ["QLoRA usa pesos de 4 bits en el formato NF4."],
        "QLoRA usa pesos de 8 bits.",
        "QLoRA usa pesos de 4 bits.",
        "number 8 not in sources",
    ),
    (
        "polarity_failure",
        "es",
        ["LoRA reduce la memoria necesaria para ajustar el modelo."],
        "LoRA no reduce la memoria necesaria.",
        "LoRA reduce la memoria necesaria.",
        "negates 'reduce'",
    ),
    (
        "context_conflict",
        "en",
        [COINED],
        "The term prompt injection was coined by Riley Goodside.",
        "Simon Willison coined the term prompt injection.",
        "'Riley Goodside' where the source has 'Simon Willison'",
    ),
    (
        "linked_keys_conflict",
        "en",
        CLAUDE,
        "Claude 2.1 was released in March 2023.",
        "Claude 2.1 was released in November 2023.",
        "not stated together",
    ),
    (
        "frame_substitution",
        "es",
        [DEDUP],
        "La deduplicación aproximada se hace con un hash del documento.",
        "La deduplicación exacta se hace con un hash del documento.",
        "'aproximada' where the source has 'exacta'",
    ),
    (
        "period_conflict",
        "en",
        ["The API budget is 300 euros a month.", "We review the logs every day."],
        "The API budget is 300 euros a week.",
        "The API budget is 300 euros per month.",
        "'week' where the source says 'month'",
    ),
    (
        "period_conflict",
        "es",
        ["El presupuesto de la API es de 300 euros al mes."],
        "El presupuesto de la API es de 300 euros anuales.",
        "El presupuesto mensual de la API es de 300 euros.",
        "'anuales' where the source says 'mes'",
    ),
]


def _judge(rule: str, language: str, sources: list[str], sentence: str) -> str:
    passages = [passage_of(text, i) for i, text in enumerate(sources)]
    names = frozenset().union(*(p.known_names for p in passages))
    evidence = Evidence(passages, names)
    analysis = analyse(sentence, language, names)
    check = getattr(rules, rule)
    if rule in ("polarity_failure", "frame_substitution", "period_conflict"):
        return check(analysis, evidence, evidence.sentences[0])
    return check(analysis, evidence)


@pytest.mark.parametrize(("rule", "language", "sources", "bad", "good", "reason"), CASES)
def test_rule_flags_the_fabrication_and_passes_the_faithful_wording(
    rule: str, language: str, sources: list[str], bad: str, good: str, reason: str
) -> None:
    assert reason in _judge(rule, language, sources, bad)
    assert _judge(rule, language, sources, good) == ""


def test_coverage_counts_terms_in_either_language_and_skips_connectives() -> None:
    passage = passage_of("El modelo cuantizado ocupa 4 GB en memoria.", 0)
    evidence = Evidence([passage], frozenset())
    assert (
        term_coverage(
            analyse("El modelo cuantizado ocupa memoria.", "es", frozenset()), evidence.stems
        )
        == 1.0
    )
    assert (
        term_coverage(analyse("The model needs a GPU cluster.", "en", frozenset()), evidence.stems)
        < 0.5
    )
    assert skip_reason("En resumen:") == "skipped: connective"
    assert skip_reason("¿Qué es QLoRA?") == "skipped: question"
    assert skip_reason("QLoRA usa 4 bits.") == ""


@pytest.mark.parametrize(
    ("language", "source", "faithful", "fabricated", "rival"),
    [
        (
            "es",
            "En el estudio LIMA (Zhou et al., 2023), investigadores de Meta ajustaron LLaMA"
            " con solo 1.000 ejemplos.",
            "En LIMA se ajustó LLaMA con solo 1.000 ejemplos.",
            "En LIMA, investigadores de Google ajustaron LLaMA con solo 1.000 ejemplos.",
            "Meta",
        ),
        (
            "en",
            "In the Orca study (Mukherjee et al., 2023), researchers at Microsoft tuned LLaMA"
            " on explanation traces.",
            "In Orca, LLaMA was tuned on explanation traces.",
            "In Orca, researchers at Google tuned LLaMA on explanation traces.",
            "Microsoft",
        ),
    ],
)
def test_a_name_saying_where_is_no_rival_of_the_one_saying_who(
    language: str, source: str, faithful: str, fabricated: str, rival: str
) -> None:
    """ "En LIMA se ajustó" was read as naming who tuned the model, against "Meta" in the
    source (a false alarm on the labelled set); the agent swapped is still flagged."""
    assert _judge("context_conflict", language, [source], faithful) == ""
    assert rival in _judge("context_conflict", language, [source], fabricated)


@pytest.mark.parametrize(
    ("language", "source", "fabricated", "rival"),
    [
        (
            "en",
            "In Paris, Mistral released Mixtral; in London, DeepMind released Gemini.",
            "In London, Mistral released Mixtral.",
            "Paris",
        ),
        (
            "es",
            "En París, Mistral publicó Mixtral; en Londres, DeepMind publicó Gemini.",
            "En Londres, Mistral publicó Mixtral.",
            "París",
        ),
        # after a verb or participle "en" brings an argument, not a circumstance
        (
            "es",
            "Zephyr está basado sobre Mistral, y Vicuna sobre LLaMA.",
            "Zephyr está basado en LLaMA.",
            "Mistral",
        ),
        (
            "es",
            "El modelo se entrenó con datos de Wikipedia; el tokenizador, con datos de GitHub.",
            "El modelo se entrenó en GitHub.",
            "Wikipedia",
        ),
    ],
)  # fmt: skip
def test_a_circumstance_is_held_to_the_sources_circumstances(
    language: str, source: str, fabricated: str, rival: str
) -> None:
    """An adversarial pass got each of these through when a circumstance was simply
    exempt from rivals in another role."""
    assert rival in _judge("context_conflict", language, [source], fabricated)
    faithful = "In London, DeepMind released Gemini."
    assert _judge("context_conflict", "en", [CIRCUMSTANCES], faithful) == ""


CIRCUMSTANCES = "In Paris, Mistral released Mixtral; in London, DeepMind released Gemini."


def test_a_period_taken_from_another_source_sentence_is_not_a_conflict() -> None:
    """ "daily" is stated by the second source: the best-matching sentence's "a month" does
    not make it a fabrication."""
    sources = ["The API budget is 300 euros a month.", "We review the logs daily."]
    assert _judge("period_conflict", "en", sources, "We review the logs every day.") == ""


@pytest.mark.parametrize(
    ("claim", "source"),
    [
        ("La reunión es el día 5 de cada mes.", "La reunión es el día 5 de cada mes, a las 10."),
        ("En el año 2023 pagamos 300 € al mes.", "En 2023 pagamos 300 € al mes."),
        ("Hoy en día pagamos 300 € al mes.", "Actualmente pagamos 300 € al mes."),
        ("The cache expires after one day.", "The cache expires after 24 hours."),
    ],
)
def test_a_time_that_is_not_a_rate_is_no_period_conflict(claim: str, source: str) -> None:
    """Only a rate per period is compared ("a week", "al mes", "mensual"): a day of the
    month, a year, "hoy en día" or a duration name a time (second adversarial pass: each
    was flagged)."""
    language = "es" if "é" in claim or " el " in claim or "Hoy" in claim else "en"
    assert _judge("period_conflict", language, [source], claim) == ""
