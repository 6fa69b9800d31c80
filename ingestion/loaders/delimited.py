"""CSV and TSV: one table per file (or per block of rows), read with the stdlib ``csv``.

The encoding is sniffed like any text file (:mod:`.encoding_detection`: UTF-8, UTF-16,
Windows-1252 from Excel); the delimiter from the first lines (``,`` ``;`` tab ``|``: a
Spanish Excel saves CSV with ``;`` because the comma is its decimal mark); the header row is
guessed (:func:`~ingestion.tables.guess_header_rows`).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ingestion.loaders.document import Section
from ingestion.loaders.encoding_detection import decode_text
from ingestion.loaders.errors import LoaderError
from ingestion.loaders.sections import SectionBuilder
from ingestion.loaders.sheet_blocks import add_sheet

__all__ = ["load_delimited", "sniff_delimiter"]

_DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_LINES = 50
_FIELD_LIMIT = 1024 * 1024
"""A field longer than 1 MB is an unclosed quote swallowing the file, not a cell."""


def sniff_delimiter(text: str, extension: str) -> str:
    """The delimiter that splits the first lines into the same number of fields (more than
    one) most consistently; a ``.tsv`` file is tab-separated unless its lines hold no tab.

    Not ``csv.Sniffer``: it picks a letter or a space as the delimiter on short files with
    quoted Spanish text, and it is quadratic in the sample on some inputs.
    """
    lines = [line for line in text.split("\n", _SAMPLE_LINES + 1)[:_SAMPLE_LINES] if line.strip()]
    if extension == ".tsv" and any("\t" in line for line in lines):
        return "\t"
    best, best_score = ",", -1.0
    for delimiter in _DELIMITERS:
        try:
            counts = [
                len(row)
                for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
                if row
            ]
        except csv.Error:
            continue  # the reading below says what is wrong with the file
        if not counts or max(counts) < 2:
            continue
        mode = max(set(counts), key=counts.count)
        score = counts.count(mode) / len(counts) + (0.01 * mode if mode > 1 else 0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def load_delimited(path: Path, data: bytes) -> tuple[list[Section], str]:
    """The file's rows as one table (under its caption line, if the file starts with one)."""
    text = decode_text(path, data).replace("\r\n", "\n").replace("\r", "\n")
    delimiter = sniff_delimiter(text, path.suffix.lower())
    csv.field_size_limit(_FIELD_LIMIT)
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as exc:
        raise LoaderError(path, f"not a valid CSV file: {exc} (an unclosed quote?)") from exc
    builder = SectionBuilder()
    add_sheet(builder, rows, None)
    return builder.finish()
