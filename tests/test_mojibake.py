"""Mojibake repair (ingestion/loaders/mojibake.py) through the real loaders and ftfy.

Every mojibake here is made the way it happens: the UTF-8 bytes of clean text decoded with
the wrong codec (Mac Roman; Windows-1252 as Windows shows undefined bytes; Latin-1), then
saved as UTF-8 and loaded with :func:`load_document`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import ftfy
import ftfy.bad_codecs  # registers "sloppy-windows-1252", Windows' own reading of cp1252
import pytest

from ingestion.loaders import load_document
from ingestion.loaders.mojibake import (
    MAC_ROMAN,
    WINDOWS_1252,
    WrongDecoding,
    diagnose,
    repair_mojibake,
)

assert ftfy.bad_codecs  # imported for its side effect

WRONG_CODECS = {
    "mac-roman": "mac_roman",
    "windows-1252": "sloppy-windows-1252",
    "latin-1": "latin-1",
}


def mojibake(text: str, codec: str) -> str:
    """``text`` as a program that took its UTF-8 bytes for ``codec`` shows it."""
    return text.encode("utf-8").decode(codec)


def load_text(tmp_path: Path, text: str, name: str = "notes.md") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_document(path).text


# --------------------------------------------------------------------------- why it exists


def test_ftfy_alone_leaves_the_mac_roman_words_of_the_issue() -> None:
    """If this fails, ftfy got better: run the table again and trim mojibake.py to match."""
    for word in ("est√°", "seg√∫n", "pr√°ctica", "¬°Hola!"):
        assert ftfy.fix_text(word) == word
    assert ftfy.fix_text("Aquí dice est√° bien") == "Aquí dice est√° bien"


# --------------------------------------------------------------------------- the table

WORDS = {
    "á": ("está", "ESTÁ"),
    "é": ("qué", "QUÉ"),
    "í": ("aquí", "AQUÍ"),
    "ó": ("canción", "CANCIÓN"),
    "ú": ("según", "SEGÚN"),
    "ñ": ("niño", "NIÑO"),
    "ü": ("pingüino", "PINGÜINO"),
    "¿": ("¿dónde?", "¿DÓNDE?"),
    "¡": ("¡olé!", "¡OLÉ!"),
}
EMOJI = ("😀", "👍", "🚀", "✅", "❤️", "🇪🇸", "listo✅")

CLEAN_LINES = (
    "Las notas del curso están en español: la práctica de cuantización reduce el tamaño.",
    "This line is English and stays as it is, with “quotes” and 50% of the text.",
)


def _table_cases() -> list[tuple[str, str]]:
    cases = [(f"{letter} {case}", word) for letter, pair in WORDS.items() for case, word in
             zip(("lower", "upper"), pair, strict=True)]  # fmt: skip
    return cases + [(f"emoji {e}", e) for e in EMOJI]


@pytest.mark.parametrize("family", WRONG_CODECS)
@pytest.mark.parametrize(("case", "word"), _table_cases(), ids=[c for c, _ in _table_cases()])
def test_each_mojibaked_word_is_repaired_among_clean_words(
    tmp_path: Path, family: str, case: str, word: str
) -> None:
    """One broken word on a line of clean accented words (where ftfy repairs nothing), in a
    file of clean lines: only that word changes, back to what was written."""
    broken = mojibake(word, WRONG_CODECS[family])
    assert broken != word
    line = "Según la guía, {} está aquí, y también el niño."
    text = "\n\n".join((CLEAN_LINES[0], line.format(broken), CLEAN_LINES[1]))
    expected = "\n\n".join((CLEAN_LINES[0], line.format(word), CLEAN_LINES[1]))
    assert load_text(tmp_path, text) == expected.replace("“", '"').replace("”", '"')


@pytest.mark.parametrize("family", ["mac-roman", "windows-1252"])
def test_a_file_with_many_broken_words_keeps_its_markdown_structure(
    tmp_path: Path, family: str
) -> None:
    """Course notes where some lines were pasted from a wrongly decoded copy: about 20
    broken words among clean ones, in headings, nested lists, a table and a link; code
    blocks and list markers stay exactly as written."""
    clean = (
        "# Práctica 3 🚀: cuantización\n"
        "\n"
        "## ¿Qué técnicas existen?\n"
        "\n"
        "- GPTQ: según el artículo, está pensada para GPU\n"
        "  - cuantización por capas, con corrección de errores\n"
        "- AWQ: protege los pesos más importantes 👍\n"
        "- GGUF: el formato de llama.cpp, útil en CPU\n"
        "\n"
        "| Técnica | Tamaño | ¿Dónde? |\n"
        "|---|---|---|\n"
        "| GPTQ | 4 bits | GPU |\n"
        "| GGUF | 2–8 bits | CPU y Mac |\n"
        "\n"
        "```bash\n"
        "python -m llama_cpp.server --port 8080  # el puerto por defecto\n"
        "```\n"
        "\n"
        "Más información en [la guía de Ana Núñez](https://example.org/guía).\n"
        "¡Atención! El pingüino dice: la práctica hace al maestro.\n"
    )
    # Lines 5, 7 and 13 stayed clean; the rest went through the wrong decoding.
    lines = clean.split("\n")
    codec = WRONG_CODECS[family]
    broken = "\n".join(ln if i in (5, 7, 13) else mojibake(ln, codec) for i, ln in enumerate(lines))
    assert sum(a != b for a, b in zip(broken.split(), clean.split(), strict=True)) >= 20
    assert "cuantización por capas" in broken and "está pensada" not in broken

    path = tmp_path / "notas.md"
    path.write_text(broken, encoding="utf-8")
    document = load_document(path)
    assert document.text == load_text(tmp_path, clean, "clean.md")
    assert document.title == "Práctica 3 🚀: cuantización"
    assert [s.title for s in document.sections] == [
        "Práctica 3 🚀: cuantización",
        "¿Qué técnicas existen?",
    ]
    assert "- GPTQ: según el artículo, está pensada para GPU\n  - cuantización" in document.text
    assert "| GGUF | 2–8 bits | CPU y Mac |" in document.text
    assert "--port 8080 # el puerto por defecto" in document.text


def test_the_course_notes_file_written_with_real_mac_roman_mojibake() -> None:
    """evals/data/notes holds a file of course notes that went through Mac Roman (written
    for the answers benchmark, not for this repair): ftfy alone left 11 words broken."""
    notes = Path(__file__).parents[1] / "evals/data/notes/docs/apuntes_tokenizacion.md"
    assert "Seg√∫n la pr√°ctica" in notes.read_text(encoding="utf-8")
    document = load_document(notes)
    assert document.title == "Apuntes de tokenización 🔤"
    assert "Según la práctica, un mismo párrafo en español" in document.text
    assert not any(sign in document.text for sign in "√¬∫≠≥±")


def test_what_ftfy_leaves_in_windows_1252_uppercase_and_ligatures(tmp_path: Path) -> None:
    """ftfy leaves "ÃŒ" (Ì), "ÃŽ" (Î), "Ã’" (Ò) and "Å’"/"Å“" (Œ, œ); its quote straightening
    would also turn the "’" of "Ã’" into "'" before anything could repair it."""
    clean = "COSÌ PERÒ, CONNAÎTRE le cœur de l’Œuvre, dice Ana."
    broken = mojibake(clean, "sloppy-windows-1252")
    assert "Ã’" in broken and "Å“" in broken
    assert (
        load_text(tmp_path, broken, "f.txt") == "COSÌ PERÒ, CONNAÎTRE le cœur de l'Œuvre, dice Ana."
    )


def test_mixed_wrong_decodings_and_double_mojibake_in_one_document(tmp_path: Path) -> None:
    clean = "La práctica está clara.\n\nEl niño canta una canción.\n\nUn café, por favor."
    paragraphs = clean.split("\n\n")
    broken = "\n\n".join(
        (
            mojibake(paragraphs[0], "mac_roman"),
            mojibake(paragraphs[1], "sloppy-windows-1252"),
            mojibake(mojibake(paragraphs[2], "sloppy-windows-1252"), "sloppy-windows-1252"),
        )
    )
    assert load_text(tmp_path, broken, "f.txt") == clean


@pytest.mark.parametrize("family", ["mac-roman", "windows-1252"])
def test_section_titles_and_the_document_title_are_repaired(tmp_path: Path, family: str) -> None:
    codec = WRONG_CODECS[family]
    clean = (
        "# Guía de cuantización\n\nIntro.\n\n## Introducción\n\nSegún la práctica, está claro.\n"
    )
    path = tmp_path / "guia.md"
    path.write_text(mojibake(clean, codec), encoding="utf-8")
    document = load_document(path)
    assert document.title == "Guía de cuantización"
    assert [s.title for s in document.sections] == ["Guía de cuantización", "Introducción"]
    assert document.text == (
        "# Guía de cuantización\n\nIntro.\n\n## Introducción\n\nSegún la práctica, está claro."
    )


# --------------------------------------------------------------------------- every format

BROKEN_ES = mojibake("La práctica está clara según el profesor, ¿verdad?", "mac_roman")
CLEAN_ES = "La práctica está clara según el profesor, ¿verdad?"


def _write_docx(path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading(mojibake("Introducción", "mac_roman"), 1)
    document.add_paragraph(BROKEN_ES)
    document.save(str(path))


def _write_pptx(path: Path) -> None:
    from pptx import Presentation

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = mojibake("Introducción", "mac_roman")
    slide.placeholders[1].text = BROKEN_ES
    deck.save(str(path))


def _write_html(path: Path) -> None:
    title = mojibake("Introducción", "mac_roman")
    path.write_text(
        f"<html><head><title>{title}</title></head>"
        f"<body><h1>{title}</h1><p>{BROKEN_ES}</p></body></html>",
        encoding="utf-8",
    )


def _write_eml(path: Path) -> None:
    from email.message import EmailMessage

    message = EmailMessage()
    message["Subject"] = mojibake("Introducción", "mac_roman")
    message["From"] = "ana@example.org"
    message.set_content(BROKEN_ES)
    path.write_bytes(bytes(message))


def _write_pdf(path: Path) -> None:
    from test_loaders import make_pdf

    make_pdf(path, [[("h1", mojibake("Introducción", "mac_roman")), ("p", BROKEN_ES)]])


@pytest.mark.parametrize(
    ("name", "write"),
    [
        ("notes.docx", _write_docx),
        ("slides.pptx", _write_pptx),
        ("page.html", _write_html),
        ("mail.eml", _write_eml),
        ("paper.pdf", _write_pdf),
    ],
)
def test_every_format_is_repaired(tmp_path: Path, name: str, write: Callable[[Path], None]) -> None:
    from test_loaders import DEJAVU_DIRS

    if name.endswith(".pdf") and not any((d / "DejaVuSans.ttf").is_file() for d in DEJAVU_DIRS):
        pytest.skip("needs the DejaVu font to draw √ and ∫ (apt-get install fonts-dejavu-core)")
    path = tmp_path / name
    write(path)
    document = load_document(path)
    assert CLEAN_ES in document.text
    assert "Introducción" in document.text
    assert document.title == "Introducción"
    assert "√" not in document.text


# --------------------------------------------------------------------------- clean text

CLEAN_SAMPLES = {
    "spanish": "¿Qué técnicas de cuantización existen? Según la práctica: GPTQ, AWQ y GGUF. "
    "¡Ojo con el pingüino! ESPAÑA, AÑO, CORAZÓN, ÁRBOL, ÚLTIMO, PINGÜINO, 2ª edición, nº 5.",
    "english": "The quick brown fox jumps over the lazy dog, and it's 50% off - naïve café.",
    "french": "Ça va ? L'été, où est le cœur de l'Œuvre ? « Bonjour » à Noël, déjà, ÇA, Œ.",
    "german": "Größe, Äpfel, über, Straße, ÄÖÜ, »Guillemets« und «Straße».",
    "portuguese": "Não, São Paulo, SÃO PAULO, NÃO, IRMÃ, MAÇÃ, ações, irmã, MÃE, é, à.",
    "greek": "Καλημέρα κόσμε, το π ≈ 3,14 και η Ωμέγα.",
    "russian": "Привет, мир! Съешь же ещё этих мягких французских булок.",
    "chinese": "中文测试：你好，世界。日本語のテキスト「こんにちは」。한국어.",
    "emoji": "Emoji 😀 👍 🚀 ✅ ❤️ 🇪🇸 ☕ ★ ♥ ✓ and listo✅.",
    "math": "√2 ≤ π, √π ≈ 1.772, a≈π, x ≈ 3,14, √(x²+y²), ∆x≈0, ƒ(x)=√x, ∑ ∫ ∂ ≠ ≥ ∞ ± × ÷ ½, "
    "¬p ∨ q, 25 °C, 1º, µm, Ω.",
    "edge": "HALLÅ'S, Åland, ÅÄÖ, «Él dijo», —él—, –á–, 10–é, «á», ©2024 Veraz®, § 3, € 5.",
    "more latin": "růžový kůň, zażółć gęślą jaźń, „ÞAÐ“, İstanbul, Ș ț, Tiếng Việt, őrült, "
    "col·lecció.",
    "other scripts": "עברית שלום, العربية مرحبا, हिन्दी नमस्ते, ภาษาไทย, ─│┌┐ → ⇒ ■ ● ▶ ◊.",
}


@pytest.mark.parametrize("language", CLEAN_SAMPLES)
def test_clean_text_is_not_changed(tmp_path: Path, language: str) -> None:
    """The repair finds nothing to do, and the loaded text is what ftfy alone makes of it
    (ftfy's own changes, such as fullwidth "：" to ":", are not this repair's business)."""
    sample = CLEAN_SAMPLES[language]
    assert diagnose(sample).decoding is None
    assert repair_mojibake([sample]) == [sample]
    assert load_text(tmp_path, sample, "clean.txt") == ftfy.fix_text(sample)


def test_clean_words_that_look_mojibaked_survive_in_a_mojibaked_document(tmp_path: Path) -> None:
    """A Mac Roman mojibaked line next to lines with a legitimate "SÃO", "√2" and "√π":
    the document is mojibaked, yet those words are not re-decoded."""
    broken = mojibake("La práctica está clara según el profesor.", "mac_roman")
    text = f"{broken}\n\nSÃO PAULO e NÃO.\n\nMath: √2 ≤ π and √π ≈ 1.772, x ≥ 0."
    assert load_text(tmp_path, text, "f.txt") == (
        "La práctica está clara según el profesor.\n\n"
        "SÃO PAULO e NÃO.\n\nMath: √2 ≤ π and √π ≈ 1.772, x ≥ 0."
    )


@pytest.mark.parametrize(
    "clean",
    [
        "El Consejo Privado (en chino: 樞密院) y la dinastía Yuan (元) gobernaron.",
        "Nguyễn Văn Hưng y la ecuación |−|p con 6½ tazas, según Ana.",
        "La música ✅ y el café… están listos, según Ana.",
        "En pinyin, nǚ y lǜ llevan tono, según el profesor de la práctica.",
    ],
)
@pytest.mark.parametrize("family", WRONG_CODECS)
def test_other_scripts_symbols_and_spaces_inside_sequences(
    tmp_path: Path, clean: str, family: str
) -> None:
    """CJK characters standing alone, Vietnamese "ư", a minus sign, a fraction after a digit,
    and Latin-1 sequences holding NEL (U+0085, a space to Python: "✅", "…") come back."""
    broken = mojibake(clean, WRONG_CODECS[family])
    assert load_text(tmp_path, broken, "f.txt") == ftfy.fix_text(clean)


# --------------------------------------------------------------------------- the diagnosis


def test_diagnosis_names_the_wrong_decoding() -> None:
    text = "La práctica está clara según el profesor."
    assert diagnose(mojibake(text, "mac_roman")).decoding is MAC_ROMAN
    assert diagnose(mojibake(text, "sloppy-windows-1252")).decoding is WINDOWS_1252
    assert diagnose(mojibake(text, "latin-1")).decoding is WINDOWS_1252
    assert diagnose(text).decoding is None
    diagnosis = diagnose(mojibake(text, "mac_roman"))
    assert (diagnosis.strong_words, diagnosis.words) == (3, 3)


def test_a_weak_word_is_repaired_only_with_evidence_elsewhere_in_the_document(
    tmp_path: Path,
) -> None:
    """ "25 ¬∞" alone could be anything (and next to the clean "aquí", ftfy leaves it); in a
    document where another section is clearly Mac Roman mojibake, it is the "25 °" it was."""
    weak = "## Clima\n\nHoy hace 25 ¬∞ aquí en la sombra.\n"
    assert load_text(tmp_path, weak, "weak.md") == "## Clima\n\nHoy hace 25 ¬∞ aquí en la sombra."
    evidence = f"## Notas\n\n{mojibake('La práctica está clara.', 'mac_roman')}\n\n" + weak
    assert load_text(tmp_path, evidence, "evidence.md") == (
        "## Notas\n\nLa práctica está clara.\n\n## Clima\n\nHoy hace 25 ° aquí en la sombra."
    )


@pytest.mark.parametrize(
    ("decoding", "codec"),
    [(MAC_ROMAN, "mac_roman"), (WINDOWS_1252, "sloppy-windows-1252"), (WINDOWS_1252, "latin-1")],
    ids=["mac-roman", "windows-1252", "latin-1"],
)
def test_every_latin_letter_and_emoji_re_decodes_to_itself(
    decoding: WrongDecoding, codec: str
) -> None:
    """The codec tables are right for every letter of Latin-1 and Latin Extended-A and for
    emoji, and the re-decoding is the exact inverse of the wrong decoding (reversible)."""
    for char in [chr(code) for code in range(0xC0, 0x180)] + ["😀", "✅", "€", "“"]:
        sequence = mojibake(char, codec)
        assert decoding.sequence_re.fullmatch(sequence), char
        assert decoding.redecode(sequence) == char
