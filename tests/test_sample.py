"""Synthetic respondents: deterministic, well-formed, valid answers, and the marked shares of bad respondents."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scoring.engine import check_frame, score_frame
from scoring.loader import load
from scoring.models import ChoiceItem, LikertItem, Questionnaire, TextItem
from scoring.quality import flags_frame
from scoring.sample import STYLES, generate, style_counts

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = ROOT / "tests" / "data" / "good" / "minimal.yaml"
BANK = ROOT / "questions" / "strategic-candidate.yaml"


@pytest.fixture(scope="module")
def minimal() -> Questionnaire:
    return load(MINIMAL)


@pytest.fixture(scope="module")
def bank() -> Questionnaire:
    return load(BANK)


def test_same_seed_same_data_other_seed_other_data(minimal: Questionnaire) -> None:
    first = generate(minimal, 300, seed=5)
    pd.testing.assert_frame_equal(first, generate(minimal, 300, seed=5))
    other = generate(minimal, 300, seed=6)
    assert not first.drop(columns="response_id").equals(other.drop(columns="response_id"))


def test_columns_and_shape(minimal: Questionnaire) -> None:
    frame = generate(minimal, 250)
    assert list(frame.columns) == ["response_id", "style", *(i.id for i in minimal.items()), "duration_seconds"]
    assert len(frame) == 250
    assert frame["response_id"].is_unique
    assert (frame["note"] == "").all()  # free text stays empty


def test_answers_are_valid_and_scorable(minimal: Questionnaire) -> None:
    frame = generate(minimal, 1_000, seed=3)
    assert check_frame(minimal, frame) == []
    for item in minimal.items():
        if isinstance(item, LikertItem):
            assert set(frame[item.id].unique()) <= set(minimal.scales[item.scale].values())
        elif isinstance(item, ChoiceItem):
            assert set(frame[item.id].unique()) <= {o.id for o in item.options}
    scores = score_frame(minimal, frame)
    assert scores["overall"].notna().all()
    assert scores["overall"].between(0, 100).all()


def test_answers_use_the_whole_scale_and_every_option(minimal: Questionnaire) -> None:
    frame = generate(minimal, 2_000, seed=1)
    assert set(frame["p1"]) == {1, 2, 3, 4, 5}
    assert set(frame["s1"]) == {"decline", "listen", "email"}


def test_reverse_keyed_item_runs_against_its_dimension(minimal: Questionnaire) -> None:
    frame = generate(minimal, 3_000, seed=2, straightliner_share=0, speeder_share=0)
    assert np.corrcoef(frame["p1"], frame["p3"])[0, 1] > 0.3
    assert np.corrcoef(frame["p1"], frame["p2"])[0, 1] < -0.3  # p2 is reverse-keyed


@pytest.mark.parametrize(("straight", "speed"), [(0.03, 0.03), (0.0, 0.1), (0.2, 0.0), (0.0, 0.0)])
def test_marked_shares_of_straight_liners_and_speeders(bank: Questionnaire, straight: float, speed: float) -> None:
    n = 4_000
    frame = generate(bank, n, seed=11, straightliner_share=straight, speeder_share=speed)
    result = flags_frame(bank, frame)
    # Honest respondents are slower than the speeding line, so speeders are exactly the marked share.
    assert result["speeding"].sum() == round(speed * n)
    # Honest respondents almost never give one answer to nearly every statement.
    assert round(straight * n) <= result["straight_lining"].sum() <= round(straight * n) + n // 200
    # Each straight-liner gives a single Likert value throughout.
    likert = [i.id for i in bank.items() if isinstance(i, LikertItem)]
    single = frame[likert].nunique(axis=1) == 1
    assert single.sum() >= round(straight * n)


def test_durations_are_realistic(bank: Questionnaire) -> None:
    frame = generate(bank, 4_000, seed=4, speeder_share=0)
    minutes = frame["duration_seconds"] / 60
    assert minutes.median() == pytest.approx(bank.meta.estimated_minutes, rel=0.15)
    assert (frame["duration_seconds"] > 0).all()


def test_optional_items_are_sometimes_skipped() -> None:
    q = load(MINIMAL)
    data = q.model_dump(mode="json", exclude_defaults=False)
    data["sections"][0]["items"][0]["required"] = False  # p1 becomes optional
    optional = Questionnaire.model_validate(data)
    frame = generate(optional, 2_000, seed=9)
    assert 0.05 < frame["p1"].isna().mean() < 0.2
    assert frame["p3"].notna().all()
    assert check_frame(optional, frame) == []


def test_zero_rows(minimal: Questionnaire) -> None:
    frame = generate(minimal, 0)
    assert len(frame) == 0
    assert "duration_seconds" in frame.columns


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": -1}, "non-negative"),
        ({"n": 2.5}, "non-negative integer"),
        ({"n": 10, "straightliner_share": 1.5}, "straightliner_share"),
        ({"n": 10, "speeder_share": -0.1}, "speeder_share"),
        ({"n": 10, "straightliner_share": 0.6, "speeder_share": 0.6}, "must not exceed 1"),
    ],
)
def test_bad_arguments(minimal: Questionnaire, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate(minimal, **kwargs)


def test_text_items_of_the_bank_are_empty(bank: Questionnaire) -> None:
    frame = generate(bank, 50)
    for item in bank.items():
        if isinstance(item, TextItem):
            assert (frame[item.id] == "").all()


# ----- response styles --------------------------------------------------------------------------

BALANCED = ROOT / "tests" / "data" / "good" / "balanced.yaml"


@pytest.fixture(scope="module")
def balanced() -> Questionnaire:
    return load(BALANCED)


def test_style_counts_are_exact_and_fill_with_honest() -> None:
    assert style_counts({"faking": 0.1, "random": 0.2}, 100) == {
        **dict.fromkeys(STYLES, 0),
        "honest": 70,
        "faking": 10,
        "random": 20,
    }
    counts = style_counts(dict.fromkeys(["honest", "faking", "random"], 1 / 3), 100)
    assert sum(counts.values()) == 100 and sorted(counts.values())[-3:] == [33, 33, 34]
    assert style_counts({"midpoint": 1}, 7)["midpoint"] == 7


@pytest.mark.parametrize(
    ("styles", "message"),
    [
        ({"lazy": 0.1}, "unknown response style 'lazy'"),
        ({"faking": 1.5}, "between 0 and 1"),
        ({"honest": 0.5, "faking": 0.2}, "must add up to 1, got 0.7"),
        ({"faking": 0.7, "random": 0.7}, "must add up to 1"),
    ],
)
def test_bad_style_mixes(styles: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        style_counts(styles, 10)


def test_style_column_and_valid_answers(balanced: Questionnaire) -> None:
    frame = generate(balanced, 1_400, seed=3, styles=dict.fromkeys(STYLES, 1 / len(STYLES)))
    assert frame["style"].value_counts().to_dict() == dict.fromkeys(STYLES, 200)
    assert check_frame(balanced, frame) == []
    claims = [i.id for i in balanced.claim_items()]
    assert set(np.unique(frame[claims].to_numpy())) <= {1, 2, 3, 4, 5}


def test_each_style_answers_as_documented(balanced: Questionnaire) -> None:
    frame = generate(balanced, 7_000, seed=4, styles=dict.fromkeys(STYLES, 1 / len(STYLES)))
    plain = [i.id for i in balanced.items() if isinstance(i, LikertItem) and not i.reverse]
    reverse = [i.id for i in balanced.items() if isinstance(i, LikertItem) and i.reverse]
    claims = [i.id for i in balanced.claim_items()]
    choices = [i for i in balanced.items() if isinstance(i, ChoiceItem)]
    by = {s: frame[frame["style"] == s] for s in STYLES}
    raw = {s: by[s][plain + reverse].to_numpy(dtype=float) for s in STYLES}
    agree = {s: (by[s][claims].to_numpy(dtype=float) >= 4).mean() for s in STYLES}
    # Acquiescent people agree more than honest ones, with plain and reverse items alike.
    assert raw["acquiescent"].mean() > raw["honest"].mean() + 1
    assert by["acquiescent"][reverse].to_numpy(dtype=float).mean() > 3.5
    # Midpoint people mostly answer 3; straight-liners give one value to every statement and claim.
    assert (raw["midpoint"] == 3).mean() > 0.85
    assert (by["straight-line"][plain + reverse + claims].nunique(axis=1) == 1).all()
    # Random answers use the whole scale about evenly.
    assert np.allclose(
        np.bincount(raw["random"].astype(int).ravel(), minlength=6)[1:] / raw["random"].size, 0.2, atol=0.02
    )
    # Fakers: the desirable end, the best option, and the foils claimed about 90 % of the time.
    assert by["faking"][plain].to_numpy().min() >= 4 and by["faking"][reverse].to_numpy().max() <= 2
    for item in choices:
        best = max(item.options, key=lambda o: sum(o.scores.values())).id
        assert (by["faking"][item.id] == best).all()
    assert 0.85 < agree["faking"] < 0.95
    # Honest people rarely endorse a foil.
    assert agree["honest"] < 0.08
    # Speeders answer like honest people, but far faster.
    assert abs(raw["speeder"].mean() - raw["honest"].mean()) < 0.1
    assert by["speeder"]["duration_seconds"].max() < by["honest"]["duration_seconds"].min()


def test_old_shares_still_work_and_map_to_styles(minimal: Questionnaire) -> None:
    frame = generate(minimal, 1_000, seed=1, straightliner_share=0.1, speeder_share=0.05)
    assert frame["style"].value_counts().to_dict() == {"honest": 850, "straight-line": 100, "speeder": 50}
    assert check_frame(minimal, frame) == []  # a bank without claim items: no claim columns
