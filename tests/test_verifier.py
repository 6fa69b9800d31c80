"""Sentence splitting and the offline verifier: what it lets through and what it flags.

The verifier is loaded once per module with the bundled MiniLM model (no hub access).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.tools.sentences import citation_numbers, split_sentences, strip_citations
from agent.tools.verification import METHOD, SentenceCheck, Verifier
from evals.bench_verify import DEFAULT_DATASET, load_labelled, run_verify_benchmark
from ingestion.embedding import MINILM, Embedder

HELDOUT = Path(__file__).resolve().parents[1] / "evals" / "data" / "verify_heldout.jsonl"

QLORA_EN = (
    "QLoRA was introduced in May 2023 by Tim Dettmers and colleagues at the University of "
    "Washington. It loads the frozen base model in 4-bit NormalFloat (NF4) and trains LoRA "
    "adapters in 16-bit. A 65B model can be fine-tuned on a single 48 GB GPU, and the method "
    "does not lose quality compared with 16-bit fine-tuning."
)
SEARCH_EN = (
    "FAISS is a library for vector similarity search developed by Meta. Annoy, developed by "
    "Spotify, builds a forest of random projection trees. HNSW graphs give fast approximate "
    "search but use more memory than flat indexes."
)
CUANT_ES = (
    "La cuantización reduce el tamaño del modelo y acelera la inferencia. Un modelo de 7B "
    "parámetros en 4 bits ocupa unos 4,8 GB. El formato GGUF de llama.cpp admite variantes "
    "como Q4_K_M."
)
LORA_ES = (
    "LoRA congela los pesos preentrenados y entrena dos matrices de bajo rango por capa. "
    "No modifica los pesos originales, por lo que los adaptadores se pueden intercambiar."
)


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    # Most checks here were written with MiniLM, the English model; the default
    # multilingual model (e5) is checked by the benchmark tests at the end.
    return Verifier(Embedder(MINILM))


@pytest.fixture(scope="module")
def default_verifier() -> Verifier:
    return Verifier()


# ------------------------------------------------------------------ sentence splitting


def test_split_keeps_abbreviations_together() -> None:
    text = (
        "El Sr. García y la Dra. López, p. ej. en la Fig. 3, lo explican. "
        "Use a model, e.g. Llama 3, i.e. an open one, as in Hu et al. (2021) vs. GPT-4. "
        "Ocupa aprox. 5 GB en EE. UU. y en la U.S. Army. Sirve para tokens, pesos, etc. Fin."
    )
    assert split_sentences(text) == [
        "El Sr. García y la Dra. López, p. ej. en la Fig. 3, lo explican.",
        "Use a model, e.g. Llama 3, i.e. an open one, as in Hu et al. (2021) vs. GPT-4.",
        "Ocupa aprox. 5 GB en EE. UU. y en la U.S. Army.",
        "Sirve para tokens, pesos, etc.",
        "Fin.",
    ]


def test_split_keeps_decimals_versions_and_urls() -> None:
    text = "Ocupa 4.8 GB y 0.75 del total con llama.cpp v1.2. Ver https://example.com/a.b?x=1. Fin."
    assert split_sentences(text) == [
        "Ocupa 4.8 GB y 0.75 del total con llama.cpp v1.2.",
        "Ver https://example.com/a.b?x=1.",
        "Fin.",
    ]


def test_split_keeps_citation_markers_with_their_sentence() -> None:
    assert split_sentences("QLoRA usa NF4 [2]. LoRA congela los pesos [1][3].") == [
        "QLoRA usa NF4 [2].",
        "LoRA congela los pesos [1][3].",
    ]
    assert split_sentences("QLoRA usa NF4. [2] Luego entrena adaptadores.[1]") == [
        "QLoRA usa NF4. [2]",
        "Luego entrena adaptadores.[1]",
    ]


def test_split_handles_spanish_question_and_exclamation_marks() -> None:
    assert split_sentences("¿Qué es GGUF? Es un formato. ¡Funciona! Dijo que no. El fin…") == [
        "¿Qué es GGUF?",
        "Es un formato.",
        "¡Funciona!",
        "Dijo que no.",
        "El fin…",
    ]


def test_split_on_lines_and_bullets() -> None:
    text = "En resumen:\n- Primer punto [1]\n* Segundo punto.\n1. Tercero\n[2]"
    assert split_sentences(text) == [
        "En resumen:",
        "Primer punto [1]",
        "Segundo punto.",
        "Tercero [2]",
    ]


def test_citation_numbers_and_stripping() -> None:
    assert citation_numbers("a [1][3] b [2, 4] c [5-7] d [1]") == [1, 3, 2, 4, 5, 6, 7]
    assert citation_numbers("sin citas") == []
    assert strip_citations("QLoRA usa NF4 [2].") == "QLoRA usa NF4."
    assert strip_citations("x [1][2] y [3].") == "x y."


# ------------------------------------------------------------------------- verifier


def test_supported_paraphrases_pass_in_english_and_spanish(verifier: Verifier) -> None:
    cases = [
        ("A 65B model can be fine-tuned with QLoRA on one 48 GB GPU.", QLORA_EN),
        ("Annoy, from Spotify, builds a forest of random projection trees.", SEARCH_EN),
        ("Un modelo de 7B en 4 bits ocupa alrededor de 4.8 GB.", CUANT_ES),
        ("LoRA no modifica los pesos originales.", LORA_ES),
    ]
    for sentence, source in cases:
        check = verifier.check_sentence(sentence, [source])
        assert check.supported, (sentence, check.reason)
        assert 0.5 <= check.score <= 1.0
        assert check.best_source == 0


@pytest.mark.parametrize(
    ("sentence", "source", "reason"),
    [
        ("A 65B model can be fine-tuned on a single 24 GB GPU.", QLORA_EN, "number 24"),
        ("Un modelo de 7B en 4 bits ocupa unos 3,5 GB.", CUANT_ES, "number 3,5"),
        ("QLoRA was introduced by Edward Hu at Microsoft.", QLORA_EN, "name 'Edward Hu'"),
        ("El formato GGUF de vLLM admite Q4_K_M.", CUANT_ES, "name 'vLLM'"),
        ("Annoy was developed by Meta.", SEARCH_EN, "'Annoy' and 'Meta'"),
        ("QLoRA loses quality compared with 16-bit fine-tuning.", QLORA_EN, "negates 'lose'"),
        ("LoRA modifica los pesos originales.", LORA_ES, "negates 'modifica'"),
        ("HNSW graphs use less memory than flat indexes.", SEARCH_EN, "contradicts"),
        ("La cuantización aumenta el tamaño del modelo.", CUANT_ES, "contradicts"),
        ("QLoRA also improves reasoning on math benchmarks.", QLORA_EN, "low overlap"),
    ],
)
def test_fabrications_fail_with_a_reason(
    verifier: Verifier, sentence: str, source: str, reason: str
) -> None:
    check = verifier.check_sentence(sentence, [source])
    assert not check.supported
    assert reason in check.reason
    assert check.score < verifier.threshold


def test_name_swapped_within_the_source_is_caught(verifier: Verifier) -> None:
    source = (
        'The term "prompt injection" was coined by Simon Willison in September 2022, after '
        "Riley Goodside showed that a GPT-3 application could be told to ignore its instructions."
    )
    good = verifier.check_sentence("Simon Willison coined the term prompt injection.", [source])
    bad = verifier.check_sentence(
        "The term prompt injection was coined by Riley Goodside in September 2022.", [source]
    )
    assert good.supported
    assert not bad.supported and "Simon Willison" in bad.reason


def test_number_swapped_within_the_source_is_caught(verifier: Verifier) -> None:
    source = (
        "Una configuración habitual es r = 8 con alpha = 16, es decir, un factor de escala de "
        "2; para tareas más difíciles se sube a r = 16, 32 o 64."
    )
    assert verifier.check_sentence("Se suele empezar con r = 8 y alpha = 16.", [source]).supported
    swapped = verifier.check_sentence(
        "Una configuración habitual es r = 16 con alpha = 32.", [source]
    )
    assert not swapped.supported


def test_verify_checks_cited_sources_first(verifier: Verifier) -> None:
    sources = [LORA_ES, QLORA_EN, CUANT_ES]
    answer = (
        "QLoRA loads the base model in 4-bit NF4 [1]. "
        "GGUF admite variantes como Q4_K_M [1]. "
        "QLoRA was developed at Stanford [1]."
    )
    verification, checks = verifier.verify(answer, sources, cited={1: 1})
    assert [c.supported for c in checks] == [True, True, False]
    assert checks[0].reason == "supported" and checks[0].best_source == 1
    assert checks[1].reason == "supported (not by the cited sources)"
    assert checks[1].best_source == 2
    assert "Stanford" in checks[2].reason
    assert verification.unsupported == ["QLoRA was developed at Stanford [1]."]
    assert not verification.grounded


def test_verify_skips_connectives_and_aggregates(verifier: Verifier) -> None:
    answer = "En resumen:\n- LoRA congela los pesos preentrenados [1].\nIn short, that is all."
    verification, checks = verifier.verify(answer, [LORA_ES], cited={1: 0})
    assert [c.skipped for c in checks] == [True, False, True]
    assert all(isinstance(c, SentenceCheck) for c in checks)
    assert verification.grounded
    assert verification.unsupported == []
    assert verification.score == checks[1].score
    assert verification.method == METHOD == "offline:lexical+embedding+entities"


def test_verify_is_deterministic_and_handles_no_sources(verifier: Verifier) -> None:
    answer = "QLoRA fine-tunes a 65B model on one 48 GB GPU. It uses 8-bit weights."
    first = verifier.verify(answer, [QLORA_EN])
    assert first == verifier.verify(answer, [QLORA_EN])
    assert first[0].unsupported == ["It uses 8-bit weights."]
    verification, checks = verifier.verify(answer, [])
    assert not verification.grounded and all(c.reason == "no sources" for c in checks)


def test_english_sentence_matches_technical_terms_of_a_spanish_source(
    verifier: Verifier,
) -> None:
    check = verifier.check_sentence("GGUF supports Q4_K_M in llama.cpp.", [CUANT_ES])
    assert check.supported, check.reason


# ------------------------------------------------------------------------ benchmark


def test_benchmark_meets_targets_on_the_labelled_set(verifier: Verifier) -> None:
    result = run_verify_benchmark(DEFAULT_DATASET, verifier=verifier)
    assert set(result) == {
        "n",
        "recall",
        "false_alarm_rate",
        "precision",
        "f1",
        "seconds",
        "ms_per_sentence",
        "per_language",
    }
    assert result["n"] == len(load_labelled(DEFAULT_DATASET))
    assert set(result["per_language"]) <= {"es", "en", "other"}
    assert result["recall"] >= 0.90
    assert result["false_alarm_rate"] <= 0.10
    json.dumps(result)  # the CLI prints it as JSON


def test_default_model_meets_targets_including_cross_language_claims(
    default_verifier: Verifier,
) -> None:
    """The default (multilingual) verifier on the tuned sets: the labelled sentences and
    the claims written in the other language than their source, supported and made up."""
    result = run_verify_benchmark(verifier=default_verifier)
    assert set(result["sets"]) == {
        "labelled",
        "cross_language",
        "cross_language_dev",
        "notes",
        "round2",
    }
    # round 2's claims pull the tuned sets' recall together below 0.90 (0.88)
    assert result["recall"] >= 0.85 and result["false_alarm_rate"] <= 0.10
    labelled = result["sets"]["labelled"]
    assert labelled["recall"] >= 0.90 and labelled["false_alarm_rate"] <= 0.05
    across = result["sets"]["cross_language"]
    assert across["recall"] >= 0.85 and across["false_alarm_rate"] <= 0.15
    # never looked at while tuning (README, "Verifier"): below target, guarded here
    held_out = result["held_out"]["cross_language"]
    assert held_out["recall"] >= 0.70 and held_out["false_alarm_rate"] <= 0.20
    # round 2, claims written by someone who never read the verifier: far below target
    # (docs/performance.md, "Verifier"), guarded against losing what its tune part taught
    round2 = result["sets"]["round2"]
    assert round2["recall"] >= 0.70 and round2["false_alarm_rate"] <= 0.20
    assert result["held_out"]["round2"]["recall"] >= 0.30


def test_benchmark_generalises_to_the_held_out_set(verifier: Verifier) -> None:
    result = run_verify_benchmark(HELDOUT, verifier=verifier)
    assert result["n"] == 38
    assert result["recall"] >= 0.75
    assert result["false_alarm_rate"] <= 0.10


def test_malformed_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    good = {"sentence": "x", "sources": ["x"], "supported": True}
    path.write_text(json.dumps(good) + "\n" + '{"sentence": "y", "sources": "nope"}\n')
    with pytest.raises(ValueError, match=r"bad\.jsonl:2: 'sources'"):
        load_labelled(path)
    path.write_text("{not json\n")
    with pytest.raises(ValueError, match=r"bad\.jsonl:1: not valid JSON"):
        run_verify_benchmark(path, verifier=Verifier(embedder=None))


DISOBEDIENCE_EN = (
    "Non-revolutionary civil disobedience is a simple disobedience of laws on the grounds"
    " that they are judged wrong by an individual conscience. Revolutionary civil"
    " disobedience is more of an active attempt to overthrow a government. It has been"
    " claimed that the Hungarians under Ferenc Deák directed revolutionary civil"
    " disobedience against the Austrian government."
)
DESOBEDIENCIA_ES = (
    "La desobediencia civil no revolucionaria es una simple desobediencia de las leyes."
    " Se ha afirmado que los húngaros bajo Ferenc Deák dirigieron una desobediencia civil"
    " revolucionaria contra el gobierno austriaco. Para-militares de Kossuth la apoyaron."
)


@pytest.mark.parametrize(
    ("sentence", "source"),
    [
        (
            "Non-revolutionary civil disobedience is a simple disobedience of laws on the"
            " grounds that they are judged wrong by an individual conscience. [1]",
            DISOBEDIENCE_EN,
        ),
        ("Para-militares de Kossuth la apoyaron. [1]", DESOBEDIENCIA_ES),
    ],
)
def test_a_whole_source_sentence_quoted_word_for_word_is_supported(
    default_verifier: Verifier, sentence: str, source: str
) -> None:
    """The name rules read "Non-revolutionary" as a name standing where another sentence
    of the source has "Ferenc Deák", and flagged the source's own sentence."""
    result, [check] = default_verifier.verify(sentence, [source], cited={1: 0})
    assert result.grounded, check.reason
    assert check.reason == "quoted verbatim"


def test_a_quote_cut_out_of_its_sentence_is_judged_by_the_rules(
    default_verifier: Verifier,
) -> None:
    """Only a whole sentence counts as a quote: a part of one can drop what changes it
    ("not that …"), so it is checked like any other sentence."""
    source = "It is not true that Ferenc Deák directed the uprising. Kossuth directed it."
    _, [check] = default_verifier.verify(
        "Ferenc Deák directed the uprising. [1]", [source], cited={1: 0}
    )
    assert check.reason != "quoted verbatim"
    _, [check] = default_verifier.verify(
        "Kossuth directed it. [2]", [DISOBEDIENCE_EN, source], cited={1: 0, 2: 1}
    )
    assert check.reason == "quoted verbatim"
    _, [check] = default_verifier.verify(
        "Kossuth directed it. [1]", [DISOBEDIENCE_EN, source], cited={1: 0, 2: 1}
    )
    assert check.reason == "quoted verbatim (not by the cited sources)"


def test_a_statement_over_several_code_lines_quoted_whole_is_a_quote(
    default_verifier: Verifier,
) -> None:
    """The answerer quotes a code statement on one line; the source has it over several,
    each a "sentence" of its own. Run together whole, they are still word for word."""
    source = (
        "Mis argumentos de entrenamiento:\n\n"
        "args = TrainingArguments(\n"
        '    output_dir="out",\n'
        "    per_device_train_batch_size=16,\n"
        "    learning_rate=2e-4,\n"
        ")\n\n"
        "El modelo se carga en fp16."
    )
    quote = (
        'args = TrainingArguments( output_dir="out", per_device_train_batch_size=16,'
        " learning_rate=2e-4,) [1]"
    )
    _, [check] = default_verifier.verify(quote, [source], cited={1: 0})
    assert check.reason == "quoted verbatim"
    cut = 'args = TrainingArguments( output_dir="out", [1]'  # its first lines only
    _, [check] = default_verifier.verify(cut, [source], cited={1: 0})
    assert check.reason == "quoted verbatim"  # two whole lines
    inside = 'output_dir="out", per_device_train_batch_size=16 [1]'  # a line cut short
    _, [check] = default_verifier.verify(inside, [source], cited={1: 0})
    assert check.reason != "quoted verbatim"
