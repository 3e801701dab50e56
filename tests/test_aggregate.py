"""Cohort summaries: k-anonymity, CIs against scipy, effect sizes against a textbook, codebook, safe export."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from cohort import aggregate as agg
from scoring.loader import load
from scoring.models import ChoiceItem, ClaimItem, LikertItem, TextItem

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = ROOT / "tests" / "data" / "good" / "minimal.yaml"
BANK = ROOT / "questions" / "strategic-candidate.yaml"


# ----- suppression ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "k", "hidden"),
    [
        (0, 5, False),  # an empty cell reveals nobody
        (1, 5, True),
        (4, 5, True),  # k − 1: hidden
        (5, 5, False),  # exactly k: shown
        (6, 5, False),
        (1, 1, False),  # k = 1 hides nothing
        (9, 10, True),
        (10, 10, False),
    ],
)
def test_primary_suppression_at_the_boundary(n: int, k: int, hidden: bool) -> None:
    table = pd.DataFrame({"group": ["a"], "n": [n], "mean": [42.0]})
    out = agg.suppress(table, "n", k, complementary=False)
    assert pd.isna(out.loc[0, "mean"]) is hidden
    assert pd.isna(out.loc[0, "n"]) is hidden
    assert out.loc[0, "group"] == "a"  # labels stay
    assert out.loc[0, agg.NOTE] == (f"fewer than {k}" if hidden else "")


def test_suppress_leaves_the_input_alone_and_nulls_text_values_too() -> None:
    table = pd.DataFrame({"group": ["a", "b"], "n": [2, 50], "top_answer": ["x", "y"], "mean": [1.0, 2.0]})
    out = agg.suppress(table, "n", 5, keep=["group"], complementary=False)
    assert table.loc[0, "mean"] == 1.0
    assert out["top_answer"].tolist() == [None, "y"]
    assert out["mean"].isna().tolist() == [True, False]


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([3, 40, 20], [True, False, True]),  # one small cell: the next smallest goes with it
        ([3, 2, 40], [True, True, False]),  # two small cells: their sum is known, each one is not
        ([40, 30, 20], [False, False, False]),
        ([3, 0, 40], [True, False, True]),  # a zero is never the complement (it reveals nothing)
        ([3], [True]),
    ],
)
def test_complementary_suppression_blocks_subtraction(counts: list[int], expected: list[bool]) -> None:
    table = pd.DataFrame({"g": list("abc")[: len(counts)], "n": counts})
    out = agg.suppress(table, "n", 5)
    assert out["n"].isna().tolist() == expected
    notes = out[agg.NOTE].tolist()
    for c, note, h in zip(counts, notes, expected, strict=True):
        assert note == ("" if not h else ("fewer than 5" if c < 5 else agg.PROTECT))


def test_complementary_suppression_is_per_partition() -> None:
    table = pd.DataFrame({"measure": ["x", "x", "y", "y"], "g": ["a", "b", "a", "b"], "n": [3, 30, 30, 40]})
    out = agg.suppress(table, "n", 5, within=["measure"])
    assert out["n"].isna().tolist() == [True, True, False, False]


@pytest.mark.parametrize(
    ("labels", "k", "expected"),
    [
        ("aaaaabbbcccccccd", 5, {"a": 5, "c": 7, agg.OTHER: 4}),  # no top-up: merged b+d = 4
        ("aaaaaabbbbbbccccccc", 5, {"a": 6, "b": 6, "c": 7}),  # nothing small
        ("aaaaaaaaaaab", 5, {"a": 11, agg.OTHER: 1}),
        ("abc", 5, {agg.OTHER: 3}),
    ],
)
def test_merge_small_without_top_up(labels: str, k: int, expected: dict[str, int]) -> None:
    out = agg.merge_small(pd.Series(list(labels)), k, top_up=False)
    assert out.value_counts().to_dict() == expected


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ("aaaaabbbcccccccd", {"c": 7, f"{agg.OTHER} + a": 9}),  # b + d = 4 < 5, so the smallest (a, 5) joins
        ("aaaaaabbbbbbcccccccdddddd", {"a": 6, "b": 6, "c": 7, "d": 6}),
        ("aaaaaaaaaaab", {f"{agg.OTHER} + a": 12}),
    ],
)
def test_merge_small_tops_up_the_other_group(labels: str, expected: dict[str, int]) -> None:
    assert agg.merge_small(pd.Series(list(labels)), 5).value_counts().to_dict() == expected


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from("abcdefg"), min_size=0, max_size=60), st.integers(1, 8))
def test_merge_small_never_leaves_a_small_group(labels: list[str], k: int) -> None:
    out = agg.merge_small(pd.Series(labels, dtype=object), k)
    sizes = out.value_counts()
    assert (sizes >= k).all() or len(sizes) == 1  # every group reaches k, or all rows are in one


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from("rs"), st.sampled_from("abc"), st.sampled_from("xyz")), max_size=80),
    st.integers(2, 7),
)
def test_generalise_makes_every_visible_combination_at_least_k(rows: list[tuple], k: int) -> None:
    frame = pd.DataFrame(rows, columns=["recruiter", "campaign", "week"])
    frame["score"] = np.arange(len(frame), dtype=float)
    out = agg.generalise(frame, ["recruiter", "campaign", "week"], k)
    if len(out):
        assert out.groupby(["recruiter", "campaign", "week"]).size().min() >= k
    assert out.attrs["withheld"] == len(frame) - len(out)
    # Non-identifying values travel unchanged with their row.
    assert set(out["score"]) <= set(frame["score"])


def test_generalise_withholds_a_lone_small_group_instead_of_folding_a_big_one() -> None:
    frame = pd.DataFrame({"recruiter": list("aaaaaaaaaaab"), "campaign": list("xxxxxxyyyyyz")})
    out = agg.generalise(frame, ["recruiter", "campaign"], 5)
    assert out.attrs["withheld"] == 1
    assert out.groupby(["recruiter", "campaign"]).size().to_dict() == {("a", "x"): 6, ("a", "y"): 5}


@pytest.mark.parametrize("k", [0, -1, 2.5, True])
def test_k_must_be_a_positive_integer(k) -> None:
    with pytest.raises(ValueError, match="k must be"):
        agg.suppress(pd.DataFrame({"n": [1]}), "n", k)


# ----- means and CIs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "confidence"),
    [
        ([1.0, 2.0, 3.0, 4.0, 5.0], 0.95),
        ([10.0, 12.5, 9.0, 14.0], 0.95),
        ([50.0, 60.0], 0.90),
        (list(np.linspace(0, 100, 37)), 0.99),
    ],
)
def test_mean_ci_matches_scipy_t_interval(values: list[float], confidence: float) -> None:
    got = agg.mean_ci(values, confidence)
    x = np.asarray(values)
    low, high = sps.t.interval(confidence, len(x) - 1, loc=x.mean(), scale=sps.sem(x))
    assert got.mean == pytest.approx(x.mean())
    assert (got.ci_low, got.ci_high) == (pytest.approx(low), pytest.approx(high))
    assert got.sd == pytest.approx(x.std(ddof=1))
    assert got.n == len(x)


def test_mean_ci_by_hand() -> None:
    # 2, 4, 6: mean 4, sd 2, se 2/√3, t(0.975; 2) = 4.302652729911275 (tables give 4.303).
    got = agg.mean_ci([2, 4, 6])
    half = 4.302652729911275 * 2 / math.sqrt(3)
    assert (got.ci_low, got.ci_high) == (pytest.approx(4 - half), pytest.approx(4 + half))


@pytest.mark.parametrize("values", [[], [7.0], [float("nan"), 3.0]])
def test_mean_ci_without_spread_has_no_interval(values: list[float]) -> None:
    got = agg.mean_ci(values)
    assert math.isnan(got.ci_low) and math.isnan(got.ci_high)


def test_with_ci_agrees_with_mean_ci_on_the_same_data() -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"g": rng.choice(["a", "b"], 200), "x": rng.normal(50, 10, 200)})
    stats = agg.with_ci(agg.describe(frame, ["g"], ["x"]))
    for _, row in stats.iterrows():
        direct = agg.mean_ci(frame.loc[frame["g"] == row["g"], "x"])
        assert (row["ci_low"], row["ci_high"]) == (pytest.approx(direct.ci_low), pytest.approx(direct.ci_high))


# ----- effect sizes -------------------------------------------------------------------------------


def test_cohens_d_textbook_example() -> None:
    # Gravetter & Wallnau, Statistics for the Behavioral Sciences, section 10.4 (Example 10.2):
    # means 8 and 12, pooled variance 9 → estimated d = (8 − 12)/√9 = −1.33 ("d = 1.33" as a size).
    e = agg.cohens_d_from_stats(n1=8, mean1=8.0, sd1=3.0, n2=8, mean2=12.0, sd2=3.0)
    assert round(abs(e.d), 2) == 1.33
    assert e.d < 0


def test_cohens_d_by_hand_on_raw_scores() -> None:
    a = [2, 4, 6]  # mean 4, variance 4
    b = [5, 6, 7, 8]  # mean 6.5, variance 5/3
    pooled = math.sqrt((2 * 4 + 3 * 5 / 3) / 5)
    e = agg.cohens_d(a, b)
    assert e.d == pytest.approx((4 - 6.5) / pooled)
    assert e.g == pytest.approx(e.d * agg.hedges_correction(5))
    assert (e.n1, e.n2) == (3, 4)


@pytest.mark.parametrize("df", [5, 10, 18, 50, 200])
def test_hedges_exact_correction_is_close_to_the_usual_approximation(df: int) -> None:
    # J(df) ≈ 1 − 3/(4·df − 1) (Hedges, 1981), accurate to well under 1 % from df = 5.
    assert agg.hedges_correction(df) == pytest.approx(1 - 3 / (4 * df - 1), rel=2e-3)
    assert agg.hedges_correction(df) < 1


def test_effect_size_is_antisymmetric_and_nan_without_spread() -> None:
    a, b = [1.0, 2.0, 4.0], [3.0, 5.0, 6.0, 9.0]
    assert agg.cohens_d(a, b).d == pytest.approx(-agg.cohens_d(b, a).d)
    assert math.isnan(agg.cohens_d([1.0], b).d)
    assert math.isnan(agg.cohens_d([2.0, 2.0], [2.0, 2.0]).d)


def test_compare_groups_effect_sizes_and_suppression() -> None:
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(
        {
            "campaign": ["big"] * 60 + ["mid"] * 30 + ["tiny"] * 3 + ["wee"] * 2,
            "partnership": np.r_[rng.normal(60, 10, 60), rng.normal(50, 10, 30), [1.0, 2.0, 3.0], [4.0, 5.0]],
        }
    )
    table = agg.compare_groups(agg.describe(frame, ["campaign"], ["partnership"]), "campaign", 5)
    rows = table.set_index("campaign")
    assert rows.loc["big", "reference"] == "big"  # the largest group is the reference
    scores = frame.groupby("campaign")["partnership"]
    expected = agg.cohens_d(scores.get_group("mid"), scores.get_group("big"))
    assert rows.loc["mid", "d"] == pytest.approx(expected.d)
    assert rows.loc["mid", "g"] == pytest.approx(expected.g)
    assert rows.loc["mid", "ci_low"] == pytest.approx(agg.mean_ci(scores.get_group("mid")).ci_low)
    for small_group in ("tiny", "wee"):
        assert rows.loc[small_group].drop(["measure", "reference", agg.NOTE]).isna().all()
        assert rows.loc[small_group, agg.NOTE] == "fewer than 5"


def test_compare_groups_hides_a_complement_for_a_lone_small_group() -> None:
    stats = pd.DataFrame(
        {"campaign": ["big", "mid", "tiny"], "measure": "overall", "n": [60, 30, 3], "mean": [50.0, 40, 9], "sd": 10.0}
    )
    rows = agg.compare_groups(stats, "campaign", 5).set_index("campaign")
    assert rows.loc["mid", agg.NOTE] == agg.PROTECT and pd.isna(rows.loc["mid", "mean"])
    assert rows.loc["big", "mean"] == 50.0


# ----- distributions, bands, trend, drop-off --------------------------------------------------------


def test_score_edges_include_band_boundaries() -> None:
    edges = agg.score_edges([40, 67.5], width=10)
    assert edges[0] == 0 and edges[-1] == 100
    assert 67.5 in edges and 40 in edges and 70 in edges


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0, 9.99, 10, 39.9, 40, 100], [2, 1, 0, 1, 1, 0, 0, 0, 0, 1]),  # 100 lands in the last bin
        ([55, 55, 55], [0, 0, 0, 0, 0, 3, 0, 0, 0, 0]),
        ([float("nan"), -1, 101], [0] * 10),  # out of range and missing are not counted
    ],
)
def test_histogram_counts(values: list[float], expected: list[int]) -> None:
    edges = agg.score_edges(width=10)
    counts = agg.histogram_counts(values, edges)
    assert counts.tolist() == expected


def test_histogram_suppresses_small_bins_and_accepts_sql_counts() -> None:
    edges = [0, 50, 100]
    table = agg.histogram(None, edges, 5, counts=[4, 30])
    assert table["n"].isna().all()  # the lone small bin takes the other with it
    table = agg.histogram(None, edges, 5, counts=[5, 30])
    assert table["n"].tolist() == [5, 30]
    assert table["share"].tolist() == pytest.approx([5 / 35, 30 / 35])


def test_band_split_counts_every_band_in_order() -> None:
    bands = pd.Series(["mid"] * 10 + ["low"] * 7 + ["high"] * 2)
    table = agg.band_split(bands, ["low", "mid", "high"], ["Low", "Middle", "High"], 5)
    assert table["band"].tolist() == ["low", "mid", "high"]
    assert table["n"].isna().tolist() == [True, False, True]  # high (2) is small, low (7) its complement
    sql = agg.band_split(pd.DataFrame({"band": ["low", "mid"], "n": [7, 10]}), ["low", "mid", "high"], list("LMH"), 5)
    assert sql["n"].tolist() == [7, 10, 0]


def test_week_start_is_monday_utc() -> None:
    stamps = ["2026-11-29T23:30:00+00:00", "2026-11-30T00:10:00+01:00", "2026-12-02T12:00Z"]
    when = pd.Series(pd.to_datetime(stamps, format="ISO8601", utc=True))
    assert agg.week_start(when).dt.strftime("%Y-%m-%d").tolist() == ["2026-11-23", "2026-11-23", "2026-11-30"]


def test_weekly_trend_counts_means_and_hides_small_weeks() -> None:
    when = ["2026-11-02"] * 6 + ["2026-11-09"] * 2 + ["2026-11-16"] * 5
    frame = pd.DataFrame({"submitted_at": pd.to_datetime(when, utc=True), "overall": np.arange(13, dtype=float)})
    trend = agg.weekly_trend(frame, 5)
    assert trend["week"].dt.strftime("%Y-%m-%d").tolist() == ["2026-11-02", "2026-11-09", "2026-11-16"]
    assert trend["n"].isna().tolist() == [False, True, True]  # the small week and its complement
    assert trend.loc[0, "mean"] == pytest.approx(2.5)
    assert trend.loc[0, "ci_low"] == pytest.approx(agg.mean_ci(range(6)).ci_low)


def test_dropoff_by_page() -> None:
    table = agg.dropoff(pd.Series([0] * 6 + [2] * 8 + [9]), ["One", "Two", "Three"], 5)
    assert table["title"].tolist() == ["One", "Two", "Three"]
    assert table["n"].tolist()[:2] == [6, 0]
    assert table["n"].tolist()[2] == 9  # page 9 is beyond the list: counted on the last page
    sql = agg.dropoff(pd.DataFrame({"page": [0, 1], "n": [12, 7]}), ["One", "Two", "Three"], 5)
    assert sql["n"].tolist() == [12, 7, 0]


@pytest.mark.parametrize(
    ("started", "completed", "shared", "k", "rate", "share", "hidden"),
    [
        (100, 80, 20, 5, 0.8, 0.25, False),
        (10, 4, 1, 5, None, None, True),  # k − 1 completed: rates withheld
        (10, 5, 1, 5, 0.5, 0.2, False),
        (0, 0, 0, 5, None, None, False),
    ],
)
def test_headline(started, completed, shared, k, rate, share, hidden) -> None:
    h = agg.headline(started, completed, shared, 400.0, k)
    assert (h.started, h.completed, h.hidden) == (started, completed, hidden)
    assert h.completion_rate == (pytest.approx(rate) if rate is not None else None)
    assert h.share_rate == (pytest.approx(share) if share is not None else None)
    assert (h.median_duration_seconds is None) is (rate is None)


def test_headline_rejects_impossible_counts() -> None:
    with pytest.raises(ValueError, match="cannot exceed"):
        agg.headline(3, 4, 0, None, 5)


# ----- codebook and export --------------------------------------------------------------------------


@pytest.mark.parametrize("path", [MINIMAL, BANK], ids=["minimal", "bank"])
def test_codebook_describes_every_item_and_dimension(path: Path) -> None:
    q = load(path)
    book = agg.codebook(q).set_index("column")
    for item in q.items():
        row = book.loc[item.id]
        assert row["text"] == item.text
        if isinstance(item, LikertItem):
            assert row["dimension"] == item.dimension
            assert bool(row["reverse_keyed"]) is item.reverse
            for point in q.scales[item.scale].points:
                assert f"{point.value}={point.label}" in row["scale"]
        elif isinstance(item, ChoiceItem):
            assert row["dimension"] == ", ".join(item.dimensions())
            for option in item.options:
                assert f"{option.id}={option.label}" in row["options"]
        elif isinstance(item, ClaimItem):
            assert row["kind"] == "claim (not scored)"
            for point in q.scales[item.scale].points:
                assert f"{point.value}={point.label}" in row["scale"]
        else:
            assert isinstance(item, TextItem) and "not exported" in row["kind"]
    for dim in q.dimensions:
        assert book.loc[dim.id, "kind"] == "score"
    assert book.index.is_unique
    assert not book["text"].isna().any()


def test_minimal_codebook_reverse_keys_by_hand() -> None:
    book = agg.codebook(load(MINIMAL)).set_index("column")
    assert book.loc[["p1", "p2", "p3", "e1", "e2"], "reverse_keyed"].tolist() == [False, True, False, False, True]
    assert book.loc["s1", "options"].startswith("decline=Decline politely [exploration 0, partnership 0]")


def _export_frame(n: int, campaign: list[str] | None = None, **extra) -> pd.DataFrame:
    q = load(MINIMAL)
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "response": [f"r{i}" for i in range(n)],
            "content_hash": q.content_hash,
            "recruiter": "dana-whitfield",
            "campaign": campaign or ["spring"] * n,
            "submitted_at": pd.Timestamp("2026-11-03", tz="UTC"),
            "duration_seconds": 250.0,
            "p1": rng.integers(1, 6, n),
            "p2": rng.integers(1, 6, n),
            "p3": rng.integers(1, 6, n),
            "e1": rng.integers(1, 6, n),
            "e2": rng.integers(1, 6, n),
            "s1": rng.choice(["decline", "listen", "email"], n),
            "note": "my name is Jane Doe",
            "partnership": rng.uniform(0, 100, n),
            "exploration": rng.uniform(0, 100, n),
            "overall": rng.uniform(0, 100, n),
            "band": "developing",
            "flags": [["speeding"]] + [[]] * (n - 1),
            "shared": [True, False] * (n // 2) + [True] * (n % 2),
            "contact_name": ["Jane"] + [None] * (n - 1),
            "contact_email": ["jane@example.com"] + [None] * (n - 1),
        }
    )
    frame["contact_consent"] = frame["shared"]
    for key, value in extra.items():
        frame[key] = value
    return frame


def test_export_columns_match_the_codebook_and_leave_out_free_text() -> None:
    q = load(MINIMAL)
    out = agg.responses_export(_export_frame(10), q, 5, include_contact=False)
    book = agg.codebook(q)
    assert list(out.columns) == agg.export_columns(q, include_contact=False)
    assert set(out.columns) <= set(book["column"])
    assert "note" not in out.columns  # free text can name the candidate
    assert not any(c.startswith("contact_") for c in out.columns)
    assert out.loc[0, "flags"] == "speeding"
    assert out["week"].unique().tolist() == ["2026-11-02"]
    assert out["duration_minutes"].unique().tolist() == [4]


@pytest.mark.parametrize(
    ("include", "consent", "expected"),
    [(True, True, "jane@example.com"), (True, False, None), (False, True, "absent")],
)
def test_contact_needs_both_role_and_consent(include: bool, consent: bool, expected) -> None:
    frame = _export_frame(10)
    frame.loc[0, "contact_consent"] = consent
    out = agg.responses_export(frame, load(MINIMAL), 5, include_contact=include)
    if expected == "absent":
        assert "contact_email" not in out.columns
    else:
        assert out.loc[0, "contact_email"] == expected
        assert out["contact_email"].iloc[1:].isna().all()


def test_export_generalises_small_campaigns() -> None:
    frame = _export_frame(12, campaign=["spring"] * 8 + ["tiny"] * 4)
    out = agg.responses_export(frame, load(MINIMAL), 5, include_contact=False)
    # "tiny" (4) cannot be shown, and merging it alone would leave a group of 4: those rows are withheld.
    assert out["campaign"].value_counts().to_dict() == {"spring": 8}
    frame = _export_frame(15, campaign=["spring"] * 8 + ["tiny"] * 4 + ["wee"] * 3)
    out = agg.responses_export(frame, load(MINIMAL), 5, include_contact=False)
    assert out["campaign"].value_counts().to_dict() == {"spring": 8, "fewer than 5": 7}


def test_export_of_fewer_than_k_rows_is_empty() -> None:
    out = agg.responses_export(_export_frame(4), load(MINIMAL), 5, include_contact=False)
    assert out.empty


def test_export_refuses_to_pool_versions() -> None:
    frame = _export_frame(10)
    frame.loc[0, "content_hash"] = "0" * 64
    with pytest.raises(ValueError, match="different questionnaire versions"):
        agg.responses_export(frame, load(MINIMAL), 5, include_contact=False)


INJECTIONS = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1", "\n=1+1"]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_export_neutralises_formula_injection(payload: str) -> None:
    frame = _export_frame(10, campaign=[payload] * 10)
    frame["contact_name"] = [payload] + [None] * 9
    frame["overall"] = -2.0  # a plain negative number stays a number
    out = agg.responses_export(frame, load(MINIMAL), 5, include_contact=True)
    assert out.loc[0, "campaign"] == "'" + payload
    assert out.loc[0, "contact_name"] == "'" + payload
    assert out["overall"].dtype.kind == "f" and out.loc[0, "overall"] == -2.0
    parsed = pd.read_csv(io.BytesIO(agg.csv_bytes(out)), encoding="utf-8-sig")
    assert len(parsed) == len(out)  # no cell broke a row apart
    assert parsed.loc[0, "overall"] == -2.0
    for cell in parsed.select_dtypes(exclude="number").stack():
        assert not str(cell).startswith(("=", "+", "-", "@", "\t", "\r", "\n")), repr(cell)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=1, max_size=12), st.integers(1, 10))
def test_suppress_never_shows_a_small_cell_nor_a_lone_hidden_one(counts: list[int], k: int) -> None:
    out = agg.suppress(pd.DataFrame({"g": range(len(counts)), "n": counts}), "n", k)
    shown = out["n"].dropna()
    assert ((shown == 0) | (shown >= k)).all()
    hidden = out["n"].isna()
    positive = sum(1 for c in counts if c > 0)
    # A single hidden cell among several non-empty ones would be recoverable from the total.
    assert hidden.sum() != 1 or positive == 1


# ----- the whole view ----------------------------------------------------------------------------------


def _view_frame(q, n_done: int, n_open: int, flagged: int) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    dims = [d.id for d in q.dimensions]
    done = pd.DataFrame({d: rng.uniform(0, 100, n_done) for d in [*dims, "overall"]})
    done["band"] = np.where(done["overall"] < 40, "tactical", np.where(done["overall"] < 70, "developing", "strategic"))
    done["submitted_at"] = pd.Timestamp("2026-11-03", tz="UTC")
    done["duration_seconds"] = np.arange(n_done, dtype=float) * 10
    done["flags"] = [["speeding"]] * flagged + [[]] * (n_done - flagged)
    done["shared"] = [True] * 3 + [False] * (n_done - 3)
    done["page"] = 0
    done["campaign"] = "spring"
    unfinished = pd.DataFrame({"page": [1] * n_open, "campaign": "spring", "flags": [[]] * n_open, "shared": False})
    unfinished["submitted_at"] = pd.NaT
    frame = pd.concat([done, unfinished], ignore_index=True)
    frame["content_hash"] = q.content_hash
    return frame


def test_build_view_counts_and_quality_filter() -> None:
    q = load(MINIMAL)
    frame = _view_frame(q, n_done=30, n_open=6, flagged=4)
    labels = {"speeding": "Too fast"}
    view = agg.build_view(q, frame, 5, flag_labels=labels)
    assert (view.headline.started, view.headline.completed) == (36, 30)
    assert view.headline.share_rate == pytest.approx(3 / 30)
    assert view.headline.median_duration_seconds == pytest.approx(np.median(np.arange(30) * 10))
    assert (view.scored, view.flagged_excluded) == (26, 4)
    unflagged = frame[frame["submitted_at"].notna()].iloc[4:]
    expected = agg.band_split(unflagged["band"], ["tactical", "developing", "strategic"], ["T", "D", "S"], 5)
    assert view.bands["n"].tolist() == pytest.approx(expected["n"].tolist(), nan_ok=True)
    assert view.dropoff["n"].tolist()[:2] == [0, 6]
    assert pd.isna(view.flags.set_index("flag").loc["speeding", "n"])  # 4 < k
    with_flagged = agg.build_view(q, frame, 5, flag_labels=labels, include_flagged=True)
    assert (with_flagged.scored, with_flagged.flagged_excluded) == (30, 0)


def test_build_view_refuses_two_versions() -> None:
    q = load(MINIMAL)
    frame = _view_frame(q, n_done=10, n_open=0, flagged=0)
    frame.loc[0, "content_hash"] = "f" * 64
    with pytest.raises(ValueError, match="must not be pooled"):
        agg.build_view(q, frame, 5, flag_labels={})


def test_flag_counts_protect_the_any_none_pair() -> None:
    flags = pd.Series([["speeding"]] * 3 + [[]] * 40)
    table = agg.flag_counts(flags, {"speeding": "Too fast", "inconsistent": "Both ways"}, 5).set_index("flag")
    assert pd.isna(table.loc["speeding", "n"]) and table.loc["inconsistent", "n"] == 0
    # "any" (3) is hidden, so "none" must be too: the total is on the page.
    assert pd.isna(table.loc["any", "n"]) and pd.isna(table.loc["none", "n"])


def test_store_frame_adapters() -> None:
    q = load(MINIMAL)
    frame = pd.DataFrame(
        {"response_id": ["abc"], "recruiter_id": ["r"], "shared": [True], "p1": [5], "e1": [2], "exploration": [50.0]}
    )
    items = agg.item_frame(frame, q)
    assert items.columns.tolist() == ["p1", "e1"]  # scored items present in the frame, by item id; no score
    assert items.loc[0, "p1"] == 5 and items.loc[0, "e1"] == 2
    exported = agg.export_input(frame, q)
    assert exported.loc[0, "recruiter"] == "r" and bool(exported.loc[0, "contact_consent"]) is True
    assert exported.loc[0, "response"] == agg.pseudonym("abc") != "abc"
    assert len(agg.pseudonym("abc")) == 16 and agg.pseudonym("abc") != agg.pseudonym("abd")
