"""Dependencies that are true: tested floors, upper bounds, and CI's pins inside every range."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]


def requirements(name: str) -> list[Requirement]:
    out: list[Requirement] = []
    for raw in (ROOT / name).read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line and not line.startswith("-r"):
            out.append(Requirement(line))
    return out


def pins(name: str) -> dict[str, Version]:
    found: dict[str, Version] = {}
    for raw in (ROOT / name).read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            package, _, version = line.partition("==")
            assert version, f"{name}: {line!r} is not an exact pin"
            found[canonicalize_name(package)] = Version(version)
    return found


REQUIREMENTS = requirements("requirements.txt") + requirements("requirements-dev.txt")


def test_the_dev_file_includes_the_runtime_file() -> None:
    assert "-r requirements.txt" in (ROOT / "requirements-dev.txt").read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("req", REQUIREMENTS, ids=str)
def test_every_requirement_has_a_floor_and_an_upper_bound(req: Requirement) -> None:
    operators = {spec.operator for spec in req.specifier}
    assert ">=" in operators and "<" in operators, req


@pytest.mark.parametrize("req", REQUIREMENTS, ids=str)
def test_constraints_min_pins_each_floor(req: Requirement) -> None:
    floor = next(Version(spec.version) for spec in req.specifier if spec.operator == ">=")
    assert pins("constraints-min.txt").get(canonicalize_name(req.name)) == floor, f"{req}: floor not in constraints-min"


@pytest.mark.parametrize("req", REQUIREMENTS, ids=str)
def test_ci_pins_lie_inside_every_range(req: Requirement) -> None:
    pinned = pins("constraints.txt").get(canonicalize_name(req.name))
    assert pinned is not None, f"{req.name} is not pinned in constraints.txt"
    assert req.specifier.contains(pinned, prereleases=True), f"constraints.txt has {req.name}=={pinned}, outside {req}"


def test_extras_are_pinned_too() -> None:
    # psycopg[binary] brings psycopg-binary: both are pinned at the floor and in CI, at the same version.
    for name in ("constraints-min.txt", "constraints.txt"):
        found = pins(name)
        assert found["psycopg-binary"] == found["psycopg"], name
