"""ui/attribution.read_link: the candidate's ?q= and ?c= turned into a questionnaire, attribution and a notice."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from access.links import LinkPayload, LinkRejection, sign_link
from scoring.flow import LinkOutcome
from ui.attribution import read_link, unverified

SECRET = "a-test-secret-long-enough-for-links"
OTHER_SECRET = "another-secret-also-long-enough"
QUESTIONNAIRES = ("strategic-candidate", "mini")
RECRUITERS = ("dana-whitfield",)


def token(**changes: Any) -> str:
    fields = {
        "recruiter": "dana-whitfield",
        "campaign": "spring-2027",
        "role": "Head of Communications",
        "questionnaire": "mini",
    } | changes
    return sign_link(LinkPayload(**fields), SECRET)


def read(params: dict[str, str], secrets: tuple[str, ...] = (SECRET,), **kwargs: Any) -> LinkOutcome:
    return read_link(
        params,
        questionnaires=QUESTIONNAIRES,
        default_id="strategic-candidate",
        secrets=secrets,
        recruiters=RECRUITERS,
        **kwargs,
    )


def test_no_parameters_give_the_standard_quiz() -> None:
    assert read({}) == LinkOutcome(questionnaire_id="strategic-candidate")
    assert read({"q": "", "c": ""}) == LinkOutcome(questionnaire_id="strategic-candidate")


def test_a_known_questionnaire_is_chosen() -> None:
    assert read({"q": "mini"}) == LinkOutcome(questionnaire_id="mini")


@pytest.mark.parametrize(
    ("wanted", "named"),
    [
        ("no-such-quiz", True),  # a well-formed id is echoed (in quotes) so the candidate sees what failed
        ("<script>alert(1)</script>", False),  # anything else is never shown back
        ("x" * 5000, False),
    ],
)
def test_an_unknown_questionnaire_falls_back_with_a_notice(wanted: str, named: bool) -> None:
    outcome = read({"q": wanted})
    assert outcome.questionnaire_id == "strategic-candidate"
    assert outcome.recruiter_id is None
    assert outcome.notice is not None and outcome.notice.startswith("We couldn't find the questionnaire")
    assert (wanted in outcome.notice) is named
    assert "<" not in outcome.notice


def test_a_signed_link_attributes_and_picks_its_questionnaire() -> None:
    outcome = read({"q": "strategic-candidate", "c": token()})
    assert outcome == LinkOutcome(
        recruiter_id="dana-whitfield",
        campaign="spring-2027",
        role="Head of Communications",
        questionnaire_id="mini",  # the signed choice wins over an editable ?q=
        notice=None,
    )


def test_a_signed_link_without_a_role() -> None:
    outcome = read({"c": token(role=None)})
    assert (outcome.recruiter_id, outcome.role, outcome.notice) == ("dana-whitfield", None, None)


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: sign_link(LinkPayload(recruiter="dana-whitfield", campaign="c", questionnaire="mini"), OTHER_SECRET),
         "tampered"),
        (lambda: token()[:-2] + ("AA" if not token().endswith("AA") else "BB"), "tampered"),
        (lambda: token(expires=datetime.now(UTC) - timedelta(days=1)), "expired"),
        (lambda: token(recruiter="someone-else"), "unknown_recruiter"),
        (lambda: token(questionnaire="retired-quiz"), "unknown_questionnaire"),
        (lambda: "garbage.token", "malformed"),
    ],
)  # fmt: skip
def test_a_refused_link_keeps_the_quiz_unattributed_with_its_message(make: Any, reason: str) -> None:
    outcome = read({"c": make()})
    assert (outcome.recruiter_id, outcome.campaign, outcome.role) == (None, None, None)
    assert outcome.questionnaire_id == "strategic-candidate"
    assert outcome.notice == LinkRejection(reason).message  # type: ignore[arg-type]


def test_a_link_without_a_configured_secret_is_unverified(caplog: pytest.LogCaptureFixture) -> None:
    def never(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("nothing can be verified without a secret: parse must not be called")

    with caplog.at_level(logging.WARNING, logger="career_radar"):
        outcome = read({"c": token()}, secrets=(), parse=never)
    assert outcome == LinkOutcome(questionnaire_id="strategic-candidate", notice=unverified())
    assert "no link secret configured" in caplog.text


def test_both_notices_are_kept() -> None:
    outcome = read({"q": "nope", "c": "garbage.token"})
    assert outcome.notice is not None
    assert outcome.notice.startswith("We couldn't find the questionnaire “nope”")
    assert outcome.notice.endswith(LinkRejection("malformed").message)


def test_the_parser_is_given_the_token_and_the_known_ids() -> None:
    seen: dict[str, Any] = {}

    def parse(tok: str, secrets: Any, *, questionnaires: Any, recruiters: Any) -> LinkRejection:
        seen.update(token=tok, secrets=secrets, questionnaires=questionnaires, recruiters=recruiters)
        return LinkRejection("expired")

    outcome = read({"c": "abc.def"}, parse=parse)
    assert seen == {
        "token": "abc.def",
        "secrets": (SECRET,),
        "questionnaires": QUESTIONNAIRES,
        "recruiters": RECRUITERS,
    }
    assert outcome.notice == LinkRejection("expired").message


def test_a_parser_that_breaks_its_never_raise_contract_is_not_hidden() -> None:
    """read_link relies on parse_link never raising (tested in test_links): a bug there must surface."""

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("parser bug")

    with pytest.raises(RuntimeError, match="parser bug"):
        read({"c": "abc.def"}, parse=broken)
