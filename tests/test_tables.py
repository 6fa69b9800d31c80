"""Tables in every format: read as rows under their header, chunked by rows, answered by one row.

Every loader that meets a table builds the table model (ingestion/tables.py), written into the
text as a Markdown pipe table, which the answer units read row by row with the header.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest

from agent.tools.answer_units import passage_units
from ingestion.loaders import LoaderError, load_document
from ingestion.loaders.cell_format import format_cell
from ingestion.loaders.delimited import sniff_delimiter
from ingestion.tables import (
    GridCell,
    expand_spans,
    flatten_header,
    guess_header_rows,
    render_table,
    table_from_grid,
)


def rows_of(text: str) -> list[str]:
    """The table rows of ``text`` as the answerer reads them."""
    return [unit.text for unit in passage_units(text) if unit.kind == "row"]


# -- the model -------------------------------------------------------------------------------


def test_merged_header_cells_flatten_to_group_and_column() -> None:
    grid = expand_spans(
        [
            [
                GridCell("Partida", rowspan=2, header=True),
                GridCell("Coste", colspan=2, header=True),
            ],
            [GridCell("2024", header=True), GridCell("2025", header=True)],
            [GridCell("Equipos"), GridCell("45.000 €"), GridCell("12.000 €")],
        ]
    )
    table = table_from_grid(grid)
    assert table is not None
    assert table.header == ("Partida", "Coste › 2024", "Coste › 2025")
    assert table.rows == (("Equipos", "45.000 €", "12.000 €"),)
    assert rows_of(render_table(table)) == [
        "Partida: Equipos · Coste › 2024: 45.000 € · Coste › 2025: 12.000 €"
    ]


def test_a_value_merged_down_belongs_to_every_row_it_covers() -> None:
    grid = expand_spans(
        [
            [GridCell("Sala", header=True), GridCell("Planta", header=True)],
            [GridCell("Norte"), GridCell("1", rowspan=2)],
            [GridCell("Sur")],
        ]
    )
    table = table_from_grid(grid)
    assert table is not None and table.rows == (("Norte", "1"), ("Sur", "1"))


def test_huge_spans_are_clamped() -> None:
    grid = expand_spans([[GridCell("a", colspan=10**9)], [GridCell("b")]])
    assert len(grid[0]) <= 1000


def test_flatten_header_says_a_repeated_level_once() -> None:
    assert flatten_header([["Tipo", "Precio", "Precio"], ["Tipo", "Adulto", "Niño"]]) == (
        "Tipo",
        "Precio › Adulto",
        "Precio › Niño",
    )


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([["Sala", "Plazas"], ["Norte", "40"], ["Sur", "25"]], 1),
        ([["Norte", "40"], ["Sur", "25"]], 0),
        ([["", "Residentes", "No residentes"], ["Bono", "28 €", "40 €"]], 1),
        ([["Partida", "Coste", ""], ["", "2024", "2025"], ["Personal", "1", "2"]], 2),
        ([["Name", "Team"], ["Ana", "Payroll"], ["Luis", "Legal"]], 1),
        ([["2024", "2025"], ["1", "2"]], 0),
    ],
)
def test_header_rows_are_guessed_from_the_text(rows: list[list[str]], expected: int) -> None:
    assert guess_header_rows(rows) == expected


def test_a_gap_in_the_first_header_row_is_a_group_over_the_columns_after_it() -> None:
    table = table_from_grid(
        [["Partida", "Coste", ""], ["", "2024", "2025"], ["Personal", "120.000 €", "135.000 €"]]
    )
    assert table is not None
    assert table.header == ("Partida", "Coste › 2024", "Coste › 2025")


def test_pipes_and_line_breaks_in_a_cell_do_not_break_the_row() -> None:
    table = table_from_grid([["Flag", "Meaning"], ["a|b", "first line\nsecond line"]])
    assert table is not None
    text = render_table(table)
    assert len(text.splitlines()) == 3
    assert rows_of(text) == ["Flag: a\\|b · Meaning: first line second line"]


# -- CSV / TSV -------------------------------------------------------------------------------


def test_csv_from_a_spanish_excel_semicolons_and_windows_1252(tmp_path: Path) -> None:
    path = tmp_path / "salas.csv"
    path.write_bytes(
        "Sala;Plazas;Planta\r\nNorte;40;2\r\nSur;25;1\r\nAñil;12;3\r\n".encode("cp1252")
    )
    document = load_document(path)
    assert document.file_type == "csv"
    assert "Sala: Sur · Plazas: 25 · Planta: 1" in rows_of(document.text)
    assert "Sala: Añil · Plazas: 12 · Planta: 3" in rows_of(document.text)


def test_tsv_and_a_file_without_header(tmp_path: Path) -> None:
    path = tmp_path / "data.tsv"
    path.write_text("Norte\t40\nSur\t25\n", encoding="utf-8")
    assert rows_of(load_document(path).text) == ["Norte · 40", "Sur · 25"]


def test_a_title_line_above_a_csv_table_is_its_caption(tmp_path: Path) -> None:
    path = tmp_path / "precios.csv"
    path.write_text(
        "Precios del museo 2024,,\n,,\nEntrada,Precio,Audioguía\nAdulto,12 €,sí\nNiño,5 €,no\n",
        encoding="utf-8",
    )
    document = load_document(path)
    units = [u for u in passage_units(document.text) if u.kind == "row"]
    assert [u.text for u in units] == [
        "Entrada: Adulto · Precio: 12 € · Audioguía: sí",
        "Entrada: Niño · Precio: 5 € · Audioguía: no",
    ]


@pytest.mark.parametrize(
    ("text", "extension", "delimiter"),
    [
        ("a,b,c\n1,2,3\n", ".csv", ","),
        ("a;b;c\n1,5;2;3\n", ".csv", ";"),
        ("a\tb\n1\t2\n", ".tsv", "\t"),
        ('"Ana, María";Sí\n"Luis";No\n', ".csv", ";"),
    ],
)
def test_delimiter_is_sniffed(text: str, extension: str, delimiter: str) -> None:
    assert sniff_delimiter(text, extension) == delimiter


def test_bad_csv_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "roto.csv"
    path.write_text('a,b\n"' + "x" * (1024 * 1024 + 10) + "\n", encoding="utf-8")
    with pytest.raises(LoaderError) as caught:
        load_document(path)
    assert caught.value.path == path
    assert "not a valid CSV file" in str(caught.value)


# -- XLSX ------------------------------------------------------------------------------------


def _workbook(path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Presupuesto"
    sheet.append(["Presupuesto del proyecto Aurora"])
    sheet.append([])
    sheet.append(["Partida", "Coste", None])
    sheet.append([None, "2024", "2025"])
    sheet.merge_cells("A3:A4")
    sheet.merge_cells("B3:C3")
    sheet.append(["Personal", 120000, 135000])
    sheet.append(["Equipos", 45000.5, 12000])
    for row in sheet.iter_rows(min_row=5, max_row=6, min_col=2, max_col=3):
        for cell in row:
            cell.number_format = '#,##0.00 "€"'
    second = book.create_sheet("Fechas")
    second.append(["Examen", "Fecha", "Aprobados"])
    second.append(["Álgebra", dt.datetime(2025, 1, 12), 0.625])
    second["B2"].number_format = "dd/mm/yyyy"
    second["C2"].number_format = "0.0%"
    hidden = book.create_sheet("Listas")
    hidden.append(["oculto", "no"])
    hidden.sheet_state = "hidden"
    book.save(str(path))


def test_xlsx_sheets_are_sections_with_merged_headers_and_formats(tmp_path: Path) -> None:
    path = tmp_path / "libro.xlsx"
    _workbook(path)
    document = load_document(path)
    assert document.file_type == "xlsx"
    titles = [s.title for s in document.sections]
    assert "Presupuesto" in titles and "Fechas" in titles and "Listas" not in titles
    rows = rows_of(document.text)
    assert "Partida: Equipos · Coste › 2024: 45,000.50 € · Coste › 2025: 12,000.00 €" in rows
    assert "Examen: Álgebra · Fecha: 12/01/2025 · Aprobados: 62.5%" in rows
    assert "oculto" not in document.text


def test_xlsx_formulas_give_their_cached_values(tmp_path: Path) -> None:
    # A formula cell as Excel saves it: the formula and the value it last showed.
    path = tmp_path / "formulas.xlsx"
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Concepto", "Importe"])
    sheet.append(["Base", 100])
    sheet.append(["Total", "=B2*1.21"])
    book.save(str(path))
    _set_cached_value(path, "B3", "121")
    rows = rows_of(load_document(path).text)
    assert "Concepto: Total · Importe: 121" in rows


def _set_cached_value(path: Path, ref: str, value: str) -> None:
    """Write the value Excel would have cached next to the formula of ``ref``."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    start = sheet.index(f'r="{ref}"')
    end = sheet.index("</f>", start) + len("</f>")
    sheet = sheet[:end] + f"<v>{value}</v>" + sheet[end:]
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def test_bad_xlsx_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "roto.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(LoaderError) as caught:
        load_document(path)
    assert caught.value.path == path and "XLSX" in str(caught.value)


@pytest.mark.parametrize(
    ("value", "fmt", "shown"),
    [
        (1234.5, "#,##0.00", "1,234.50"),
        (0.125, "0.0%", "12.5%"),
        (12, '0 "€"', "12 €"),
        (1234.5, "[$€-C0A] #,##0.00", "€ 1,234.50"),
        (-5, "0;(0)", "(5)"),
        (3.0, "General", "3"),
        (dt.datetime(2025, 3, 7, 9, 5), "dd/mm/yyyy hh:mm", "07/03/2025 09:05"),
        (dt.datetime(2025, 3, 7), "d mmmm yyyy", "7 March 2025"),
        (dt.datetime(2025, 3, 7), "[$-es-ES]d mmmm yyyy", "7 marzo 2025"),
        (45658, "dd/mm/yy", "01/01/25"),
        (None, "0.00", ""),
        ("texto", "0.00", "texto"),
    ],
)
def test_cells_are_written_as_the_sheet_shows_them(value: object, fmt: str, shown: str) -> None:
    assert format_cell(value, fmt) == shown


# -- ODS -------------------------------------------------------------------------------------


def _ods(path: Path, sheets: dict[str, str]) -> None:
    tables = "".join(
        f'<table:table table:name="{name}">{rows}</table:table>' for name, rows in sheets.items()
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
        f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)


def _cell(text: str, extra: str = "") -> str:
    return f"<table:table-cell{extra}><text:p>{text}</text:p></table:table-cell>"


def test_ods_sheets_merged_cells_and_repeated_rows(tmp_path: Path) -> None:
    path = tmp_path / "hoja.ods"
    header = (
        "<table:table-row>"
        + _cell("Tipo", ' table:number-rows-spanned="2"')
        + _cell("Precio", ' table:number-columns-spanned="2"')
        + "<table:covered-table-cell/></table:table-row><table:table-row>"
        + "<table:covered-table-cell/>"
        + _cell("Adulto")
        + _cell("Niño")
        + "</table:table-row>"
    )
    body = (
        "<table:table-row>"
        + _cell("Museo")
        + _cell("12,00 €")
        + _cell("5,00 €")
        + "</table:table-row>"
    )
    body += (
        '<table:table-row table:number-rows-repeated="2">'
        + _cell("Igual")
        + _cell("1")
        + _cell("2")
        + "</table:table-row>"
    )
    empty = (
        '<table:table-row table:number-rows-repeated="1048000">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    )
    _ods(
        path,
        {
            "Precios": header + body + empty,
            "Otra": "<table:table-row>" + _cell("Nota suelta") + "</table:table-row>",
        },
    )
    document = load_document(path)
    assert document.file_type == "ods"
    rows = rows_of(document.text)
    assert rows[0] == "Tipo: Museo · Precio › Adulto: 12,00 € · Precio › Niño: 5,00 €"
    assert rows.count("Tipo: Igual · Precio › Adulto: 1 · Precio › Niño: 2") == 2
    assert [s.title for s in document.sections] == ["Precios", "Otra"]


def test_an_odt_renamed_ods_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "texto.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<x/>")
    with pytest.raises(LoaderError, match="not an ODS spreadsheet") as caught:
        load_document(path)
    assert caught.value.path == path


# -- HTML ------------------------------------------------------------------------------------


def test_html_table_with_th_scope_colspan_rowspan_and_caption(tmp_path: Path) -> None:
    path = tmp_path / "tarifas.html"
    path.write_text(
        "<html><body><h1>Piscina</h1><p>Precios de verano.</p>"
        "<table><caption>Tarifas 2024</caption>"
        "<tr><th rowspan=2>Tipo</th><th colspan=2 scope=colgroup>Precio</th></tr>"
        "<tr><th>Residentes</th><th>No residentes</th></tr>"
        "<tr><th scope=row>Bono 10 baños</th><td>28 €</td><td>40 €</td></tr>"
        "<tr><th scope=row>Abono mensual</th><td>30 €</td><td>45 €</td></tr>"
        "</table><p>Menores de 4 años gratis.</p></body></html>",
        encoding="utf-8",
    )
    text = load_document(path).text
    assert rows_of(text) == [
        "Tipo: Bono 10 baños · Precio › Residentes: 28 € · Precio › No residentes: 40 €",
        "Tipo: Abono mensual · Precio › Residentes: 30 € · Precio › No residentes: 45 €",
    ]
    assert text.index("Precios de verano.") < text.index("Tarifas 2024") < text.index("Menores")


def test_html_saved_by_a_browser_bold_td_header_inside_a_layout_table(tmp_path: Path) -> None:
    path = tmp_path / "pagina.htm"
    page = (
        '<html><head><meta charset="windows-1252"><title>Salas</title></head><body>'
        '<table width="100%"><tr><td><h2>Salas del edificio B</h2>'
        "<p>Se reservan desde la intranet.</p>"
        '<table border=1 style="border-collapse:collapse"><tbody>'
        "<tr><td><p class=MsoNormal><b><span>Sala</span></b></p></td><td><b>Plazas</b></td></tr>"
        "<tr><td><p><span>Norte</span></p></td><td>40</td></tr>"
        "<tr><td>Sur</td><td>25&nbsp;</td></tr></tbody></table>"
        "</td></tr></table></body></html>"
    )
    path.write_bytes(page.encode("cp1252"))
    text = load_document(path).text
    assert rows_of(text) == ["Sala: Norte · Plazas: 40", "Sala: Sur · Plazas: 25"]
    assert "Se reservan desde la intranet." in text


# -- DOCX ------------------------------------------------------------------------------------


def test_docx_tables_in_document_order_with_merged_header(tmp_path: Path) -> None:
    from docx import Document

    document = Document()
    document.add_heading("Presupuesto", level=1)
    document.add_paragraph("Coste por partida.")
    grid = document.add_table(rows=4, cols=3)
    for r, line in enumerate(
        [
            ["Partida", "Coste", ""],
            ["", "2024", "2025"],
            ["Personal", "120.000 €", "135.000 €"],
            ["Equipos", "45.000 €", "12.000 €"],
        ]
    ):
        for c, text in enumerate(line):
            grid.cell(r, c).text = text
    grid.cell(0, 1).merge(grid.cell(0, 2)).text = "Coste"
    grid.cell(0, 0).merge(grid.cell(1, 0)).text = "Partida"
    document.add_paragraph("Las cifras no incluyen IVA.")
    second = document.add_table(rows=2, cols=2)
    for c, text in enumerate(["Sala", "Plazas"]):
        second.cell(0, c).text = text
    for c, text in enumerate(["Norte", "40"]):
        second.cell(1, c).text = text
    path = tmp_path / "presupuesto.docx"
    document.save(str(path))
    text = load_document(path).text
    assert rows_of(text) == [
        "Partida: Personal · Coste › 2024: 120.000 € · Coste › 2025: 135.000 €",
        "Partida: Equipos · Coste › 2024: 45.000 € · Coste › 2025: 12.000 €",
        "Sala: Norte · Plazas: 40",
    ]
    assert text.index("Coste por partida.") < text.index("| Partida") < text.index("IVA")


# -- PPTX ------------------------------------------------------------------------------------


def test_pptx_table_with_merged_cells(tmp_path: Path) -> None:
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    slide.shapes.title.text = "Salas"
    table = slide.shapes.add_table(4, 3, Inches(1), Inches(2), Inches(8), Inches(2)).table
    for r, line in enumerate(
        [
            ["Sala", "Equipo", ""],
            ["", "Proyector", "Pizarra"],
            ["Norte", "sí", "no"],
            ["Sur", "no", "sí"],
        ]
    ):
        for c, text in enumerate(line):
            table.cell(r, c).text = text
    table.cell(0, 1).merge(table.cell(0, 2))
    table.cell(0, 0).merge(table.cell(1, 0))
    path = tmp_path / "salas.pptx"
    deck.save(str(path))
    document = load_document(path)
    assert rows_of(document.text) == [
        "Sala: Norte · Equipo › Proyector: sí · Equipo › Pizarra: no",
        "Sala: Sur · Equipo › Proyector: no · Equipo › Pizarra: sí",
    ]
    assert document.sections[0].page == 1


# -- PDF -------------------------------------------------------------------------------------


def _fpdf_table(path: Path, rows: list[list[str]]) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "Salas del edificio B", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.multi_cell(
        0, 7, "Estas son las salas que se pueden reservar.", new_x="LMARGIN", new_y="NEXT"
    )
    with pdf.table() as grid:
        for line in rows:
            row = grid.row()
            for text in line:
                row.cell(text)
    pdf.multi_cell(0, 7, "Reservas con dos dias de antelacion.", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


def test_pdf_ruled_table_is_read_as_rows_not_columns(tmp_path: Path) -> None:
    path = tmp_path / "salas.pdf"
    _fpdf_table(
        path,
        [
            ["Sala", "Plazas", "Planta"],
            ["Norte", "40", "2"],
            ["Sur", "25", "1"],
            ["Este", "60", "3"],
        ],
    )
    document = load_document(path)
    assert rows_of(document.text) == [
        "Sala: Norte · Plazas: 40 · Planta: 2",
        "Sala: Sur · Plazas: 25 · Planta: 1",
        "Sala: Este · Plazas: 60 · Planta: 3",
    ]
    assert document.notes == []
    text = document.text
    assert text.index("Estas son las salas") < text.index("| Sala") < text.index("Reservas")


def test_pdf_table_that_cannot_be_read_as_rows_is_reported_and_kept_as_text(
    tmp_path: Path,
) -> None:
    """A ruled grid whose text is not in its cells: the words run across it in one line."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "", 11)
    pdf.multi_cell(
        0, 7, "Resumen de las salas disponibles este trimestre.", new_x="LMARGIN", new_y="NEXT"
    )
    top = 40
    for r in range(5):
        for c in range(4):
            pdf.rect(20 + 40 * c, top + 10 * r, 40, 10)
    pdf.set_xy(20, top + 2)
    pdf.cell(0, 6, "Norte 40 plazas")
    pdf.output(str(tmp_path / "roto.pdf"))
    document = load_document(tmp_path / "roto.pdf")
    assert any("could not be read as rows" in note for note in document.notes)
    assert "Norte 40 plazas" in document.text
    assert rows_of(document.text) == []


# -- chunking --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def embedder():  # type: ignore[no-untyped-def]
    from ingestion.embedding import Embedder

    return Embedder()


def test_a_long_table_is_chunked_by_rows_with_its_header_repeated(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    from ingestion.chunking import Chunker

    path = tmp_path / "inventario.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Código", "Producto", "Stock"])
    for n in range(400):
        writer.writerow([f"SKU-{n:04d}", f"tornillo de {n} mm", str(n * 3)])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    document = load_document(path)
    chunks = Chunker(120, 18, embedder.count_tokens).chunk(document, "doc")
    assert len(chunks) > 5
    seen: list[str] = []
    for chunk in chunks:
        assert embedder.count_tokens(chunk.text) <= 120
        lines = chunk.text.splitlines()
        assert lines[0] == "| Código | Producto | Stock |"
        rows = rows_of(chunk.text)
        assert rows and all(r.startswith("Código: SKU-") for r in rows)
        seen.extend(rows)
        # the chunk's offsets span its rows in the document text
        assert document.text[chunk.start : chunk.end].splitlines()[-1] == lines[-1]
    assert len(seen) == 400 and len(set(seen)) == 400


def test_a_short_table_stays_with_the_sentence_before_it(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    from ingestion.chunking import Chunker

    path = tmp_path / "salas.html"
    path.write_text(
        "<h1>Salas</h1><p>Salas del edificio B:</p><table><tr><th>Sala</th><th>Plazas</th></tr>"
        "<tr><td>Norte</td><td>40</td></tr></table>",
        encoding="utf-8",
    )
    document = load_document(path)
    chunks = Chunker(200, 20, embedder.count_tokens).chunk(document, "doc")
    assert len(chunks) == 1
    units = [u for u in passage_units(chunks[0].text) if u.kind == "row"]
    assert units[0].text == "Sala: Norte · Plazas: 40"
    assert "Salas del edificio B" in units[0].context


# -- answering -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "row", "others"),
    [
        ("¿Cuántas plazas tiene la sala Sur?", "Sala: Sur · Plazas: 25", ("Norte", "Este")),
        ("How many seats does room East have?", "Room: East · Seats: 60", ("North", "South")),
    ],
)
def test_a_single_cell_question_is_answered_by_its_row_alone(
    tmp_path: Path,
    embedder,
    question: str,
    row: str,
    others: tuple[str, ...],  # type: ignore[no-untyped-def]
) -> None:
    from agent.tools.extractive import ExtractiveAnswerer
    from agent.tools.unit_scoring import Passage

    spanish = question.startswith("¿")
    path = tmp_path / ("salas.csv" if spanish else "rooms.csv")
    if spanish:
        path.write_text("Sala;Plazas;Planta\nNorte;40;2\nSur;25;1\nEste;60;3\n", encoding="utf-8")
    else:
        path.write_text("Room,Seats,Floor\nNorth,40,2\nSouth,25,1\nEast,60,3\n", encoding="utf-8")
    document = load_document(path)
    answer = ExtractiveAnswerer(embedder).answer(
        question, "es" if spanish else "en", [Passage(document.text, "", document.title)]
    )
    assert row in answer.text
    assert not any(other in answer.text for other in others)
    assert answer.cited == [1]


def test_a_question_naming_one_row_narrows_the_table_to_it() -> None:
    from agent.tools.answer_units import passage_units
    from agent.tools.table_rows import named_row_only, row_key
    from agent.tools.unit_scoring import ScoredUnit

    text = (
        "| Día | Apertura | Cierre |\n| --- | --- | --- |\n| Lunes a jueves | 8:00 | 21:00 |\n"
        "| Viernes | 8:00 | 15:00 |\n| Domingo | cerrado | cerrado |"
    )
    units = [u for u in passage_units(text) if u.kind == "row"]
    assert [row_key(u.text) for u in units] == ["Lunes a jueves", "Viernes", "Domingo"]
    assert row_key("Público — Ollama: uso personal · vLLM: producción") == "Público"
    scored = [ScoredUnit(u, 0, 1.0, 1.0, 1, True) for u in units]
    # The answerer chose two rows: the question names one of them.
    chosen = named_row_only("¿A qué hora cierra el viernes?", [scored[1], scored[2]], scored)
    assert [s.unit.text for s in chosen] == [units[1].text]
    # It chose the wrong row: the named one takes its place.
    chosen = named_row_only("¿Cuándo abre de lunes a jueves?", [scored[1]], scored)
    assert [s.unit.text for s in chosen] == [units[0].text]
    # No row named, or two: the rows stay (a question may compare them).
    assert named_row_only("¿Qué día cierra antes?", scored, scored) == scored
    assert named_row_only("¿Cierra antes el viernes o el domingo?", scored, scored) == scored


def test_the_ingest_report_says_when_a_pdf_table_was_read_as_text(tmp_path: Path) -> None:
    from fpdf import FPDF

    from agent import Veraz

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "", 11)
    pdf.multi_cell(0, 7, "Salas disponibles.", new_x="LMARGIN", new_y="NEXT")
    for r in range(5):
        for c in range(4):
            pdf.rect(20 + 40 * c, 40 + 10 * r, 40, 10)
    pdf.set_xy(20, 42)
    pdf.cell(0, 6, "Norte 40 plazas")
    (tmp_path / "docs").mkdir()
    pdf.output(str(tmp_path / "docs" / "salas.pdf"))
    rag = Veraz(home=tmp_path / "home")
    try:
        report = rag.ingest([tmp_path / "docs"])
    finally:
        rag.close()
    assert report.added == 1 and report.failed == []
    assert [Path(n.path).name for n in report.notes] == ["salas.pdf"]
    assert "could not be read as rows" in report.notes[0].note
    assert report.to_dict()["notes"][0]["note"] == report.notes[0].note


@pytest.mark.slow
def test_a_20000_row_csv_ingests_and_a_row_key_question_gets_that_row(tmp_path: Path) -> None:
    """Every chunk of the long sheet repeats its header; asking for one code's stock quotes
    that row (with its header) and no other."""
    from agent import Veraz
    from evals.bench_tables import write_big_csv

    (tmp_path / "docs").mkdir()
    lines = write_big_csv(tmp_path / "docs" / "inventario.csv", 20_000)
    rag = Veraz(home=tmp_path / "home", embedding_model="all-MiniLM-L6-v2")
    try:
        report = rag.ingest([tmp_path / "docs"])
        assert report.added == 1 and report.failed == [] and report.chunks > 100
        header = "| Código | Producto | Ubicación | Stock | Precio (€) |"
        texts = [text for _row, text in rag.index.chunk_texts()]
        assert all(text.startswith(header) for text in texts)
        line = lines[12_345]
        answer = rag.ask(f"¿Cuál es el stock del producto {line[0]}?")
    finally:
        rag.close()
    assert f"Código: {line[0]} · Producto: {line[1]}" in answer.answer
    assert f"Stock: {line[3]}" in answer.answer
    assert sum(code.startswith("SKU-") for code in answer.answer.split()) == 1


def test_huge_spans_stay_within_a_budget() -> None:
    """A 36 KB page of ``colspan=1000 rowspan=1000`` cells once built a grid of gigabytes
    (found by an adversarial pass): merged cells share a budget of slots and a table is
    read up to 1,024 columns, so the text stays proportional to the file."""
    from ingestion.loaders.html_tables import tables_in_html

    row = "<tr>" + '<td colspan="1000" rowspan="1000">v</td>' * 30 + "</tr>"
    markup = "<table>" + row * 30 + "</table>"
    cells = sum(len(table.header) * (len(table.rows) + 1) for table in tables_in_html(markup))
    assert cells <= 30 * 1024 + 200_000
    lone = tables_in_html(
        '<table><tr><td colspan="100000000">a</td></tr><tr><td>b</td></tr></table>'
    )
    assert all(len(table.header) <= 1024 for table in lone)
