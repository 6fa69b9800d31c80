"""Check an answer sentence by sentence against its source passages, offline.

The graph's ``verify`` node runs this on every answer, with every model including the
embedded ``extractive`` one, so it cannot ask an LLM. A sentence is supported when its
soft support score (scoring.py: lexical coverage plus embedding similarity) reaches the
threshold and no hard check (rules.py: numbers, names and their context, linked keys,
swapped words, negation and direction) finds a conflict. The sentences and the sources
are analysed by analysis.py and indexed by evidence.py.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from agent.tools.sentences import citation_numbers, split_sentences, strip_citations
from agent.tools.verification.analysis import Analysis, analyse, language_of
from agent.tools.verification.evidence import (
    Evidence,
    Passage,
    as_quote,
    passage_of,
    quotes_whole_sentences,
)
from agent.tools.verification.scoring import (
    CANDIDATE_WINDOWS,
    Evaluation,
    evaluate,
    skip_reason,
    term_coverage,
)
from agent.types import Verification

if TYPE_CHECKING:
    from ingestion.embedding import Embedder


__all__ = ["METHOD", "SentenceCheck", "Verifier"]


METHOD = "offline:lexical+embedding+entities"


_VECTOR_CACHE_SIZE = 4096


@dataclass
class SentenceCheck:
    """The verdict on one answer sentence, with the evidence behind it."""

    sentence: str
    supported: bool
    score: float
    reason: str
    best_source: int | None
    skipped: bool = False


class Verifier:
    """Sentence-level grounding checks; deterministic, a few milliseconds per sentence.

    ``threshold`` is the support score (0..1) a sentence needs once its hard checks
    pass. ``embedder`` defaults to the bundled English MiniLM, loaded on first use.
    """

    def __init__(self, embedder: Embedder | None = None, threshold: float = 0.5) -> None:
        self._embedder = embedder
        self.threshold = threshold
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()

    # ----------------------------------------------------------------- public API

    def check_sentence(self, sentence: str, sources: list[str]) -> SentenceCheck:
        """Judge one sentence (not split further) against all ``sources``."""
        return self._check([sentence], sources, None, context=sentence)[0]

    def verify(
        self, answer: str, sources: list[str], cited: dict[int, int] | None = None
    ) -> tuple[Verification, list[SentenceCheck]]:
        """Check every sentence of ``answer``; ``cited`` maps marker n -> index in sources.

        A sentence is tried first against the sources it cites, then against all of them:
        a correct claim with a wrong marker still counts as grounded (the reason says so).
        Skipped sentences (connectives, questions) are returned but not counted.
        """
        checks = self._check(split_sentences(answer), sources, cited, context=answer)
        judged = [c for c in checks if not c.skipped]
        score = float(np.mean([c.score for c in judged])) if judged else 1.0
        verification = Verification(
            grounded=all(c.supported for c in judged),
            score=round(score, 4),
            unsupported=[c.sentence for c in judged if not c.supported],
            method=METHOD,
        )
        return verification, checks

    def load(self) -> None:
        """Load the embedding model now rather than on the first check (for timings)."""
        _ = self.embedder

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            from ingestion.embedding import Embedder

            self._embedder = Embedder()
        return self._embedder

    # ------------------------------------------------------------- preparation

    def _check(
        self,
        sentences: Sequence[str],
        sources: Sequence[str],
        cited: dict[int, int] | None,
        context: str = "",
    ) -> list[SentenceCheck]:
        passages = [passage_of(text, i) for i, text in enumerate(sources)]
        # Short sentences can be ambiguous; the answer's, then the sources' language decide.
        source_languages = Counter(p.language for p in passages)
        fallback = source_languages.most_common(1)[0][0] if passages else "en"
        answer_language = language_of(context, fallback) if context else fallback
        # A capitalised word that only ever opens sentences in the sources and is never
        # written in lowercase: a name when the answer uses it ("Annoy, developed by
        # Spotify" -> "Annoy was developed by Meta"), but inside the sources a name only
        # if it opens several sentences, since one opener is as likely a verb ("Descubrió
        # el radio") and source names become rivals in the context checks.
        openers = Counter(word for p in passages for word in p.start_caps)
        lowercase = frozenset().union(*(p.lowercase for p in passages))
        mid_sentence = frozenset().union(*(p.known_names for p in passages))
        known_names = mid_sentence | frozenset(
            word for word, count in openers.items() if count > 1 and word not in lowercase
        )
        answer_names = known_names | (frozenset(openers) - lowercase)
        everything = Evidence(passages, known_names)

        analyses: list[Analysis | None] = []
        for raw in sentences:
            text = strip_citations(raw)
            analysis = None
            if not skip_reason(text):
                language = language_of(text, answer_language)
                analysis = analyse(text, language, answer_names)
                if not analysis.terms and not analysis.keys:
                    analysis = None
            analyses.append(analysis)

        subsets: dict[tuple[int, ...], Evidence] = {}
        context = (passages, known_names, everything, cited, subsets)
        checks: list[SentenceCheck | None] = []
        for raw, analysis in zip(sentences, analyses, strict=True):
            if analysis is None:
                reason = skip_reason(strip_citations(raw)) or "skipped: no content words"
                checks.append(SentenceCheck(raw, True, 1.0, reason, None, skipped=True))
            else:
                checks.append(self._judge(raw, analysis, *context, embedded=False))

        # The embedding decides only where the lexical evidence is inconclusive. Those
        # sentences and, for each, the few source sentences that match it best lexically
        # are embedded in one batch (a two-sentence window takes the better of its two
        # sentences' similarities rather than a vector of its own).
        undecided = [i for i, check in enumerate(checks) if check is None]
        if undecided:
            singles = [w for w in everything.windows if len(w.sentences) == 1]
            wanted: list[str] = []
            for i in undecided:
                analysis = analyses[i]
                assert analysis is not None
                ranked = sorted(singles, key=lambda w: -term_coverage(analysis, w.stems))
                wanted.append(analysis.text)
                wanted.extend(w.text for w in ranked[:CANDIDATE_WINDOWS])
            self._embed(wanted)
            for i in undecided:
                analysis = analyses[i]
                assert analysis is not None
                checks[i] = self._judge(sentences[i], analysis, *context, embedded=True)
        return [check for check in checks if check is not None]

    def _embed(self, texts: Sequence[str]) -> None:
        """Embed what is not cached yet, in one batch; sources repeat across calls."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            for text, vector in zip(missing, self.embedder.encode(missing), strict=True):
                self._vectors[text] = vector
        for text in texts:
            self._vectors.move_to_end(text)
        while len(self._vectors) > _VECTOR_CACHE_SIZE:
            self._vectors.popitem(last=False)

    def _similarity(self, a: str, b: str, across_languages: bool = False) -> float:
        """The cosine of two embedded texts on the model's own scale, 0..1.

        Against a whole source sentence, not its clauses: across languages the embedding
        is nearly all the evidence (no shared words, no negation or antonym check), and a
        clause alone scored fabrications that glue one clause's subject to another's
        predicate, or reverse a comparative, as high as faithful translations (found by
        an adversarial pass; the tuned sets' false alarms it removed came back)."""
        va, vb = self._vectors.get(a), self._vectors.get(b)
        if va is None or vb is None:
            return 0.0
        embedder = self.embedder
        low, high = embedder.cross_language_range if across_languages else embedder.similarity_range
        return min(max((float(np.dot(va, vb)) - low) / (high - low), 0.0), 1.0)

    # ------------------------------------------------------------------ judging

    def _judge(
        self,
        raw: str,
        sentence: Analysis,
        passages: Sequence[Passage],
        known_names: frozenset[str],
        everything: Evidence,
        cited: dict[int, int] | None,
        subsets: dict[tuple[int, ...], Evidence],
        *,
        embedded: bool,
    ) -> SentenceCheck | None:
        """Try the cited sources, then all sources; keep the first evidence that holds.

        Without ``embedded`` the verdict is lexical only, and None means it could go
        either way: the caller embeds and asks again.
        """
        cited_indices: list[int] = []
        if cited:
            for n in citation_numbers(raw):
                index = cited.get(n)
                if index is not None and 0 <= index < len(passages) and index not in cited_indices:
                    cited_indices.append(index)
        attempts: list[tuple[Evidence, str]] = []
        if cited_indices:
            key = tuple(sorted(cited_indices))
            if key not in subsets:
                subsets[key] = Evidence([passages[i] for i in key], known_names)
            attempts.append((subsets[key], ""))
        if sorted(cited_indices) != list(range(len(passages))):
            attempts.append((everything, " (not by the cited sources)" if cited_indices else ""))

        first: Evaluation | None = None
        quote = as_quote(sentence.text)
        for evidence, note in attempts:
            # A whole sentence of a source, word for word, is what that source says: the
            # rules compare a paraphrase's words and neighbours with the source's, and on
            # a verbatim quote they can only be wrong ("Non-revolutionary civil
            # disobedience is…" read as a name where another sentence has "Ferenc Deák").
            quoted = next((p for p in evidence.passages if quotes_whole_sentences(p, quote)), None)
            if quoted is not None:
                return SentenceCheck(raw, True, 1.0, "quoted verbatim" + note, quoted.index)
            result = evaluate(
                sentence,
                evidence,
                self._similarity,
                embedded=embedded,
                threshold=self.threshold,
                multilingual=self.embedder.multilingual,
            )
            if result.inconclusive:
                return None
            if not result.failure and result.score >= self.threshold:
                return SentenceCheck(
                    raw, True, round(result.score, 4), "supported" + note, result.source
                )
            first = first or result
        if first is None:
            return SentenceCheck(raw, False, 0.0, "no sources", None)
        reason = first.failure or "low overlap"
        score = min(first.score, self.threshold * 0.99) if first.failure else first.score
        return SentenceCheck(raw, False, round(score, 4), reason, first.source)
