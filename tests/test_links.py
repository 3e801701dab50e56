"""Signed campaign links: hostile tokens are rejected with the right reason and never raise."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from itsdangerous import URLSafeSerializer
from itsdangerous.encoding import base64_encode
from pydantic import ValidationError

from access.links import (
    MAX_TOKEN_CHARS,
    SALT,
    SECRET_ENV,
    LinkPayload,
    LinkRejection,
    LinkSecretError,
    build_url,
    campaign_slug,
    check_secret,
    check_secrets,
    end_of_day,
    iframe_snippet,
    link_kit,
    parse_link,
    sign_link,
)

CURRENT = "current-secret-0123456789abcdef"
OLD = "previous-secret-0123456789abcdef"
OTHER = "another-apps-secret-0123456789ab"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
QUESTIONNAIRES = {"strategic-candidate", "short-form"}
RECRUITERS = {"dana-whitfield", "priya-raman"}

PAYLOAD = LinkPayload(
    recruiter="dana-whitfield",
    campaign="vp-comms-spring",
    role="VP Communications",
    questionnaire="strategic-candidate",
    expires=datetime(2030, 1, 1, tzinfo=UTC),
)
WIRE = {"r": "dana-whitfield", "c": "vp-comms-spring", "o": "VP Communications", "q": "strategic-candidate"}


def parse(token: object, secrets: list[str] | None = None) -> LinkPayload | LinkRejection:
    return parse_link(
        token, [CURRENT] if secrets is None else secrets, questionnaires=QUESTIONNAIRES, recruiters=RECRUITERS, now=NOW
    )


def valid(payload: LinkPayload = PAYLOAD, secret: str = CURRENT) -> str:
    return sign_link(payload, secret)


def raw(data: object, secret: str = CURRENT, salt: str = SALT, digest=hashlib.sha256) -> str:
    """Sign any JSON value exactly as the app would, bypassing the payload model."""
    return URLSafeSerializer(secret, salt=salt, signer_kwargs={"digest_method": digest}).dumps(data)


def signed_bytes(body: bytes, secret: str = CURRENT) -> str:
    """A valid signature over bytes that are not a JSON payload."""
    signer = URLSafeSerializer(secret, salt=SALT, signer_kwargs={"digest_method": hashlib.sha256}).make_signer(SALT)
    return signer.sign(body).decode("ascii")


def flip(token: str, index: int) -> str:
    chars = list(token)
    chars[index] = "A" if chars[index] != "A" else "B"
    return "".join(chars)


def wire(**changes: object) -> dict[str, object]:
    out: dict[str, object] = {**WIRE, **changes}
    return {k: v for k, v in out.items() if v is not ...}


HOSTILE: list[tuple[str, Callable[[], object], str]] = [
    # --- not a token at all
    ("empty", lambda: "", "malformed"),
    ("whitespace", lambda: "   \n\t", "malformed"),
    ("none", lambda: None, "malformed"),
    ("bytes of a valid token", lambda: valid().encode(), "malformed"),
    ("integer", lambda: 12345, "malformed"),
    ("list", lambda: [valid()], "malformed"),
    ("dict", lambda: {"c": valid()}, "malformed"),
    ("very long garbage", lambda: "a" * 50_000, "malformed"),
    ("valid token padded past the cap", lambda: valid() + "A" * MAX_TOKEN_CHARS, "malformed"),
    ("cyrillic", lambda: "ключ.подпись", "malformed"),
    ("emoji", lambda: "🙂" * 40 + "." + "x" * 43, "malformed"),
    ("space inside", lambda: valid()[:10] + " " + valid()[10:], "malformed"),
    ("nul byte", lambda: valid()[:-1] + "\x00", "malformed"),
    ("only a dot", lambda: ".", "malformed"),
    ("no dot", lambda: "abcdefghijklmnop", "malformed"),
    ("three parts", lambda: "abc.def." + "x" * 43, "malformed"),
    ("percent-encoded", lambda: valid().replace(".", "%2E"), "malformed"),
    ("standard base64 alphabet", lambda: valid()[:-2] + "+/", "malformed"),
    ("html in token", lambda: "<script>alert(1)</script>", "malformed"),
    ("sql in token", lambda: "' OR 1=1 --", "malformed"),
    # --- truncated or stripped
    ("truncated by one", lambda: valid()[:-1], "malformed"),
    ("truncated to half", lambda: valid()[: len(valid()) // 2], "malformed"),
    ("signature removed", lambda: valid().rsplit(".", 1)[0], "malformed"),
    ("signature emptied", lambda: valid().rsplit(".", 1)[0] + ".", "malformed"),
    ("payload only, base64 of json", lambda: base64.urlsafe_b64encode(json.dumps(WIRE).encode()).decode(), "malformed"),
    ("plain json", lambda: json.dumps(WIRE), "malformed"),
    # --- signature does not verify
    ("last signature char changed", lambda: flip(valid(), -1), "tampered"),
    ("first signature char changed", lambda: flip(valid(), -43), "tampered"),
    ("payload char changed", lambda: flip(valid(), 5), "tampered"),
    ("signature of another token", lambda: valid().rsplit(".", 1)[0] + "." + raw(WIRE).rsplit(".", 1)[1], "tampered"),
    ("payload swapped to another recruiter", lambda: _swap_payload(wire(r="priya-raman")), "tampered"),
    ("signed with another secret", lambda: valid(secret=OTHER), "tampered"),
    ("signed with the previous secret, not configured", lambda: valid(secret=OLD), "tampered"),
    ("same secret, another salt", lambda: raw(WIRE, salt="itsdangerous"), "tampered"),
    ("same secret, sha1 signer", lambda: raw(WIRE, digest=hashlib.sha1), "malformed"),
    ("forged with a guessable secret", lambda: raw(WIRE, secret="secret"), "tampered"),
    # --- validly signed, but not a payload of ours
    ("signed list", lambda: raw([1, 2, 3]), "malformed"),
    ("signed string", lambda: raw("dana-whitfield"), "malformed"),
    ("signed number", lambda: raw(42), "malformed"),
    ("signed null", lambda: raw(None), "malformed"),
    ("signed empty object", lambda: raw({}), "malformed"),
    ("signed non-json bytes", lambda: signed_bytes(base64_encode(b"\x00\xffnot json")), "malformed"),
    ("signed fake compressed payload", lambda: signed_bytes(b"." + base64_encode(b"not zlib")), "malformed"),
    ("extra key injected", lambda: raw(wire(admin=True)), "malformed"),
    ("long field names instead of wire keys", lambda: raw(PAYLOAD.model_dump(mode="json")), "malformed"),
    ("recruiter missing", lambda: raw(wire(r=...)), "malformed"),
    ("recruiter as number", lambda: raw(wire(r=7)), "malformed"),
    ("recruiter path traversal", lambda: raw(wire(r="../admin")), "malformed"),
    ("campaign with json injection", lambda: raw(wire(c='spring","r":"priya-raman')), "malformed"),
    ("campaign uppercase", lambda: raw(wire(c="Spring")), "malformed"),
    ("campaign too long", lambda: raw(wire(c="a" * 61)), "malformed"),
    ("role too long", lambda: raw(wire(o="x" * 121)), "malformed"),
    ("role not a string", lambda: raw(wire(o=["VP"])), "malformed"),
    ("questionnaire with a slash", lambda: raw(wire(q="strategic/../x")), "malformed"),
    ("expiry as iso string", lambda: raw(wire(e="2030-01-01T00:00:00Z")), "malformed"),
    ("expiry as bool", lambda: raw(wire(e=True)), "malformed"),
    ("expiry as float", lambda: raw(wire(e=1.9e9)), "malformed"),
    ("expiry negative", lambda: raw(wire(e=-1)), "malformed"),
    ("expiry beyond year 9999", lambda: raw(wire(e=10**20)), "malformed"),
    ("language the app doesn't speak", lambda: raw(wire(l="fr")), "malformed"),
    ("language as a region tag", lambda: raw(wire(l="de-DE")), "malformed"),
    ("language not a string", lambda: raw(wire(l=["de"])), "malformed"),
    ("language empty", lambda: raw(wire(l="")), "malformed"),
    # --- valid shape, refused on meaning
    ("expired yesterday", lambda: raw(wire(e=int((NOW - timedelta(days=1)).timestamp()))), "expired"),
    ("expires exactly now", lambda: raw(wire(e=int(NOW.timestamp()))), "expired"),
    ("expired long ago", lambda: raw(wire(e=0)), "expired"),
    ("unknown questionnaire", lambda: raw(wire(q="retired-bank")), "unknown_questionnaire"),
    ("unknown recruiter", lambda: raw(wire(r="mallory")), "unknown_recruiter"),
    ("unknown recruiter and questionnaire", lambda: raw(wire(r="mallory", q="nope")), "unknown_questionnaire"),
]


def _swap_payload(data: dict[str, object]) -> str:
    """Keep a genuine signature but put another (unsigned) payload in front of it."""
    forged = raw(data, secret=OTHER).rsplit(".", 1)[0]
    return forged + "." + valid().rsplit(".", 1)[1]


def test_there_are_at_least_forty_hostile_cases() -> None:
    assert len(HOSTILE) >= 40
    assert len({name for name, _, _ in HOSTILE}) == len(HOSTILE)


@pytest.mark.parametrize(("name", "make", "reason"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_token_is_rejected_with_reason(name: str, make: Callable[[], object], reason: str) -> None:
    outcome = parse(make())
    assert isinstance(outcome, LinkRejection), f"{name} was accepted: {outcome}"
    assert outcome.reason == reason, outcome.detail
    assert outcome.message and "error" not in outcome.message.lower()


def test_valid_token_round_trips_exactly() -> None:
    assert parse(valid()) == PAYLOAD


def test_minimal_payload_round_trips() -> None:
    payload = LinkPayload(recruiter="priya-raman", campaign="general", questionnaire="short-form")
    assert parse(valid(payload)) == payload


@pytest.mark.parametrize(
    ("signed_with", "configured", "accepted"),
    [
        (CURRENT, [CURRENT, OLD], True),
        (OLD, [CURRENT, OLD], True),  # rotation: an old link still verifies
        (OLD, [CURRENT, "older-secret-0123456789abcdef", OLD], True),
        (OLD, [CURRENT], False),  # once the old secret is dropped, its links stop working
        (CURRENT, [OLD], False),
        (CURRENT, [], False),
        (CURRENT, ["", CURRENT], True),  # blank entries are ignored, not fatal
    ],
)
def test_key_rotation(signed_with: str, configured: list[str], accepted: bool) -> None:
    outcome = parse(valid(secret=signed_with), configured)
    assert (outcome == PAYLOAD) is accepted


def test_first_secret_signs() -> None:
    """secrets[0] is current: a token signed through the rotation list verifies with it alone."""
    token = valid(secret=CURRENT)
    assert parse(token, [CURRENT]) == PAYLOAD
    assert isinstance(parse(token, [OLD]), LinkRejection)


def test_an_expiry_in_the_future_is_accepted() -> None:
    payload = PAYLOAD.model_copy(update={"expires": NOW + timedelta(seconds=1)})
    assert parse(valid(payload)) == payload


@pytest.mark.parametrize("secret", ["", "   ", "short", "x" * 15])
def test_signing_refuses_missing_or_weak_secrets(secret: str) -> None:
    with pytest.raises(LinkSecretError):
        sign_link(PAYLOAD, secret)


@pytest.mark.parametrize("short", ["old", "x" * 15, ""])
def test_a_short_previous_secret_never_verifies(short: str) -> None:
    # Issue 10: with "old" among the previous secrets, anyone could sign a link with it.
    forged = raw(WIRE, secret=short) if short else valid(secret=OTHER)
    outcome = parse(forged, [CURRENT, short])
    assert isinstance(outcome, LinkRejection) and outcome.reason in {"tampered", "malformed"}
    assert parse(valid(), [CURRENT, short]) == PAYLOAD  # the current secret still works


@pytest.mark.parametrize(
    ("secrets", "problem"),
    [
        ([CURRENT, "old"], "Previous link secret number 1 is 3 characters"),
        ([CURRENT, OLD, "x" * 15], "Previous link secret number 2 is 15 characters"),
        ([CURRENT, ""], "number 1 is 0 characters"),
        (["short", OLD], "The link secret is 5 characters"),
        ([], "CAREER_RADAR_LINK_SECRET"),
    ],
)
def test_previous_secrets_meet_the_same_minimum(secrets: list[str], problem: str) -> None:
    with pytest.raises(LinkSecretError) as info:
        check_secrets(secrets)
    message = str(info.value)
    assert problem in message
    assert all(s not in message for s in secrets if len(s) > 3)  # never echoes a secret
    assert check_secrets([CURRENT, OLD]) == [CURRENT, OLD]


def test_missing_secret_help_names_both_settings() -> None:
    with pytest.raises(LinkSecretError) as info:
        check_secret("")
    assert SECRET_ENV in str(info.value) and "[links]" in str(info.value) and "previous" in str(info.value)


@pytest.mark.parametrize(
    "changes",
    [
        {"campaign": "Has Spaces"},
        {"campaign": "-leading"},
        {"campaign": ""},
        {"recruiter": "Dana"},
        {"role": ""},
        {"role": "r" * 121},
        {"expires": datetime(2030, 1, 1)},  # naive
        {"lang": "fr"},
        {"lang": "DE"},
        {"lang": ""},
    ],
)
def test_payload_rejects_bad_fields(changes: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        LinkPayload(**{**PAYLOAD.model_dump(), **changes})


def test_payload_normalises_expiry_to_utc_seconds() -> None:
    local = datetime(2030, 1, 1, 14, 30, 15, 999, tzinfo=UTC).astimezone()
    payload = LinkPayload(recruiter="a", campaign="b", questionnaire="c", expires=local)
    assert payload.expires == datetime(2030, 1, 1, 14, 30, 15, tzinfo=UTC)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400) | st.binary(max_size=200) | st.none() | st.integers())
def test_parse_never_raises(token: object) -> None:
    result = parse(token)
    assert isinstance(result, LinkRejection)
    assert not result.detail.startswith("unexpected"), result  # refused by a rule, not by the catch-all


def test_an_unforeseen_error_is_a_malformed_link_and_is_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import access.links

    def bug(*args: object) -> None:
        raise KeyError("parser bug")

    monkeypatch.setattr(access.links, "_parse", bug)
    with caplog.at_level("ERROR", logger="career_radar"):
        result = parse(valid())
    assert result == LinkRejection("malformed", "unexpected KeyError")
    [record] = [r for r in caplog.records if r.name == "career_radar"]
    assert record.exc_info is not None and record.exc_info[0] is KeyError


@pytest.mark.parametrize("token", ["a", "abcde", "ab.c", "!!"])
def test_undecodable_base64_is_not_canonical(token: str) -> None:
    from access.links import _canonical

    assert _canonical(token) is False


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0), st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"))
def test_any_single_character_change_is_rejected(position: int, char: str) -> None:
    token = valid()
    index = position % len(token)
    if token[index] == char:
        return
    forged = token[:index] + char + token[index + 1 :]
    assert isinstance(parse(forged), LinkRejection)


# ----- URLs, iframe snippets, kit --------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "embed", "expected_path", "expected_extra"),
    [
        ("https://radar.example.com", False, "/", {}),
        ("https://radar.example.com/", True, "/", {"embed": ["true"]}),
        ("http://localhost:8501", False, "/", {}),
        ("https://example.com/careers/radar?utm_source=mail", False, "/careers/radar", {"utm_source": ["mail"]}),
        ("https://example.com/?c=old&q=old&embed=false", False, "/", {}),  # ours are replaced, not duplicated
    ],
)
def test_build_url(base: str, embed: bool, expected_path: str, expected_extra: dict[str, list[str]]) -> None:
    token = valid()
    url = build_url(base, token, embed=embed, questionnaire="strategic-candidate")
    parts = urlsplit(url)
    assert parts.path == expected_path
    assert parse_qs(parts.query) == {"q": ["strategic-candidate"], "c": [token], **expected_extra}
    assert parse(parse_qs(parts.query)["c"][0]) == PAYLOAD


@pytest.mark.parametrize("base", ["javascript:alert(1)", "ftp://example.com", "example.com", "", "https://"])
def test_build_url_refuses_non_http_bases(base: str) -> None:
    with pytest.raises(ValueError):
        build_url(base, "t")


def test_iframe_snippet_escapes_attributes() -> None:
    snippet = iframe_snippet('https://x.example/?a=1&b="><script>alert(1)</script>', title='Dana "<b>" & co')
    assert "<script>" not in snippet and "&quot;&gt;&lt;script&gt;" in snippet
    assert 'title="Dana &quot;&lt;b&gt;&quot; &amp; co"' in snippet
    assert snippet.count("<iframe") == 1 and snippet.endswith("</iframe>")
    for attribute in ('loading="lazy"', 'allow="clipboard-write"', 'height="900"', "width:100%"):
        assert attribute in snippet


@pytest.mark.parametrize("height", [0, 199, 4_001])
def test_iframe_height_is_bounded(height: int) -> None:
    with pytest.raises(ValueError):
        iframe_snippet("https://x.example", title="t", height=height)


def test_link_kit_embeds_the_same_token() -> None:
    kit = link_kit(PAYLOAD, CURRENT, "https://radar.example.com")
    assert parse_qs(urlsplit(kit.url).query)["c"] == [kit.token]
    assert parse_qs(urlsplit(kit.embed_url).query)["embed"] == ["true"]
    assert "embed=true" in kit.iframe and kit.token in kit.iframe
    assert kit.qr_png.startswith(b"\x89PNG")
    assert parse(kit.token) == PAYLOAD


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("VP Comms – Spring 2026", "vp-comms-spring-2026"),
        ("  general  ", "general"),
        ("Café Relations", "cafe-relations"),
        ("!!!", ""),
        ("a" * 80, "a" * 60),
        ("head_of_product", "head_of_product"),
    ],
)
def test_campaign_slug(text: str, slug: str) -> None:
    assert campaign_slug(text) == slug


def test_end_of_day_covers_the_whole_day() -> None:
    expires = end_of_day(date(2030, 1, 1))
    assert expires == datetime(2030, 1, 1, 23, 59, 59, tzinfo=UTC)
    payload = LinkPayload(
        recruiter="dana-whitfield", campaign="x", questionnaire="strategic-candidate", expires=expires
    )
    assert payload.expires == expires


# ----- the link's language ---------------------------------------------------------------------


def test_a_link_with_a_language_round_trips() -> None:
    payload = LinkPayload(**{**PAYLOAD.model_dump(), "lang": "de"})
    token = valid(payload)
    assert parse(token) == payload
    assert parse(token).lang == "de"  # type: ignore[union-attr]
    assert payload.wire()["l"] == "de" and "l" not in PAYLOAD.wire()


def test_a_link_signed_before_languages_existed_still_parses() -> None:
    # Exactly what the previous version signed: the wire keys without "l", same salt and digest.
    old_token = raw({**WIRE, "e": int(datetime(2030, 1, 1, tzinfo=UTC).timestamp())})
    outcome = parse(old_token)
    assert outcome == PAYLOAD and isinstance(outcome, LinkPayload) and outcome.lang is None


def test_an_unknown_language_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValidationError, match="the language must be one of de, en, not 'fr'"):
        LinkPayload(**{**PAYLOAD.model_dump(), "lang": "fr"})
    with pytest.raises(ValueError, match="the language must be one of de, en"):
        build_url("https://radar.example.com", valid(), lang="xx")


def test_build_url_carries_the_language_as_a_plain_parameter() -> None:
    token = valid(LinkPayload(**{**PAYLOAD.model_dump(), "lang": "de"}))
    url = build_url(
        "https://example.com/?lang=en&utm_source=mail", token, questionnaire="strategic-candidate", lang="de"
    )
    query = parse_qs(urlsplit(url).query)
    assert query == {"utm_source": ["mail"], "q": ["strategic-candidate"], "lang": ["de"], "c": [token]}
    # No language: none in the address either, and a stale one in the base URL is dropped (it is ours).
    plain = parse_qs(urlsplit(build_url("https://example.com/?lang=de", token)).query)
    assert "lang" not in plain


def test_link_kit_url_embed_and_qr_follow_the_language() -> None:
    from access.links import qr_png

    payload = LinkPayload(**{**PAYLOAD.model_dump(), "lang": "de"})
    kit = link_kit(payload, CURRENT, "https://radar.example.com")
    assert parse_qs(urlsplit(kit.url).query)["lang"] == ["de"]
    assert parse_qs(urlsplit(kit.embed_url).query)["lang"] == ["de"]
    assert "lang=de" in kit.iframe
    assert kit.qr_png == qr_png(kit.url)
    assert parse(kit.token) == payload
    english = link_kit(PAYLOAD, CURRENT, "https://radar.example.com")
    assert "lang=" not in english.url and "lang=" not in english.iframe and english.qr_png != kit.qr_png
