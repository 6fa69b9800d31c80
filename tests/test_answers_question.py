"""The "does it answer?" check: each kind of non-answer, and real answers let through."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.tools.question_kind import question_kind
from agent.tools.sentences import split_sentences
from agent.tools.verification.answers_question import answers_question

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("question", "answer", "reason"),
    [
        ("¿Qué es QLoRA?", "", "empty"),
        ("¿Qué es QLoRA?", "   ", "empty"),
        ("¿Qué es QLoRA?", "[1][2]", "only citation markers"),
        ("What is QLoRA?", "[1] [2].", "only citation markers"),
        ("¿Qué es QLoRA?", "¿Qué es QLoRA? [1]", "restates the question"),
        ("What does NF4 quantize?", "NF4 quantizes. [2]", "restates the question"),
        ("¿Dónde está `/metrics`?", "`/metrics` está. [1]", "restates the question"),
        # literals made of the question's own words (adversarial pass)
        ("Where are the Prometheus metrics?", "Metrics are `metrics prometheus` [1].", "restates"),
        ("Where are the Prometheus metrics?", "Metrics are where: are/where [1].", "restates"),
        ("How do I set the port?", "You set the port with port=port [1].", "restates"),
        ("¿Dónde están las métricas?", "¿Dónde están las métricas? [1] `metricas`", "restates"),
        ("¿Cuántos parámetros tiene Llama 3?", "Llama 3 es un modelo de Meta. [1]", "no number"),
        ("How many problems are in HumanEval?", "HumanEval tests Python code. [1]", "no number"),
        ("¿Quién creó QLoRA?", "QLoRA se creó para ahorrar memoria. [1]", "no name"),
        ("Who wrote the LoRA paper?", "The paper was written by researchers. [1]", "no name"),
        ("¿Cuándo se publicó QLoRA?", "QLoRA se publicó con código abierto. [1]", "no date"),
        ("When did vLLM add PagedAttention?", "vLLM uses PagedAttention. [1]", "no date"),
        ("¿Qué técnicas de cuantización vimos?", "GPTQ [1]", "one item"),
        ("Which benchmarks did we cover?", "MMLU measures knowledge [1]", "one item"),
        ("¿Cuánto cuesta la licencia?", "La licencia cubre 5 usuarios. [1]", "no price"),
        # a measure written as one: another number or fact of the same row is not it
        (
            "¿Qué licencia tiene AQLM?",
            "Método: AQLM · Bits: 2 · Tiempo para 7B: 10 h [1]",
            "no license",
        ),
        (
            "What license does ZipQuant use?",
            "ZipQuant: reaches 3 bits per weight, v1.2. [1]",
            "no license",
        ),
        (
            "¿Qué temperatura usamos con TGI?",
            "Engine: TGI · Tokens/s: 1,980 · p50: 350 ms [1]",
            "no temp",
        ),
        (
            "What temperature does the runbook set?",
            "The runbook sets max_tokens=512. [1]",
            "no temp",
        ),
        ("¿Qué versión de CUDA pide vLLM?", "vLLM pide CUDA y una GPU de 16 GB. [1]", "no version"),
        (
            "Which version of glibc is required?",
            "glibc runs on 64-bit Linux hosts. [1]",
            "no version",
        ),
        (
            "¿Qué porcentaje de los pesos protege AWQ?",
            "AWQ protege 128 pesos por grupo. [1]",
            "no perc",
        ),
        (
            "What percentage of weights does AWQ keep?",
            "AWQ keeps 128 weights per group. [1]",
            "no perc",
        ),
        ("¿Con qué velocidad genera TGI?", "TGI genera con un lote de 32. [1]", "no speed"),
        ("What speed does vLLM reach at batch 32?", "vLLM at batch 32 uses 40 GB. [1]", "no speed"),
        ("¿Qué cuantización usa QLoRA?", "QLoRA usa la cuantización NF4 de 4 bits.", "cites no"),
        (
            "What part of Luther's career was one of his most productive?",
            "The passage is about Luther's career, specifically his most productive work. [1]",
            "describes the sources",
        ),
        ("What is the hymn known as?", 'The passage is "Luther\'s hymns…" [1]', "describes"),
        ("¿Qué mide TruthfulQA?", "El texto habla de TruthfulQA y de otras. [1]", "describes"),
        (
            "¿Qué cuantización usa QLoRA para entrenar?",
            "Para entrenar es necesario usar QLoRA [1].\n" * 3,
            "repeats itself",
        ),
    ],
)
def test_non_answers_are_caught_with_their_reason(question: str, answer: str, reason: str) -> None:
    language = "es" if "¿" in question else "en"
    check = answers_question(question, answer, language)
    assert not check.answers
    assert check.reason.startswith(reason)


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("¿Cuántos bits usa NF4?", "NF4 usa 4 bits por peso. [1]"),
        ("How many Grammys has Lady Gaga won?", "Six-time Grammy winner Lady Gaga sang. [1]"),
        ("¿Quién creó QLoRA?", "QLoRA lo presentaron Tim Dettmers y otros en 2023. [1]"),
        ("¿Cuándo se publicó QLoRA?", "QLoRA se publicó en mayo de 2023. [1]"),
        ("¿Qué técnicas de cuantización vimos?", "- GPTQ [1]\n- AWQ [1]"),
        ("¿Qué técnicas de cuantización vimos?", "Vimos GPTQ, AWQ y GGUF. [1]"),
        ("¿Cuánto cuesta la licencia?", "La licencia cuesta 30 € al mes. [1]"),
        ("cuantas muestras de calibración usa GPTQ", "Usa unas 128 muestras. [1]"),
        ("¿Qué puerto usa vLLM?", "Según el texto, vLLM usa el puerto 8000. [1]"),
        ("What does the passage say about NF4?", "The passage says NF4 is a 4-bit type. [1]"),
        # a path, flag or code span is what is new, though its words are the question's
        ("Where are the Prometheus metrics?", "Prometheus metrics at `/metrics` [2]"),
        ("¿Dónde están las métricas de Prometheus?", "Métricas de Prometheus en /metrics [1]"),
        ("How do I turn on debug logs?", "Turn on debug logs with TINYSERVE_LOG=debug. [1]"),
        # one letter or digit can be the whole answer (adversarial pass): a rule against
        # "What is QLoRA? `1`" was tried and taken back, it rejected these
        ("How many experts per token did Switch Transformer use?", "Switch Transformer: 1 [1]"),
        ("¿Cuántos expertos por token usa Switch Transformer?", "Switch Transformer usa 1 [1]"),
        ("Which floor is the Lumen sales office on?", "The Lumen sales office is on floor 3. [1]"),
        ("¿Qué vitamina contienen las naranjas?", "Las naranjas contienen vitamina C. [1]"),
        ("¿Qué nota sacó Ana Ruiz en física?", "Ana Ruiz sacó una B en física. [1]"),
        ("Which category hurricane was Nadia?", "Nadia was a category 5 hurricane. [1]"),
        ("exit code on failure", "The exit code on failure is 1 [1]"),
        ("What is the tax rate?", "What is the tax rate? 7% [1]"),
        # each measure in its own form, in either language
        ("¿Qué licencia tiene tinyserve?", "tinyserve se publica bajo MIT. [1]"),
        ("What license does tinyserve use?", "License: Apache-2.0 [1]"),
        ("¿Qué licencia tiene el modelo?", "The model's license is OpenRAIL-M. [1]"),
        ("¿Qué temperatura usamos con TGI?", "TGI: `--temperature 0.2` [1]"),
        ("What temperature does the runbook set?", "El runbook fija temperature=0.2 [1]"),
        ("What temperature does water boil at?", "Water boils at 100 °C at sea level. [1]"),
        ("¿Qué versión de glibc se necesita?", "Se necesita glibc 2.31 o posterior. [1]"),
        ("Which version of the API is current?", "The current API is v3. [1]"),
        ("¿Qué porcentaje de los pesos protege AWQ?", "AWQ protege el 1 % de los pesos. [1]"),
        ("What percentage of the vote was in favour?", "The vote was 51.6 per cent in favour. [1]"),
        ("¿Qué porcentaje representa el Amazonas?", "El Amazonas es más de la mitad. [1]"),
        ("¿Con qué velocidad soplaron los vientos?", "Soplaron a 180 km/h. [1]"),
        ("What speed does vLLM reach at batch 32?", "vLLM: 2,300 tokens/s at batch 32 [1]"),
        # written other ways (adversarial pass)
        ("Which Llama version introduced GQA?", "Llama 2 introduced grouped-query attention. [1]"),
        ("What Python version do I need?", "Python 3 or newer. [1]"),
        ("What license is the code under?", "It is released under GPLv3. [1]"),
        ("What license is the code under?", "Creative Commons Attribution 4.0 [1]"),
        ("What temperature do you recommend for code?", "Use 0.2 for code. [1]"),
        ("What percentage of tokens are masked?", "15 of every 100 tokens. [1]"),
        ("¿Qué velocidad alcanza vLLM?", "1.200 tokens/sec en una A100. [1]"),
    ],
)
def test_real_answers_pass(question: str, answer: str) -> None:
    language = "es" if "¿" in question or "cuantas" in question else "en"
    assert answers_question(question, answer, language).answers


@pytest.mark.parametrize(
    ("question", "answer", "answers"),
    [
        # a citation's authors made the thing the citation follows, not the one asked
        # about (a held-out notes question answered from the sentence next to Mixtral's)
        (
            "¿Quién propuso Mixtral?",
            "Switch Transformer (Fedus et al.) used one expert. [1]",
            False,
        ),
        (
            "Who proposed Mixtral?",
            "Switch Transformer (Fedus et al., 2021) routes tokens. [1]",
            False,
        ),
        ("¿Quién propuso LoRA?", "QLoRA (Dettmers y col., 2023) cuantiza la base. [1]", False),
        ("Who introduced LoRA?", "QLoRA (Dettmers y otros) freezes the base model. [1]", False),
        ("Who proposed Mixtral?", "Switch Transformer (Fedus and others) routes one. [1]", False),
        # punctuation after the citation does not end its clause (second adversarial pass)
        (
            "Who proposed Mixtral?",
            "Switch Transformer (Fedus et al.), which used one, came first. [1]",
            False,
        ),
        (
            "Who proposed Mixtral?",
            "Switch Transformer (Fedus et al.) — used one expert. [1]",
            False,
        ),
        ("¿Quién propuso Mixtral?", "Switch (Fedus y colaboradores, 2021) usaba uno. [1]", False),
        # ... and answer a "who?" about that thing, or name someone else in the sentence
        (
            "Who proposed Switch Transformer?",
            "Switch Transformer (Fedus et al.) used one. [1]",
            True,
        ),
        ("¿Quién propuso LoRA?", "LoRA (Hu y col., 2021) congela los pesos. [1]", True),
        ("Who proposed InstructGPT?", "InstructGPT (Ouyang et al., 2022) used PPO. [1]", True),
        ("Who proposed LoRA?", "Edward Hu proposed it, after adapters (Houlsby et al.). [1]", True),
        ("¿Quién propuso DPO?", "Rafailov et al. propusieron DPO en 2023. [1]", True),
        # a citation that ends its clause backs the sentence (adversarial pass: each was
        # turned away by the first version of the rule)
        (
            "Who proposed LoRA?",
            "It freezes the weights and trains matrices (Hu et al., 2021). [1]",
            True,
        ),
        ("¿Quién propuso LoRA?", "Fue Microsoft (Hu y col., 2021). [1]", True),
        ("Who proposed LoRA?", "Microsoft researchers (Hu et al., 2021) proposed it. [1]", True),
        ("Who proposed DPO?", "Direct Preference Optimization (Rafailov et al., 2023) [1]", True),
        (
            "¿Quién creó Mixtral?",
            "Mixtral fue desarrollado por Mistral AI (Jiang y col.). [1]",
            True,
        ),
        ("Who proposed Mixtral?", "Mixtral (Jiang et al.), Switch (Fedus et al.). [1]", True),
        (
            "Who proposed QLoRA?",
            "Dettmers [1]; he also wrote LLM.int8() (Dettmers et al.) later.",
            True,
        ),
        (
            "Who proposed Switch Transformer?",
            "Switch Transformer, a sparse mixture of experts (Fedus et al., 2021), simplified"
            " routing. [1]",
            True,
        ),
        # the clause says the name did what is asked: the question's verb, an object
        # pronoun, a copula or "by" before the name (second adversarial pass)
        ("Who proposed LoRA?", "Microsoft (Hu et al., 2021) proposed it. [1]", True),
        ("Who proposed LoRA?", "It was proposed by Microsoft (Hu et al., 2021) in 2021. [1]", True),
        ("¿Quién propuso LoRA?", "Lo propuso Microsoft (Hu y col., 2021) en 2021. [1]", True),
        ("¿Quién propuso LoRA?", "Fue Microsoft (Hu y col., 2021) [1] en 2021.", True),
        ("¿Quién creó Mixtral?", "Mistral AI (Jiang y col., 2024) lo publicó en 2023. [1]", True),
        # an author-year pair is not read as a citation: it reads like a birthplace
        ("Who painted Guernica?", "Pablo Picasso (Málaga, 1881) painted it in 1937. [1]", True),
        ("¿Quién pintó el Guernica?", "Lo pintó Pablo Picasso (Málaga, 1881) en 1937. [1]", True),
    ],
)
def test_a_citation_answers_who_made_what_it_cites(
    question: str, answer: str, answers: bool
) -> None:
    language = "es" if "¿" in question else "en"
    assert answers_question(question, answer, language).answers is answers


def test_question_kinds() -> None:
    assert question_kind("¿Cuánto ocupa un modelo de 7B en Q4_K_M?").expects == "number"
    assert question_kind("What is the default port of tinyserve?").expects == "number"
    assert question_kind("¿Qué técnicas de cuantización vimos?").several
    assert question_kind("which vector indexes are mentioned").several
    assert not question_kind("What are clades?").several  # a definition question
    assert question_kind("¿Por qué los modelos pequeños sufren más?").expects == "open"
    # "Cuando…" opening a clause is not "¿cuándo?"; "Doctor Who" is not "who?"
    assert question_kind("Cuando llueve, ¿qué hace el río?").expects != "date"
    assert question_kind("How often does Doctor Who travel alone?").expects != "name"
    assert question_kind("¿Cuánto cuesta la licencia?").money
    # the quantities read the same in both languages ("how old" / "qué edad")
    for question in (
        "¿Qué edad tenía Manning?",
        "¿A qué edad se retiró Manning?",
        "What age was Manning?",
        "At what age did Manning retire?",
        "What temperature does TGI use?",
        "¿Qué proporción de pesos se protege?",
    ):
        assert question_kind(question).expects == "number", question
    # "age" and "temperature" further on do not ask for a number (adversarial pass)
    for question in ("What marked the Bronze Age?", "¿Qué caracteriza la Edad Media?"):
        assert question_kind(question).expects != "number", question
    assert question_kind("¿Qué hace la temperatura?").measure == ""


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_gold_sentence_of_nearly_every_xquad_question_passes(language: str) -> None:
    """The check must not turn away real answers: the sentence holding the gold answer
    passes for at least 98% of the XQuAD dev questions (what fails is listed in README)."""
    data = json.loads((ROOT / "evals/data/xquad" / f"xquad.{language}.dev.json").read_text())
    passed = total = 0
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            sentences = split_sentences(paragraph["context"].lstrip("\ufeff"))
            for qa in paragraph["qas"]:
                gold = qa["answers"][0]["text"]
                sentence = next((s for s in sentences if gold in s), gold)
                passed += answers_question(
                    qa["question"], f"{sentence} [1]", language, [paragraph["context"]]
                ).answers
                total += 1
    assert passed / total >= 0.98
