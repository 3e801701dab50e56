"""Translations keep their original's scoring key: every drift located in the translation, the file left out."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from scoring import cli
from scoring.loader import load, load_library

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "tests" / "data" / "translations"

# One translated fixture per kind of drift: (language, the located lines expected, exactly).
DRIFTS = {
    "fr": ["41: sections[0].items[1].reverse: differs from mini.yaml: false here, true there"],
    "es": ["39: sections[0].items: item 'p3' is missing (mini.yaml has it)"],
    "it": ["43: sections[0].items[3]: item 'p4' is not in mini.yaml"],
    "nl": [
        "51: sections[1].items[2].options: option 'listen' is missing (mini.yaml has it)",
        "53: sections[1].items[2].options[1]: option 'call' is not in mini.yaml",
    ],
    "pt": ["54: sections[1].items[2].options[2].scores.exploration: differs from mini.yaml: 0.25 here, 0.5 there"],
    "sv": ["42: sections[0].items[2].weight: differs from mini.yaml: 1.0 here, 2.0 there"],
    "da": [
        f"{18 + i}: scales.agree5.points[{i}].value: differs from mini.yaml: {i} here, {i + 1} there" for i in range(5)
    ],
    "fi": [
        "59: bands.overall[0].max: differs from mini.yaml: 45.0 here, 40.0 there",
        "60: bands.overall[1].min: differs from mini.yaml: 45.0 here, 40.0 there",
    ],
    "pl": ["88: scoring.near_boundary: differs from mini.yaml: 5.0 here, 4.0 there"],
    "cs": ["36: sections: sections are in a different order from mini.yaml (calls, roles)"],
}


def located(lang: str) -> list[str]:
    return [f"{FOLDER / f'mini.{lang}.yaml'}:{line}" for line in DRIFTS[lang]]


def run(*argv: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main([str(a) for a in argv], out, err)
    return code, out.getvalue(), err.getvalue()


def test_the_good_translation_shares_the_key_and_only_the_wording_differs() -> None:
    english, german = load(FOLDER / "mini.yaml"), load(FOLDER / "mini.de.yaml")
    assert german.meta.language == "de"
    assert german.scoring_key == english.scoring_key
    assert german.content_hash != english.content_hash


@pytest.mark.parametrize("lang", sorted(DRIFTS))
def test_each_drifting_fixture_has_another_key(lang: str) -> None:
    # Guards the fixtures themselves: each must load as a valid file and drift.
    q = load(FOLDER / f"mini.{lang}.yaml")
    assert q.meta.language == lang
    assert q.scoring_key != load(FOLDER / "mini.yaml").scoring_key


def test_library_keeps_the_good_translation_and_leaves_out_every_drifting_one() -> None:
    library, errors = load_library(FOLDER)
    assert sorted(library["mini"]) == ["de", "en"]
    assert [str(e) for e in errors] == [line for lang in sorted(DRIFTS) for line in located(lang)]


@pytest.mark.parametrize("lang", sorted(DRIFTS))
def test_each_drift_is_reported_alone_and_located_in_the_translation(lang: str, tmp_path: Path) -> None:
    for name in ("mini.yaml", "mini.de.yaml", f"mini.{lang}.yaml"):
        shutil.copy(FOLDER / name, tmp_path / name)
    library, errors = load_library(tmp_path)
    assert sorted(library["mini"]) == ["de", "en"]
    expected = [line.replace(str(FOLDER), str(tmp_path)) for line in located(lang)]
    assert [str(e) for e in errors] == expected


def test_validate_reports_drifts_with_file_and_line_and_exits_1() -> None:
    code, out, err = run("validate", FOLDER)
    assert code == 1
    assert err.splitlines() == [line for lang in sorted(DRIFTS) for line in located(lang)]
    assert out.splitlines() == [
        f"ok {FOLDER / 'mini.de.yaml'} (mini 1.0 {load(FOLDER / 'mini.de.yaml').short_hash})",
        f"ok {FOLDER / 'mini.yaml'} (mini 1.0 {load(FOLDER / 'mini.yaml').short_hash})",
    ]


def test_validate_a_translation_alone_checks_it_against_the_original_beside_it() -> None:
    code, out, err = run("validate", FOLDER / "mini.fr.yaml")
    assert (code, out) == (1, "")
    assert err.splitlines() == located("fr")
    code, out, err = run("validate", FOLDER / "mini.de.yaml")
    assert (code, err) == (0, "")
    assert out.startswith(f"ok {FOLDER / 'mini.de.yaml'} ")


def test_validate_a_translation_without_an_original_says_nothing_more(tmp_path: Path) -> None:
    shutil.copy(FOLDER / "mini.fr.yaml", tmp_path / "mini.fr.yaml")
    code, out, err = run("validate", tmp_path)
    assert (code, err) == (0, "")
    assert out.startswith("ok ")


def test_two_files_with_one_id_and_language_are_still_a_mistake(tmp_path: Path) -> None:
    shutil.copy(FOLDER / "mini.de.yaml", tmp_path / "a.yaml")
    shutil.copy(FOLDER / "mini.de.yaml", tmp_path / "b.yaml")
    code, out, err = run("validate", tmp_path)
    assert code == 1
    assert out.count("ok ") == 1
    taken = "questionnaire id 'mini' in language 'de'"
    assert err == f"{tmp_path / 'b.yaml'}:1: meta.id: {taken} is also used by {tmp_path / 'a.yaml'}\n"


def test_the_first_difference_in_a_list_does_not_cascade(tmp_path: Path) -> None:
    # Item p3 missing shifts every later item's index; matching by id reports it once.
    shutil.copy(FOLDER / "mini.yaml", tmp_path / "mini.yaml")
    text = (FOLDER / "mini.es.yaml").read_text(encoding="utf-8").replace("reverse: true}", "}")
    (tmp_path / "mini.es.yaml").write_text(text, encoding="utf-8")
    _, errors = load_library(tmp_path)
    paths = [e.path for e in errors]
    assert paths == ["sections[0].items", "sections[0].items[1].reverse", "sections[1].items[1].reverse"]


def test_a_changed_item_type_names_the_fields_that_differ(tmp_path: Path) -> None:
    shutil.copy(FOLDER / "mini.yaml", tmp_path / "mini.yaml")
    text = (FOLDER / "mini.de.yaml").read_text(encoding="utf-8")
    text = text.replace("{id: p1, type: likert,", "{id: p1, type: claim,")
    text = text.replace("scale: agree5, dimension: partnership}", "scale: agree5}", 1)
    text = text.replace(
        "scoring:\n  min_answered: 0.6", "scoring:\n  quality: {erratic_spread: 0.3}\n  min_answered: 0.6"
    )
    (tmp_path / "mini.de.yaml").write_text(text, encoding="utf-8")
    library, errors = load_library(tmp_path)
    assert sorted(library["mini"]) == ["en"]
    assert [f"{e.line}: {e.path}: {e.message}" for e in errors] == [
        '40: sections[0].items[0].type: differs from mini.yaml: "claim" here, "likert" there',
        "40: sections[0].items[0]: field 'dimension' is not set here (mini.yaml has \"partnership\")",
        "40: sections[0].items[0]: field 'reverse' is not set here (mini.yaml has false)",
        "40: sections[0].items[0]: field 'weight' is not set here (mini.yaml has 1.0)",
        "86: scoring.quality.erratic_spread: is set here (0.3), not in mini.yaml",
    ]
