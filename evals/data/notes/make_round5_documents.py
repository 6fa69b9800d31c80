"""Writes round 5's binary documents (DOCX, PDF, PPTX) of the notes set.

Kept beside the data so a reader can see their text without Word: run it from the
repository root (``python evals/data/notes/make_round5_documents.py``) and it rewrites
``docs/informe_destilacion.docx``, ``docs/reading_notes_speculative.pdf`` and
``docs/kickoff_asistente.pptx``. The committed files are what the benchmark reads.
"""

from __future__ import annotations

from pathlib import Path

DOCS = Path(__file__).parent / "docs"


def write_docx(path: Path) -> None:
    """A lab report as people write them in Word: headings, a bullet list, a real table."""
    from docx import Document

    doc = Document()
    doc.core_properties.author = "Laura Méndez"
    doc.add_heading("Informe de laboratorio: destilación de un clasificador de intenciones", 0)
    doc.add_paragraph("Autora: Laura Méndez · Laboratorio de PLN · 14 de octubre de 2024")
    doc.add_heading("1. Objetivo", 1)
    doc.add_paragraph(
        "Reducir la latencia del clasificador de intenciones del chatbot de soporte sin "
        "perder más de dos puntos de exactitud. El modelo actual (el profesor) es "
        "demasiado lento para la CPU de los servidores de atención."
    )
    doc.add_heading("2. Configuración", 1)
    for item in (
        "Profesor: XLM-RoBERTa large ajustado (560M parámetros).",
        "Alumno: MiniLM-L12 multilingüe (118M parámetros).",
        "Temperatura de destilación T = 4; α = 0,7 (peso de la pérdida de destilación).",
        "5 épocas, lote de 64, tasa de aprendizaje 5e-5.",
        "Datos: 48.000 consultas etiquetadas en 23 intenciones.",
    ):
        doc.add_paragraph(item, style="List Bullet")
    doc.add_heading("3. Resultados", 1)
    doc.add_paragraph("Tabla 1. Exactitud en el conjunto de prueba y latencia en CPU (lote 1).")
    rows = (
        ("Modelo", "Parámetros", "Exactitud", "Latencia CPU (ms)"),
        ("Profesor (XLM-R large)", "560M", "94,1 %", "310"),
        ("Alumno sin destilar", "118M", "89,0 %", "42"),
        ("Alumno destilado", "118M", "92,6 %", "42"),
        ("Alumno destilado + int8", "118M", "92,1 %", "17"),
    )
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    doc.add_heading("4. Conclusiones", 1)
    doc.add_paragraph(
        "La destilación recupera 3,6 de los 5,1 puntos que el alumno pierde frente al "
        "profesor. Proponemos desplegar el alumno destilado cuantizado a int8 (pierde "
        "medio punto más, que aceptamos) porque es 18 veces más rápido que el profesor."
    )
    doc.add_heading("5. Pendiente", 1)
    for item in (
        "Repetir la prueba con las 4 intenciones nuevas de facturación.",
        "Medir la latencia en la máquina de producción (Xeon Silver 4310).",
    ):
        doc.add_paragraph(item, style="List Number")
    doc.save(str(path))


def write_pdf(path: Path) -> None:
    """Reading notes typeset as a one-page PDF: a summary, a table, a footnote, references."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    story = [
        Paragraph("Reading notes: Fast Sampling with Draft Models", styles["Title"]),
        Paragraph("Notes by K. Osei for the inference reading group, 7 May 2024", styles["Italic"]),
        Paragraph("Paper", styles["Heading2"]),
        Paragraph(
            "Adeyemi, T. and Liu, M. (2023). <i>Fast Sampling with Draft Models</i>. "
            "Proceedings of the Workshop on Efficient Inference.",
            styles["Normal"],
        ),
        Paragraph("Summary", styles["Heading2"]),
        Paragraph(
            "A small draft model proposes several tokens and the large target model checks "
            "them all in one forward pass; tokens are accepted left to right until the "
            "first disagreement, so the output distribution is exactly the target's. In "
            "their setup the draft proposes gamma = 5 tokens per step.",
            styles["Normal"],
        ),
        Paragraph("Results we discussed", styles["Heading2"]),
        Table(
            [
                ["Target", "Draft", "Acceptance rate", "Speedup*"],
                ["Kestrel-70B", "Wren-1B", "0.71", "2.3x"],
                ["Kestrel-13B", "Wren-160M", "0.64", "1.9x"],
            ],
            style=TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ]
            ),
        ),
        Spacer(1, 6),
        Paragraph(
            "* Measured with batch size 1 and greedy decoding on one A100. With "
            "temperature 1.0 the speedup for Kestrel-70B drops to 1.6x, because fewer "
            "draft tokens are accepted.",
            styles["Normal"],
        ),
        Paragraph("Open questions", styles["Heading2"]),
        Paragraph(
            "Nobody in the group could tell whether the draft model was distilled from "
            "the target or trained separately; the paper does not say. Rui thinks the "
            "gains shrink at batch sizes above 8.",
            styles["Normal"],
        ),
        Paragraph("References", styles["Heading2"]),
        Paragraph(
            "[1] Adeyemi, T. and Liu, M. (2023). Fast Sampling with Draft Models.",
            styles["Normal"],
        ),
        Paragraph(
            "[2] Leviathan, Y., Kalman, M. and Matias, Y. (2023). Fast Inference from "
            "Transformers via Speculative Decoding. ICML.",
            styles["Normal"],
        ),
    ]
    title = "Reading notes: Fast Sampling with Draft Models"
    SimpleDocTemplate(str(path), pagesize=A4, title=title).build(story)


def write_pptx(path: Path) -> None:
    """A kick-off deck: title slide, bullet slides, a table slide and speaker notes."""
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    title = deck.slides.add_slide(deck.slide_layouts[0])
    title.shapes.title.text = "Kickoff: asistente de soporte interno"
    title.placeholders[1].text = "Proyecto Atlas · enero 2025"

    def bullets(heading: str, lines: list[str], notes: str = "") -> None:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = heading
        body = slide.placeholders[1].text_frame
        body.text = lines[0]
        for line in lines[1:]:
            body.add_paragraph().text = line
        if notes:
            slide.notes_slide.notes_text_frame.text = notes

    bullets(
        "Objetivos",
        [
            "Responder el 60 % de los tickets de nivel 1 sin intervención humana",
            "Primera respuesta en menos de 30 s",
            "Citar siempre el artículo de la base de conocimiento",
        ],
    )
    bullets(
        "Arquitectura",
        [
            "Modelo: Mistral-7B-Instruct servido con vLLM en una L4",
            "Índice: pgvector con 40.000 artículos de la base de conocimiento",
            "Reranker: bge-reranker-v2-m3 sobre los 20 primeros resultados",
        ],
        notes="Si vLLM no cabe en la L4, el plan B es llama.cpp con Q4_K_M.",
    )
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    slide.shapes.title.text = "Calendario"
    rows = (("Fase", "Fin"), ("Piloto con 20 agentes", "28 feb"), ("Despliegue general", "30 abr"))
    shape = slide.shapes.add_table(len(rows), 2, Inches(1), Inches(2), Inches(6), Inches(1.5))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            shape.table.cell(r, c).text = value
    bullets(
        "Riesgos",
        [
            "Artículos desactualizados: el 15 % no se revisa desde 2022",
            "Picos de carga los lunes por la mañana",
        ],
    )
    deck.save(str(path))


if __name__ == "__main__":
    write_docx(DOCS / "informe_destilacion.docx")
    write_pdf(DOCS / "reading_notes_speculative.pdf")
    write_pptx(DOCS / "kickoff_asistente.pptx")
