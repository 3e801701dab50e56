"""Guards on the shipped question bank and the format guide: all loads, the shape holds, the extremes score right."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring import cli
from scoring.engine import score
from scoring.loader import QuestionnaireError, load, load_catalogue, parse, questionnaire_files
from scoring.models import ChoiceItem, LikertItem, Option, Questionnaire, TextItem
from scoring.quality import flags

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "questions"
BANK = QUESTIONS / "strategic-candidate.yaml"
GUIDE = QUESTIONS / "README.md"
FILES = questionnaire_files([QUESTIONS])


@pytest.fixture(scope="module")
def bank() -> Questionnaire:
    return load(BANK)


def likert_items(q: Questionnaire, dim: str | None = None) -> list[LikertItem]:
    """Likert items, optionally of one dimension."""
    return [i for i in q.items() if isinstance(i, LikertItem) and (dim is None or i.dimension == dim)]


def choice_items(q: Questionnaire) -> list[ChoiceItem]:
    return [i for i in q.items() if isinstance(i, ChoiceItem)]


def total(item: ChoiceItem, option: Option) -> float:
    """Sum of an option's scores over every dimension the item scores (absent = 0)."""
    return sum(option.scores.get(dim, 0.0) for dim in item.dimensions())


def extreme_answers(q: Questionnaire, strategic: bool) -> dict[str, int | str]:
    """The most (or least) strategic answer to every scored item."""
    answers: dict[str, int | str] = {}
    for item in q.scored_items():
        if isinstance(item, LikertItem):
            scale = q.scales[item.scale]
            answers[item.id] = scale.max if strategic != item.reverse else scale.min
        else:
            pick = max if strategic else min
            answers[item.id] = pick(item.options, key=lambda o, it=item: total(it, o)).id
    return answers


# ----- every file, and the guide ----------------------------------------------------------------


def test_questions_folder_has_the_bank() -> None:
    assert BANK in FILES


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_questionnaire_loads(path: Path) -> None:
    q = load(path)
    assert q.meta.id and len(q.content_hash) == 64


def test_catalogue_has_no_errors_or_duplicate_ids() -> None:
    found, errors = load_catalogue(QUESTIONS)
    assert [str(e) for e in errors] == []
    assert len(found) == len(FILES)


def guide_examples() -> list[str]:
    return re.findall(r"^```yaml\n(.*?)^```", GUIDE.read_text(encoding="utf-8"), flags=re.S | re.M)


def test_guide_has_exactly_one_complete_yaml_example() -> None:
    assert len(guide_examples()) == 1


def test_guide_example_parses_and_matches_its_worked_scores() -> None:
    q = parse(guide_examples()[0], "questions/README.md")
    # The guide works this response through by hand; the engine must agree with the prose.
    r = score(q, {"p1": 4, "p2": 2, "p3": 5, "e1": 3, "e2": 1, "s1": "email"})
    assert r.dimensions["partnership"].score == pytest.approx(70.0)
    assert r.dimensions["partnership"].band == "high"
    assert r.dimensions["exploration"].score == pytest.approx(200 / 3)
    assert r.dimensions["exploration"].band == "mid"
    assert r.overall == pytest.approx(67.78, abs=0.01)
    assert r.band == "developing"
    assert r.near_boundary


# (mistake in the guide's example, every line the loader must print for it) — as quoted in the guide.
GUIDE_MISTAKES = [
    ('version: "1.0"', "version: 1.0"),
    ("weight: 2\n    method", 'weight: "2"\n    method'),
    ("reverse: true\n", "revers: true\n"),
    ("scale: agree5, dimension: exploration}", "scale: agree5, dimension: drive}"),
    ("{id: developing, label: Developing, min: 40", "{id: developing, label: Developing, min: 45"),
]


@pytest.mark.parametrize(("old", "new"), GUIDE_MISTAKES, ids=[new for _, new in GUIDE_MISTAKES])
def test_guide_error_table_matches_the_loader(old: str, new: str) -> None:
    """The error lines quoted in the guide are what the loader prints today, line numbers included."""
    example = guide_examples()[0]
    assert example.count(old) >= 1, old
    with pytest.raises(QuestionnaireError) as caught:
        parse(example.replace(old, new, 1), "questions/mini.yaml")
    guide = GUIDE.read_text(encoding="utf-8")
    for error in caught.value.errors:
        assert f"`{error}`" in guide, f"guide does not quote: {error}"


def test_guide_validate_command_passes_on_the_folder() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert "python -m scoring validate questions/" in GUIDE.read_text(encoding="utf-8")
    assert cli.main(["validate", str(QUESTIONS)], out=out, err=err) == 0, err.getvalue()
    assert f"ok {BANK}" in out.getvalue()


# ----- the bank's shape ---------------------------------------------------------------------------


def test_bank_identity(bank: Questionnaire) -> None:
    assert (bank.meta.id, bank.meta.version, bank.meta.language) == ("strategic-candidate", "1.0.0", "en")
    assert 6 <= bank.meta.estimated_minutes <= 8


def test_bank_has_five_to_seven_dimensions(bank: Questionnaire) -> None:
    assert 5 <= len(bank.dimensions) <= 7
    for dim in bank.dimensions:
        assert dim.short_name is not None and len(dim.short_name) <= 14, dim.id


def test_each_dimension_has_four_to_six_likert_items_with_a_reverse_key(bank: Questionnaire) -> None:
    for dim in bank.dimensions:
        items = likert_items(bank, dim.id)
        assert 4 <= len(items) <= 6, (dim.id, len(items))
        reverse = [i for i in items if i.reverse]
        assert reverse, f"{dim.id} has no reverse-keyed item"
        assert len(reverse) < len(items), f"{dim.id} is all reverse-keyed"


def test_bank_length_fits_the_time_estimate(bank: Questionnaire) -> None:
    # ~35 scored items is what a 6–8 minute estimate can carry (Likert ~7 s, scenarios ~25 s).
    assert 30 <= len(bank.scored_items()) <= 40
    assert 5 <= len(bank.sections) <= 6
    for section in bank.sections:
        assert section.intro, section.id


def test_every_page_mixes_statements_and_a_scenario(bank: Questionnaire) -> None:
    for section in bank.sections:
        kinds = {type(i) for i in section.items}
        assert {LikertItem, ChoiceItem} <= kinds, section.id


def test_free_text_is_optional(bank: Questionnaire) -> None:
    for item in bank.items():
        if isinstance(item, TextItem):
            assert not item.required, item.id


def test_item_texts_are_unique(bank: Questionnaire) -> None:
    texts = [i.text for i in bank.items()]
    assert len(texts) == len(set(texts))


def test_at_least_four_scenarios(bank: Questionnaire) -> None:
    assert len(choice_items(bank)) >= 4


def _scenario_ids() -> list[str]:
    """Choice item ids for parametrising; empty if the bank is broken (test_every_questionnaire_loads fails then)."""
    try:
        return [i.id for i in choice_items(load(BANK))]
    except Exception:
        return []


@pytest.mark.parametrize("item_id", _scenario_ids())
def test_scenario_has_a_clear_best_and_worst_option(bank: Questionnaire, item_id: str) -> None:
    item = bank.item(item_id)
    assert isinstance(item, ChoiceItem)
    assert 3 <= len(item.options) <= 4
    dims = item.dimensions()
    best = max(item.options, key=lambda o: total(item, o))
    worst = min(item.options, key=lambda o: total(item, o))
    assert max(best.scores.values()) >= 0.9
    # The best option is at least as strategic as every other on every dimension the item scores.
    for option in item.options:
        for dim in dims:
            assert best.scores.get(dim, 0.0) >= option.scores.get(dim, 0.0), (option.id, dim)
            assert worst.scores.get(dim, 0.0) <= option.scores.get(dim, 0.0), (option.id, dim)
    # Plausible middle options: not everything is 0 or 1.
    assert any(0 < total(item, o) < len(dims) for o in item.options)


def test_scenario_options_are_not_always_worst_to_best(bank: Questionnaire) -> None:
    ascending = [
        [total(item, o) for o in item.options] == sorted(total(item, o) for o in item.options)
        for item in choice_items(bank)
    ]
    descending = [
        [total(item, o) for o in item.options] == sorted((total(item, o) for o in item.options), reverse=True)
        for item in choice_items(bank)
    ]
    # A fixed order would teach the candidate where the "right" answer sits.
    assert not all(ascending)
    assert not all(descending)


def test_every_dimension_draws_on_a_scenario(bank: Questionnaire) -> None:
    covered = {dim for item in choice_items(bank) for dim in item.dimensions()}
    assert covered == {d.id for d in bank.dimensions}


def test_advice_for_every_dimension_and_band_and_a_playbook_per_dimension(bank: Questionnaire) -> None:
    bands = [b.id for b in bank.bands.dimension]
    for dim in bank.dimensions:
        assert sorted(bank.advice[dim.id]) == sorted(bands), dim.id
        for band in bands:
            advice = bank.advice[dim.id][band]
            assert advice.meaning and 1 <= len(advice.actions) <= 2
        entry = bank.playbook[dim.id]
        assert 1 <= len(entry.prepare) <= 3
        assert 2 <= len(entry.ask) <= 3
        assert all(q.endswith("?") for q in entry.ask), dim.id


def test_bands_are_tactical_developing_strategic(bank: Questionnaire) -> None:
    edges = [(b.id, b.min, b.max) for b in bank.bands.overall]
    assert edges == [("tactical", 0, 40), ("developing", 40, 70), ("strategic", 70, 100)]
    assert [(b.min, b.max) for b in bank.bands.dimension] == [(0, 40), (40, 70), (70, 100)]
    assert all(b.text for b in bank.bands.overall)


def test_scoring_rules(bank: Questionnaire) -> None:
    s = bank.scoring
    assert (s.min_answered, s.min_items_per_dimension, s.near_boundary) == (0.6, 4, 4)


def test_dimension_references_resolve_and_every_citation_is_used(bank: Questionnaire) -> None:
    ids = {r.id for r in bank.meta.references}
    used: set[str] = set()
    for dim in bank.dimensions:
        assert dim.references, f"{dim.id} cites nothing"
        assert set(dim.references) <= ids, dim.id
        used.update(dim.references)
    assert used == ids


# ----- scores at the extremes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("strategic", "band", "in_range"),
    [
        (True, "strategic", lambda x: x >= 90),
        (False, "tactical", lambda x: x <= 10),
    ],
    ids=["all-strategic", "all-tactical"],
)
def test_extreme_answers_score_at_the_ends(bank: Questionnaire, strategic: bool, band: str, in_range) -> None:
    answers = extreme_answers(bank, strategic)
    r = score(bank, answers)
    assert r.overall is not None and in_range(r.overall), r.overall
    assert r.band == band
    expected_dim_band = "high" if strategic else "low"
    assert {d: s.band for d, s in r.dimensions.items()} == dict.fromkeys(r.dimensions, expected_dim_band)
    # A consistent respondent at either end is not mistaken for a straight-liner or a careless one.
    assert flags(bank, answers) == []


def test_agreeing_with_everything_does_not_look_strategic(bank: Questionnaire) -> None:
    """Reverse keys keep acquiescence in the middle, and the straight-lining flag catches it."""
    answers = {i.id: bank.scales[i.scale].max for i in likert_items(bank)}
    r = score(bank, answers)
    assert r.band != "strategic"
    assert "straight_lining" in flags(bank, answers)


@st.composite
def complete_answers(draw: st.DrawFn, q: Questionnaire) -> dict[str, int | str]:
    out: dict[str, int | str] = {}
    for item in q.scored_items():
        if isinstance(item, LikertItem):
            out[item.id] = draw(st.sampled_from(q.scales[item.scale].values()))
        else:
            out[item.id] = draw(st.sampled_from([o.id for o in item.options]))
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_complete_response_sits_between_the_extremes(bank: Questionnaire, data: st.DataObject) -> None:
    answers = data.draw(complete_answers(bank))
    r = score(bank, answers)
    low = score(bank, extreme_answers(bank, strategic=False))
    high = score(bank, extreme_answers(bank, strategic=True))
    assert r.overall is not None and low.overall is not None and high.overall is not None
    assert low.overall - 1e-9 <= r.overall <= high.overall + 1e-9
    for dim, s in r.dimensions.items():
        assert s.score is not None
        assert low.dimensions[dim].score - 1e-9 <= s.score <= high.dimensions[dim].score + 1e-9
