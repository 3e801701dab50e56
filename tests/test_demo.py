"""Demo data: the right numbers of submitted, shared and unfinished responses, spread as documented."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from scoring.loader import load
from service import demo
from storage import Store

ROOT = Path(__file__).resolve().parents[1]
BANK = ROOT / "questions" / "strategic-candidate.yaml"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def bank():
    return load(BANK)


def test_recruiters_come_from_people_yaml_or_fall_back(tmp_path: Path) -> None:
    people = tmp_path / "people.yaml"
    people.write_text("recruiters:\n  ann-lee: {display_name: Ann}\n  bo-chen: {display_name: Bo}\n")
    assert demo.recruiter_ids(people) == ("ann-lee", "bo-chen")
    assert demo.recruiter_ids(tmp_path / "missing.yaml") == demo.FALLBACK_RECRUITERS
    (tmp_path / "empty.yaml").write_text("coaches: {}\n")
    assert demo.recruiter_ids(tmp_path / "empty.yaml") == demo.FALLBACK_RECRUITERS


@pytest.mark.parametrize(("n", "shared", "unfinished"), [(60, 6, 5), (0, 0, 0), (200, 10, 10)])
def test_load_demo_writes_what_it_reports(db_url: str, bank, n: int, shared: int, unfinished: int) -> None:
    with Store(db_url) as store:
        plan = demo.load_demo(store, bank, n, seed=3, weeks=4, max_slow=10, recruiters=("ann-lee", "bo-chen"), now=NOW)
        assert (plan.submitted, plan.shared, plan.unfinished) == (n, shared, unfinished)
        counts = store.campaign_counts()
        assert counts["completed"].sum() == n
        assert counts["started"].sum() == n + unfinished
        assert counts["shared"].sum() == shared
        frame = store.responses_frame(content_hash=bank.content_hash, submitted_only=False)
    if n == 0:
        assert frame.empty
        return
    assert set(frame["recruiter_id"]) == {"ann-lee", "bo-chen"}
    tiny = demo.CAMPAIGNS[-1][0]
    assert (frame["campaign"] == tiny).sum() == demo.TINY_CAMPAIGN_SIZE  # small on purpose: shows suppression
    done = frame[frame["submitted_at"].notna()]
    assert done["submitted_at"].min() >= NOW - timedelta(weeks=4, seconds=1)
    assert done["submitted_at"].max() <= NOW
    assert (done["started_at"] <= done["submitted_at"]).all()
    unfinished_pages = frame.loc[frame["submitted_at"].isna(), "page"]
    assert unfinished_pages.between(0, len(bank.sections) - 1).all()


def test_the_trend_rises_towards_now(bank) -> None:
    import numpy as np

    when = demo.timestamps(20_000, 12, NOW, np.random.default_rng(0))
    weeks_ago = ((NOW - when.dt.to_pydatetime()) / timedelta(weeks=1)).astype(float)
    recent, old = (weeks_ago < 6).sum(), (weeks_ago >= 6).sum()
    assert recent > old  # density rises linearly: 7/12 of the mass in the recent half
    assert abs(recent / 20_000 - 7 / 12) < 0.02


def test_campaigns_differ_in_where_candidates_stand(bank) -> None:
    import numpy as np

    from scoring.engine import score_frame
    from scoring.sample import generate

    scores = score_frame(bank, generate(bank, 4_000, seed=1))
    who = demo.assign(scores, ("a", "b"), np.random.default_rng(1))
    means = pd.Series(scores["overall"].to_numpy()).groupby(who["campaign"].to_numpy()).mean()
    first, last = demo.CAMPAIGNS[0][0], demo.CAMPAIGNS[-2][0]
    assert means[first] > means[last] + 2  # leaning strategic vs tactical, by design


def test_command_line(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert demo.main(["--n", "12", "--seed", "1", "--weeks", "2", "--url", db_url, "--max-slow", "2"]) == 0
    out = capsys.readouterr().out
    assert "added 12 submitted responses (1 of them shared) and 1 unfinished" in out
    # Progress counts against the same total as the summary: the bulk share, then all of them.
    progress = [line for line in out.splitlines() if "submitted responses written" in line]
    assert progress[0] == "8 of 12 submitted responses written"  # 12 - 1 shared - 3 in the tiny campaign
    assert progress[-1] == "12 of 12 submitted responses written, 1 of 1 unfinished"
    with Store(db_url) as store:
        assert store.campaign_counts()["completed"].sum() == 12


@pytest.mark.parametrize("args", [["--n", "-1"], ["--weeks", "0"]])
def test_command_line_rejects_bad_numbers(args: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        demo.main(args)
    assert exc.value.code == 2
