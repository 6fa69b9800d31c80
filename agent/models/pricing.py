"""Token prices and context windows of hosted models, from a TOML table users can override.

The bundled table (``prices.toml`` next to this module) is merged with the file named
by ``VERAZ_PRICES_FILE``; entries there win. Unknown models cost "unknown" (``None``),
not zero: a usage report must not claim a paid call was free.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

BUNDLED = Path(__file__).with_name("prices.toml")


class PriceTableError(ValueError):
    """The user's price file cannot be read; names the file and the field."""


@dataclass(frozen=True)
class Price:
    input_per_million: float
    output_per_million: float
    context_window: int | None = None

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (
            prompt_tokens * self.input_per_million + completion_tokens * self.output_per_million
        ) / 1_000_000


def _read(path: Path) -> dict[str, dict[str, Price]]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PriceTableError(f"price file {path}: {exc}") from exc
    table: dict[str, dict[str, Price]] = {}
    for provider, models in raw.items():
        if not isinstance(models, dict):
            raise PriceTableError(f"price file {path}: [{provider}] must be a table of models")
        for model, entry in models.items():
            where = f"price file {path}: {provider}.{model}"
            if not isinstance(entry, dict):
                raise PriceTableError(f"{where} must be a table with input and output")
            try:
                price = Price(
                    input_per_million=float(entry["input"]),
                    output_per_million=float(entry["output"]),
                    context_window=int(entry["context_window"])
                    if "context_window" in entry
                    else None,
                )
            except KeyError as exc:
                raise PriceTableError(f"{where}: missing field {exc.args[0]!r}") from exc
            except (TypeError, ValueError) as exc:
                raise PriceTableError(f"{where}: {exc}") from exc
            table.setdefault(provider, {})[model] = price
    return table


@lru_cache(maxsize=8)
def price_table(user_file: Path | None = None) -> dict[str, dict[str, Price]]:
    table = _read(BUNDLED)
    if user_file is not None:
        for provider, models in _read(user_file).items():
            table.setdefault(provider, {}).update(models)
    return table


def lookup_price(provider: str, model: str, user_file: Path | None = None) -> Price | None:
    """The entry for ``model`` or the longest entry name that prefixes it; ``None`` if none."""
    models = price_table(user_file).get(provider, {})
    if model in models:
        return models[model]
    # "models/gemini-2.5-flash" (Gemini's resource names) matches "gemini-2.5-flash".
    bare = model.removeprefix("models/")
    prefixes = [name for name in models if bare.startswith(name)]
    return models[max(prefixes, key=len)] if prefixes else None
