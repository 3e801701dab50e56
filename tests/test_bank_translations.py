"""Every translation of the shipped bank: the same instrument (ids, keys, bands), its own well-written text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scoring.derived import WORDING_FIELDS
from scoring.loader import load, load_library, primary
from scoring.models import ChoiceItem, LikertItem, Questionnaire

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "questions"
LIBRARY, ERRORS = load_library(QUESTIONS)
PAIRS = [
    (qid, lang)
    for qid, languages in sorted(LIBRARY.items())
    for lang in sorted(languages)
    if languages[lang] is not primary(languages)
]
# Per language: negations that would make a reverse-keyed statement a double negative, and the words
# that name the "right" attitude (the same rules as tests/test_bank.py for English).
NEGATIONS = {"de": re.compile(r"\b(nicht|kein\w*|nie|niemals|nichts|niemand|weder)\b", re.I)}
LEADING = {"de": re.compile(r"\b(strategisch\w*|taktisch\w*|transaktional\w*|proaktiv\w*|zielgerichtet\w*)", re.I)}


def texts(q: Questionnaire) -> dict[str, str]:
    """Every wording field of a questionnaire by its path (item text, labels, advice, playbook …)."""
    out: dict[str, str] = {}

    def walk(value: object, path: str, wording: bool) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}", wording or key in WORDING_FIELDS)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, f"{path}[{i}]", wording)
        elif isinstance(value, str) and wording:
            out[path] = value

    data = q.model_dump()
    walk({k: v for k, v in data.items() if k not in {"advice", "playbook"}}, "", False)
    walk({"advice": data["advice"], "playbook": data["playbook"]}, "", True)  # all of their text is wording
    return out


def test_the_bank_ships_in_english_and_german() -> None:
    assert ERRORS == []
    assert sorted(LIBRARY["strategic-candidate"]) == ["de", "en"]


@pytest.mark.parametrize(("qid", "lang"), PAIRS)
def test_a_translation_is_the_same_instrument(qid: str, lang: str) -> None:
    original, translated = primary(LIBRARY[qid]), LIBRARY[qid][lang]
    assert translated.scoring_key == original.scoring_key
    assert translated.content_hash != original.content_hash  # its own text version, tracked on its own
    assert (translated.meta.id, translated.meta.version) == (original.meta.id, original.meta.version)
    assert [i.id for i in translated.items()] == [i.id for i in original.items()]


@pytest.mark.parametrize(("qid", "lang"), PAIRS)
def test_every_text_is_translated(qid: str, lang: str) -> None:
    """Same wording fields in both; item texts, labels and advice differ from the original (names may not)."""
    original, translated = texts(primary(LIBRARY[qid])), texts(LIBRARY[qid][lang])
    assert set(translated) == set(original)
    assert all(value.strip() for value in translated.values())
    # Citations stay as published; any other long text equal to the original was not translated.
    same = [p for p, v in translated.items() if v == original[p] and len(v) > 24 and ".references" not in p]
    assert same == [], f"{len(same)} long texts left in the original language"


@pytest.mark.parametrize(("qid", "lang"), PAIRS)
def test_the_design_rules_hold_in_translation(qid: str, lang: str) -> None:
    q = LIBRARY[qid][lang]
    for item in q.items():
        if isinstance(item, LikertItem) and item.reverse and lang in NEGATIONS:
            assert not NEGATIONS[lang].search(item.text), item.id
        if lang in LEADING:
            assert not LEADING[lang].search(item.text), item.id
        if isinstance(item, ChoiceItem):
            lengths = [len(o.label) for o in item.options]
            assert max(lengths) <= 1.5 * min(lengths), (item.id, lengths)
            if lang in LEADING:
                assert not any(LEADING[lang].search(o.label) for o in item.options), item.id


def test_the_check_can_fail(tmp_path: Path) -> None:
    """A translation that changes a key is a different instrument: its scoring key differs."""
    source = (QUESTIONS / "strategic-candidate.de.yaml").read_text(encoding="utf-8")
    changed = re.sub(r"(?m)^(\s+reverse:) true$", r"\1 false", source, count=1)
    assert changed != source
    (tmp_path / "x.de.yaml").write_text(changed, encoding="utf-8")
    assert load(tmp_path / "x.de.yaml").scoring_key != LIBRARY["strategic-candidate"]["de"].scoring_key
