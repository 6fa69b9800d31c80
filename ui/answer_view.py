"""One answer on the page: text with [n] markers, badge, sources, fallback note, trace.

The same function draws a live answer (after its text was streamed) and the answers of
a resumed thread, so both look the same. The wording and markup come from
:mod:`ui.rendering`; here they are only placed.
"""

from __future__ import annotations

import streamlit as st

from agent.types import Answer
from ui import rendering
from ui.texts import text

PASSAGE_STYLE = (
    "<style>mark.veraz-support{background:#fde68a;color:inherit;padding:0 .1em;}"
    ".veraz-passage{font-size:.92em;line-height:1.5;}</style>"
)


def show_answer(answer: Answer, lang: str, *, streamed: bool = False) -> None:
    """Draw everything that says why ``answer`` can (or cannot) be trusted.

    ``streamed``: the answer text is already on the page (st.write_stream), so only
    what follows it is drawn.
    """
    if not streamed:
        st.markdown(rendering.escape_markdown(answer.answer))
    verdict = rendering.badge(answer, lang)
    st.markdown(verdict.markdown(lang))
    # An empty collection's abstention already says what to do; the note would mislead.
    if answer.abstained and "collection is empty" not in answer.verification.method:
        st.info(text(lang, "abstained_note"), icon="🔎")
    if answer.fallback_used:
        reason = rendering.fallback_reason(answer, lang)
        st.warning(text(lang, "fallback_note", model=answer.model, reason=reason), icon="↪️")
    if answer.verification.unsupported:
        lines = "\n".join(
            f"- {rendering.escape_markdown(s)}" for s in answer.verification.unsupported
        )
        st.warning(f"{text(lang, 'unsupported_sentences')}\n\n{lines}")
    if answer.citations:
        _show_citations(answer, lang)
    usage = answer.usage
    if usage.prompt_tokens or usage.completion_tokens or usage.cost_usd:
        st.caption(rendering.usage_text(usage, lang))
    if answer.steps:
        with st.expander(text(lang, "trace"), icon="🧭"):
            st.caption(rendering.trace_summary(answer, lang))
            st.markdown(rendering.trace_markdown(answer.steps, lang))


def _show_citations(answer: Answer, lang: str) -> None:
    """A row of numbered buttons; each opens the passage with its supporting sentence marked."""
    st.caption(text(lang, "sources"))
    with st.container(horizontal=True, gap="small"):
        for citation in answer.citations:
            label = rendering.source_label(citation, lang)
            with st.popover(label):
                st.markdown(f"**{rendering.escape_markdown(label)}**")
                sentence = rendering.supporting_sentence(answer.answer, citation)
                body = rendering.highlighted_passage(citation.text, sentence)
                st.html(f'{PASSAGE_STYLE}<div class="veraz-passage">{body}</div>')
