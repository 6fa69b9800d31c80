"""The format registry (ingestion/loaders/registry.py): the one list of formats Veraz reads."""

from __future__ import annotations

from pathlib import Path

import pytest

import ingestion.loaders as loaders_module
from ingestion.loaders import SUPPORTED_EXTENSIONS, LoaderError, file_type_of, load_document
from ingestion.loaders.registry import FORMAT_BY_EXTENSION, FORMATS, format_of


def test_every_extension_belongs_to_exactly_one_format() -> None:
    listed = [extension for fmt in FORMATS for extension in fmt.extensions]
    assert len(listed) == len(set(listed))
    assert set(listed) == set(SUPPORTED_EXTENSIONS) == set(FORMAT_BY_EXTENSION)
    assert all(e.startswith(".") and e == e.lower() for e in listed)
    assert len({fmt.key for fmt in FORMATS}) == len(FORMATS)


def test_load_document_dispatches_through_the_registry() -> None:
    assert set(loaders_module._LOADERS) == {fmt.key for fmt in FORMATS}
    assert all(loaders_module._LOADERS[fmt.key] is fmt.load for fmt in FORMATS)
    # Only the PDF loader reads scans, so only it is handed the OCR policy.
    assert [fmt.key for fmt in FORMATS if fmt.reads_scans] == ["pdf"]


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("a.PDF", "pdf"),
        ("b.docx", "docx"),
        ("c.htm", "html"),
        ("d.HTML", "html"),
        ("e.pptx", "pptx"),
        ("f.eml", "eml"),
        ("g.markdown", "md"),
        ("h.md", "md"),
        ("i.rst", "rst"),
        ("j.text", "txt"),
    ],
)
def test_file_type_of_is_case_blind(name: str, key: str) -> None:
    assert file_type_of(Path(name)) == key
    assert format_of(Path(name)).key == key


def test_unsupported_type_names_every_supported_extension() -> None:
    with pytest.raises(LoaderError) as caught:
        file_type_of(Path("movie.mp4"))
    assert str(caught.value) == (
        f"unsupported file type '.mp4' (supported: {' '.join(sorted(SUPPORTED_EXTENSIONS))})"
    )
    with pytest.raises(LoaderError, match=r"unsupported file type '\(none\)'"):
        file_type_of(Path("Makefile"))


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("x.pdf", b"%PDF-1.4 not really", "not a valid PDF"),
        ("x.docx", b"plain text, no zip", "not a valid DOCX file (not a ZIP archive; corrupt?)"),
        ("x.pptx", b"plain text, no zip", "not a valid PPTX file (not a ZIP archive; corrupt?)"),
        ("x.eml", b"Subject: hi\n\n", "no text: the e-mail has no body"),
        ("x.md", b"   \n\n", "no text"),
    ],
)
def test_each_format_reports_bad_input_in_its_own_words(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(LoaderError) as caught:
        load_document(path)
    assert str(caught.value).startswith(reason)
    assert caught.value.path == path
