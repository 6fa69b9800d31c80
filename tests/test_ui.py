"""The Streamlit UI, driven through ``streamlit.testing.v1.AppTest`` and its pure parts.

The sample documents are ingested once per module; each test gets its own VERAZ_HOME
whose ``collections`` and ``cache`` folders link to that shared index, so threads and
uploads of one test never show up in another while nothing is embedded twice.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from wire.base import refused_url

from agent import Veraz
from agent.samples import samples_dir
from agent.types import Answer, Citation, Step, Usage, Verification
from ui import rendering
from ui.launch import streamlit_command, ui_environment
from ui.texts import TEXTS, preferred_language
from ui.threads import ThreadRegistry

APP = Path(__file__).resolve().parent.parent / "ui" / "app.py"
QUESTION_ES = "¿Cuánta memoria necesita QLoRA para ajustar un modelo de 65B?"
OFF_TOPIC_ES = "¿Quién ganó el mundial de fútbol de 1930?"


@pytest.fixture(scope="module")
def shared_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("ui_shared")
    rag = Veraz(home=home, collection="default")
    report = rag.ingest([samples_dir()])
    rag.close()
    assert not report.failed
    return home


@pytest.fixture
def home(shared_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    own = tmp_path / "home"
    own.mkdir()
    (own / "collections").mkdir()
    (own / "collections" / "default").symlink_to(shared_home / "collections" / "default")
    (own / "cache").symlink_to(shared_home / "cache")
    monkeypatch.setenv("VERAZ_HOME", str(own))
    for name in ("VERAZ_COLLECTION", "VERAZ_MODEL", "VERAZ_FALLBACK_MODEL", "VERAZ_MAX_FILE_MB"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no veraz.toml or .env from the checkout
    return own


def app(locale: str = "es-ES") -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.context["locale"] = locale
    return at.run()


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question)
    return at.run()


def all_markdown(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


def assistant_text(at: AppTest) -> str:
    messages = [m for m in at.chat_message if m.name == "assistant"]
    assert messages, "no assistant message"
    return "\n".join(m.value for m in messages[-1].markdown)


def sidebar_button(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    return next(b for b in at.sidebar.button if b.label == label)


def no_failure(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


# -- AppTest flows ------------------------------------------------------------------------


def test_ask_shows_streamed_cited_verified_answer_in_spanish(home: Path) -> None:
    at = app("es-MX")
    no_failure(at)
    assert at.radio(key="ui_lang").value == "es"
    assert "Respuestas con fuentes" in at.caption[0].value
    at = ask(at, QUESTION_ES)
    no_failure(at)
    assert not at.error
    text = assistant_text(at)
    assert "48 GB" in text
    assert ":green-badge[verificada]" in text
    # numbered citations, each naming the file and page, with the sentence highlighted
    assert "[1] lora_qlora.es.pdf · p. " in text
    passages = [h.proto.body for h in at.get("html")]
    assert passages and any('<mark class="veraz-support">' in p for p in passages)
    assert any("48 GB" in p.split("<mark")[1] for p in passages if "<mark" in p)
    # the trace: nodes with timings
    trace = [e for e in at.expander if e.label == "Recorrido del grafo"]
    assert trace
    assert "`recuperar`" in "\n".join(m.value for m in trace[0].markdown)
    # the model registry speaks Spanish too (it used to say "embedded: answers by quoting")
    captions = " ".join(c.value for c in at.sidebar.caption)
    assert "integrado: responde citando" in captions
    assert "embedded" not in captions


def test_english_browser_gets_english_ui_and_can_switch(home: Path) -> None:
    at = app("en-GB")
    assert at.radio(key="ui_lang").value == "en"
    assert at.chat_input[0].placeholder.startswith("Ask something")
    at.radio(key="ui_lang").set_value("es").run()
    assert at.chat_input[0].placeholder.startswith("Pregunta algo")


def test_abstention_is_shown_as_such_not_as_an_error(home: Path) -> None:
    at = ask(app(), OFF_TOPIC_ES)
    no_failure(at)
    assert not at.error
    text = assistant_text(at)
    assert "No encuentro" in text
    assert ":orange-badge[sin respuesta en los documentos]" in text
    assert any("no encontró la respuesta" in i.value for i in at.info)


def test_threads_new_switch_rename_delete(home: Path) -> None:
    at = ask(app(), QUESTION_ES)
    first = at.selectbox(key="thread_choice").value
    assert first
    sidebar_button(at, "Nueva conversación").click().run()
    assert at.selectbox(key="thread_choice").value == ""
    at = ask(at, OFF_TOPIC_ES)
    second = at.selectbox(key="thread_choice").value
    assert second and second != first
    assert "No encuentro" in assistant_text(at)

    at.selectbox(key="thread_choice").set_value(first).run()  # resume the first thread
    no_failure(at)
    users = [m for m in at.chat_message if m.name == "user"]
    assert [u.markdown[0].value for u in users] == [QUESTION_ES]
    assert ":green-badge[verificada]" in assistant_text(at)

    at.text_input(key=f"rename_{first}").set_value("Memoria de QLoRA").run()
    at.button(key=f"rename_button_{first}").click().run()
    registry = ThreadRegistry(home)
    assert registry.get(first).name == "Memoria de QLoRA"  # type: ignore[union-attr]

    at.selectbox(key="thread_choice").set_value(second).run()
    at.button(key=f"delete_{second}").click().run()
    no_failure(at)
    assert registry.get(second) is None
    assert [t.thread_id for t in registry.list()] == [first]
    with sqlite3.connect(home / "threads.sqlite") as db:
        kept = {row[0] for row in db.execute("SELECT DISTINCT thread_id FROM checkpoints")}
    assert first in kept and second not in kept


def test_upload_good_corrupt_unsupported_and_oversized(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VERAZ_COLLECTION", "subidas")
    monkeypatch.setenv("VERAZ_MAX_FILE_MB", "0.01")  # 10 KiB
    at = app()
    no_failure(at)
    assert any("está vacía" in i.value for i in at.info)
    assert at.chat_input[0].disabled

    good = (
        b"El proyecto Albatros mide la salinidad del lago Titicaca cada martes desde 2019.\n"
        b"Los datos se publican en un informe trimestral."
    )
    at.sidebar.file_uploader[0].set_value(
        [
            ("albatros.txt", good, "text/plain"),
            ("roto.pdf", b"%PDF-1.7\n this is not a pdf \x00\x01", "application/pdf"),
            ("programa.exe", b"MZ\x90\x00", "application/octet-stream"),
            ("enorme.txt", b"palabra " * 4000, "text/plain"),
        ]
    )
    at.run()
    sidebar_button(at, "Añadir a la colección").click().run()
    no_failure(at)
    results = "\n".join(w.value for w in at.sidebar.warning)
    assert "✅ albatros.txt" in results
    assert "❌ roto.pdf: no es un PDF válido" in results  # ingestion's reason, in Spanish
    assert "❌ programa.exe: tipo de archivo no admitido" in results
    assert "❌ enorme.txt: pesa" in results and "el máximo es" in results
    assert "1 documentos" in " ".join(c.value for c in at.sidebar.caption)
    assert not any("está vacía" in i.value for i in at.info)
    assert not (home / "uploads" / "subidas" / "programa.exe").exists()

    # A second upload that fails loses nothing already ingested.
    at.sidebar.file_uploader[0].set_value(("roto2.pdf", b"%PDF-1.4 broken", "application/pdf"))
    at.run()
    sidebar_button(at, "Añadir a la colección").click().run()
    assert "❌ roto2.pdf" in "\n".join(w.value for w in at.sidebar.warning)
    assert "1 documentos" in " ".join(c.value for c in at.sidebar.caption)

    at = ask(at, "¿Cada cuánto mide el proyecto Albatros la salinidad?")
    no_failure(at)
    text = assistant_text(at)
    assert "martes" in text and "albatros.txt" in text


def test_a_new_user_uploads_a_pdf_and_asks_in_spanish(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's "done when": upload a PDF, ask in Spanish, get a cited, verified answer."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(
        0,
        8,
        "Informe del observatorio Condor\n\n"
        "El observatorio Condor registra la temperatura del glaciar Perito Moreno cada "
        "domingo desde 2016. Los registros se guardan en una base de datos abierta.",
    )
    path = tmp_path / "condor.pdf"
    pdf.output(str(path))
    monkeypatch.setenv("VERAZ_COLLECTION", "nuevo")
    at = app()
    at.sidebar.file_uploader[0].set_value(("condor.pdf", path.read_bytes(), "application/pdf"))
    at.run()
    sidebar_button(at, "Añadir a la colección").click().run()
    no_failure(at)
    assert "✅ condor.pdf" in "\n".join(w.value for w in at.sidebar.success)
    at = ask(at, "¿Cada cuánto registra el observatorio Condor la temperatura del glaciar?")
    no_failure(at)
    text = assistant_text(at)
    assert "domingo" in text and "condor.pdf" in text
    assert ":green-badge[verificada]" in text


def test_unreachable_model_is_flagged_and_the_fallback_answers(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VERAZ_MODEL", "ollama:nothing")
    monkeypatch.setenv("OLLAMA_HOST", refused_url())
    monkeypatch.setenv("VERAZ_MODEL_ATTEMPTS", "1")
    at = app()
    no_failure(at)
    flagged = [e.value for e in at.sidebar.error]
    assert any("no disponible" in e and "respaldo" in e for e in flagged), flagged
    assert any("no hay servidor de Ollama" in e for e in flagged), flagged
    at = ask(at, QUESTION_ES)
    no_failure(at)
    text = assistant_text(at)
    assert "48 GB" in text
    notes = [w.value for w in at.warning if "modelo de respaldo" in w.value]
    assert notes and "extractive" in notes[0]
    assert "el modelo principal falló (sin conexión con el servidor)" in notes[0]
    assert not [e for e in at.main.error]


# -- pure parts ---------------------------------------------------------------------------


def _answer(**changes: object) -> Answer:
    base = Answer(
        question="q",
        answer="QLoRA fits a 65B model on one 48 GB GPU. [1] It is cheap. [2]",
        language="en",
        abstained=False,
        route="retrieve",
        model="extractive",
        fallback_used=False,
        citations=[
            Citation(
                1, "c1", "/d/a.pdf", 3, "Title\n\nQLoRA fits a 65B model on one 48 GB GPU.", 1
            ),
            Citation(2, "c2", "/d/b.md", None, "Nothing related at all here.", 1),
        ],
        verification=Verification(True, 1.0, [], "offline"),
        steps=[Step("decompose", 1.5, {"sub_questions": ["What is A?", "What is B?"]})],
        usage=Usage(1200, 34, 0.00042),
    )
    for key, value in changes.items():
        setattr(base, key, value)
    return base


def test_badge_has_the_cli_verdicts() -> None:
    assert rendering.badge(_answer(), "en").kind == "verified"
    partly = _answer(verification=Verification(True, 0.6, ["It is cheap."], "offline"))
    assert rendering.badge(partly, "en").label == "partly verified"
    bad = _answer(verification=Verification(False, 0.2, ["x"], "offline"))
    assert rendering.badge(bad, "es").markdown("es") == ":red-badge[sin verificar] puntuación 0.20"
    assert rendering.badge(_answer(abstained=True), "en").kind == "abstained"


def test_supporting_sentence_is_highlighted_and_escaped() -> None:
    answer = _answer()
    first, second = answer.citations
    sentence = rendering.supporting_sentence(answer.answer, first)
    assert sentence == "QLoRA fits a 65B model on one 48 GB GPU."
    assert rendering.supporting_sentence(answer.answer, second) is None
    marked = rendering.highlighted_passage("a <b> " + sentence, sentence)
    assert marked.startswith("a &lt;b&gt; <mark")


def test_paraphrase_finds_the_closest_passage_sentence() -> None:
    citation = Citation(
        1, "c", "/a.pdf", 1, "Intro.\n\nQLoRA fits a 65B model on one 48 GB GPU with NF4. Else.", 1
    )
    said = "With QLoRA a 65B model fits on a single 48 GB GPU [1]."
    assert rendering.supporting_sentence(said, citation) == (
        "QLoRA fits a 65B model on one 48 GB GPU with NF4."
    )


def test_trace_usage_and_labels() -> None:
    answer = _answer()
    trace = rendering.trace_markdown(answer.steps, "en")
    assert "What is A?; What is B?" in trace and "`decompose`" in trace
    assert rendering.usage_text(answer.usage, "en") == "1,200 + 34 tokens · $0.0004"
    unpriced = Usage(10, 2, 0.0, estimated=True, priced=False)
    assert rendering.usage_text(unpriced, "es").endswith("coste desconocido (modelo sin precio)")
    cited = dataclasses.replace(answer.citations[0], section="Memoria")
    assert rendering.source_label(cited, "es") == "[1] a.pdf · p. 3 · sección «Memoria»"
    assert rendering.escape_markdown("cuesta $5") == "cuesta \\$5"


def test_texts_in_both_languages_and_browser_preference() -> None:
    assert TEXTS["es"].keys() == TEXTS["en"].keys()
    assert preferred_language("es-AR") == "es"
    assert preferred_language("es") == "es"
    assert preferred_language("en-US") == "en"
    assert preferred_language(None) == "en"


def test_launch_binds_to_localhost_and_passes_home(tmp_path: Path) -> None:
    command = streamlit_command(8765)
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    assert command[command.index("--server.port") + 1] == "8765"
    assert command[command.index("--server.headless") + 1] == "true"
    assert command[command.index("--browser.gatherUsageStats") + 1] == "false"
    assert ui_environment(tmp_path)["VERAZ_HOME"] == str(tmp_path.resolve())


def test_every_common_ingestion_reason_reads_in_spanish(tmp_path: Path) -> None:
    """Real refusals from the real pipeline, each worded by the Spanish table."""
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "vacio.txt").write_bytes(b"")
    (bad / "binario.txt").write_bytes(bytes(range(256)) * 8)
    (bad / "roto.pdf").write_bytes(b"%PDF-1.7\n not a pdf")
    (bad / "roto.docx").write_bytes(b"not a zip at all")
    (bad / "video.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    (bad / "enorme.md").write_text("palabra " * 200_000, encoding="utf-8")
    rag = Veraz(home=tmp_path / "home", max_file_mb=1)
    reasons = [f.error for f in rag.ingest([bad]).failed]
    assert len(reasons) == 6
    from ui.texts import ingest_reason

    for reason in reasons:
        assert ingest_reason("es", reason) != reason, f"no Spanish for: {reason}"
        assert ingest_reason("en", reason) == reason
