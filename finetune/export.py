"""Take a run elsewhere: an Ollama Modelfile, or a GGUF for llama.cpp.

Ollama: the Modelfile names the base (``FROM``) and the adapter (``ADAPTER``, the
safetensors folder); ``ollama create`` then builds the model. Ollama accepts
safetensors adapters for the Llama, Mistral and Gemma families, and the base must be
the very model the adapter was trained on: an adapter on a different base (or one
quantised differently) loads without complaint and answers worse. Ollama is not run
here; the written ``OLLAMA.md`` holds the commands.

GGUF: the merged weights go through llama.cpp's own ``convert_hf_to_gguf.py``. It
ships in the llama.cpp repository and in llama-cpp-python's source archive (not in the
installed wheel); its bundled ``gguf-py`` must come first on ``PYTHONPATH`` because the
PyPI ``gguf`` release lags the converter. Whether an architecture converts is the
converter's decision; we check its architecture table first to fail with a clear line.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

from finetune.errors import FinetuneError
from finetune.merge import adapter_dir, base_of, merge

CONVERTER = "convert_hf_to_gguf.py"
OUTTYPES = ("f32", "f16", "bf16", "q8_0")
OLLAMA_FAMILIES = ("llama", "mistral", "gemma", "gemma2", "gemma3_text")


def ollama(
    run_or_adapter: str | Path,
    *,
    base: str | None = None,
    name: str = "veraz-tuned",
    out: str | Path | None = None,
) -> tuple[Path, list[str]]:
    """Write ``Modelfile`` and ``OLLAMA.md``; returns the Modelfile and any warnings."""
    adapter = adapter_dir(run_or_adapter).resolve()
    run = adapter.parent
    source = base or base_of(adapter)
    warnings = []
    config_path = Path(source) / "config.json"
    if config_path.is_file():
        family = json.loads(config_path.read_text()).get("model_type", "")
        if family not in OLLAMA_FAMILIES:
            warnings.append(
                f"Ollama imports safetensors adapters for {', '.join(OLLAMA_FAMILIES)}; this "
                f"base is {family!r}: merge and convert to GGUF instead (export --gguf)"
            )
    else:
        warnings.append(
            f"FROM {source}: make sure this Ollama model is the exact base the adapter was "
            "trained on (same weights, unquantised or as close as possible)"
        )
    folder = Path(out) if out else run / "ollama"
    folder.mkdir(parents=True, exist_ok=True)
    modelfile = folder / "Modelfile"
    modelfile.write_text(f"FROM {source}\nADAPTER {adapter}\n")
    steps = [
        "# Run the fine-tuned model with Ollama\n",
        "```sh",
        f"ollama create {name} -f {modelfile.resolve()}",
        f'ollama run {name} "Hola, ¿qué sabes hacer?"',
        f'veraz ask --model ollama:{name} "..."   # through Veraz\'s graph',
        "```",
        "",
        f"`FROM {source}` must be the base the adapter was trained on; `ADAPTER` is the "
        "LoRA adapter in safetensors form.",
        *(f"\nNote: {w}" for w in warnings),
    ]
    (folder / "OLLAMA.md").write_text("\n".join(steps) + "\n")
    return modelfile, warnings


def find_converter(given: str | Path | None = None) -> Path:
    """The llama.cpp folder holding ``convert_hf_to_gguf.py``.

    From ``given`` or ``VERAZ_LLAMA_CPP``: a llama.cpp checkout, an extracted
    llama-cpp-python sdist, or the sdist ``.tar.gz`` itself (extracted next to it).
    """
    raw = given or os.environ.get("VERAZ_LLAMA_CPP") or os.environ.get("VERAZ_LLAMA_CPP_SDIST")
    if not raw:
        raise FinetuneError(_no_converter())
    path = Path(raw).expanduser()
    if path.is_file() and path.name.endswith(".tar.gz"):
        path = _extract(path)
    if path.is_dir():
        for candidate in (path, path / "vendor" / "llama.cpp", *path.glob("*/vendor/llama.cpp")):
            if (candidate / CONVERTER).is_file():
                return candidate
    raise FinetuneError(f"{raw}: no {CONVERTER} found there. {_no_converter()}")


def _no_converter() -> str:
    try:
        version = importlib.metadata.version("llama_cpp_python")
    except importlib.metadata.PackageNotFoundError:
        version = "0.3.36"
    return (
        "GGUF export needs llama.cpp's convert_hf_to_gguf.py: pass --converter (or set "
        "VERAZ_LLAMA_CPP) to a llama.cpp checkout or to llama-cpp-python's source archive, "
        f"e.g. `pip download --no-deps --no-binary :all: llama-cpp-python=={version} -d DIR`"
    )


def _extract(archive: Path) -> Path:
    """Unpack the converter, its ``conversion/`` package and ``gguf-py`` only."""
    target = archive.with_name(archive.name.removesuffix(".tar.gz"))
    if any(target.glob(f"*/vendor/llama.cpp/{CONVERTER}")):
        return target
    wanted = (
        "vendor/llama.cpp/convert_hf_to_gguf.py",
        "vendor/llama.cpp/conversion/",
        "vendor/llama.cpp/gguf-py/gguf/",
    )
    staging = Path(tempfile.mkdtemp(dir=archive.parent, prefix=".extract-"))
    with tarfile.open(archive) as tar:
        members = [
            m
            for m in tar.getmembers()
            if any(w in m.name for w in wanted) and (m.isfile() or m.isdir())
        ]
        tar.extractall(staging, members=members, filter="data")
    staging.rename(target)
    return target


def supported(llama_dir: Path, architecture: str) -> bool:
    """Whether the converter's sources name ``architecture`` (its registry is by name)."""
    quoted = f'"{architecture}"'
    files = [llama_dir / CONVERTER, *sorted((llama_dir / "conversion").glob("*.py"))]
    return any(quoted in f.read_text(encoding="utf-8", errors="replace") for f in files)


def gguf(
    run_or_adapter: str | Path,
    *,
    outtype: str = "f16",
    converter: str | Path | None = None,
    out: str | Path | None = None,
    merged: str | Path | None = None,
    base: str | None = None,
    log: Callable[[str], None] | None = None,
) -> Path:
    """Merge (unless ``merged`` is given or ``RUN/merged`` exists) and convert to GGUF.

    ``base`` overrides the base recorded in the adapter (a folder, repo id or GGUF file).
    """
    if outtype not in OUTTYPES:
        raise FinetuneError(f"--outtype {outtype}: use one of {', '.join(OUTTYPES)}")
    llama_dir = find_converter(converter)
    adapter = adapter_dir(run_or_adapter)
    merged_dir = Path(merged) if merged else adapter.parent / "merged"
    if not (merged_dir / "config.json").is_file():
        merged_dir = merge(adapter, merged_dir, base=base, log=log)
    config = json.loads((merged_dir / "config.json").read_text())
    architecture = (config.get("architectures") or ["?"])[0]
    if not supported(llama_dir, architecture):
        raise FinetuneError(
            f"llama.cpp's converter in {llama_dir} does not support {architecture}; use the "
            "hf: provider with the adapter, or a newer llama.cpp"
        )
    target = Path(out) if out else adapter.parent / f"model-{outtype}.gguf"
    return convert_hf_folder(llama_dir, merged_dir, target, outtype)


def convert_hf_folder(llama_dir: Path, hf_dir: Path, target: Path, outtype: str) -> Path:
    """Run llama.cpp's ``convert_hf_to_gguf.py`` on a saved HF model folder.

    The converter's own gguf-py goes first on ``PYTHONPATH``: the PyPI ``gguf`` release
    lags the converter and fails with it. The tokenizer's chat template ends up in the
    GGUF as ``tokenizer.chat_template``.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(llama_dir / "gguf-py"), env.get("PYTHONPATH", "")) if p
    )
    env.setdefault("HF_HUB_OFFLINE", "1")
    done = subprocess.run(
        [
            *(sys.executable, str(llama_dir / CONVERTER), str(hf_dir)),
            *("--outfile", str(target), "--outtype", outtype),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0 or not Path(target).is_file():
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
        raise FinetuneError(f"convert_hf_to_gguf.py failed for {hf_dir}:\n{tail}")
    return Path(target)
