"""Sources: the folders Veraz keeps in step on its own, and which files each one selects.

A source names folders, files or globs, when to look at them (an interval or a cron
expression), the collection they feed, and include/exclude patterns. It is configured in
``veraz.toml``::

    [[sources]]
    name = "papers"
    paths = ["~/papers", "~/notes/**/*.md"]
    every = "15m"                 # or: cron = "0 7 * * 1-5"
    collection = "research"       # default: VERAZ_COLLECTION
    include = ["*.pdf", "*.md"]   # default: every supported file type
    exclude = ["drafts/*", "*.tmp.md"]

or as JSON in ``VERAZ_SOURCES``. Which files a source takes is decided in
:mod:`ingestion.source_selection`. This module imports only pydantic, so reading the
settings stays cheap for commands that never ingest.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")  # fullmatch: "$" let "a\n" in
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DEFAULT_INTERVAL_SECONDS = 3600.0
MIN_INTERVAL_SECONDS = 1.0


def parse_interval(value: str | float) -> float:
    """Seconds in ``"90s"``, ``"15m"``, ``"2h"``, ``"1d"`` or a bare number of seconds."""
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(value)
        if not match:
            raise ValueError(
                f"interval {value!r} is not a duration: use a number with s, m, h or d, "
                'e.g. "30s", "15m", "2h", "1d"'
            )
        seconds = float(match.group(1)) * _UNIT_SECONDS[(match.group(2) or "s").lower()]
    if seconds < MIN_INTERVAL_SECONDS:
        raise ValueError(f"interval must be at least {MIN_INTERVAL_SECONDS:g} s, not {value!r}")
    return seconds


def _string_list(value: object) -> object:
    """One pattern or path may be written as a plain string."""
    return [value] if isinstance(value, str) else value


StringList = Annotated[list[str], BeforeValidator(_string_list)]


class SourceConfig(BaseModel):
    """One configured source (see the module docstring for the file format)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="Unique name; runs are recorded and locked under it.")
    paths: StringList = Field(min_length=1, description="Folders, files or globs.")
    every: str | float | None = Field(
        default=None, description='Interval: "30s", "15m", "2h", "1d" or seconds.'
    )
    cron: str | None = Field(default=None, description='Crontab, e.g. "0 7 * * 1-5".')
    collection: str | None = Field(default=None, description="Default: VERAZ_COLLECTION.")
    include: StringList = Field(default_factory=list)
    exclude: StringList = Field(default_factory=list)
    prune: bool = Field(
        default=True, description="Drop documents whose files were deleted from the folders."
    )

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if not _NAME.fullmatch(value):
            raise ValueError(
                f"source name {value!r} must be 1-64 letters, digits, '.', '_', ':' or '-', "
                "starting with a letter or digit"
            )
        return value

    @field_validator("every")
    @classmethod
    def _check_every(cls, value: str | float | None) -> str | float | None:
        if value is not None:
            parse_interval(value)
        return value

    @field_validator("cron")
    @classmethod
    def _check_cron(cls, value: str | None) -> str | None:
        if value is not None:
            from apscheduler.triggers.cron import CronTrigger

            try:
                CronTrigger.from_crontab(value)
            except ValueError as exc:
                raise ValueError(
                    f"cron {value!r} is not a crontab expression "
                    f'(minute hour day month weekday, e.g. "0 7 * * 1-5"): {exc}'
                ) from None
        return value

    @field_validator("collection")
    @classmethod
    def _check_collection(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", value):
            raise ValueError(f"collection name {value!r} is not valid")
        return value

    @model_validator(mode="after")
    def _one_schedule(self) -> SourceConfig:
        if self.every is not None and self.cron is not None:
            raise ValueError(f"source {self.name!r}: set either every or cron, not both")
        return self

    @property
    def interval_seconds(self) -> float | None:
        """Seconds between runs, or None when a cron expression decides."""
        if self.cron is not None:
            return None
        return DEFAULT_INTERVAL_SECONDS if self.every is None else parse_interval(self.every)

    def schedule_text(self) -> str:
        """How the schedule reads in ``veraz status``: "every 15m" or "cron 0 7 * * 1-5"."""
        if self.cron is not None:
            return f"cron {self.cron}"
        seconds = self.interval_seconds or DEFAULT_INTERVAL_SECONDS
        for unit in ("d", "h", "m"):
            if seconds % _UNIT_SECONDS[unit] == 0:
                return f"every {seconds / _UNIT_SECONDS[unit]:g}{unit}"
        return f"every {seconds:g}s"

    def collection_or(self, default: str) -> str:
        return self.collection or default
