"""Repair the mojibake ftfy leaves: UTF-8 text once decoded as Mac Roman or Windows-1252.

A file saved as UTF-8 and opened as Mac Roman turns "está" into "est√°"; opened as
Windows-1252 (or Latin-1), "Ò" becomes "Ã’". ftfy re-decodes a line only when the whole
line re-encodes consistently and its heuristics call the result better. Tried character
by character (tests/test_mojibake.py holds the table), the installed ftfy 6.3.1 leaves:

* Mac Roman: "√°" (á), "√∫" (ú), "√ö" (Ú), "√ú" (Ü), "¬ø" (¿), "¬°" (¡), ù â ã ä Ù Û «
  and every emoji, even alone on a line; and *every* sequence on a line that also holds
  one correctly written accented word ("Aquí ... est√°" stays broken). Worse, on such a
  line its Windows-1252 fixer takes "Ä¶" out of "‚Ä¶" (…) and makes it "Ķ".
* Windows-1252: "ÃŒ" (Ì), "ÃŽ" (Î), "Ã’" (Ò), "Å’" (Œ), and "Å“" (œ) next to clean words;
  its quote straightening turns the "’" of "Ã’" into "'", after which nothing can
  repair it. Latin-1 readings (C1 control characters) it repairs.

So this repair runs *before* ftfy, on all the texts of a document together (its
sections and headings: :func:`~ingestion.loaders.text_cleanup.clean_texts`). Two steps:

1. **Diagnosis** (:func:`diagnose`): is this text mojibaked, and by which wrong decoding?
   For each decoding, find the words that would re-decode well and count the *strong*
   ones, those clean text practically never contains: a re-decoded Latin letter touching
   an ASCII letter ("est√°", "¬øQu√©", "OptimizaciÃ³n"), a 3- or 4-byte character ("‚Äú"
   for "“", an emoji), several re-decoded characters in a row (a Cyrillic word). The
   text is mojibaked in the decoding with the most strong words, if any has one. A
   mathematical "√π" or a Portuguese "SÃO" is never strong: clean text stays untouched.
   One section's clear evidence lets a *weak* word anywhere in the document be repaired
   ("√†" alone for "à", "¬∞" after a space for "°", "PERÃ’" for "PERÒ", "Å’" for "Œ"):
   alone, those could be clean text.
2. **Word-by-word re-decoding** (:func:`repair_words`), in the diagnosed decoding only:
   each run of characters that is one UTF-8 sequence as that codec shows it is
   re-encoded with the codec and decoded as UTF-8. The word changes only when every
   result is a plausible character, the word keeps to one script, no non-ASCII letter is
   left alone in it (bar "à", "é", "ª", ...), and it looks better: fewer symbols inside
   a word, no capital after a small letter (a word that looks no better and no worse is
   weak evidence, repaired only with strong evidence elsewhere). Each replacement is
   reversible: encoding it as UTF-8 and decoding with the wrong codec gives back the
   original characters.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "MAC_ROMAN",
    "WINDOWS_1252",
    "WRONG_DECODINGS",
    "MojibakeDiagnosis",
    "WrongDecoding",
    "diagnose",
    "repair_mojibake",
    "repair_words",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WrongDecoding:
    """A codec that UTF-8 bytes were wrongly decoded with, and how to spot its mojibake."""

    name: str
    """How logs and diagnoses name it: "mac-roman" or "windows-1252"."""
    to_byte: dict[str, int]
    """Each non-ASCII character the codec produces, mapped back to its byte."""
    sequence_re: re.Pattern[str]
    """One UTF-8 multi-byte sequence as this codec shows it: a lead character followed by
    the right number of continuation characters."""

    def redecode(self, sequence: str) -> str | None:
        """The character ``sequence`` was before the wrong decoding, or None if its bytes
        are not valid UTF-8 (an overlong form, a surrogate, a code point past U+10FFFF)."""
        try:
            return bytes(self.to_byte[c] for c in sequence).decode("utf-8")
        except UnicodeDecodeError:
            return None


def _char_class(chars: Sequence[str]) -> str:
    return "[" + "".join(re.escape(c) for c in chars) + "]"


def _wrong_decoding(name: str, to_byte: dict[str, int]) -> WrongDecoding:
    by_byte: dict[int, list[str]] = {}
    for char, byte in to_byte.items():
        by_byte.setdefault(byte, []).append(char)

    def chars(first: int, last: int) -> str:
        return _char_class([c for b in range(first, last + 1) for c in by_byte.get(b, [])])

    lead2, lead3, lead4, cont = (
        chars(0xC2, 0xDF),
        chars(0xE0, 0xEF),
        chars(0xF0, 0xF4),
        chars(0x80, 0xBF),
    )
    pattern = f"{lead2}{cont}|{lead3}{cont}{{2}}|{lead4}{cont}{{3}}"
    return WrongDecoding(name=name, to_byte=to_byte, sequence_re=re.compile(pattern))


def _codec_table(codec: str) -> dict[str, int]:
    table: dict[str, int] = {}
    for byte in range(0x80, 0x100):
        try:
            table[bytes([byte]).decode(codec)] = byte
        except UnicodeDecodeError:
            continue
    return table


MAC_ROMAN = _wrong_decoding("mac-roman", _codec_table("mac_roman"))
"""UTF-8 read as Mac OS Roman ("est√°"): old Mac software, some PDF and e-mail tools."""

WINDOWS_1252 = _wrong_decoding(
    "windows-1252",
    # Latin-1 shows bytes 0x80-0x9F as C1 control characters, Windows-1252 as “ ” € ...
    # (and the five bytes it leaves undefined, as the C1 controls too): both readings.
    {chr(byte): byte for byte in range(0x80, 0xA0)} | _codec_table("cp1252"),
)
"""UTF-8 read as Windows-1252 or ISO-8859-1 ("estÃ¡", "Ã’")."""

WRONG_DECODINGS: tuple[WrongDecoding, ...] = (MAC_ROMAN, WINDOWS_1252)

# --------------------------------------------------------------------------- one word

_TWO_BYTE_LETTER_RANGES: tuple[tuple[int, int], ...] = (
    (0x00C0, 0x017F),  # Latin-1 Supplement and Latin Extended-A letters
    (0x01A0, 0x01A1),  # Vietnamese Ơ ơ
    (0x01AF, 0x01B0),  # Vietnamese Ư ư
    (0x01CD, 0x01DC),  # pinyin Ǎ ǎ Ǐ ǐ Ǒ ǒ Ǔ ǔ Ǖ ǖ Ǘ ǘ Ǚ ǚ Ǜ ǜ
    (0x0218, 0x021B),  # Romanian Ș ș Ț ț
    (0x0370, 0x03FF),  # Greek
    (0x0400, 0x04FF),  # Cyrillic
    (0x05D0, 0x05EA),  # Hebrew
    (0x0620, 0x064A),  # Arabic
)
"""Which two-byte UTF-8 characters a repair may produce as letters. Left out on purpose:
the rest of Latin Extended-B and IPA ("«É" would read as U+01C3), Armenian ("’é" as
U+054E), Syriac, NKo ("ß»" as U+07FB): their mojibake is rare, their look-alikes in clean
text are not."""

_LONE_LETTERS = frozenset("àáèéóÀÁÈÉÓªº")
"""Letters that stand alone in a word: French "à", Portuguese "é", Spanish "ó" between
numbers, the ordinals of "2ª" and "nº". A repair that leaves any other two-byte letter
alone in its word ("√π" -> "ù", "10–é" -> "10Ў") is refused; a CJK character is a word."""

_SCRIPT_GROUPS = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "HANGUL": "CJK", "CJK": "CJK"}


def _plausible(char: str, before: str) -> bool:
    """Could ``char`` be what the writer typed? ``before`` is the character in front of it."""
    category = unicodedata.category(char)
    if category in ("Cc", "Cs", "Co", "Cn"):
        return False
    code = ord(char)
    if code >= 0x800:  # three and four UTF-8 bytes: CJK, punctuation, symbols, emoji
        return True
    if 0xA0 <= code <= 0xBF or char in "×÷":  # ¡ ¿ « » ° º ª © ® ...
        return True
    if 0x300 <= code <= 0x36F:  # a combining accent (NFD text) that composes with a letter
        return before.isalpha() and len(unicodedata.normalize("NFC", before + char)) == 1
    in_ranges = any(low <= code <= high for low, high in _TWO_BYTE_LETTER_RANGES)
    return in_ranges and char.isalpha()


def _script(char: str) -> str | None:
    """The script of a letter ("LATIN", "GREEK", "CJK", ...); None for other characters
    and for letters no script claims by name (ª, º, µ)."""
    if not char.isalpha():
        return None
    first = unicodedata.name(char, "").split(" ", 1)[0].split("-", 1)[0]
    if first in ("FEMININE", "MASCULINE", "MICRO", ""):
        return None
    return _SCRIPT_GROUPS.get(first, first)


def _one_script(word: str) -> bool:
    """No two adjacent letters of different scripts ("caf酻" is not a word; "chino:樞密院"
    is two, joined by a colon)."""
    previous: str | None = None
    for char in word:
        script = _script(char)
        if script is not None and previous is not None and script != previous:
            return False
        previous = script if char.isalpha() else None
    return True


def _is_sign(char: str) -> bool:
    return unicodedata.category(char) in ("Sm", "Sk", "So", "Sc")


def _badness(word: str) -> int:
    """Signs of mojibake in a word: non-ASCII symbols, controls and private-use characters,
    a capital right after a small letter ("OptimizaciÃ³n"), a Latin letter right after a
    non-ASCII sign ("√ó"), and non-ASCII punctuation between two letters ("peque√±os" has
    two symbols; "pequeños" has none)."""
    bad = 0
    for index, char in enumerate(word):
        if char.isascii():
            continue
        category = unicodedata.category(char)
        previous = word[index - 1] if index else ""
        following = word[index + 1] if index + 1 < len(word) else ""
        if category in ("Cc", "Co", "Cn", "Cs"):
            bad += 2
        else:
            symbol = category in ("Sm", "Sk") or (
                category in ("So", "Sc", "No") and ord(char) < 0x2000
            )
            # ... but not a sign that goes with a number: "6½", "25°", "±5", "2×3".
            symbol = symbol and not (
                char in _NUMBER_SIGNS and (_ascii_digit(previous) or _ascii_digit(following))
            )
            capital_inside = category == "Lu" and previous.islower()
            # "Ã" and "Â" stand before ASCII letters in Portuguese and French ("SÃO",
            # "CHÂTEAU"), never before another accented letter ("ÃŒ" was "Ì").
            capital_inside = capital_inside or (char.isalpha() and previous in ("Ã", "Â"))
            # Letters that are signs: florin "ƒ" ("abƒçcd" was "abčcd"), and ª º µ after
            # a letter (they follow digits: "1º", or start units: "µm").
            symbol = symbol or char == "ƒ" or (char in "ªºµ" and previous.isalpha())
            punctuation_inside = category[0] == "P" and previous.isalnum() and following.isalnum()
            # A Latin letter right after a sign ("√ó" was "×"); math puts Greek ones there
            # ("√π", "≈π").
            capital_inside = capital_inside or (
                _script(char) == "LATIN" and not previous.isascii() and _is_sign(previous)
            )
            bad += symbol or capital_inside or punctuation_inside
    return bad


@dataclass(frozen=True)
class _WordRepair:
    start: int
    end: int
    repaired: str
    strong: bool
    """Evidence clean text practically never gives (see :func:`diagnose`)."""


def _repair_word(
    text: str, start: int, end: int, matches: list[re.Match[str]], decoding: WrongDecoding
) -> _WordRepair | None:
    """Re-decode the sequences ``matches`` found in the word ``text[start:end]``, or None
    when that would not give a plausible, better-looking word."""
    word = text[start:end]
    pieces: list[str] = []
    position = start
    strong = long_run = False
    run_start, run_end, run_bytes = -1, -1, 0
    for match in matches:
        char = decoding.redecode(match.group())
        adjacent = match.start() == run_end  # right after the previous repaired sequence
        before = pieces[-1] if adjacent else text[max(start, match.start() - 1) : match.start()]
        if char is None or not _plausible(char, before):
            continue
        pieces.append(text[position : match.start()])
        pieces.append(char)
        position = match.end()
        if not adjacent:
            run_start, run_bytes = match.start(), 0
        run_end = match.end()
        run_bytes += len(char.encode("utf-8"))
        long_run = long_run or run_bytes >= 3
        strong = (
            strong or long_run or _inside_latin_word(text, run_start, run_end, start, end, char)
        )
    if not pieces:
        return None
    pieces.append(text[position:end])
    repaired = "".join(pieces)
    letters = [c for c in repaired if c.isalpha()]
    if len(letters) == 1 and 0x80 <= ord(letters[0]) < 0x800 and letters[0] not in _LONE_LETTERS:
        return None
    if not _one_script(repaired):
        return None
    if long_run:
        # Three or four characters that spell one valid UTF-8 character of the word's script
        # do not happen by chance; what comes back may well be a symbol ("‚àí" was "−").
        return _WordRepair(start, end, repaired, strong)
    bad_before, bad_after = _badness(word), _badness(repaired)
    if bad_after > bad_before:
        return None
    if bad_after == bad_before:
        # No better, no worse: "PERÃ’" was "PERÒ", but a clean "IRMÃ’" reads the same way.
        # Only a document with clear evidence elsewhere gets it repaired.
        strong = False
    return _WordRepair(start, end, repaired, strong)


_NUMBER_SIGNS = frozenset("°±×÷²³¹¼½¾µ")


def _ascii_digit(char: str) -> bool:
    return char.isascii() and char.isdigit()


def _inside_latin_word(
    text: str, run_start: int, run_end: int, start: int, end: int, char: str
) -> bool:
    """A run that re-decoded to the single Latin character ``char`` and touches an ASCII
    letter of its word: "est√°", "¬øQu√©", "OptimizaciÃ³n", "ko≈°ile", "cÅ“ur", or a
    sign that goes with numbers touching a digit: "6¬Ω". Clean text does not put "√°"
    or "Ã³" inside a word. Latin Extended-A (š ł ő œ) read as
    Windows-1252 starts with a letter, "Å" or "Ä": it counts only after a small letter
    ("cÅ“ur"), since a clean "HALLÅ’S" reads like "HALLŒS"."""
    if run_end - run_start != 2:
        return False
    left = text[run_start - 1] if run_start > start else ""
    right = text[run_end] if run_end < end else ""
    if char in _NUMBER_SIGNS and (_ascii_digit(left) or _ascii_digit(right)):
        return True  # "6¬Ω" was "6½", "25¬∞" was "25°"
    if not ((left.isascii() and left.isalpha()) or (right.isascii() and right.isalpha())):
        return False
    code, lead = ord(char), text[run_start]
    if 0xA0 <= code <= 0xFF:
        return True
    lead_is_sign = not lead.isalpha() or lead == "ƒ"  # Mac Roman's "ƒ" and "≈" leads
    return code <= 0x17F and (lead_is_sign or (lead.isupper() and left.islower()))


def _word_repairs(text: str, decoding: WrongDecoding) -> list[_WordRepair]:
    """Every word of ``text`` that re-decodes well in ``decoding``, in order."""
    repairs: list[_WordRepair] = []
    matches = list(decoding.sequence_re.finditer(text))
    index = 0
    while index < len(matches):
        start = matches[index].start()
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        end = start
        in_word = []
        while True:
            while end < len(text) and not text[end].isspace():
                end += 1
            if index == len(matches) or matches[index].start() > end:
                break
            # A sequence may hold a byte its codec shows as a space (NEL U+0085 in Latin-1,
            # no-break space): the word goes on to the end of the sequence.
            in_word.append(matches[index])
            end = max(end, matches[index].end())
            index += 1
        repair = _repair_word(text, start, end, in_word, decoding)
        if repair is not None:
            repairs.append(repair)
    return repairs


# --------------------------------------------------------------------------- a document


@dataclass(frozen=True)
class MojibakeDiagnosis:
    """Is a document mojibaked, and by which wrong decoding?"""

    decoding: WrongDecoding | None
    """None: the document reads as written."""
    strong_words: int
    """Words that re-decode in it and that clean text practically never contains."""
    words: int
    """All words that would change, the strong ones included."""


_CLEAN = MojibakeDiagnosis(decoding=None, strong_words=0, words=0)


def diagnose(text: str) -> MojibakeDiagnosis:
    """The wrong decoding with the most strong words in ``text``, if any has one."""
    best = _CLEAN
    for decoding in WRONG_DECODINGS:
        repairs = _word_repairs(text, decoding)
        strong = sum(r.strong for r in repairs)
        if strong > best.strong_words:
            best = MojibakeDiagnosis(decoding=decoding, strong_words=strong, words=len(repairs))
    return best


def repair_words(text: str, decoding: WrongDecoding) -> str:
    """``text`` with every word that re-decodes well in ``decoding`` repaired."""
    repairs = _word_repairs(text, decoding)
    if not repairs:
        return text
    pieces: list[str] = []
    position = 0
    for repair in repairs:
        pieces.append(text[position : repair.start])
        pieces.append(repair.repaired)
        position = repair.end
    pieces.append(text[position:])
    return "".join(pieces)


_MAX_PASSES = 3
"""A document mojibaked twice ("CafÃƒÂ©") needs two passes; one that mixes both wrong
decodings needs one per decoding."""


def repair_mojibake(texts: Sequence[str]) -> list[str]:
    """Repair texts that belong together (one document's sections and headings) under one
    diagnosis of all of them.

    So one section with clear evidence lets a weak word elsewhere in the document be
    repaired, and clean text costs one regular-expression scan per wrong decoding.
    """
    repaired = list(texts)
    for _ in range(_MAX_PASSES):
        diagnosis = diagnose("\n".join(repaired))
        if diagnosis.decoding is None:
            break
        logger.debug(
            "repairing %d words of UTF-8 read as %s", diagnosis.words, diagnosis.decoding.name
        )
        repaired = [repair_words(text, diagnosis.decoding) for text in repaired]
    return repaired
