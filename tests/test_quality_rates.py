"""Each quality flag's recall on the synthetic style it targets and its false-positive rate on honest
responses, on a mixed sample of the shipped bank (the test form of ``bench/bench_flags.py``).

The styles are our own rules (``scoring.sample``), so these figures show each flag catches the pattern
it was written for and spares honest answers; they say nothing about real candidates.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from scoring.loader import load
from scoring.quality import FLAGS, TARGETS, flag_rates
from scoring.sample import STYLES, generate

ROOT = Path(__file__).resolve().parents[1]
BANK = ROOT / "questions" / "strategic-candidate.yaml"
MIX = {"honest": 0.70, **{s: 0.05 for s in STYLES if s != "honest"}}


@pytest.fixture(scope="module")
def rates() -> pd.DataFrame:
    q = load(BANK)
    return flag_rates(q, generate(q, 4_000, seed=7, styles=MIX))  # 200 responses of each non-honest style


def test_every_flag_targets_a_style(rates: pd.DataFrame) -> None:
    assert set(TARGETS) == set(FLAGS)
    assert set(TARGETS.values()) <= set(STYLES) - {"honest", "midpoint"}
    assert list(rates.index) == list(FLAGS) and set(rates.columns) == set(STYLES)


@pytest.mark.parametrize("flag", FLAGS)
def test_recall_at_least_95_and_false_positives_at_most_5_percent(rates: pd.DataFrame, flag: str) -> None:
    assert rates.loc[flag, TARGETS[flag]] >= 0.95
    assert rates.loc[flag, "honest"] <= 0.05


def test_midpoint_style_is_caught_by_straight_lining_or_not_at_all(rates: pd.DataFrame) -> None:
    midpoint = rates["midpoint"]
    assert 0.2 < midpoint["straight_lining"] < 0.8  # only those whose middle answers reach the 90 % share
    assert (midpoint.drop("straight_lining") <= 0.05).all()


def test_faking_is_caught_only_by_overclaiming(rates: pd.DataFrame) -> None:
    faking = rates["faking"]
    assert faking["overclaiming"] >= 0.95
    assert (faking.drop("overclaiming") == 0).all()  # consistent, varied, unhurried: nothing else sees it
