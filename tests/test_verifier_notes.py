"""Verifier false alarms on sentences about notes, es + en, and the fabrications next to them.

Polarity: a sentence negating what its source negates agrees with it, and English "adds
no latency" negates "adds" as "does not add latency" does. Numbers: "4 bits",
"4-bit", "4bit" and "Q4" are one number, and so are "1.000", "1,000" and "mil". Scale
words across languages: Spanish "billón" is 10^12 (English "trillion"), "mil millones"
and "millardo" are 10^9 (English "billion"); "1,4 billones" is never "1.4 billion".
"""

from __future__ import annotations

import pytest

from agent.tools.verification import Verifier
from agent.tools.verification.analysis import analyse

QWEN = (
    "El modelo base fue Qwen2.5-7B, elegido por su licencia Apache 2.0 y no por sus "
    "resultados en MMLU."
)
SERVE = "Serving does not need a GPU for the 1B model. We quantized it to 4-bit with GPTQ."
QUANT = "Usamos Q4_K_M para el modelo de 7B; el de 13B no cabe en 8 GB."
CORPUS = "El corpus tiene 1.000 documentos y no incluye correos."
CHINCHILLA = (
    "Chinchilla fue entrenado con 1,4 billones de tokens. "
    "GPT-3 tenía 175 mil millones de parámetros."
)
LLAMA = (
    "Meta trained Llama 3 on more than 15 trillion tokens. "
    "Only 13B of Mixtral's parameters are active per token."
)
SERVER_ES = (
    "Cargamos el modelo con 4 bits para ahorrar memoria, aunque la calidad baja un poco, "
    "y el servidor responde en menos de un segundo con lotes pequeños."
)
INDEX_EN = (
    "The index is rebuilt every night, which takes about ten minutes on our server, and "
    "queries keep working while it runs."
)
ADAPTER = "LoRA adds no inference latency, since the matrices can be merged into the weights."
EMBEDDER_EN = "Embedder: e5-small on CPU. It needs no GPU and takes ~15 ms per query."
VLLM = "### vLLM:\n- FP8 on H100 needs no calibration set (dynamic scales)."
FORJA = "**Forja:**\nUna herramienta de ajuste fino que entrena adaptadores LoRA en 8 GB."
SECTIONS = "### Llama:\n- It got 55 points.\n### Mistral:\n- It got 62 points."
SCORES = "**Llama 3 8B:**\n- 55 points on MMLU\n- 62 points on GSM8K"
LLAMA_CPP = "### llama.cpp:\n- Plain C/C++, does not need Python at run time."
QWEN_LABEL = "**Qwen2.5-7B:**\n- Elegido por su licencia Apache 2.0, no por MMLU."
READING_LOG = (
    "**Week 2 — LoRA.** Hu et al. introduced LoRA in 2021. For GPT-3 175B it cut the number "
    "of trainable parameters by 10,000 times.\n\n**Week 3 — RLHF.** The headline result: "
    "labelers preferred the 1.3B InstructGPT model to the 175B GPT-3."
)
SIZES = "### 7B:\n- Q4_K_M: 4,1 GB\n- Q8_0: 7,2 GB\n\n### 13B:\n- Q4_K_M: 7,9 GB\n- Q8_0: 13,8 GB"
COMPARED = "We compared Llama and Mistral on the exam:\n- Mistral got 62 points.\n- Llama got 55."
SETTLERS_ES = "Los colonos norteamericanos llegaron antes que los franceses a la región."
MODELS_ES = (
    "La empresa redujo sus costes de producción, aunque las ventas en Europa cayeron, y los "
    "modelos más grandes resultaron menos veraces que los pequeños."
)
LEAGUE_ES = (
    "El equipo de Alameda ganó la liga en 2019, tras derrotar al Club Norte en la final, y su "
    "entrenador, Raúl Medina, fue despedido al año siguiente por la directiva."
)

# fmt: off
CASES = [
    # polarity: both sides negate the same thing
    (
        [QWEN],
        "Qwen2.5-7B se eligió por su licencia Apache 2.0 y no por sus resultados en MMLU.",
        True,
    ),
    ([QWEN], "Qwen2.5-7B se eligió por sus resultados en MMLU.", False),
    ([SERVE], "The 1B model does not need a GPU for serving.", True),
    ([SERVE], "The 1B model needs a GPU for serving.", False),
    ([CORPUS], "El corpus no incluye correos.", True),
    # English "adds no X" denies the verb, as "does not add X" does, either way round
    ([ADAPTER], "LoRA does not add inference latency.", True),
    (["LoRA does not add inference latency once merged."], "LoRA adds no inference latency.", True),
    ([ADAPTER], "LoRA adds inference latency.", False),
    (
        ["LoRA adds inference latency, since the adapters run beside it."],
        "LoRA adds no inference latency.",
        False,
    ),
    ([ADAPTER], "LoRA no añade latencia en la inferencia.", True),
    ([EMBEDDER_EN], "El servidor no necesita una GPU para el embedder.", True),
    # a heading or a label line states its name with every line under it
    ([VLLM], "vLLM does not need a calibration set for FP8.", True),
    ([VLLM], "TGI does not need a calibration set for FP8.", False),
    ([FORJA], "Forja entrena adaptadores LoRA en 8 GB.", True),
    ([FORJA], "Forja entrena adaptadores LoRA en 16 GB.", False),
    ([FORJA], "Forja trains LoRA adapters in 8 GB.", True),
    ([LLAMA_CPP], "llama.cpp needs no Python at run time.", True),
    ([QWEN_LABEL], "Qwen2.5-7B se eligió por su licencia Apache 2.0.", True),
    # ... and only with them: a number from another section, or from another line of
    # the same section, is not stated with it
    ([SECTIONS], "Llama got 55 points.", True),
    ([SECTIONS], "Mistral got 62 points.", True),
    ([SECTIONS], "Llama got 62 points.", False),
    ([SCORES], "Llama 3 8B got 62 points on GSM8K.", True),
    ([SCORES], "Llama 3 8B got 62 points on MMLU.", False),
    ([SIZES], "Con Q4_K_M el modelo de 13B ocupa 7,9 GB.", True),
    ([SIZES], "Con Q8_0 el modelo de 7B ocupa 13,8 GB.", False),
    # two quoted sentences joined by the splitter do not link their numbers
    (
        [READING_LOG],
        "for GPT-3 175B it cut the number of trainable parameters by 10,000 times. labelers "
        "preferred the 1.3B InstructGPT model to the 175B GPT-3.",
        True,
    ),
    # a sentence introducing a list is no heading: its names are not each line's
    ([COMPARED], "Llama got 62 points.", False),
    # a name after a preposition modifies the name before it ("FP8 on H100 needs…")
    (["FP8 on H100 needs no calibration set in vLLM."], "FP8 needs no calibration set.", True),
    (["El formato de Meta usa 4 bits."], "El formato usa 4 bits.", True),
    (
        ["GPT-4 de OpenAI superó a Claude en el examen."],
        "Gemini superó a Claude en el examen.",
        False,
    ),
    # ... not "no longer" or "no more than", which deny no verb
    (
        ["The server stopped using the old tokenizer in May."],
        "The server no longer uses the old tokenizer.",
        True,
    ),
    (["The cache adds 30 ms per request."], "The cache adds no more than 5 ms per request.", False),
    # the same number written another way
    ([SERVE], "It was quantized to 4 bits with GPTQ.", True),
    ([SERVE], "It was quantized to 4bit with GPTQ.", True),
    ([SERVE], "It was quantized to Q4 with GPTQ.", True),
    ([SERVE], "It was quantized to 3 bits with GPTQ.", False),
    ([QUANT], "El modelo de 7B usa 4 bits (Q4_K_M).", True),
    ([QUANT], "Para el modelo de 7B usamos 4-bit.", True),
    ([CORPUS], "El corpus tiene 1000 documentos.", True),
    ([CORPUS], "The corpus has 1,000 documents.", True),
    ([CORPUS], "El corpus tiene mil documentos.", True),
    ([CORPUS], "El corpus tiene 2.000 documentos.", False),
    # scale words across languages
    ([CHINCHILLA], "Chinchilla was trained on 1.4 trillion tokens.", True),
    ([CHINCHILLA], "Chinchilla was trained on 1.4 billion tokens.", False),
    ([CHINCHILLA], "GPT-3 had 175 billion parameters.", True),
    ([CHINCHILLA], "GPT-3 had 175 trillion parameters.", False),
    ([LLAMA], "Meta entrenó Llama 3 con más de 15 billones de tokens.", True),
    ([LLAMA], "Meta entrenó Llama 3 con más de 15 mil millones de tokens.", False),
    ([LLAMA], "Solo 13.000 millones de los parámetros de Mixtral están activos por token.", True),
    ([LLAMA], "Solo 13 millardos de los parámetros de Mixtral están activos por token.", True),
    ([LLAMA], "Solo 13 billones de los parámetros de Mixtral están activos por token.", False),
    # across languages, a fabrication built from a long source sentence's clauses (an
    # adversarial pass: compared clause by clause, these scored as supported)
    ([MODELS_ES], "Larger models were more truthful than small ones.", False),
    ([LEAGUE_ES], "Club Norte fired its coach the following year.", False),
    ([SERVER_ES], "The server answers in under 5 seconds with small batches.", False),
    ([INDEX_EN], "La reconstrucción del índice tarda unos 40 minutos.", False),
    # a name of plain words written as one word in the other language
    ([SETTLERS_ES], "The North American settlers arrived before the French ones.", True),
    ([SETTLERS_ES], "The South American settlers arrived before the French ones.", False),
    ([SETTLERS_ES], "The Native American settlers arrived before the French ones.", False),
    (
        ["El presidente sudamericano visitó la planta en 2005."],
        "The Saudi American president visited the plant in 2005.",
        False,
    ),
    (
        ["El acuerdo norteamericano de libre comercio fue firmado en 1992."],
        "The New American free trade agreement was signed in 1992.",
        False,
    ),
]
# fmt: on


# What an adversarial pass got through while the heading, 'adds no' and same-unit rules
# were made (and two faithful claims they flagged for a while).
ADVERSARIAL = [
    (
        ["GPTQ needs no GPU. AWQ needs a calibration set of 128 samples."],
        "AWQ needs no calibration set.",
        False,
    ),
    (
        ["The model uses no dropout but layer norm after each block."],
        "The model does not use layer norm.",
        False,
    ),
    (["GPTQ does not need a GPU but needs calibration data."], "GPTQ needs no calibration.", False),
    (
        ["Comparación con GPT-4:\n- Llama 2 obtiene 68,9 en MMLU.\n- GPT-4 obtiene 86,4."],
        "GPT-4 obtiene 68,9 en MMLU.",
        False,
    ),
    (
        ["Llama 2 vs Mistral:\n- Llama 2 usa 4096 tokens.\n- Mistral usa 8192 tokens."],
        "Mistral usa 4096 tokens.",
        False,
    ),
    (
        ["vLLM:\n- latencia de 20 ms.\n- TGI, en cambio, tiene una latencia de 45 ms."],
        "vLLM tiene una latencia de 45 ms.",
        False,
    ),
    (
        ["| Motor | Latencia |\n|---|---|\n| vLLM | 20 ms |\n\nSGLang:\n- soporta FP8."],
        "SGLang tiene una latencia de 20 ms.",
        False,
    ),
    (
        ["### Forja:\n- usa Chroma.\n- el proyecto hermano Yunque usa Qdrant."],
        "Forja usa Qdrant.",
        False,
    ),
    (
        ["GPT-4 de OpenAI superó a Llama 2 en MMLU."],
        "Claude 2 superó a Llama 2 en MMLU, igual que GPT-4.",
        False,
    ),
    (
        ["Llama 2 70B uses 140 GB in FP16. In 4-bit the footprint drops to 35 GB."],
        "Llama 2 70B uses 140 GB in FP16 and 35 GB in 4-bit.",
        True,
    ),
    (
        ["The A100 has 80 GB of memory. Llama 2 70B needs 140 GB in FP16."],
        "Llama 2 70B needs 140 GB in FP16, more than the 80 GB of an A100.",
        True,
    ),
]


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    return Verifier()


@pytest.mark.parametrize(("sources", "sentence", "supported"), CASES + ADVERSARIAL)
def test_notes_sentences_are_judged_right(
    verifier: Verifier, sources: list[str], sentence: str, supported: bool
) -> None:
    check = verifier.check_sentence(sentence, sources)
    assert check.supported == supported, check.reason


@pytest.mark.parametrize(
    ("text", "language", "value"),
    [
        ("1,4 billones de tokens", "es", "1.4e+12"),
        ("1.4 trillion tokens", "en", "1.4e+12"),
        ("175 mil millones", "es", "1.75e+11"),
        ("175 billion", "en", "1.75e+11"),
        ("13 millardos", "es", "1.3e+10"),
        ("un modelo de 70B", "es", "7e+10"),
    ],
)
def test_a_number_with_scale_words_stands_for_its_value(
    text: str, language: str, value: str
) -> None:
    keys = [k for k in analyse(text, language, frozenset()).keys if k.kind == "number"]
    assert len(keys) == 1 and value in keys[0].scaled


RESULTS_TABLE = """| Modelo | Parámetros | Exactitud |
| --- | --- | --- |
| Alumno sin destilar | 118M | 89,0 % |
| Alumno destilado | 118M | 92,6 % |"""

RESULTS_TABLE_EN = """| Model | Params | Accuracy |
| --- | --- | --- |
| Student without distillation | 118M | 89.0% |
| Distilled student | 118M | 92.6% |"""


@pytest.mark.parametrize(
    ("source", "row"),
    [
        (RESULTS_TABLE, "Modelo: Alumno destilado · Parámetros: 118M · Exactitud: 92,6 %"),
        (RESULTS_TABLE_EN, "Model: Distilled student · Params: 118M · Accuracy: 92.6%"),
    ],
)
def test_a_row_is_not_contradicted_by_its_negated_neighbour(
    verifier: Verifier, source: str, row: str
) -> None:
    """Two rows one word apart ("sin destilar" / "destilado") match a claim about either
    almost equally: the claim holds when it holds against one of them."""
    check = verifier.check_sentence(row, [source])
    assert check.supported, check.reason


WRAPPED_EMAIL = """1) El juez que usamos ahora es Qwen2.5-7B-Instruct con la plantilla
"pairwise-v2". Concuerda con las anotaciones humanas en un 81 % de los
pares (antes, con Llama-3-8B, era un 74 %).
2) El sesgo de posición sigue ahí: si la respuesta A va primero, gana el
58 % de las veces. Lo mitigamos evaluando cada par dos veces, con el orden
invertido, y quedándonos con la media."""


@pytest.mark.parametrize(
    ("sentence", "supported"),
    [
        (
            "Concuerda con las anotaciones humanas en un 81 % de los pares (antes, con "
            "Llama-3-8B, era un 74 %).",
            True,
        ),
        ("Concuerda con las anotaciones humanas en un 91 % de los pares.", False),
        ("Si la respuesta A va primero, gana el 58 % de las veces.", True),
    ],
)
def test_a_hard_wrapped_source_is_read_as_its_sentences(
    verifier: Verifier, sentence: str, supported: bool
) -> None:
    """An e-mail wrapped at 72 columns was split at every line break ("…en un 81 % de
    los" / "pares (antes, con Llama-3-8B…"): 81 and Llama-3-8B were "not stated
    together", and a right answer was dropped."""
    check = verifier.check_sentence(sentence, [WRAPPED_EMAIL])
    assert check.supported is supported, check.reason


@pytest.mark.parametrize(
    ("claim", "source"),
    [
        # the value of the negated row under the other row's label
        (
            "El índice comprimido pesa 12 GB.",
            "| Índice | Tamaño |\n| --- | --- |\n| Índice comprimido | 3 GB |\n"
            "| Índice sin comprimir | 12 GB |",
        ),
        ("Modelo: Alumno destilado · Parámetros: 118M · Exactitud: 89,0 %", RESULTS_TABLE),
        # records of one width are not one wrapped sentence
        (
            "Qwen2.5-7B scored 81 on MMLU.",
            "Qwen2.5-7B scored 74 on MMLU and 85 on GSM8K in our own harness run\n"
            "Llama-3-8B scored 66 on MMLU and 79 on GSM8K in our own harness run\n"
            "Gemma2-9B scored 81 on MMLU and 88 on GSM8K in the vendor's harness",
        ),
    ],
)
def test_a_near_neighbour_does_not_lend_its_values(
    verifier: Verifier, claim: str, source: str
) -> None:
    assert not verifier.check_sentence(claim, [source]).supported
