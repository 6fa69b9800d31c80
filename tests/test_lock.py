"""The lock (constraints.txt) agrees with pyproject.toml and with what is installed.

Both README commands install with ``-c constraints.txt``: if a requirement in
pyproject.toml is missing from the lock, or pinned at a version its specifier refuses,
pip would resolve it afresh (or fail), and the tested combination would no longer be the
one users get. ``bash .ci/lock`` refreshes the lock (docs/development.md).
"""

from __future__ import annotations

import sys
import tomllib
from importlib.metadata import distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
# Installed by venv/pip themselves, never by our requirements.
TOOLING = {"pip", "setuptools", "wheel", "veraz"}


def read_lock(path: Path) -> dict[str, Version]:
    """The pins of a constraints file: canonical name → version. Anything but
    ``name==version`` lines and comments is an error naming the line."""
    pins: dict[str, Version] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        assert sep and name.strip() and version.strip(), f"{path.name}:{number}: not name==version"
        pins[canonicalize_name(name.strip())] = Version(version.strip())
    return pins


def project_requirements() -> list[tuple[str, Requirement]]:
    """Every requirement in pyproject.toml, with the extra it belongs to (self-references
    such as ``veraz[hf]`` left out: they only gather other extras)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found = [("dependencies", Requirement(text)) for text in project["dependencies"]]
    for extra, texts in project["optional-dependencies"].items():
        found += [(extra, Requirement(text)) for text in texts]
    return [(where, req) for where, req in found if canonicalize_name(req.name) != "veraz"]


def test_every_requirement_is_pinned_at_a_version_it_accepts() -> None:
    pins = read_lock(ROOT / "constraints.txt")
    problems = []
    for where, requirement in project_requirements():
        applies = requirement.marker is None or requirement.marker.evaluate({"extra": ""})
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is None:
            if applies:
                problems.append(f"{requirement} ({where}) is not in constraints.txt")
            continue
        if not requirement.specifier.contains(pinned, prereleases=True):
            problems.append(f"{requirement} ({where}) refuses the locked {pinned}")
    assert not problems, "pyproject.toml and constraints.txt disagree (bash .ci/lock):\n" + (
        "\n".join(problems)
    )


def test_the_environment_holds_exactly_the_lock() -> None:
    """What the tests run with is what the lock says: every installed distribution is
    pinned, at the installed version (a package installed by hand, or a lock refreshed
    without reinstalling, shows up here)."""
    if sys.prefix == sys.base_prefix:
        import pytest

        pytest.skip("not in a virtual environment: the system's packages are not ours")
    pins = read_lock(ROOT / "constraints.txt")
    problems = []
    for dist in distributions():
        name = canonicalize_name(dist.metadata["Name"])
        if name in TOOLING:
            continue
        installed = Version(dist.version)
        pinned = pins.get(name)
        if pinned is None:
            problems.append(f"{name} {installed} is installed but not in constraints.txt")
        elif Version(installed.base_version) != pinned and installed != pinned:
            problems.append(f"{name} {installed} is installed, constraints.txt pins {pinned}")
    assert not problems, "\n".join(sorted(problems))


def test_the_lock_reader_names_a_bad_line(tmp_path: Path) -> None:
    bad = tmp_path / "constraints.txt"
    bad.write_text("# comment\nnumpy==2.0.0\nrequests>=2\n", encoding="utf-8")
    try:
        read_lock(bad)
    except AssertionError as error:
        assert "constraints.txt:3" in str(error)
    else:
        raise AssertionError("a line without == was accepted")


def test_the_readme_installs_the_locked_uv() -> None:
    """The README's first command installs uv by name before the lock is in use: its pin
    there must be the lock's, or a refreshed lock would leave the README behind."""
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = re.search(r"\buv==([0-9][0-9.]*)", readme)
    assert named, "the README's first command no longer pins uv"
    assert Version(named.group(1)) == read_lock(ROOT / "constraints.txt")["uv"]
