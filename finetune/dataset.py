"""Training examples: read Alpaca, chat or plain-text JSONL, deduplicate, tokenize, split.

Every example becomes a chat (a list of ``{"role", "content"}`` messages ending with the
assistant's reply), because that is what the model will see at inference time: the
``hf:`` provider renders prompts with ``tokenizer.apply_chat_template``, so training text
goes through the same template (and the same plain ``role: text`` fallback for a base
without one). Training on one format and serving another is a classic cause of a tuned
model that answers worse than its base.

Plain-text rows (``{"text": …}``) are continued pre-training: the collection's own
passages, learned token by token with no template, so the model takes in the domain's
vocabulary and facts; their held-out share measures perplexity on unseen passages.

A bad row is reported with its file and line number and training does not start: a
dataset silently missing a tenth of its rows gives a worse adapter with no hint why.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROLES = ("system", "user", "assistant")
IGNORE = -100  # label of prompt tokens: the loss covers the assistant's reply only


class DatasetError(ValueError):
    """A dataset file or row that cannot be used; the message names the file and line."""


@dataclass
class Example:
    """One chat to learn from, or plain ``text`` (continued pre-training, no template);
    ``meta`` keeps provenance (source chunk, origin)."""

    messages: list[dict[str, str]]
    meta: dict[str, Any] = field(default_factory=dict)
    text: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"text": self.text} if self.text else {"messages": self.messages}
        if self.meta:
            data["meta"] = self.meta
        return data


@dataclass
class Tokenized:
    """An example as model input: ``labels`` is ``input_ids`` with the prompt masked."""

    input_ids: list[int]
    labels: list[int]


def _where(path: Path, line: int) -> str:
    return f"{path}, line {line}"


def _messages(row: dict[str, Any], where: str) -> list[dict[str, str]]:
    raw = row["messages"]
    if not isinstance(raw, list) or not raw:
        raise DatasetError(f"{where}: 'messages' must be a non-empty list")
    messages = []
    for i, message in enumerate(raw):
        if not isinstance(message, dict):
            raise DatasetError(f"{where}: messages[{i}] is not an object")
        role, content = message.get("role"), message.get("content")
        if role not in ROLES:
            raise DatasetError(f"{where}: messages[{i}] has role {role!r}; expected {ROLES}")
        if not isinstance(content, str) or not content.strip():
            raise DatasetError(f"{where}: messages[{i}] ({role}) has no text 'content'")
        messages.append({"role": role, "content": content})
    if messages[-1]["role"] != "assistant":
        raise DatasetError(f"{where}: the last message must be the assistant's reply")
    if not any(m["role"] == "user" for m in messages):
        raise DatasetError(f"{where}: no user message")
    return messages


def _alpaca(row: dict[str, Any], where: str) -> list[dict[str, str]]:
    parts = {}
    for key in ("instruction", "input", "output", "system"):
        value = row.get(key, "")
        if not isinstance(value, str):
            raise DatasetError(f"{where}: {key!r} must be a string, not {type(value).__name__}")
        parts[key] = value.strip()
    if not parts["instruction"]:
        raise DatasetError(f"{where}: 'instruction' is empty")
    if not parts["output"]:
        raise DatasetError(f"{where}: 'output' is empty")
    prompt = parts["instruction"] + (f"\n\n{parts['input']}" if parts["input"] else "")
    messages = [{"role": "system", "content": parts["system"]}] if parts["system"] else []
    return [
        *messages,
        {"role": "user", "content": prompt},
        {"role": "assistant", "content": parts["output"]},
    ]


def parse_row(text: str, path: Path, line: int) -> Example:
    """One JSONL line as an :class:`Example`; :class:`DatasetError` names the line."""
    where = _where(path, line)
    try:
        row = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(row, dict):
        raise DatasetError(f"{where}: expected a JSON object, got {type(row).__name__}")
    meta = row.get("meta") if isinstance(row.get("meta"), dict) else {}
    if "text" in row:
        text = row["text"]
        if not isinstance(text, str) or not text.strip():
            raise DatasetError(f"{where}: 'text' must be a non-empty string")
        return Example([], dict(meta), text=text)
    if "messages" in row:
        return Example(_messages(row, where), dict(meta))
    if "instruction" in row or "output" in row:
        return Example(_alpaca(row, where), dict(meta))
    raise DatasetError(
        f"{where}: neither chat form ('messages'), Alpaca form ('instruction', 'output') "
        "nor plain text ('text')"
    )


def read_jsonl(path: str | Path) -> list[Example]:
    """Every example of a JSONL file (blank lines skipped); the first bad row raises."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: no such file")
    examples = []
    with path.open(encoding="utf-8") as handle:
        for number, text in enumerate(handle, start=1):
            if text.strip():
                examples.append(parse_row(text, path, number))
    if not examples:
        raise DatasetError(f"{path}: no examples")
    return examples


def write_jsonl(examples: Iterable[Example], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for example in examples:
            handle.write(json.dumps(example.to_json(), ensure_ascii=False) + "\n")
    return path


def _key(example: Example) -> str:
    """Case- and whitespace-insensitive identity of an example's text."""
    text = example.text or "\x1e".join(f"{m['role']}\x1f{m['content']}" for m in example.messages)
    normal = re.sub(r"\s+", " ", text.casefold()).strip()
    return hashlib.sha256(normal.encode()).hexdigest()


def deduplicate(examples: Sequence[Example]) -> list[Example]:
    """Drop repeats (first kept): duplicates overweight a row and leak into validation."""
    seen: set[str] = set()
    kept = []
    for example in examples:
        key = _key(example)
        if key not in seen:
            seen.add(key)
            kept.append(example)
    return kept


def render(tokenizer: Any, messages: list[dict[str, str]], *, prompt_only: bool = False) -> str:
    """The text the model sees, as the ``hf:`` provider builds it at inference time."""
    chat = messages[:-1] if prompt_only else messages
    if tokenizer.chat_template:
        return tokenizer.apply_chat_template(
            chat, tokenize=False, add_generation_prompt=prompt_only
        )
    from agent.models.local_chat import plain_prompt

    if prompt_only:
        return plain_prompt(chat)
    return plain_prompt(chat[:-1]) + " " + chat[-1]["content"]


def tokenize(tokenizer: Any, example: Example) -> Tokenized:
    """Token ids with the prompt's labels masked, so the loss is on the reply alone.

    With a chat template the text carries its own BOS (as in the ``hf:`` provider), so no
    special tokens are added; the EOS of a template-less model is appended by hand.
    Plain ``text`` (continued pre-training) has no prompt: every token is learned, and
    the EOS closes it so the model learns where a passage ends.
    """
    if example.text:
        ids = tokenizer(example.text, add_special_tokens=True)["input_ids"]
        if tokenizer.eos_token_id is not None:
            ids = [*ids, tokenizer.eos_token_id]
        return Tokenized(input_ids=ids, labels=list(ids))
    templated = bool(tokenizer.chat_template)
    prompt = render(tokenizer, example.messages, prompt_only=True)
    full = render(tokenizer, example.messages)
    add = not templated
    prompt_ids = tokenizer(prompt, add_special_tokens=add)["input_ids"]
    ids = tokenizer(full, add_special_tokens=add)["input_ids"]
    if not templated and tokenizer.eos_token_id is not None:
        ids = [*ids, tokenizer.eos_token_id]
    cut = _common_prefix(prompt_ids, ids)  # the whole prompt, unless merges cross the seam
    labels = [IGNORE] * cut + ids[cut:]
    return Tokenized(input_ids=ids, labels=labels)


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def filter_by_length(
    tokenizer: Any, examples: Sequence[Example], max_tokens: int
) -> tuple[list[Example], list[Tokenized], int]:
    """Examples that fit ``max_tokens`` with at least one reply token; and how many did not.

    Long rows are dropped, not truncated: a cut reply teaches the model to stop mid-answer.
    """
    kept, encoded, dropped = [], [], 0
    for example in examples:
        tokens = tokenize(tokenizer, example)
        if len(tokens.input_ids) > max_tokens or all(t == IGNORE for t in tokens.labels):
            dropped += 1
            continue
        kept.append(example)
        encoded.append(tokens)
    return kept, encoded, dropped


def split(
    examples: Sequence[Example], val_fraction: float = 0.1, seed: int = 0
) -> tuple[list[Example], list[Example]]:
    """A seeded shuffle cut into train and validation (at least one of each from 2 rows)."""
    if not 0 <= val_fraction < 1:
        raise DatasetError(f"val_fraction must be in [0, 1), got {val_fraction}")
    order = list(examples)
    random.Random(seed).shuffle(order)
    if len(order) < 2 or val_fraction == 0:
        return order, []
    n_val = min(len(order) - 1, max(1, round(len(order) * val_fraction)))
    return order[n_val:], order[:n_val]


@dataclass
class BuiltDataset:
    """What :func:`build` wrote, and what it left out (for the user to see)."""

    train: Path
    val: Path
    rows_in: int
    duplicates: int
    too_long: int
    n_train: int
    n_val: int

    def to_dict(self) -> dict[str, Any]:
        return {k: str(v) if isinstance(v, Path) else v for k, v in self.__dict__.items()}


def build(
    examples: Sequence[Example],
    out_dir: str | Path,
    *,
    tokenizer: Any | None = None,
    max_tokens: int = 1024,
    val_fraction: float = 0.1,
    seed: int = 0,
) -> BuiltDataset:
    """Deduplicate, length-filter (with the base model's tokenizer if given), split, write."""
    out_dir = Path(out_dir)
    unique = deduplicate(examples)
    too_long = 0
    if tokenizer is not None:
        unique, _, too_long = filter_by_length(tokenizer, unique, max_tokens)
    if not unique:
        raise DatasetError("no examples left after deduplication and length filtering")
    train, val = split(unique, val_fraction, seed)
    return BuiltDataset(
        train=write_jsonl(train, out_dir / "train.jsonl"),
        val=write_jsonl(val, out_dir / "val.jsonl"),
        rows_in=len(examples),
        duplicates=len(examples) - len(unique) - too_long,
        too_long=too_long,
        n_train=len(train),
        n_val=len(val),
    )
