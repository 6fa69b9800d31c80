"""A spreadsheet cell's value written as the sheet shows it, from its Excel number format.

openpyxl gives a cell's stored value (0.125, 45413, a datetime) and its number format
("0.0%", "dd/mm/yyyy", "#,##0.00 €"); the user reads and asks about "12.5%", "01/05/2024",
"1,234.50 €". This covers the formats people use: General, fixed decimals, thousands
separators, percentages, scientific, currency symbols and quoted literals, colour and locale
tags, and date/time codes. Separators are the format's own (Excel writes "#,##0.00" whatever
the reader's locale), so a Spanish sheet's numbers read with a decimal point, as in the
file. Anything not understood falls back to the plain value, never to an error.
"""

from __future__ import annotations

import datetime as dt
import re

__all__ = ["format_cell"]

_BRACKET = re.compile(r"\[[^\[\]]*\]")  # no "[" inside: linear on "[[[["
_CURRENCY_TAG = re.compile(r"\[\$([^\]-]*)(?:-[^\]]*)?\]")
_QUOTED = re.compile(r'"([^"]*)"')
_DATE_CODES = re.compile(r"(yyyy|yy|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|am/pm|a/p)", re.I)
_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
_MONTHS_ES = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
    "octubre", "noviembre", "diciembre",
)  # fmt: skip
_DAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_DAYS_ES = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]
_SPANISH_LOCALES = ("-c0a", "-40a", "-es", "-80a", "-2c0a")


def format_cell(value: object, number_format: str | None) -> str:
    """``value`` as a sheet with ``number_format`` displays it ("" for an empty cell)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return value
    fmt = (number_format or "General").strip()
    try:
        if isinstance(value, dt.datetime | dt.date | dt.time):
            return _format_date(value, fmt)
        if isinstance(value, dt.timedelta):
            return str(value)
        if isinstance(value, int | float):
            return _format_number(float(value), fmt, is_int=isinstance(value, int))
    except (ValueError, OverflowError, IndexError):
        pass
    return str(value)


def _general(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.10g}"


def _section(fmt: str, value: float) -> tuple[str, bool]:
    """The part of a ``pos;neg;zero;text`` format that applies, and whether it writes its
    own minus sign (the negative section shows the absolute value)."""
    parts = fmt.split(";")
    if value < 0 and len(parts) > 1 and parts[1].strip():
        return parts[1], True
    if value == 0 and len(parts) > 2 and parts[2].strip():
        return parts[2], False
    return parts[0], False


def _format_number(value: float, fmt: str, *, is_int: bool) -> str:
    if fmt.lower() in ("general", "@", ""):
        return _general(value)
    section, own_sign = _section(fmt, value)
    if own_sign:
        value = abs(value)
    section = _CURRENCY_TAG.sub(lambda m: m.group(1), section)
    section = _BRACKET.sub("", section)  # [Red], [>=100]
    literals: list[str] = []

    def keep(text: str) -> str:
        literals.append(text)
        return f"\x00{len(literals) - 1}\x00"

    section = _QUOTED.sub(lambda m: keep(m.group(1)), section)
    section = re.sub(r"\\(.)", lambda m: keep(m.group(1)), section)
    section = re.sub(r"_.", lambda m: keep(" "), section)  # space the width of a char
    section = re.sub(r"\*.", "", section)  # fill with a repeated char: nothing to read
    if any(code in section.lower() for code in ("yy", "dd", "mm", "hh", "ss")) and not re.search(
        r"[0#?]", section
    ):
        return _format_date(_excel_serial_to_datetime(value), fmt)
    digits = re.search(r"[0#?][0#?,.\s]*(?:[eE][+-][0#?]+)?", section)
    if not digits:
        return _restore(section, literals) or _general(value)
    pattern = digits.group(0).rstrip()
    percents = section.count("%")
    scaled = value * (100**percents)
    if re.search(r"[eE][+-]", pattern):
        mantissa = pattern.split("e")[0].split("E")[0]
        decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        text = f"{scaled:.{decimals}E}"
    else:
        integer, _, fraction = pattern.partition(".")
        decimals = sum(1 for ch in fraction if ch in "0#?")
        grouped = "," in integer.strip(",")
        trailing_commas = len(integer) - len(integer.rstrip(","))
        scaled /= 1000**trailing_commas
        text = f"{scaled:,.{decimals}f}" if grouped else f"{scaled:.{decimals}f}"
        if "#" in fraction and "0" not in fraction and "." in text:
            text = text.rstrip("0").rstrip(".")
        if integer.strip(",").startswith("#") and text.startswith("0.") and "0" not in integer:
            text = text[1:]
    start = digits.start()
    end = start + len(pattern)  # the spaces after the digits are the format's own
    return (_restore(section[:start], literals) + text + _restore(section[end:], literals)).strip()


def _restore(text: str, literals: list[str]) -> str:
    return re.sub(r"\x00(\d+)\x00", lambda m: literals[int(m.group(1))], text)


def _excel_serial_to_datetime(serial: float) -> dt.datetime:
    return dt.datetime(1899, 12, 30) + dt.timedelta(days=serial)


def _format_date(value: dt.datetime | dt.date | dt.time, fmt: str) -> str:
    if fmt.lower() in ("general", ""):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    spanish = any(tag in fmt.lower() for tag in _SPANISH_LOCALES)
    section = _BRACKET.sub("", fmt.split(";")[0])
    literals: list[str] = []

    def keep(text: str) -> str:
        literals.append(text)
        return f"\x00{len(literals) - 1}\x00"

    section = _QUOTED.sub(lambda m: keep(m.group(1)), section)
    section = re.sub(r"\\(.)", lambda m: keep(m.group(1)), section)
    tokens = _DATE_CODES.split(section)
    twelve_hour = any(t.lower() in ("am/pm", "a/p") for t in tokens)
    if isinstance(value, dt.time):
        value = dt.datetime.combine(dt.date(1900, 1, 1), value)
    elif not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    months = _MONTHS_ES if spanish else _MONTHS_EN
    days = _DAYS_ES if spanish else _DAYS_EN
    out: list[str] = []
    codes = [i for i, t in enumerate(tokens) if i % 2 == 1]
    for i, token in enumerate(tokens):
        if i % 2 == 0:
            out.append(token)
            continue
        low = token.lower()
        previous = next((tokens[j].lower() for j in reversed(codes) if j < i), "")
        following = next((tokens[j].lower() for j in codes if j > i), "")
        minutes = low in ("m", "mm") and (previous.startswith("h") or following.startswith("s"))
        hour = value.hour % 12 or 12 if twelve_hour else value.hour
        out.append(
            {
                "yyyy": f"{value.year:04d}",
                "yy": f"{value.year % 100:02d}",
                "mmmm": months[value.month - 1],
                "mmm": months[value.month - 1][:3],
                "mm": f"{value.minute:02d}" if minutes else f"{value.month:02d}",
                "m": str(value.minute) if minutes else str(value.month),
                "dddd": days[value.weekday()],
                "ddd": days[value.weekday()][:3],
                "dd": f"{value.day:02d}",
                "d": str(value.day),
                "hh": f"{hour:02d}",
                "h": str(hour),
                "ss": f"{value.second:02d}",
                "s": str(value.second),
                "am/pm": "AM" if value.hour < 12 else "PM",
                "a/p": "A" if value.hour < 12 else "P",
            }[low]
        )
    return _restore("".join(out), literals).strip()
