"""Tiny, random, local language models for tests: no model hub, built in about a second.

Tests of the local providers (``hf:``, ``llamacpp:``) and of fine-tuning need a real
model of the real architecture, not a fake chat model, but nothing can be downloaded.
So a 2-layer Llama is built from a config, with a BPE tokenizer trained here on a few
hundred Spanish and English sentences, and converted to GGUF with the converter that
ships in llama-cpp-python's sdist.

The tokenizer is Llama-2 style (BPE with byte fallback, ``▁`` for spaces, no
pre-tokenizer): llama.cpp's converter maps it to its SentencePiece-like ``llama``
vocabulary, whereas a GPT-2-style byte-level BPE is rejected as an unknown pre-tokenizer.

Import the fixtures explicitly where used: ``from tiny_models import tiny_gguf  # noqa: F401``
(``tests/`` is on ``sys.path`` under pytest, as for ``small_corpus``).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import itertools
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pytest

# ChatML-like, with BOS first so the rendered prompt is the whole model input for both
# transformers (encoded without special tokens) and llama.cpp (which then adds no BOS).
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SPECIAL_TOKENS = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"]
BYTE_TOKENS = [f"<0x{i:02X}>" for i in range(256)]
VOCAB_SIZE = 640

_ES_SUBJECTS = [
    "El modelo",
    "La cuantización",
    "El índice",
    "La respuesta",
    "El documento",
    "La búsqueda",
    "El agente",
    "La canción",
    "El año pasado",
    "Mañana",
]
_ES_VERBS = ["reduce", "encuentra", "cita", "guarda", "explica", "compara", "mejora", "usa"]
_ES_OBJECTS = [
    "los pesos a cuatro bits.",
    "pasajes relevantes.",
    "las fuentes con cuidado.",
    "el formato GGUF.",
    "una pregunta difícil.",
    "la información útil.",
    "el contexto del usuario.",
    "más de mil páginas.",
]
_EN_SUBJECTS = [
    "The model",
    "Quantization",
    "The index",
    "The answer",
    "The document",
    "Retrieval",
    "The agent",
    "A passage",
    "Last year",
    "Tomorrow",
]
_EN_VERBS = ["reduces", "finds", "cites", "stores", "explains", "compares", "improves", "uses"]
_EN_OBJECTS = [
    "the weights to four bits.",
    "relevant passages.",
    "its sources carefully.",
    "the GGUF format.",
    "a hard question.",
    "useful information.",
    "the user's context.",
    "over a thousand pages.",
]


def training_sentences() -> list[str]:
    """640 short sentences, half Spanish (accents, ñ, ¿?) and half English."""
    spanish = [" ".join(p) for p in itertools.product(_ES_SUBJECTS, _ES_VERBS, _ES_OBJECTS)]
    english = [" ".join(p) for p in itertools.product(_EN_SUBJECTS, _EN_VERBS, _EN_OBJECTS)]
    questions = [
        "¿Qué formato usa llama.cpp?",
        "¿Cuántos bits tiene NF4?",
        "What does RAG retrieve?",
        "How many bits does NF4 use?",
    ]
    return spanish + english + questions


def build_tokenizer(vocab_size: int = VOCAB_SIZE):  # type: ignore[no-untyped-def]
    """A Llama-2-style ``tokenizers.Tokenizer`` trained on :func:`training_sentences`.

    Trained with a Metaspace pre-tokenizer so merges never cross words, then given
    Llama-2's exact pipeline (normalizer prepends and replaces ``▁``, no pre-tokenizer),
    which segments the same way and is what the GGUF converter recognises.
    """
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from tokenizers.processors import TemplateProcessing

    tokenizer = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first")
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS[:3] + BYTE_TOKENS,  # ids 0-258, as in Llama 2
        show_progress=False,
    )
    tokenizer.train_from_iterator(training_sentences(), trainer=trainer)
    tokenizer.pre_tokenizer = None
    tokenizer.normalizer = normalizers.Sequence(
        [normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")]
    )
    tokenizer.decoder = decoders.Sequence(
        [
            decoders.Replace("▁", " "),
            decoders.ByteFallback(),
            decoders.Fuse(),
            decoders.Strip(" ", 1, 0),
        ]
    )
    tokenizer.post_processor = TemplateProcessing(
        single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", 1)]
    )
    # The byte tokens are vocabulary entries (byte fallback), not added special tokens:
    # keep only the real specials in added_tokens, then add the chat markers after them.
    data = json.loads(tokenizer.to_str())
    data["added_tokens"] = [t for t in data["added_tokens"] if t["content"] in SPECIAL_TOKENS]
    tokenizer = Tokenizer.from_str(json.dumps(data))
    from tokenizers import AddedToken

    tokenizer.add_special_tokens([AddedToken(t, special=True) for t in SPECIAL_TOKENS[3:]])
    return tokenizer


def build_tiny_llama(directory: Path, seed: int = 0) -> Path:
    """Save a random 2-layer ``LlamaForCausalLM`` and its tokenizer to ``directory``.

    The output embedding rows of control and byte tokens are zeroed and the rest drawn
    large, so the random model writes visible text instead of stopping at once or
    emitting half a UTF-8 character; greedy decoding is deterministic.
    """
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    hf_tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(),
        bos_token="<s>",
        eos_token="<|im_end|>",
        unk_token="<unk>",
        pad_token="</s>",
        chat_template=CHAT_TEMPLATE,
        add_prefix_space=True,
    )
    hf_tokenizer.save_pretrained(directory)

    vocab = hf_tokenizer.get_vocab()
    config = LlamaConfig(
        vocab_size=len(hf_tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        rms_norm_eps=1e-5,
        tie_word_embeddings=False,
        bos_token_id=vocab["<s>"],
        eos_token_id=vocab["<|im_end|>"],
        pad_token_id=vocab["</s>"],
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    with torch.no_grad():
        head = model.lm_head.weight
        head.normal_(0.0, 0.5)
        silent = [vocab[t] for t in SPECIAL_TOKENS + BYTE_TOKENS]
        head[silent] = 0.0
    model.generation_config.pad_token_id = config.pad_token_id
    model.save_pretrained(directory)
    return directory


# -- GGUF conversion ------------------------------------------------------------------

CACHE = Path(os.environ.get("VERAZ_TEST_CACHE", "~/.cache/veraz-tests")).expanduser()
_CONVERTER = "vendor/llama.cpp/convert_hf_to_gguf.py"
_NEEDED = (
    "vendor/llama.cpp/convert_hf_to_gguf.py",
    "vendor/llama.cpp/conversion/",
    "vendor/llama.cpp/gguf-py/gguf/",
)


class ConverterUnavailable(RuntimeError):
    """llama-cpp-python's sdist (which holds the converter) could not be found or fetched."""


def _llama_cpp_version() -> str:
    try:
        return importlib.metadata.version("llama_cpp_python")
    except importlib.metadata.PackageNotFoundError as exc:
        raise ConverterUnavailable("llama-cpp-python is not installed") from exc


def _converter_in(root: Path) -> Path | None:
    """The llama.cpp folder holding ``convert_hf_to_gguf.py`` under an extracted sdist."""
    for candidate in (root, *root.glob("*/")):
        if (candidate / _CONVERTER).is_file():
            return candidate / "vendor" / "llama.cpp"
        if (candidate / "convert_hf_to_gguf.py").is_file():
            return candidate
    return None


def _extract(archive: Path, target: Path) -> Path:
    """Unpack only the converter and gguf-py (a few MB of a large sdist), atomically."""
    if found := _converter_in(target):
        return found
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".extract-"))
    with tarfile.open(archive) as tar:
        members = [
            m
            for m in tar.getmembers()
            if any(part in m.name for part in _NEEDED) and (m.isfile() or m.isdir())
        ]
        # The "data" filter (no absolute paths, links out, devices) exists from 3.11.4.
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(staging, members=members, **safe)
    try:
        staging.rename(target)
    except OSError:  # another worker got there first
        shutil.rmtree(staging, ignore_errors=True)
    found = _converter_in(target)
    if found is None:
        raise ConverterUnavailable(f"{archive} holds no {_CONVERTER}")
    return found


def llama_cpp_converter_dir() -> Path:
    """The llama.cpp folder with ``convert_hf_to_gguf.py``, ``conversion/`` and ``gguf-py``.

    From ``VERAZ_LLAMA_CPP_SDIST`` (an sdist .tar.gz or an extracted folder), else the test
    cache, else downloaded once into the cache with pip (the same version as the installed
    llama-cpp-python, so the GGUF it writes is one that build can load).
    """
    given = os.environ.get("VERAZ_LLAMA_CPP_SDIST")
    if given:
        path = Path(given).expanduser()
        if path.is_dir():
            if found := _converter_in(path):
                return found
            raise ConverterUnavailable(f"VERAZ_LLAMA_CPP_SDIST={path}: no {_CONVERTER} in it")
        if path.is_file():
            return _extract(path, CACHE / path.name.removesuffix(".tar.gz"))
        raise ConverterUnavailable(f"VERAZ_LLAMA_CPP_SDIST={path} does not exist")
    version = _llama_cpp_version()
    name = f"llama_cpp_python-{version}"
    if found := _converter_in(CACHE / name):
        return found
    archive = CACHE / f"{name}.tar.gz"
    if not archive.is_file():
        CACHE.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-binary",
                ":all:",
                f"llama-cpp-python=={version}",
                "-d",
                str(CACHE),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0 or not archive.is_file():
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["?"]
            raise ConverterUnavailable(
                f"could not download llama-cpp-python {version} sdist ({tail[0]}); "
                "set VERAZ_LLAMA_CPP_SDIST to a local copy"
            )
    return _extract(archive, CACHE / name)


def convert_to_gguf(hf_dir: Path, out_path: Path, outtype: str = "f16") -> Path:
    """Convert a saved HF model to GGUF with llama.cpp's own converter, as users export."""
    from finetune.export import convert_hf_folder

    return convert_hf_folder(llama_cpp_converter_dir(), Path(hf_dir), Path(out_path), outtype)


# -- pytest fixtures (session-scoped: built once per test run) -------------------------


@pytest.fixture(scope="session")
def tiny_llama_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved tiny Llama (HF format) with tokenizer and chat template."""
    return build_tiny_llama(tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture(scope="session")
def tiny_gguf(tiny_llama_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny Llama as an f16 GGUF; skipped when llama-cpp-python or its sdist is missing."""
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed")
    try:
        return convert_to_gguf(tiny_llama_dir, tmp_path_factory.mktemp("gguf") / "tiny.gguf")
    except ConverterUnavailable as exc:
        pytest.skip(f"no GGUF converter: {exc}")
