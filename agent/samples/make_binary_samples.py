"""Regenerate the binary sample documents (PDF and DOCX) from their source text.

The bundled sample corpus mixes formats on purpose, so that ingestion is exercised on PDF and
DOCX as well as on HTML, Markdown and plain text. PDF and DOCX files are binary and cannot be
reviewed in a diff, so their text lives in this file: a change to a sample shows up as a readable
change here, and running the script rebuilds the binaries next to it::

    python agent/samples/make_binary_samples.py

Source text markup, one block per blank-line-separated group of lines:

* ``# Title`` is the document title, ``## Heading`` a section heading;
* lines starting with ``- `` are bullet items (a following line without ``- `` continues the
  item);
* lines starting with ``|`` are table rows, the first being the header (DOCX only);
* anything else is a paragraph whose lines are joined with single spaces.

PDFs are written with fpdf2 and a DejaVu Sans TrueType font (subset by fpdf2), so that accented
Spanish text both renders and extracts correctly. Dates and metadata are fixed and DOCX zip
entries get a constant timestamp, so that rebuilding without text changes gives the same bytes.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from docx import Document
from docx.shared import Pt
from fpdf import FPDF
from fpdf.enums import XPos, YPos

HERE = Path(__file__).resolve().parent
FIXED_DATE = datetime(2025, 1, 15, 12, 0, 0, tzinfo=UTC)
FONT_ENV_VAR = "VERAZ_PDF_FONT_DIR"
FONT_REGULAR = "DejaVuSans.ttf"
FONT_BOLD = "DejaVuSans-Bold.ttf"


@dataclass(frozen=True)
class Sample:
    """One binary sample: its output file name, its language and its marked-up text."""

    filename: str
    lang: str
    text: str


@dataclass(frozen=True)
class Block:
    """A parsed piece of a document: kind is title, heading, paragraph, bullets or table."""

    kind: str
    lines: tuple[str, ...]


# --------------------------------------------------------------------------------------------
# Source text
# --------------------------------------------------------------------------------------------

RAG_ES = """
# Generación aumentada por recuperación (RAG)

## Origen y principio

La generación aumentada por recuperación, conocida por sus siglas en inglés RAG
(retrieval-augmented generation), fue presentada por Patrick Lewis y sus colegas de Facebook AI
Research en el artículo «Retrieval-Augmented Generation for Knowledge-Intensive NLP Tasks»,
publicado en 2020 y presentado en la conferencia NeurIPS de ese mismo año. El sistema original
combinaba un recuperador denso, DPR (Dense Passage Retrieval, de Karpukhin et al. 2020), con un
generador BART-large de unos 400 millones de parámetros. El índice contenía unos 21 millones de
pasajes de 100 palabras extraídos de un volcado de Wikipedia de diciembre de 2018.

La idea central es sencilla: en lugar de confiar solo en el conocimiento almacenado en los pesos
del modelo, el sistema busca primero fragmentos relevantes en una colección de documentos y los
entrega al modelo junto con la pregunta. Así el conocimiento puede actualizarse cambiando el
índice, sin volver a entrenar el modelo. Lewis et al. describieron dos variantes: RAG-Sequence,
que usa los mismos documentos recuperados para generar toda la respuesta, y RAG-Token, que puede
apoyarse en un documento distinto para cada token.

## Fragmentación de documentos

Antes de indexar, los documentos se dividen en fragmentos (chunks). El tamaño del fragmento es
un compromiso: los fragmentos pequeños dan búsquedas más precisas pero pierden contexto, y los
grandes conservan el contexto pero diluyen la señal y consumen más tokens en el prompt. Una
configuración de partida habitual son fragmentos de entre 256 y 512 tokens con un solapamiento
del 10 al 20 %, de modo que una idea que cae en la frontera entre dos fragmentos aparezca
completa en al menos uno de ellos.

Conviene cortar respetando la estructura del documento: títulos, párrafos y listas. Un fragmento
que empieza a mitad de frase es difícil de interpretar tanto para el recuperador como para el
modelo. También es útil guardar con cada fragmento sus metadatos (el nombre del archivo, la
página o sección y el idioma), porque después se usarán para citar.

## Búsqueda híbrida: BM25 y vectores densos

La búsqueda léxica con BM25 procede del sistema Okapi, desarrollado por Stephen Robertson y sus
colaboradores en la City University de Londres y presentado en las conferencias TREC a partir de
1994. BM25 puntúa cada documento según la frecuencia de los términos de la consulta, su
frecuencia inversa en la colección y la longitud del documento. Sus dos parámetros libres suelen
fijarse en k1 = 1,2, que controla la saturación de la frecuencia del término, y b = 0,75, que
controla la normalización por longitud. BM25 es excelente con nombres propios, códigos y cifras
exactas, pero no reconoce sinónimos.

La búsqueda densa codifica la consulta y los fragmentos como vectores (embeddings) y compara su
similitud coseno. Captura paráfrasis y funciona entre idiomas si el modelo es multilingüe, pero
puede fallar con términos raros o identificadores.

La búsqueda híbrida ejecuta ambas y fusiona las listas de resultados. El método más usado es la
fusión por rango recíproco (Reciprocal Rank Fusion, RRF), propuesta por Cormack, Clarke y
Büttcher en 2009: cada documento recibe la suma de 1/(k + rango) sobre todas las listas en las
que aparece, con k = 60 como valor habitual. RRF no necesita normalizar puntuaciones de escalas
distintas, lo que la hace robusta.

## Reordenación (reranking)

Los recuperadores de primera etapa son rápidos porque codifican la consulta y el documento por
separado. Un reordenador de tipo cross-encoder, en cambio, lee la consulta y el fragmento juntos
y produce una puntuación de relevancia más fiable, a cambio de un coste mucho mayor. Por eso se
aplica solo a los candidatos: un patrón típico es recuperar entre 50 y 100 fragmentos y quedarse
con los 5 mejores tras la reordenación. Modelos como cross-encoder/ms-marco-MiniLM-L-6-v2 son lo
bastante ligeros para ejecutarse en CPU. ColBERT (Khattab y Zaharia, 2020) ofrece un término
medio mediante una interacción tardía entre los vectores de cada token.

## Citas y verificación

Un sistema RAG fiable debe indicar de dónde sale cada afirmación. La práctica recomendada es
numerar los fragmentos del contexto e instruir al modelo para que añada la referencia, por
ejemplo [1] o [2], al final de cada frase que se apoye en ellos. Las citas permiten al usuario
comprobar la respuesta y permiten a un verificador automático comparar cada frase con el
fragmento citado. Si ningún fragmento respalda una afirmación, lo correcto es eliminarla o
responder que la información no está en los documentos, en lugar de dejar que el modelo complete
el hueco con su memoria paramétrica.

- Conservar los metadatos de origen en cada fragmento.
- Combinar BM25 y búsqueda densa con RRF.
- Reordenar los candidatos con un cross-encoder.
- Exigir una cita por frase y verificarla.
"""

QUANTIZATION_EN = """
# Quantization of Large Language Models

## Why quantize

A model's weights are usually stored as 16-bit floating-point numbers (FP16 or BF16), which take
2 bytes per parameter. A 7-billion-parameter model therefore needs about 14 GB just for its
weights, before counting activations or the KV cache. Quantization stores the weights with fewer
bits: int8 uses 1 byte per parameter, bringing the same model down to about 7 GB, and 4-bit
formats use half a byte, or about 3.5 GB plus a small overhead for scaling constants. Lower
memory means that a model fits on smaller GPUs or on a laptop, and because token generation is
limited by memory bandwidth, smaller weights also tend to generate tokens faster.

The cost is precision. Each quantized weight is rounded to one of a small set of levels, and the
rounding error grows as the number of bits shrinks. Good quantization schemes keep that error
low by choosing the levels carefully, by quantizing small blocks of weights with their own scale,
and by treating sensitive weights differently.

## int8 and LLM.int8()

Simple absmax int8 quantization scales each row or block so that its largest absolute value maps
to 127. Tim Dettmers and colleagues showed in "LLM.int8()" (August 2022) that this breaks down
for large models: starting at around 6.7 billion parameters, a few hidden-state feature
dimensions develop outliers with very large magnitudes, and rounding them to int8 destroys
accuracy. Their solution, mixed-precision decomposition, multiplies the outlier dimensions in
16-bit and everything else in 8-bit. In the bitsandbytes library the outlier threshold defaults
to 6.0. With this method the authors ran models of up to 175 billion parameters in int8 without
performance degradation, halving inference memory compared with 16-bit weights.

## 4-bit NF4 and bitsandbytes

The QLoRA paper by Dettmers, Pagnoni, Holtzman and Zettlemoyer (May 2023) introduced the 4-bit
NormalFloat data type, NF4. Pretrained weights are roughly normally distributed, so NF4 places
its 16 levels at quantiles of a normal distribution instead of spacing them evenly; the authors
describe it as information-theoretically optimal for normally distributed weights. Weights are
quantized in blocks of 64, each with its own scale. Double quantization then quantizes those
scales themselves, using 8-bit floats with a block size of 256, which saves about 0.37 bits per
parameter, roughly 3 GB on a 65B model.

In Hugging Face Transformers this is exposed through BitsAndBytesConfig with load_in_4bit=True,
bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True and a compute dtype such as
torch.bfloat16. The weights are stored in 4 bits but dequantized on the fly to the compute dtype
for each matrix multiplication, so NF4 saves memory rather than arithmetic.

## GPTQ and AWQ

Post-training methods that look at calibration data can do better than plain rounding. GPTQ
(Frantar et al., October 2022) quantizes weights one column at a time and uses approximate
second-order information to correct the remaining weights for the error introduced; it can
quantize a 175-billion-parameter model to 3 or 4 bits in about four GPU hours. AWQ, or
activation-aware weight quantization (Lin et al., 2023), observes that protecting only about 1%
of salient weights, identified from activation magnitudes, greatly reduces quantization error,
and it protects them by scaling channels rather than by keeping them in higher precision.

## GGUF and k-quants

GGUF is the file format of the llama.cpp project. It was introduced in August 2023 to replace
the older GGML format, and it stores the tensors together with the tokenizer and the model
metadata in a single file. Its "k-quant" types, added in June 2023, group weights into
super-blocks of 256. In Q4_K, each super-block holds 8 blocks of 32 weights whose scales and
minimums are themselves stored in 6 bits, for an effective 4.5 bits per weight. Q6_K uses about
6.56 bits per weight, and the older Q8_0 format uses 8.5 bits per weight because every block of
32 int8 values carries a 16-bit scale.

The suffixes S, M and L describe mixes. Q4_K_M, the most popular default, stores most tensors as
Q4_K but uses Q6_K for half of the attention value and feed-forward down-projection tensors,
which ends up at about 4.8 bits per weight; llama.cpp reports 4.84 bits per weight for Llama 2
7B. The resulting Llama 2 7B Q4_K_M file is about 4.1 GB, compared with roughly 13.5 GB for the
FP16 original.

## Choosing a format

- GPU inference with Transformers: bitsandbytes int8 or NF4, or a GPTQ or AWQ checkpoint.
- CPU, Apple Silicon or mixed CPU and GPU: GGUF with llama.cpp or Ollama, starting from Q4_K_M.
- When quality matters more than memory: Q5_K_M, Q6_K or Q8_0.
"""

LORA_QLORA_ES = """
# LoRA y QLoRA: ajuste fino eficiente

## El problema del ajuste fino completo

Ajustar todos los parámetros de un modelo grande es caro en memoria. Con el optimizador Adam en
precisión mixta, cada parámetro necesita unos 16 bytes: 2 para el peso en 16 bits, 2 para el
gradiente, 4 para la copia maestra en 32 bits y 8 para los dos momentos de Adam. Un modelo de
7.000 millones de parámetros requiere así unos 112 GB solo para el estado del entrenamiento, sin
contar las activaciones. Además, cada tarea produce una copia completa del modelo.

## LoRA: adaptación de bajo rango

LoRA (Low-Rank Adaptation) fue propuesta por Edward Hu y sus colegas de Microsoft en junio de
2021 y publicada en ICLR 2022; se suele citar como Hu et al. 2021. La idea es congelar la matriz
de pesos preentrenada W0 y aprender solo una actualización de bajo rango ΔW = BA, donde B tiene
dimensiones d × r, A tiene dimensiones r × k y el rango r es mucho menor que d y k. A se
inicializa con valores gaussianos aleatorios y B con ceros, de modo que al comienzo ΔW vale cero
y el modelo se comporta exactamente como el original. La actualización se multiplica por el
factor de escala alpha/r.

En GPT-3 175B, los autores informaron de que LoRA reduce el número de parámetros entrenables
unas 10.000 veces y la memoria de GPU necesaria unas 3 veces, con una calidad igual o superior a
la del ajuste fino completo en sus pruebas. El consumo de memoria durante el entrenamiento bajó
de 1,2 TB a 350 GB y, con r = 4 aplicado solo a las proyecciones de consulta y valor, el punto de
control pasó de unos 350 GB a unos 35 MB. Como BA puede sumarse a W0 después del entrenamiento,
LoRA no añade latencia en inferencia.

## Rango, alpha y módulos objetivo

El rango r fija la capacidad del adaptador. En el artículo original, rangos muy bajos, incluso
r = 1 o r = 2, ya daban resultados competitivos cuando se adaptaban las matrices de consulta (Wq)
y valor (Wv). En la práctica, una configuración de partida habitual es r = 8 con alpha = 16, es
decir, un factor de escala de 2; para tareas más difíciles se sube a r = 16, 32 o 64. Si se
cambia r sin tocar alpha, cambia también la escala efectiva de la actualización, por lo que
ambos valores deben ajustarse juntos.

Los módulos objetivo (target_modules en la biblioteca PEFT de Hugging Face) indican qué capas
lineales reciben adaptadores. En los modelos de la familia Llama se llaman q_proj, k_proj,
v_proj y o_proj en la atención, y gate_proj, up_proj y down_proj en la red feed-forward. Aplicar
LoRA a todas las capas lineales aumenta el número de parámetros entrenables, pero suele mejorar
la calidad; el artículo de QLoRA concluyó que era necesario hacerlo para igualar el rendimiento
del ajuste fino completo.

## QLoRA: LoRA sobre un modelo de 4 bits

QLoRA fue presentado en mayo de 2023 por Tim Dettmers, Artidoro Pagnoni, Ari Holtzman y Luke
Zettlemoyer, de la Universidad de Washington. El modelo base se carga congelado en 4 bits y los
gradientes se propagan a través de él hasta los adaptadores LoRA, que se entrenan en 16 bits.
Con esta técnica se puede ajustar un modelo de 65.000 millones de parámetros en una sola GPU de
48 GB: la memoria media necesaria baja de más de 780 GB a menos de 48 GB, conservando el
rendimiento del ajuste fino en 16 bits.

QLoRA combina tres innovaciones:

- NF4 (NormalFloat de 4 bits), un tipo de dato pensado para pesos con distribución normal.
- Doble cuantización, que cuantiza también las constantes de cuantización y ahorra unos 0,37
bits por parámetro.
- Optimizadores paginados, que usan la memoria unificada de NVIDIA para mover estados del
optimizador a la RAM de la CPU cuando hay picos de memoria, por ejemplo al procesar secuencias
largas con gradient checkpointing.

Con QLoRA los autores entrenaron la familia de modelos Guanaco. El mejor de ellos alcanzó el
99,3 % del rendimiento de ChatGPT en el benchmark de Vicuna tras solo 24 horas de ajuste fino en
una única GPU. En sus experimentos usaron r = 64 y alpha = 16, con adaptadores en todas las capas
lineales.

## Memoria en la práctica

Para un modelo de 7.000 millones de parámetros, los pesos en NF4 ocupan unos 3,5 GB, frente a
unos 14 GB en 16 bits. Con QLoRA, el ajuste fino de un modelo de 7B cabe normalmente en una GPU
de consumo de 12 a 16 GB si se usan lotes pequeños, acumulación de gradientes y gradient
checkpointing. En la biblioteca Transformers, los optimizadores paginados se seleccionan con
optim="paged_adamw_8bit" u optim="paged_adamw_32bit".

La diferencia principal entre LoRA y QLoRA es, por tanto, dónde vive el modelo base: LoRA lo
mantiene en 16 bits y QLoRA lo cuantiza a 4 bits, lo que reduce la memoria a cambio de algo más
de tiempo de cómputo por la decuantización.
"""

EVALUATION_EN = """
# Evaluating RAG Systems

## Two things to measure

A retrieval-augmented generation pipeline can fail in two places: the retriever may not find the
passages that contain the answer, or the generator may ignore, misread or embellish the passages
it was given. Evaluation should therefore measure retrieval and generation separately. Retrieval
metrics need a labelled set of questions with the identifiers of the relevant chunks; generation
metrics need the question, the retrieved contexts, the answer and, for some metrics, a reference
answer written by a person.

## Retrieval metrics: hit@k and MRR

Hit@k, also called hit rate at k, is the fraction of questions for which at least one relevant
chunk appears among the top k results. It ignores where in the top k the chunk appears, so hit@5
treats rank 1 and rank 5 the same. Recall@k is related but counts what fraction of all relevant
chunks were retrieved, which matters when an answer needs several passages.

Mean reciprocal rank (MRR) rewards systems that put the first relevant chunk near the top. For
each question take the reciprocal of the rank of the first relevant result (1 for rank 1, 0.5
for rank 2, about 0.333 for rank 3, and 0 if nothing relevant was retrieved), then average over
all questions. For example, three questions whose first relevant chunks sit at rank 1, at rank 2
and nowhere give an MRR of (1 + 0.5 + 0) / 3 = 0.5. Normalized discounted cumulative gain
(nDCG), introduced by Järvelin and Kekäläinen in 2002, extends the idea to graded relevance.

## Generation metrics and ragas

Ragas is an open-source framework for evaluating RAG pipelines, described by Shahul Es, Jithin
James, Luis Espinosa-Anke and Steven Schockaert in a paper posted in September 2023. Its core
metrics use a language model as a judge:

- Faithfulness: the answer is split into individual claims, and the score is the number of
claims that can be inferred from the retrieved context divided by the total number of claims. A
score of 1.0 means that every claim is supported.
- Answer relevancy: the judge generates several questions from the answer, and the score is the
mean cosine similarity between their embeddings and the embedding of the original question. It
penalizes incomplete or padded answers but does not check correctness.
- Context precision: whether the chunks that are relevant to the reference answer are ranked
above the irrelevant ones.
- Context recall: the fraction of claims in the reference answer that can be attributed to the
retrieved context.

Faithfulness and answer relevancy need no reference answer. Context recall always needs one,
and context precision is usually computed against one; ragas calls it the ground truth or the
reference.

## Summary table

| Metric | Measures | Needs a reference answer |
| Hit@k | A relevant chunk is in the top k | No, but needs relevant chunk ids |
| MRR | Rank of the first relevant chunk | No, but needs relevant chunk ids |
| Faithfulness | Claims in the answer supported by the context | No |
| Answer relevancy | The answer addresses the question | No |
| Context precision | Relevant chunks are ranked first | Usually |
| Context recall | The reference is covered by the context | Yes |

## LLM-as-a-judge caveats

Zheng et al. (2023), who introduced MT-Bench with 80 multi-turn questions together with the
Chatbot Arena, found that strong judges such as GPT-4 agree with human preferences more than 80%
of the time, the same level as the agreement between humans. They also documented position
bias, verbosity bias and self-enhancement bias, so judge prompts should randomize the order of
answers and judge scores should be spot-checked by people. The judge model should ideally be
different from, and stronger than, the model being evaluated.

## Building a test set

Start with 50 to 100 real questions, balanced across topics and languages, and include questions
whose answer is not in the corpus: a system that answers them instead of abstaining has a
faithfulness problem that average scores may hide. Keep the test set fixed between runs, version
it together with the corpus, and report retrieval and generation metrics side by side, so that a
regression can be traced to the right stage.
"""

EMBEDDINGS_ES = """
# Embeddings e índices vectoriales

## Qué es un embedding

Un embedding es un vector de números reales que representa el significado de un texto: los
textos con significado parecido quedan cerca en el espacio vectorial. La idea se popularizó con
word2vec (Mikolov et al., 2013), que asignaba un vector a cada palabra. Para la búsqueda
semántica interesan los embeddings de frases completas. Sentence-BERT (Reimers y Gurevych, 2019)
entrenó redes siamesas sobre BERT para producir vectores comparables directamente; según sus
autores, encontrar el par de frases más parecido entre 10.000 frases pasaba de unas 65 horas con
BERT a unos 5 segundos con SBERT.

Algunos modelos habituales:

- all-MiniLM-L6-v2: 384 dimensiones y 6 capas, entrenado con unos 1.000 millones de pares de
frases; trunca las entradas a 256 piezas de palabra y está entrenado sobre todo con texto en
inglés.
- multilingual-e5-base: 768 dimensiones; exige anteponer «query: » a las consultas y
«passage: » a los documentos.
- text-embedding-3-small y text-embedding-3-large, de OpenAI, publicados en enero de 2024, con
1.536 y 3.072 dimensiones respectivamente.

## Similitud coseno

La similitud coseno entre dos vectores a y b es su producto escalar dividido por el producto de
sus normas: cos(a, b) = a·b / (‖a‖ ‖b‖). Su valor va de −1 a 1 y no depende de la longitud de
los vectores, solo de su dirección. Si los vectores se normalizan a longitud 1 antes de
indexarlos, el producto escalar coincide con el coseno y la distancia euclídea al cuadrado es
igual a 2 − 2·cos. Por eso es habitual normalizar los embeddings y usar un índice de producto
interno.

## FAISS

FAISS es una biblioteca de búsqueda por similitud desarrollada por Facebook AI Research (hoy
Meta) y publicada en 2017; el artículo de Johnson, Douze y Jégou, «Billion-scale similarity
search with GPUs», describe su implementación en GPU. Ofrece varios tipos de índice:

- IndexFlatL2 e IndexFlatIP: búsqueda exacta por fuerza bruta con distancia L2 o con producto
interno. No requieren entrenamiento y son la referencia de calidad.
- IndexIVFFlat: agrupa los vectores en nlist celdas con k-means y, en cada consulta, solo examina
nprobe celdas; por defecto nprobe vale 1, lo que es rápido pero puede perder vecinos.
- IndexIVFPQ: añade la cuantización de producto (Jégou, Douze y Schmid, 2011), que divide cada
vector en m subvectores y codifica cada uno con 8 bits. Un vector de 384 dimensiones con m = 48
ocupa 48 bytes en lugar de 1.536.
- IndexHNSWFlat: un grafo HNSW que guarda los vectores sin comprimir.

## HNSW

HNSW (Hierarchical Navigable Small World) fue propuesto por Yury Malkov y Dmitry Yashunin en 2016
y publicado en la revista IEEE TPAMI en 2018. Construye un grafo de varias capas: las superiores
son escasas y permiten saltos largos, y las inferiores son densas y permiten afinar la búsqueda,
con un coste aproximadamente logarítmico. Tiene tres parámetros principales: M, el número de
conexiones por nodo; efConstruction, la amplitud de la búsqueda al insertar; y efSearch, la
amplitud de la búsqueda al consultar. En FAISS, IndexHNSWFlat usa por defecto
efConstruction = 40 y efSearch = 16, mientras que la biblioteca hnswlib usa M = 16 y
ef_construction = 200. Subir efSearch mejora la exhaustividad (recall) a costa de la latencia.

## Memoria y elección del índice

Cada dimensión en float32 ocupa 4 bytes, así que un vector de 384 dimensiones ocupa 1.536 bytes
y un millón de vectores ocupan unos 1,5 GB sin contar la estructura del índice. En FAISS, la capa
inferior del grafo HNSW guarda 2·M vecinos por vector con 4 bytes cada uno: con M = 32 son 256
bytes adicionales por vector.

Una regla práctica para elegir:

- Hasta unos 100.000 vectores, IndexFlatIP: es exacto y suficientemente rápido.
- Millones de vectores con memoria suficiente, IndexHNSWFlat: baja latencia y alta
exhaustividad.
- Decenas de millones de vectores o memoria limitada, IndexIVFPQ: compresión fuerte a cambio de
algo de precisión.
"""

INFERENCE_SERVING_EN = """
# Serving LLMs: vLLM, llama.cpp and Ollama

## Prefill, decode and the KV cache

Generating text with a transformer happens in two phases. In the prefill phase the server
processes the whole prompt in parallel and produces the first output token; its duration sets
the time to first token (TTFT). In the decode phase the model produces one token per forward
pass, and the time between tokens, often called time per output token (TPOT), is set mostly by
how fast the weights and the cached state can be read from memory. Decode is memory-bandwidth
bound, which is why batching several requests together raises throughput almost for free.

To avoid recomputing attention over the whole sequence at every step, the server keeps the key
and value vectors of previous tokens in a KV cache. The cache is large: the vLLM authors note
that a single token needs about 800 KB of KV cache in OPT-13B, so one 2,048-token sequence can
occupy up to 1.6 GB. Managing this memory well is the main job of a serving engine.

## Batching

Static batching waits until a batch of requests has finished before accepting new ones, so short
requests wait for long ones. Continuous batching, introduced as iteration-level scheduling by the
Orca system (Yu et al., OSDI 2022), adds and removes requests at every decoding step and keeps
the GPU busy. All modern LLM servers use some form of it.

## vLLM and PagedAttention

vLLM was released by researchers at UC Berkeley in June 2023 and described in the paper
"Efficient Memory Management for Large Language Model Serving with PagedAttention" by Woosuk
Kwon and colleagues at SOSP 2023. PagedAttention borrows the idea of virtual memory pages from
operating systems: the KV cache of each sequence is stored in fixed-size blocks, 16 tokens per
block by default, that need not be contiguous. The authors measured that existing systems
wasted 60% to 80% of KV cache memory through fragmentation and over-reservation, while vLLM
wastes under 4%. Blocks can also be shared between sequences, for example across parallel
samples or requests with a common prefix.

The paper reports 2 to 4 times higher throughput than FasterTransformer and Orca at the same
latency, and the launch blog post claimed up to 24 times the throughput of Hugging Face
Transformers. vLLM exposes an OpenAI-compatible HTTP API, started with the vllm serve command
and listening on port 8000 by default. By default it reserves 90% of GPU memory
(gpu_memory_utilization = 0.9) for the weights and the KV cache.

## llama.cpp

llama.cpp is a C/C++ inference engine started by Georgi Gerganov in March 2023, originally to run
LLaMA with 4-bit quantization on a MacBook. It loads models in the GGUF format, supports
quantization types from 2 to 8 bits, and runs on CPUs as well as on GPUs through CUDA, Metal and
Vulkan backends. The -ngl (--n-gpu-layers) option chooses how many layers to offload to the GPU,
which lets a model larger than GPU memory run partly on the CPU. The bundled llama-server program
provides an OpenAI-compatible API, by default on port 8080, with the context size set by -c.

## Ollama

Ollama is a Go application, originally built on top of llama.cpp, that packages model download,
quantized GGUF weights and a local server into one tool. A command such as ollama run llama3
pulls the model and starts a chat, and the server listens on port 11434 by default. Models are
described by a Modelfile that sets the base weights, parameters such as temperature and context
length, and the prompt template. Ollama keeps a model loaded for 5 minutes after the last
request by default, a duration controlled by the keep_alive parameter or the OLLAMA_KEEP_ALIVE
environment variable.

## Other speed-ups

Speculative decoding (Leviathan, Kalman and Matias, 2022) lets a small draft model propose
several tokens that the large model verifies in a single forward pass; the authors reported 2 to
3 times faster generation on T5-XXL with identical outputs. Prefix caching reuses the KV cache of
a shared system prompt across requests. Quantizing the weights, or the KV cache itself, lowers
memory traffic further.

- Many concurrent users on a GPU server: vLLM.
- A single user on a laptop or a CPU-only machine: llama.cpp or Ollama.
- Long shared system prompts: enable prefix caching.
"""

SAMPLES: tuple[Sample, ...] = (
    Sample("rag.es.pdf", "es", RAG_ES),
    Sample("quantization.en.pdf", "en", QUANTIZATION_EN),
    Sample("lora_qlora.es.pdf", "es", LORA_QLORA_ES),
    Sample("evaluation.en.docx", "en", EVALUATION_EN),
    Sample("embeddings_vector_indexes.es.docx", "es", EMBEDDINGS_ES),
    Sample("inference_serving.en.docx", "en", INFERENCE_SERVING_EN),
)

# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


def parse(text: str) -> list[Block]:
    """Split marked-up source text into title, heading, paragraph, bullets and table blocks."""
    blocks: list[Block] = []
    for raw in text.strip().split("\n\n"):
        lines = [line.rstrip() for line in raw.strip().splitlines() if line.strip()]
        if not lines:
            continue
        first = lines[0]
        if first.startswith("# "):
            blocks.append(Block("title", (first[2:].strip(),)))
        elif first.startswith("## "):
            blocks.append(Block("heading", (first[3:].strip(),)))
        elif first.startswith("|"):
            blocks.append(Block("table", tuple(lines)))
        elif first.startswith("- "):
            items: list[str] = []
            for line in lines:
                if line.startswith("- "):
                    items.append(line[2:].strip())
                else:
                    items[-1] = f"{items[-1]} {line.strip()}"
            blocks.append(Block("bullets", tuple(items)))
        else:
            blocks.append(Block("paragraph", (" ".join(line.strip() for line in lines),)))
    return blocks


def table_rows(block: Block) -> list[list[str]]:
    """Cells of each row of a table block."""
    return [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in block.lines]


def plain_text(sample: Sample) -> str:
    """The document as plain text, one block per paragraph (used for word counts and checks)."""
    parts: list[str] = []
    for block in parse(sample.text):
        if block.kind == "table":
            parts.extend(" | ".join(row) for row in table_rows(block))
        else:
            parts.extend(block.lines)
    return "\n\n".join(parts)


# --------------------------------------------------------------------------------------------
# Fonts
# --------------------------------------------------------------------------------------------


def font_dirs() -> list[Path]:
    """Folders that may hold DejaVu Sans, most specific first."""
    dirs: list[Path] = []
    override = os.environ.get(FONT_ENV_VAR)
    if override:
        dirs.append(Path(override))
    dirs += [
        Path("/usr/share/fonts/truetype/dejavu"),
        Path("/usr/share/fonts/dejavu"),
        Path("/usr/share/fonts/TTF"),
        Path("/usr/local/share/fonts"),
        Path("/Library/Fonts"),
    ]
    spec = importlib.util.find_spec("matplotlib")
    if spec is not None and spec.origin is not None:
        dirs.append(Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf")
    return dirs


def find_fonts() -> tuple[Path, Path]:
    """Paths of DejaVu Sans regular and bold, or exit with a hint on where to put them."""
    for folder in font_dirs():
        regular, bold = folder / FONT_REGULAR, folder / FONT_BOLD
        if regular.is_file() and bold.is_file():
            return regular, bold
    sys.exit(
        f"{FONT_REGULAR} and {FONT_BOLD} not found; install the DejaVu fonts "
        f"(e.g. apt-get install fonts-dejavu-core) or set {FONT_ENV_VAR} to their folder."
    )


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------

PAGE_LABEL = {"es": "Página", "en": "Page"}
BODY_SIZE = 11
LINE_HEIGHT = 6.0


class SamplePDF(FPDF):
    """A4 document with a small page-number footer in the sample's language."""

    def __init__(self, lang: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.page_label = PAGE_LABEL.get(lang, "Page")

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("DejaVu", "", 8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 10, f"{self.page_label} {self.page_no()}", align="C")
        self.set_text_color(0, 0, 0)


def write_pdf(sample: Sample, out: Path, fonts: tuple[Path, Path]) -> None:
    """Render one sample as a PDF with bold, larger headings."""
    blocks = parse(sample.text)
    title = blocks[0].lines[0]
    pdf = SamplePDF(sample.lang)
    pdf.add_font("DejaVu", "", str(fonts[0]))
    pdf.add_font("DejaVu", "B", str(fonts[1]))
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_title(title)
    pdf.set_author("Veraz")
    pdf.set_subject("Veraz sample corpus")
    pdf.set_lang(sample.lang)
    pdf.set_creation_date(FIXED_DATE)
    pdf.add_page()
    for block in blocks:
        if block.kind == "title":
            pdf.set_font("DejaVu", "B", 18)
            pdf.multi_cell(0, 9, block.lines[0], new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
            pdf.ln(4)
        elif block.kind == "heading":
            pdf.ln(2)
            pdf.set_font("DejaVu", "B", 13)
            pdf.multi_cell(0, 7, block.lines[0], new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
            pdf.ln(1)
        elif block.kind == "bullets":
            pdf.set_font("DejaVu", "", BODY_SIZE)
            for item in block.lines:
                pdf.set_x(pdf.l_margin + 3)
                pdf.cell(5, LINE_HEIGHT, "•")
                pdf.multi_cell(0, LINE_HEIGHT, item, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
            pdf.ln(2)
        elif block.kind == "table":
            raise ValueError(f"{sample.filename}: tables are only supported in DOCX samples")
        else:
            pdf.set_font("DejaVu", "", BODY_SIZE)
            pdf.multi_cell(
                0, LINE_HEIGHT, block.lines[0], new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L"
            )
            pdf.ln(2)
    pdf.output(str(out))


# --------------------------------------------------------------------------------------------
# DOCX
# --------------------------------------------------------------------------------------------

DOCX_LANG = {"es": "es-ES", "en": "en-US"}


def write_docx(sample: Sample, out: Path) -> None:
    """Render one sample as DOCX: title as Heading 1, sections as Heading 2."""
    blocks = parse(sample.text)
    doc = Document()
    doc.styles["Normal"].font.size = Pt(11)
    props = doc.core_properties
    props.title = blocks[0].lines[0]
    props.author = "Veraz"
    props.last_modified_by = "Veraz"
    props.subject = "Veraz sample corpus"
    props.language = DOCX_LANG.get(sample.lang, sample.lang)
    props.created = FIXED_DATE.replace(tzinfo=None)
    props.modified = FIXED_DATE.replace(tzinfo=None)
    props.revision = 1
    for block in blocks:
        if block.kind == "title":
            doc.add_heading(block.lines[0], level=1)
        elif block.kind == "heading":
            doc.add_heading(block.lines[0], level=2)
        elif block.kind == "bullets":
            for item in block.lines:
                doc.add_paragraph(item, style="List Bullet")
        elif block.kind == "table":
            rows = table_rows(block)
            table = doc.add_table(rows=len(rows), cols=len(rows[0]))
            table.style = "Table Grid"
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    cell = table.cell(r, c)
                    cell.text = value
                    if r == 0:
                        for run in cell.paragraphs[0].runs:
                            run.bold = True
        else:
            doc.add_paragraph(block.lines[0])
    doc.save(str(out))
    normalize_zip(out)


def normalize_zip(path: Path) -> None:
    """Rewrite a zip file with a constant timestamp on every entry, for reproducible bytes."""
    with zipfile.ZipFile(path) as src:
        entries = [(info.filename, src.read(info)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w") as dst:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, data)


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def main() -> None:
    """Write every PDF and DOCX sample next to this script and print its size and word count."""
    fonts = find_fonts()
    for sample in SAMPLES:
        out = HERE / "docs" / sample.filename
        if out.suffix == ".pdf":
            write_pdf(sample, out, fonts)
        elif out.suffix == ".docx":
            write_docx(sample, out)
        else:
            raise ValueError(f"unsupported sample format: {sample.filename}")
        words = len(plain_text(sample).split())
        print(f"{sample.filename}: {out.stat().st_size / 1024:.1f} KB, {words} words")


if __name__ == "__main__":
    main()
