"""Tests for ingestion.loaders and the modules it relies on (language, OCR, offline unstructured).

Every fixture document is built on the spot in tmp_path, so the tests show exactly what input
produces what output, and nothing is downloaded.
"""

from __future__ import annotations

import io
import os
import threading
import time
from collections.abc import Sequence
from email.message import EmailMessage
from pathlib import Path

import pytest
from file_permissions import permissions_enforced

import ingestion.loaders as loaders_module
from ingestion import ocr
from ingestion.language import detect_language
from ingestion.loaders import (
    SUPPORTED_EXTENSIONS,
    LoadedDocument,
    LoaderError,
    Section,
    load_document,
)
from ingestion.unstructured_offline import ensure_offline_unstructured

DEJAVU_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/share/fonts/dejavu"),
)

ES_PARAGRAPH = (
    "La adaptación de bajo rango congela los pesos del modelo preentrenado y entrena "
    "matrices pequeñas en su lugar, lo que reduce mucho la memoria necesaria."
)
EN_PARAGRAPH = (
    "Low-rank adaptation freezes the weights of the pretrained model and trains small "
    "matrices instead, which greatly reduces the memory that is needed."
)


needs_tesseract = pytest.mark.skipif(
    not ocr.tesseract_available(),
    reason="tesseract with spa/eng data not installed "
    "(apt-get install tesseract-ocr tesseract-ocr-spa)",
)


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing here may reach a model hub; conftest sets this too, this keeps the file honest."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def _dejavu(name: str) -> Path | None:
    return next((d / name for d in DEJAVU_DIRS if (d / name).is_file()), None)


# --------------------------------------------------------------------------- fixture builders


def _new_pdf(title: str | None = None) -> tuple[object, str]:
    """An FPDF with a Unicode TTF (DejaVu) when the system has one, else core Helvetica.

    Helvetica covers Latin-1, which is enough for the Spanish text used here.
    """
    from fpdf import FPDF

    pdf = FPDF()
    if title:
        pdf.set_title(title)
    regular, bold = _dejavu("DejaVuSans.ttf"), _dejavu("DejaVuSans-Bold.ttf")
    if regular and bold:
        pdf.add_font("dejavu", fname=str(regular))
        pdf.add_font("dejavu", style="B", fname=str(bold))
        return pdf, "dejavu"
    return pdf, "helvetica"


Block = tuple[str, str]
"""(kind, text); kind is "h1" (large), "h2" (bold), "p", or "top"/"bottom" (page margins)."""


def make_pdf(path: Path, pages: Sequence[Sequence[Block]], *, title: str | None = None) -> Path:
    pdf, family = _new_pdf(title)
    pdf.set_margins(20, 30, 20)  # realistic margins: body text starts 3 cm from the top
    pdf.set_auto_page_break(True, margin=25)
    for blocks in pages:
        pdf.add_page()
        for kind, text in blocks:
            if kind in ("top", "bottom"):  # running head / footer in the page margin
                y = pdf.get_y()
                pdf.set_auto_page_break(False)
                pdf.set_y(8 if kind == "top" else -12)
                pdf.set_font(family, size=8)
                pdf.cell(text=text)
                pdf.set_auto_page_break(True, margin=25)
                pdf.set_y(max(y, 30))
            elif kind == "h1":
                pdf.set_font(family, size=20)
                pdf.cell(text=text)
                pdf.ln(14)
            elif kind == "h2":
                pdf.set_font(family, style="B", size=11)
                pdf.cell(text=text)
                pdf.ln(8)
            else:
                # 5 mm lines for 11 pt type (~1.3x): the usual single spacing, which pdfminer
                # keeps in one text box. Much looser spacing splits a paragraph into lines.
                pdf.set_font(family, size=11)
                pdf.multi_cell(0, 5, text=text)
                pdf.ln(4)
    pdf.output(str(path))
    return path


def make_image_pdf(path: Path, lines: Sequence[str], *, text_page_first: str | None = None) -> Path:
    """A PDF whose (last) page is only a picture of ``lines``: what a scanner produces."""
    from PIL import Image, ImageDraw, ImageFont

    font_path = _dejavu("DejaVuSans.ttf")
    font = ImageFont.truetype(str(font_path), 48) if font_path else ImageFont.load_default(size=48)
    image = Image.new("L", (1700, 120 + 100 * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((60, 60 + 100 * i), line, font=font, fill=0)
    png = io.BytesIO()
    image.save(png, format="PNG")

    pdf, family = _new_pdf()
    if text_page_first:
        pdf.add_page()
        pdf.set_font(family, size=11)
        pdf.multi_cell(0, 5, text=text_page_first)
    pdf.add_page()
    pdf.image(png, x=10, y=10, w=190)
    pdf.output(str(path))
    return path


def make_form_xobject_pdf(path: Path, text: str) -> Path:
    """A hand-written PDF whose only text lives inside a form XObject (as some tools emit)."""
    form = f"BT /F1 12 Tf 72 700 Td ({text}) Tj ET".encode("latin-1")
    content = b"q /Fm1 Do Q"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /XObject << /Fm1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /XObject /Subtype /Form /BBox [0 0 612 792] "
        b"/Resources << /Font << /F1 6 0 R >> >> /Length %d >>\nstream\n"
        % len(form)
        + form
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(out)
    return path


def make_pptx(path: Path) -> Path:
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = "Qué es LoRA"
    slide.placeholders[1].text = "Congela los pesos del modelo base"
    slide.notes_slide.notes_text_frame.text = "Notas: explicar la descomposición de rango bajo."

    slide = deck.slides.add_slide(deck.slide_layouts[5])
    slide.shapes.title.text = "Resultados"
    box = slide.shapes.add_textbox(Inches(1), Inches(2), Inches(6), Inches(1))
    box.text_frame.text = "La memoria baja de 80 GB a 24 GB. El rendimiento se mantiene."

    slide = deck.slides.add_slide(deck.slide_layouts[6])  # blank layout: no title placeholder
    box = slide.shapes.add_textbox(Inches(1), Inches(2), Inches(6), Inches(1))
    box.text_frame.text = "Diapositiva sin título con una conclusión final."
    deck.save(str(path))
    return path


def load(path: Path, *, ocr: bool = True) -> LoadedDocument:
    return load_document(path, ocr=ocr)


def load_error(path: Path, *, max_bytes: int = 50 * 1024 * 1024, ocr: bool = True) -> LoaderError:
    """The LoaderError for ``path``, checked to carry the path and a one-line message."""
    with pytest.raises(LoaderError) as info:
        load_document(path, max_bytes=max_bytes, ocr=ocr)
    assert info.value.path == path
    assert "\n" not in str(info.value)
    return info.value


# --------------------------------------------------------------------------- offline unstructured


def test_ensure_offline_unstructured_swaps_spacy_model_for_blank_pipeline() -> None:
    ensure_offline_unstructured()
    ensure_offline_unstructured()  # idempotent
    from unstructured.nlp import tokenize

    nlp = tokenize._get_nlp()
    assert nlp is tokenize._get_nlp()  # cached, like the original
    assert nlp.pipe_names == ["sentencizer"]
    assert os.environ["DO_NOT_TRACK"] == "1"
    assert os.environ["UNSTRUCTURED_DISABLE_NOTICE"] == "1"
    assert tokenize.sent_tokenize("LoRA es eficiente. QLoRA también lo es.") == [
        "LoRA es eficiente.",
        "QLoRA también lo es.",
    ]


def test_ensure_offline_unstructured_is_thread_safe() -> None:
    errors: list[BaseException] = []

    def call() -> None:
        try:
            ensure_offline_unstructured()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    from unstructured.nlp import tokenize

    assert tokenize._get_nlp().pipe_names == ["sentencizer"]


def test_unstructured_html_partition_works_offline() -> None:
    ensure_offline_unstructured()
    from unstructured.partition.html import partition_html

    elements = partition_html(text="<h1>Hola</h1><p>Esto es un párrafo. Tiene dos frases.</p>")
    assert [e.text for e in elements] == ["Hola", "Esto es un párrafo. Tiene dos frases."]


# --------------------------------------------------------------------------- language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("¿Qué es QLoRA?", "es"),
        ("What is LoRA?", "en"),
        ("¿Cómo funciona la cuantización?", "es"),
        ("How does quantization work?", "en"),
        ("compara LoRA y QLoRA", "es"),
        ("compare LoRA and QLoRA", "en"),
        ("¿Cuáles son los resultados principales del artículo?", "es"),
        ("Which datasets were used for the evaluation?", "en"),
        (ES_PARAGRAPH * 3, "es"),
        (EN_PARAGRAPH * 3, "en"),
        ("Der schnelle braune Fuchs springt über den faulen Hund.", "other"),
        ("Le chat est sur la table et il dort tranquillement.", "other"),
        ("这是中文文本，用于测试语言识别。", "other"),
        ("12345 678", "other"),
        ("", "other"),
        ("QLoRA", "other"),
    ],
)
def test_detect_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_detect_language_is_fast_enough_for_every_query() -> None:
    detect_language("warm up the model")
    start = time.perf_counter()
    for _ in range(500):
        detect_language("¿Qué es QLoRA?")
        detect_language(EN_PARAGRAPH * 40)  # long text: only the first 5000 chars are read
    assert time.perf_counter() - start < 2.0


# --------------------------------------------------------------------------- PDF


def test_pdf_sections_pages_titles_and_language(tmp_path: Path) -> None:
    path = make_pdf(
        tmp_path / "guia.pdf",
        [
            [
                ("h1", "Introducción"),
                ("p", ES_PARAGRAPH),
                ("h2", "Motivación"),
                ("p", ES_PARAGRAPH),
            ],
            [
                ("p", "Continúa la motivación en la segunda página."),
                ("h1", "Resultados"),
                ("p", "Los resultados muestran una mejora clara en la eficiencia."),
            ],
        ],
        title="Guía de LoRA",
    )
    doc = load(path)
    assert doc.file_type == "pdf"
    assert doc.title == "Guía de LoRA"  # PDF metadata
    assert doc.language == "es"
    assert [(s.page, s.title) for s in doc.sections] == [
        (1, "Introducción"),
        (1, "Motivación"),
        (2, "Motivación"),  # the heading carries over the page break
        (2, "Resultados"),
    ]
    assert doc.sections[0].text.startswith("Introducción\n\nLa adaptación de bajo rango")
    assert doc.sections[2].text == "Continúa la motivación en la segunda página."
    assert doc.text == "\n\n".join(s.text for s in doc.sections)


def test_pdf_without_metadata_title_uses_first_heading(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "lora.pdf", [[("h1", "Low-Rank Adaptation"), ("p", EN_PARAGRAPH)]])
    doc = load(path)
    assert doc.title == "Low-Rank Adaptation"
    assert doc.language == "en"
    assert doc.sections == [
        Section(text=f"Low-Rank Adaptation\n\n{EN_PARAGRAPH}", page=1, title="Low-Rank Adaptation")
    ]


def test_pdf_joins_hyphenated_line_breaks(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "h.pdf", [[("p", "La optimi-\nzación reduce el coste total.")]])
    assert "La optimización reduce el coste total." in load(path).text


def test_pdf_sentence_cut_by_a_page_break_stays_whole(tmp_path: Path) -> None:
    path = make_pdf(
        tmp_path / "cut.pdf",
        [
            [("h1", "BM25"), ("p", "Sus dos parámetros suelen fijarse en k1 = 1,2, que")],
            [("p", "controla la saturación, y b = 0,75."), ("h1", "Otra sección")],
        ],
    )
    doc = load(path)
    assert "k1 = 1,2, que controla la saturación, y b = 0,75." in doc.sections[0].text
    assert doc.sections[0].page == 1


def test_pdf_drops_page_numbers_and_running_heads(tmp_path: Path) -> None:
    pages = [
        [
            ("top", "Informe anual de modelos"),
            ("p", f"Texto propio de la página {n}. " * 3),
            ("bottom", str(n)),
        ]
        for n in range(1, 5)
    ]
    doc = load(make_pdf(tmp_path / "informe.pdf", pages))
    assert "Informe anual" not in doc.text
    assert [s.text for s in doc.sections] == [
        (f"Texto propio de la página {n}. " * 3).strip() for n in range(1, 5)
    ]


def test_pdf_text_inside_form_xobject_is_not_mistaken_for_a_scan(tmp_path: Path) -> None:
    path = make_form_xobject_pdf(tmp_path / "form.pdf", "Text drawn inside a form XObject.")
    assert load(path, ocr=False).text == "Text drawn inside a form XObject."


def test_pdf_random_bytes_is_not_a_valid_pdf(tmp_path: Path) -> None:
    path = tmp_path / "random.pdf"
    path.write_bytes(os.urandom(4096))
    assert str(load_error(path)).startswith("not a valid PDF: ")


def test_pdf_truncated_is_not_a_valid_pdf(tmp_path: Path) -> None:
    full = make_pdf(tmp_path / "full.pdf", [[("p", EN_PARAGRAPH)], [("p", EN_PARAGRAPH)]])
    path = tmp_path / "truncated.pdf"
    path.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    error = load_error(path)
    assert str(error).startswith("not a valid PDF: ")
    assert "truncated" in str(error)


def test_pdf_blank_page_has_no_text_layer(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "blank.pdf", [[]])
    assert "no text layer" in str(load_error(path, ocr=False))
    assert "no text layer" in str(load_error(path))  # OCR (if any) finds nothing either


def test_pdf_scan_with_ocr_turned_off(tmp_path: Path) -> None:
    path = make_image_pdf(tmp_path / "scan.pdf", ["La optimización de modelos"])
    error = load_error(path, ocr=False)
    assert str(error) == "PDF has no text layer (scanned?) and OCR is turned off"


def test_pdf_scan_without_tesseract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_image_pdf(tmp_path / "scan.pdf", ["La optimización de modelos"])
    monkeypatch.setattr("ingestion.loaders.tesseract_available", lambda: False)
    assert str(load_error(path)) == (
        "PDF has no text layer (scanned?); install tesseract-ocr (and tesseract-ocr-spa) to OCR it"
    )


@needs_tesseract
def test_pdf_scan_is_ocred(tmp_path: Path) -> None:
    path = make_image_pdf(
        tmp_path / "scan.pdf",
        ["La optimización de modelos", "reduce el coste de inferencia."],
    )
    doc = load(path)
    assert [s.page for s in doc.sections] == [1]
    assert "optimizaci" in doc.text.lower()
    assert "coste de inferencia" in doc.text
    assert doc.language == "es"


@needs_tesseract
def test_pdf_ocrs_only_the_image_pages(tmp_path: Path) -> None:
    path = make_image_pdf(
        tmp_path / "mixed.pdf",
        ["Scanned appendix about quantization"],
        text_page_first=EN_PARAGRAPH,
    )
    doc = load(path)
    assert [s.page for s in doc.sections] == [1, 2]
    assert doc.sections[0].text == EN_PARAGRAPH
    assert "appendix about quantization" in doc.sections[1].text


def test_pdf_encrypted_with_user_password(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    plain = make_pdf(tmp_path / "plain.pdf", [[("p", EN_PARAGRAPH)]])
    writer = PdfWriter(clone_from=str(plain))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    path = tmp_path / "locked.pdf"
    writer.write(str(path))
    assert str(load_error(path)) == "PDF is encrypted (password-protected)"


def test_pdf_with_only_an_owner_password_opens(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    plain = make_pdf(tmp_path / "plain.pdf", [[("p", EN_PARAGRAPH)]])
    writer = PdfWriter(clone_from=str(plain))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    path = tmp_path / "restricted.pdf"
    writer.write(str(path))
    assert load(path).text == EN_PARAGRAPH


# --------------------------------------------------------------------------- OCR module


def test_tesseract_unavailable_when_binary_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr.shutil, "which", lambda name: None)
    assert ocr.tesseract_available() is False
    with pytest.raises(ocr.OcrError, match="not installed"):
        ocr.ocr_pdf(b"%PDF-1.4")


@needs_tesseract
def test_ocr_pdf_selected_pages_and_missing_languages(tmp_path: Path) -> None:
    path = make_image_pdf(tmp_path / "scan.pdf", ["Quantization"], text_page_first="Digital")
    pages = ocr.ocr_pdf(path, ["xyz", "eng"], pages=[2], dpi=150)
    assert [number for number, _ in pages] == [2]
    assert "Quantization" in pages[0][1]
    assert ocr.tesseract_available(["xyz"]) is False
    with pytest.raises(ocr.OcrError, match="no language data"):
        ocr.ocr_pdf(path, ["xyz"])


# --------------------------------------------------------------------------- DOCX


def test_docx_sections_lists_tables_and_title(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Guía de ajuste fino", style="Title")
    document.add_heading("Introducción", 1)
    document.add_paragraph(ES_PARAGRAPH)
    document.add_paragraph("Primer paso", style="List Bullet")
    document.add_paragraph("Segundo paso", style="List Bullet")
    document.add_heading("Resultados", 2)
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Memoria"
    table.cell(0, 1).text = "24 GB"
    path = tmp_path / "guia.docx"
    document.save(str(path))

    doc = load(path)
    assert doc.file_type == "docx"
    assert doc.title == "Guía de ajuste fino"
    assert doc.language == "es"
    assert [(s.title, s.page) for s in doc.sections] == [
        ("Introducción", None),  # the document title has no body: it leads the next section
        ("Resultados", None),
    ]
    assert doc.sections[0].text == (
        f"Guía de ajuste fino\n\nIntroducción\n\n{ES_PARAGRAPH}\n\nPrimer paso\nSegundo paso"
    )
    # A table is kept as rows of cells (ingestion/tables.py), not run into one line.
    assert doc.sections[1].text == "Resultados\n\n| Memoria | 24 GB |"


def test_docx_corrupt_and_password_protected(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.docx"
    corrupt.write_bytes(os.urandom(2048))
    assert str(load_error(corrupt)) == "not a valid DOCX file (not a ZIP archive; corrupt?)"

    truncated_zip = tmp_path / "truncated.docx"
    truncated_zip.write_bytes(b"PK\x03\x04" + os.urandom(2048))
    assert str(load_error(truncated_zip)) == (
        "not a valid DOCX file (damaged or truncated ZIP archive)"
    )

    protected = tmp_path / "protected.docx"
    protected.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2048))
    assert "password-protected" in str(load_error(protected))


# --------------------------------------------------------------------------- HTML


def test_html_title_sections_and_boilerplate(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        """<!doctype html><html><head><meta charset="utf-8">
        <title>LoRA &amp; QLoRA explained</title></head><body>
        <header><a href="/">Home</a> | <a href="/blog">Blog</a></header>
        <nav><ul><li><a href="/a">About</a></li></ul></nav>
        <h1>What is LoRA?</h1><p>It freezes the model weights and trains small matrices.</p>
        <h2>And QLoRA?</h2><p>It quantizes the frozen weights to four bits to save memory.</p>
        <footer>Copyright 2024 Example Inc. All rights reserved.</footer>
        </body></html>""",
        encoding="utf-8",
    )
    doc = load(path)
    assert doc.file_type == "html"
    assert doc.title == "LoRA & QLoRA explained"
    assert doc.language == "en"
    assert [s.title for s in doc.sections] == ["What is LoRA?", "And QLoRA?"]
    assert doc.sections[0].text == (
        "What is LoRA?\n\nIt freezes the model weights and trains small matrices."
    )
    for boilerplate in ("Home", "About", "Copyright"):
        assert boilerplate not in doc.text


@pytest.mark.parametrize(
    ("markup", "kept"),
    [
        (
            "<details><summary>What we use</summary><p>Qdrant 1.9 for vectors and "
            "OpenSearch for BM25.</p></details>",
            ["What we use", "Qdrant 1.9 for vectors and OpenSearch for BM25."],
        ),
        (
            "<details open><summary>Lo que usamos</summary>Qdrant 1.9 para los vectores.</details>",
            ["Lo que usamos", "Qdrant 1.9 para los vectores."],
        ),
        (
            '<figure><img src="chart.png"><figcaption>Recall@5 rose from 0.68 to 0.81.'
            "</figcaption></figure>",
            ["Recall@5 rose from 0.68 to 0.81."],
        ),
    ],
)
def test_html_collapsed_blocks_and_captions_are_read(
    tmp_path: Path, markup: str, kept: list[str]
) -> None:
    """unstructured's partitioner drops <details>, <summary> and <figure> with all they
    hold; a blog's "What we use" box was missing from the index."""
    path = tmp_path / "post.html"
    path.write_text(
        f"<html><body><h1>Six months of RAG</h1><p>Before the box.</p>{markup}"
        "<p>After the box.</p></body></html>",
        encoding="utf-8",
    )
    text = load(path).text
    for line in ["Before the box.", *kept, "After the box."]:
        assert line in text
    assert text.index("Before the box.") < text.index(kept[-1]) < text.index("After the box.")


def test_html_dialogs_stay_out_and_do_not_take_over_the_article(tmp_path: Path) -> None:
    """A <dialog> on a saved page is a cookie banner or a pop-up: its heading took the
    article after it as its section when dialogs were read."""
    path = tmp_path / "pricing.html"
    path.write_text(
        "<html><body><h1>Pricing notes</h1><p>Qdrant Cloud costs 300 euros a month.</p>"
        '<dialog id="newsletter"><h2>Subscribe to our newsletter</h2><p>Get 20% off.</p>'
        "</dialog><p>The reranker costs 40 euros a month on Modal.</p></body></html>",
        encoding="utf-8",
    )
    doc = load(path)
    assert "Subscribe" not in doc.text
    assert [s.title for s in doc.sections] == ["Pricing notes"]


def test_html_latin1_with_meta_charset_and_no_title(tmp_path: Path) -> None:
    path = tmp_path / "pagina.htm"
    markup = (
        '<html><head><meta charset="iso-8859-1"></head><body><h1>Optimización</h1>'
        "<p>El año pasado los niños aprendieron qué es la cuantización.</p></body></html>"
    )
    path.write_bytes(markup.encode("latin-1"))
    doc = load(path)
    assert doc.title == "Optimización"
    assert doc.sections[0].text.endswith(
        "El año pasado los niños aprendieron qué es la cuantización."
    )
    assert doc.language == "es"


# --------------------------------------------------------------------------- PPTX


def test_pptx_one_section_per_slide_with_notes(tmp_path: Path) -> None:
    doc = load(make_pptx(tmp_path / "charla.pptx"))
    assert doc.file_type == "pptx"
    assert doc.title == "Qué es LoRA"
    assert doc.language == "es"
    assert [(s.page, s.title) for s in doc.sections] == [
        (1, "Qué es LoRA"),
        (2, "Resultados"),
        (3, "Resultados"),  # no title placeholder: the nearest heading above carries over
    ]
    assert doc.sections[0].text == (
        "Qué es LoRA\n\nCongela los pesos del modelo base\n\n"
        "Notas: explicar la descomposición de rango bajo."
    )
    assert doc.sections[2].text == "Diapositiva sin título con una conclusión final."


def test_pptx_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "broken.pptx"
    path.write_bytes(b"PK\x03\x04" + os.urandom(1024))
    assert str(load_error(path)) == "not a valid PPTX file (damaged or truncated ZIP archive)"


# --------------------------------------------------------------------------- e-mail


def _write_eml(path: Path, subject: str, *, plain: str | None, html_body: str | None) -> Path:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = "Ana García <ana@example.org>"
    message["To"] = "equipo@example.org"
    message["Date"] = "Mon, 03 Jun 2024 10:00:00 +0200"
    if plain is not None:
        message.set_content(plain)
    if html_body is not None:
        if plain is None:
            message.set_content(html_body, subtype="html")
        else:
            message.add_alternative(html_body, subtype="html")
    path.write_bytes(bytes(message))
    return path


def test_eml_plain_text(tmp_path: Path) -> None:
    path = _write_eml(
        tmp_path / "correo.eml", "Resultados de la cuantización", plain=ES_PARAGRAPH, html_body=None
    )
    doc = load(path)
    assert doc.file_type == "eml"
    assert doc.title == "Resultados de la cuantización"
    assert doc.language == "es"
    assert doc.sections[0].text.startswith("Subject: Resultados de la cuantización\nFrom: Ana")
    assert doc.sections[-1] == Section(
        text=ES_PARAGRAPH, page=None, title="Resultados de la cuantización"
    )


def test_eml_html_only_body(tmp_path: Path) -> None:
    path = _write_eml(
        tmp_path / "mail.eml",
        "Weekly report",
        plain=None,
        html_body=f"<html><body><h2>Findings</h2><p>{EN_PARAGRAPH}</p></body></html>",
    )
    doc = load(path)
    assert doc.language == "en"
    assert doc.sections[-1] == Section(
        text=f"Findings\n\n{EN_PARAGRAPH}", page=None, title="Findings"
    )


def test_eml_without_body(tmp_path: Path) -> None:
    path = tmp_path / "empty-body.eml"
    path.write_bytes(b"Subject: nothing here\nFrom: a@example.org\n\n")
    assert "no body" in str(load_error(path))


# --------------------------------------------------------------------------- Markdown


def test_markdown_headings_and_code_fences(tmp_path: Path) -> None:
    path = tmp_path / "notas.md"
    path.write_text(
        "Texto antes de cualquier título.\n\n"
        "# Guía de QLoRA\n"
        "## Instalación ##\n"
        "Instala las dependencias con pip:\n\n"
        "```bash\n# esto es un comentario, no un título\npip install peft\n```\n\n"
        "### Uso\n"
        "Carga el modelo en cuatro bits y entrena los adaptadores.\n"
        "#hashtag no es un título\n",
        encoding="utf-8",
    )
    doc = load(path)
    assert doc.file_type == "md"
    assert doc.title == "Guía de QLoRA"
    assert doc.language == "es"
    assert [s.title for s in doc.sections] == ["", "Instalación", "Uso"]
    assert doc.sections[0].text == "Texto antes de cualquier título."
    assert doc.sections[1].text == (
        "# Guía de QLoRA\n\n## Instalación ##\n\nInstala las dependencias con pip:\n\n"
        "```bash\n# esto es un comentario, no un título\npip install peft\n```"
    )
    assert doc.sections[2].text.endswith("#hashtag no es un título")


# --------------------------------------------------------------------------- plain text


def test_txt_title_whitespace_and_nfc(tmp_path: Path) -> None:
    path = tmp_path / "nota.txt"
    path.write_text(
        "Resumen del proyecto\n\n\n\nEl   modelo  usa\tcuantizacio\u0301n   de cuatro bits.  \n",
        encoding="utf-8",
    )
    doc = load(path)
    assert doc.file_type == "txt"
    assert doc.title == "Resumen del proyecto"
    assert doc.sections == [
        Section(
            text="Resumen del proyecto\n\nEl modelo usa cuantización de cuatro bits.",
            page=None,
            title="",
        )
    ]


def test_txt_long_first_line_falls_back_to_stem(tmp_path: Path) -> None:
    path = tmp_path / "informe-final.txt"
    path.write_text(EN_PARAGRAPH + "\nSecond line.", encoding="utf-8")
    assert load(path).title == "informe-final"


@pytest.mark.parametrize(
    "mojibake",
    [
        "OptimizaciÃ³n de modelos pequeÃ±os",  # UTF-8 read as Latin-1 / cp1252
        "Optimizaci√≥n de modelos peque√±os",  # UTF-8 read as Mac Roman
    ],
)
def test_txt_mojibake_is_repaired(tmp_path: Path, mojibake: str) -> None:
    path = tmp_path / "mojibake.txt"
    path.write_text(mojibake, encoding="utf-8")
    doc = load(path)
    assert doc.text == "Optimización de modelos pequeños"
    assert doc.title == "Optimización de modelos pequeños"


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("latin-1", b""),
        ("cp1252", b""),
        ("utf-16", b""),  # Python writes the BOM itself
        ("utf-8", b"\xef\xbb\xbf"),
    ],
)
def test_txt_encodings(tmp_path: Path, encoding: str, prefix: bytes) -> None:
    text = "El año pasado los niños aprendieron qué es la cuantización. ¿Cuánto cuesta? 5 €"
    if encoding == "latin-1":
        text = text.replace("€", "EUR")
    path = tmp_path / f"{encoding}.txt"
    path.write_bytes(prefix + text.encode(encoding))
    doc = load(path)
    assert doc.text == text
    assert doc.language == "es"


@pytest.mark.parametrize("name", ["notes.text", "UPPER.TXT"])
def test_other_text_extensions_load_as_txt(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("Plain words about adapters and the memory they need.", encoding="utf-8")
    assert load(path).file_type == "txt"


# --------------------------------------------------------------------------- bad input


def test_empty_file(tmp_path: Path) -> None:
    for name in ("empty.txt", "empty.pdf", "empty.docx"):
        path = tmp_path / name
        path.write_bytes(b"")
        assert str(load_error(path)) == "empty file"


def test_whitespace_only_file(tmp_path: Path) -> None:
    for name in ("blank.txt", "blank.md", "blank.html"):
        path = tmp_path / name
        path.write_text("   \n\t\n  \n", encoding="utf-8")
        assert str(load_error(path)) == "no text"


def test_binary_file_named_txt(tmp_path: Path) -> None:
    path = tmp_path / "photo.txt"
    path.write_bytes(bytes(range(256)) * 8)
    assert str(load_error(path)) == "binary content, not text (is this really a .txt file?)"


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("hidden", encoding="utf-8")
    path.chmod(0)
    try:
        with permissions_enforced():
            assert str(load_error(path)) == "cannot read file: permission denied"
    finally:
        path.chmod(0o600)


def test_loader_error_pickles_with_its_path(tmp_path: Path) -> None:
    import pickle

    error = pickle.loads(pickle.dumps(LoaderError(tmp_path / "a.pdf", "empty file")))
    assert (error.path, str(error)) == (tmp_path / "a.pdf", "empty file")


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert str(load_error(tmp_path / "nope.pdf")) == "file not found"
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    assert str(load_error(folder)) == "not a regular file"


def test_unsupported_extension(tmp_path: Path) -> None:
    path = tmp_path / "data.xyz"
    path.write_text("something", encoding="utf-8")
    message = str(load_error(path))
    assert message.startswith("unsupported file type '.xyz' (supported: ")
    for extension in SUPPORTED_EXTENSIONS:
        assert extension in message


def test_oversize_file_is_rejected_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small = tmp_path / "small.txt"
    small.write_text("x" * 2000, encoding="utf-8")
    big = tmp_path / "big.pdf"
    with big.open("wb") as handle:
        handle.truncate(3 * 1024 * 1024)  # sparse: costs no disk
    real_open = os.open

    def must_not_open(path: str | os.PathLike[str], flags: int, *args: int) -> int:
        if Path(path) in (small, big):
            raise AssertionError(f"{path} was opened despite being over the limit")
        return real_open(path, flags, *args)

    monkeypatch.setattr(loaders_module.os, "open", must_not_open)
    assert str(load_error(small, max_bytes=1000)) == (
        "file is 2000 bytes, over the limit of 1000 bytes (VERAZ_MAX_FILE_MB)"
    )
    assert str(load_error(big, max_bytes=1024 * 1024)) == (
        "file is 3 MB, over the limit of 1 MB (VERAZ_MAX_FILE_MB)"
    )


def test_file_that_grows_past_the_limit_after_the_size_check_is_not_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The size is checked again on the open file, and reading stops at the limit."""
    path = tmp_path / "growing.txt"
    path.write_text("pequeño\n", encoding="utf-8")
    real_open = os.open

    def grow_then_open(name: str | os.PathLike[str], flags: int, *args: int) -> int:
        if Path(name) == path:
            with path.open("ab") as handle:
                handle.truncate(8 * 1024 * 1024)
        return real_open(name, flags, *args)

    monkeypatch.setattr(loaders_module.os, "open", grow_then_open)
    assert str(load_error(path, max_bytes=1024 * 1024)) == (
        "file is 8 MB, over the limit of 1 MB (VERAZ_MAX_FILE_MB)"
    )


def test_unexpected_parser_exception_is_wrapped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(path: Path, data: bytes) -> tuple[list[Section], str]:
        raise ValueError("parser blew up\nwith a second line")

    monkeypatch.setitem(loaders_module._LOADERS, "md", explode)
    path = tmp_path / "x.md"
    path.write_text("# Hola", encoding="utf-8")
    assert str(load_error(path)) == (
        "could not read Markdown file: ValueError: parser blew up with a second line"
    )
