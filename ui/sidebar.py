"""The sidebar: language, collection, models, uploads, conversations.

Each section turns a widget into a setting the chat uses; every failure (a bad
collection name, an unreachable model, a file that cannot be ingested) is written in
the sidebar in the user's language and the page keeps working.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from pydantic import ValidationError

from agent.config import Settings
from ingestion.index import IndexMismatchError
from ingestion.loaders import SUPPORTED_EXTENSIONS
from ui import rendering, session
from ui.texts import LANGUAGES, ingest_reason, preferred_language, text
from ui.threads import ThreadRegistry

THREAD_KEY = "thread_choice"
PENDING_THREAD_KEY = "pending_thread"
NEW_THREAD = ""


@dataclass
class Choice:
    """What the sidebar decided for this run of the script."""

    lang: str
    settings: Settings
    engine: session.Engine
    registry: ThreadRegistry
    thread_id: str | None
    documents: int
    chunks: int


def language() -> str:
    """The UI language: the browser's at first (Spanish if it asks), then the user's pick."""
    if "ui_lang" not in st.session_state:
        st.session_state.ui_lang = preferred_language(st.context.locale)
    return st.sidebar.radio(
        "🌐 Idioma / Language",
        list(LANGUAGES),
        format_func=LANGUAGES.__getitem__,
        key="ui_lang",
        horizontal=True,
    )


def _collection(base: Settings, lang: str) -> Settings:
    options = session.collections(base)
    chosen = st.sidebar.selectbox(
        text(lang, "collection"),
        options,
        key="collection",
        accept_new_options=True,
        help=text(lang, "collection_help"),
    )
    try:
        return Settings(**{**base.model_dump(), "collection": chosen or base.collection})
    except ValidationError as exc:
        reason = "; ".join(err["msg"] for err in exc.errors())
        st.sidebar.error(text(lang, "collection_invalid", error=reason))
        return base


def _model_picker(label: str, key: str, default: str, options: list[str], lang: str) -> str:
    if key not in st.session_state:
        st.session_state[key] = default
    current = st.session_state[key]
    choices = list(dict.fromkeys([*options, current]))
    spec = st.selectbox(
        label, choices, key=key, accept_new_options=True, help=text(lang, "model_help")
    )
    return (spec or default).strip()


def _models(settings: Settings, lang: str) -> tuple[str, str]:
    """Model and fallback pickers, each with its reachability as ``veraz models`` reports it."""
    st.sidebar.subheader(text(lang, "models"))
    known = list(dict.fromkeys([settings.model, settings.fallback_model, "extractive"]))
    picked = []
    for key, default in (("model", settings.model), ("fallback_model", settings.fallback_model)):
        with st.sidebar:
            spec = _model_picker(text(lang, key), f"pick_{key}", default, known, lang)
            state = session.reachability(spec, str(settings.home))
            if state["reachable"]:
                st.caption(f"🟢 {text(lang, 'reachable')} — {state['text'][lang]}")
            else:
                note = text(lang, "unreachable_note") if key == "model" else ""
                detail = state["text"][lang]
                st.error(f"🔴 {text(lang, 'unreachable')} — {detail}. {note}".strip())
        picked.append(spec)
    return picked[0], picked[1]


def _refusal(settings: Settings, lang: str):  # type: ignore[no-untyped-def]
    """A check run on each upload before it is written anywhere: size, then file type."""
    supported = ", ".join(sorted(e.lstrip(".") for e in SUPPORTED_EXTENSIONS))

    def check(upload: session.Upload) -> str | None:
        size = len(upload.data)
        if size > settings.max_file_bytes:
            return text(lang, "too_large", size=size / 1024 / 1024, limit=settings.max_file_mb)
        if Path(upload.name).suffix.lower() not in SUPPORTED_EXTENSIONS:
            return text(lang, "unsupported", types=supported)
        return None

    return check


def _uploads(engine: session.Engine, settings: Settings, lang: str) -> None:
    """File uploader, an ingest button, a progress bar and the last run's per-file results."""
    st.sidebar.subheader(text(lang, "upload"))
    generation = st.session_state.setdefault("uploader_generation", 0)
    files = st.sidebar.file_uploader(
        text(lang, "upload_label"),
        accept_multiple_files=True,
        key=f"uploader_{generation}",
        max_upload_size=max(1, math.ceil(settings.max_file_mb)),
    )
    if files and st.sidebar.button(text(lang, "upload_button"), type="primary"):
        bar = st.sidebar.progress(0.0, text=text(lang, "ingesting", done=0, total=len(files)))

        def progress(stage: str, done: int, total: int) -> None:
            if stage == "load" and total:
                label = text(lang, "ingesting", done=done, total=total)
                bar.progress(min(done / total, 1.0), text=label)
            elif stage == "embed":
                bar.progress(1.0, text=text(lang, "embedding"))

        uploads = [session.Upload(f.name, f.getvalue()) for f in files]
        try:
            report, ok = session.ingest_uploads(engine, uploads, _refusal(settings, lang), progress)
        except Exception as exc:  # the page must stay up; nothing stored is touched
            st.session_state.ingest_result = {"error": f"{type(exc).__name__}: {exc}"}
        else:
            st.session_state.ingest_result = {"report": report.to_dict(), "ok": ok}
            st.session_state.uploader_generation = generation + 1
        bar.empty()
        st.rerun()
    _ingest_result(lang)


def _ingest_result(lang: str) -> None:
    result = st.session_state.get("ingest_result")
    if not result:
        return
    if "error" in result:
        st.sidebar.error(text(lang, "ingest_error", error=result["error"]))
        return
    report = result["report"]
    summary = text(
        lang,
        "ingest_done",
        added=report["added"],
        updated=report["updated"],
        unchanged=report["unchanged"],
        failed=len(report["failed"]),
        seconds=report["seconds"],
    )
    lines = [text(lang, "file_ok", name=name) for name in result["ok"]]
    lines += [
        text(lang, "file_failed", name=Path(f["path"]).name, reason=ingest_reason(lang, f["error"]))
        for f in report["failed"]
    ]
    box = st.sidebar.warning if report["failed"] else st.sidebar.success
    box(summary + "\n\n" + "\n".join(f"- {rendering.escape_markdown(line)}" for line in lines))


def _start_new_thread() -> None:
    st.session_state[THREAD_KEY] = NEW_THREAD


def _delete_thread(registry: ThreadRegistry, thread_id: str) -> None:
    registry.delete(thread_id)
    st.session_state[THREAD_KEY] = NEW_THREAD


def _rename_thread(registry: ThreadRegistry, thread_id: str) -> None:
    registry.rename(thread_id, st.session_state.get(f"rename_{thread_id}", ""))


def _threads(registry: ThreadRegistry, collection: str, lang: str) -> str | None:
    """Pick, start, rename or delete a conversation; returns the current thread id."""
    st.sidebar.subheader(text(lang, "threads"))
    pending = st.session_state.pop(PENDING_THREAD_KEY, None)
    if pending is not None:
        st.session_state[THREAD_KEY] = pending
    listed = registry.list(collection)
    names = {t.thread_id: t.name for t in listed}
    options = [NEW_THREAD, *names]
    if st.session_state.get(THREAD_KEY) not in options:
        st.session_state[THREAD_KEY] = NEW_THREAD
    st.sidebar.button(
        text(lang, "new_thread"), icon="➕", on_click=_start_new_thread, width="stretch"
    )
    current = st.sidebar.selectbox(
        text(lang, "thread"),
        options,
        key=THREAD_KEY,
        format_func=lambda tid: names.get(tid, text(lang, "current_new")),
    )
    if not current:
        if not listed:
            st.sidebar.caption(text(lang, "no_threads"))
        return None
    with st.sidebar.expander(text(lang, "rename")):
        st.text_input(text(lang, "rename"), value=names[current], key=f"rename_{current}")
        st.button(
            text(lang, "rename_button"),
            on_click=_rename_thread,
            args=(registry, current),
            key=f"rename_button_{current}",
        )
    st.sidebar.button(
        text(lang, "delete"),
        icon="🗑️",
        on_click=_delete_thread,
        args=(registry, current),
        key=f"delete_{current}",
    )
    usage = registry.usage(current)
    st.sidebar.caption(text(lang, "usage_thread", usage=rendering.usage_text(usage, lang)))
    return current


def sidebar(lang: str) -> Choice:
    """Draw the sidebar and return the settings, engine and thread the chat should use."""
    base = Settings()
    settings = _collection(base, lang)
    model, fallback = _models(settings, lang)
    engine = session.engine(str(settings.home), settings.collection, model, fallback)
    try:
        stats = session.counts(engine.rag)
    except IndexMismatchError as exc:  # built with another model: say how to reindex
        st.error(text(lang, "model_mismatch", error=str(exc)), icon="⚠️")
        st.stop()
    st.sidebar.caption(text(lang, "collection_stats", **stats))
    _uploads(engine, settings, lang)
    registry = ThreadRegistry(settings.home)
    thread_id = _threads(registry, settings.collection, lang)
    return Choice(lang, settings, engine, registry, thread_id, stats["documents"], stats["chunks"])
