"""The reading-time estimate of a questionnaire and the located warning it draws from the loader."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scoring import estimate
from scoring.estimate import answer_count, estimate_minutes, minutes_warning, reading_words, words
from scoring.loader import load, load_with_warnings, parse_with_warnings
from scoring.models import Questionnaire

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = ROOT / "tests" / "data" / "good" / "minimal.yaml"
BALANCED = ROOT / "tests" / "data" / "good" / "balanced.yaml"


def test_words() -> None:
    assert words("I take recruiter calls.") == 4
    assert words("  two\n words ") == 2
    assert words("") == words(None) == 0


def test_minimal_counted_by_hand() -> None:
    q = load(MINIMAL)
    # Section titles: "Recruiter calls" 2 + "Looking at roles" 3; item texts 13+10+9+10+8+10+6 = 66 (p1 … note);
    # options of s1: 2 + 10 + 7 = 19; the agree5 labels once: 2+1+1+1+2 = 7.
    assert reading_words(q) == 2 + 3 + 66 + 19 + 7
    assert answer_count(q) == 6  # 5 Likert + 1 choice; the free-text item is not an answer to pick
    expected = reading_words(q) / 220 + (6 * 3 + 1 * 30) / 60
    assert estimate_minutes(q) == pytest.approx(expected)


def test_what_is_not_read_while_answering_does_not_count() -> None:
    data = yaml.safe_load(MINIMAL.read_text(encoding="utf-8"))
    base = reading_words(Questionnaire.model_validate(data))
    data["meta"]["description"] = "word " * 500
    data["sections"][0]["items"][0]["help"] = "word " * 50
    data["sections"][1]["items"][2]["options"][0]["why"] = "word " * 50
    assert reading_words(Questionnaire.model_validate(data)) == base
    data["sections"][0]["intro"] = "five words of intro text"
    assert reading_words(Questionnaire.model_validate(data)) == base + 5


def test_a_scale_is_read_once_and_claims_count_as_answers() -> None:
    q = load(BALANCED)
    scale_words = sum(words(p.label) for p in q.scales["agree5"].points)
    items = sum(words(i.text) for i in q.items())
    options = sum(words(o.label) for i in q.items() for o in getattr(i, "options", []))
    titles = sum(words(s.title) + words(s.intro) for s in q.sections)
    assert reading_words(q) == items + options + titles + scale_words
    assert answer_count(q) == 28 + 3 + 9


@pytest.mark.parametrize(("declared", "warns"), [(4, True), (5, False), (6, False), (8, False), (9, True)])
def test_warning_beyond_30_percent(declared: int, warns: bool) -> None:
    data = yaml.safe_load(BALANCED.read_text(encoding="utf-8"))
    data["meta"]["estimated_minutes"] = declared
    q = Questionnaire.model_validate(data)
    assert 6.0 < estimate_minutes(q) < 6.5  # so 30 % is about 4.4 … 8.2 minutes
    assert (minutes_warning(q) is not None) == warns


def test_loader_locates_the_warning_and_still_loads(tmp_path: Path) -> None:
    text = MINIMAL.read_text(encoding="utf-8").replace("estimated_minutes: 1", "estimated_minutes: 30")
    q, warnings = parse_with_warnings(text, "x.yaml")
    assert q.meta.estimated_minutes == 30
    [w] = warnings
    assert (w.file, w.line, w.path) == ("x.yaml", 7, "meta.estimated_minutes")
    assert w.message.startswith("warning: estimated_minutes is 30 but the questionnaire reads in about 1.")
    assert load_with_warnings(MINIMAL)[1] == []


def test_constants_are_documented() -> None:
    doc = (ROOT / "questions" / "README.md").read_text(encoding="utf-8")
    assert f"{estimate.WORDS_PER_MINUTE:g} words a minute" in doc
    assert f"{estimate.SECONDS_PER_ANSWER:g} seconds per answer" in doc
    assert f"{estimate.SECONDS_PER_TEXT:g} seconds per free-text item" in doc
