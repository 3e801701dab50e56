"""Signed campaign links: who invited the candidate, for which campaign, role and questionnaire.

A link carries a small JSON payload signed with HMAC-SHA256 (itsdangerous ``URLSafeSerializer``
with a fixed salt), so attribution can be neither forged nor edited. Parsing never raises for
any input: it returns a validated ``LinkPayload`` or a ``LinkRejection`` whose reason is one of
tampered, expired, unknown_questionnaire, unknown_recruiter or malformed, with a gentle message
for the candidate (who then gets the unattributed quiz).

A link may fix the quiz's language (``lang``): signed, and repeated as a plain ``?lang=`` (old links still parse).

Key rotation: ``secrets[0]`` signs, every secret in the list verifies, so a new secret can go in
front while links signed with the old ones keep working until the old secret is dropped. Every
secret, current or previous, needs ``MIN_SECRET_CHARS``: a shorter one is never used to verify.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import io
import logging
import os
import re
import sys
import tomllib
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import segno
from itsdangerous import BadData, BadSignature, URLSafeSerializer
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError, field_validator

import i18n
from access.secretsfile import read_secrets_file
from scoring.models import Id
from scoring.storable import text_problem

log = logging.getLogger("career_radar")

SALT = "career-radar.campaign-link.v1"
MAX_TOKEN_CHARS = 2_000  # a real token is ~150–250 characters; anything longer is not ours
MIN_SECRET_CHARS = 16
TOKEN_PARAM = "c"  # noqa: S105 - a query parameter name, not a password
QUESTIONNAIRE_PARAM = "q"
EMBED_PARAM = "embed"
LANG_PARAM = "lang"

SECRET_ENV = "CAREER_RADAR_LINK_SECRET"  # noqa: S105 - the variable's name, not its value
PREVIOUS_SECRETS_ENV = "CAREER_RADAR_LINK_PREVIOUS_SECRETS"
BASE_URL_ENV = "CAREER_RADAR_BASE_URL"
DEFAULT_DAYS = 90  # how long a new link works unless the recruiter chooses otherwise (page and CLI)

ROOT = Path(__file__).resolve().parents[1]
SECRETS_FILE = ROOT / ".streamlit" / "secrets.toml"  # what st.secrets reads when the app runs from ROOT

SECRET_HELP = (
    "Links are signed so nobody can forge or edit who sent them, and no signing secret is configured. "
    f"Set the environment variable {SECRET_ENV} to a long random string, or add to .streamlit/secrets.toml:\n\n"
    '```toml\n[links]\nsecret = "<a long random string>"\n```\n\n'
    'Make one with `python -c "import secrets; print(secrets.token_urlsafe(32))"`. '
    f"When you rotate it, keep the old one in {PREVIOUS_SECRETS_ENV} (comma-separated) or in "
    '`previous = ["<old secret>"]` under `[links]`, so links already sent keep working.'
)

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9](?:[a-z0-9_-]{0,58}[a-z0-9])?$")]
Role = Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]

# Compact keys on the wire keep the token (and so the QR code) small.
_WIRE_TO_FIELD = {"r": "recruiter", "c": "campaign", "o": "role", "q": "questionnaire", "e": "expires", "l": "lang"}
_FIELD_TO_WIRE = {v: k for k, v in _WIRE_TO_FIELD.items()}
# [.]payload.signature: a leading dot marks a compressed payload; HMAC-SHA256 is 43 base64url characters.
_TOKEN_SHAPE = re.compile(r"^\.?[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{43}$")
_MAX_EPOCH = 253_402_300_799  # 9999-12-31T23:59:59Z


def _language_problem(lang: object) -> str | None:
    """Why ``lang`` is not a language a link can fix, or None when it is one."""
    known = isinstance(lang, str) and lang in i18n.LANGUAGES
    return None if known else f"the language must be one of {', '.join(sorted(i18n.LANGUAGES))}, not {lang!r}"


class LinkPayload(BaseModel):
    """What a campaign link attributes: recruiter, campaign, optional role, questionnaire, expiry and language."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    recruiter: Id
    campaign: Slug
    role: Role | None = None
    questionnaire: Id
    expires: datetime | None = None
    lang: str | None = None  # None: the candidate's browser decides (i18n.negotiate)

    @field_validator("expires", mode="before")
    @classmethod
    def _utc(cls, value: Any) -> Any:
        # Epoch seconds (the wire form) or an aware datetime; naive datetimes are ambiguous, so refused.
        if isinstance(value, int) and not isinstance(value, bool):
            if not 0 <= value <= _MAX_EPOCH:
                raise ValueError("expiry is out of range")
            return datetime.fromtimestamp(value, UTC)
        if isinstance(value, datetime):
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError("expiry must be timezone-aware (UTC)")
            return value.astimezone(UTC).replace(microsecond=0)
        return value

    @field_validator("role")
    @classmethod
    def _one_storable_line(cls, value: str | None) -> str | None:
        # The role is stored with the response and shown on pages: the store's text rule applies.
        if value is not None and (problem := text_problem(value, multiline=False)) is not None:
            raise ValueError(f"the role {problem}")
        return value

    @field_validator("lang")
    @classmethod
    def _known_language(cls, value: str | None) -> str | None:
        # Only a language the app speaks: anything else would be a link that promises what it can't do.
        if value is not None and (problem := _language_problem(value)) is not None:
            raise ValueError(problem)
        return value

    def expired(self, now: datetime) -> bool:
        """True when the link has an expiry at or before ``now``."""
        return self.expires is not None and now >= self.expires

    def wire(self) -> dict[str, str | int]:
        """The compact dict that gets signed."""
        out: dict[str, str | int] = {}
        for name, value in self.model_dump(exclude_none=True).items():
            out[_FIELD_TO_WIRE[name]] = int(value.timestamp()) if isinstance(value, datetime) else value
        return out


def _(message: str) -> str:
    """Mark ``message`` for the reports catalogue; the page translates it (``ui.attribution.rejected``)."""
    return message


Reason = Literal["tampered", "expired", "unknown_questionnaire", "unknown_recruiter", "malformed"]

_MESSAGES: dict[str, str] = {
    "tampered": _(
        "This link doesn't look quite the way it was sent, so we can't tell who invited you. "
        "You're very welcome to take the reflection anyway; your answers stay private."
    ),
    "expired": _(
        "This invitation has expired, so your result won't be linked to the recruiter who sent it. "
        "You're very welcome to take the reflection anyway; your answers stay private."
    ),
    "unknown_questionnaire": _(
        "The reflection this link points to isn't available any more, so we've opened the standard one. "
        "Your answers stay private."
    ),
    "unknown_recruiter": _(
        "We couldn't find the recruiter who sent this link, so your result won't be linked to anyone. "
        "You're very welcome to take the reflection anyway; your answers stay private."
    ),
    "malformed": _(
        "This link seems to have been cut short or changed along the way, so we can't tell who invited you. "
        "You're very welcome to take the reflection anyway; your answers stay private."
    ),
}


@dataclass(frozen=True)
class LinkRejection:
    """Why a link was not accepted; ``message`` is safe and kind enough to show the candidate."""

    reason: Reason
    detail: str = ""  # for logs, never for the candidate

    @property
    def message(self) -> str:
        return _MESSAGES[self.reason]


class LinkSecretError(ValueError):
    """No usable signing secret; the message says how to configure one."""


def _serializer(secrets: Sequence[str]) -> URLSafeSerializer:
    # itsdangerous signs with the *last* key and verifies with all; our convention is secrets[0] = current.
    return URLSafeSerializer(list(reversed(secrets)), salt=SALT, signer_kwargs={"digest_method": hashlib.sha256})


def check_secret(secret: str) -> str:
    """Return the secret if it is usable for signing, else raise LinkSecretError with setup help."""
    if not isinstance(secret, str) or not secret.strip():
        raise LinkSecretError(SECRET_HELP)
    if len(secret) < MIN_SECRET_CHARS:
        raise LinkSecretError(f"The link secret is {len(secret)} characters; use at least {MIN_SECRET_CHARS}.")
    return secret


def check_secrets(secrets: Sequence[object]) -> list[str]:
    """Current and previous secrets, each checked like ``check_secret``; LinkSecretError names the first bad one.

    A previous secret verifies links just as the current one signs them: a short one ("old") would
    let anyone forge attribution, so it must meet the same minimum.
    """
    if not secrets:
        raise LinkSecretError(SECRET_HELP)
    current = secrets[0]
    out = [check_secret(current if isinstance(current, str) else "")]
    for position, secret in enumerate(secrets[1:], 1):
        if not isinstance(secret, str) or len(secret) < MIN_SECRET_CHARS:
            size = f"{len(secret)} characters" if isinstance(secret, str) else f"a {type(secret).__name__}"
            raise LinkSecretError(
                f"Previous link secret number {position} is {size}; every previous secret needs at least "
                f"{MIN_SECRET_CHARS}, like the current one, because it still verifies links. Remove it from "
                f"{PREVIOUS_SECRETS_ENV} or `[links] previous` (links signed with it will then stop working), "
                "or replace it."
            )
        out.append(secret)
    return out


def configured_secrets(secrets: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> list[str]:
    """Current link-signing secret first, then previous ones (rotation); empty when unset.

    The one reading of the configuration, for the app (``secrets`` = ``st.secrets``) and the CLI
    (``secrets`` = the parsed ``.streamlit/secrets.toml``): environment variables win over ``[links]``.
    """
    env = os.environ if environ is None else environ
    links = secrets.get("links") if isinstance(secrets, Mapping) else None
    links = links if isinstance(links, Mapping) else {}
    current = env.get(SECRET_ENV) or links.get("secret")
    previous: Any = links.get("previous", [])
    if env.get(PREVIOUS_SECRETS_ENV):
        previous = [p.strip() for p in env[PREVIOUS_SECRETS_ENV].split(",")]
    if isinstance(previous, str):
        previous = [previous]
    if not isinstance(previous, list | tuple):
        previous = []
    return [s for s in [current, *previous] if isinstance(s, str) and s]


def usable_secrets(secrets: Sequence[object]) -> list[str]:
    """The secrets long enough to verify with (a short one is never used, whatever the configuration says)."""
    return [s for s in secrets if isinstance(s, str) and len(s) >= MIN_SECRET_CHARS]


def sign_link(payload: LinkPayload, secret: str) -> str:
    """Sign a payload into a URL-safe token."""
    return _serializer([check_secret(secret)]).dumps(payload.wire())


def parse_link(
    token: object,
    secrets: Sequence[str],
    *,
    questionnaires: Collection[str],
    recruiters: Collection[str],
    now: datetime | None = None,
) -> LinkPayload | LinkRejection:
    """Verify and validate a token; never raises, whatever ``token`` is."""
    try:
        return _parse(token, secrets, questionnaires, recruiters, now or datetime.now(UTC))
    except Exception as exc:
        # A catch-all on purpose: the contract is "never raise on untrusted input", so anything _parse
        # did not foresee is a malformed link for the candidate — and a logged traceback for us to fix.
        log.exception("unexpected error while checking a campaign link")
        return LinkRejection("malformed", f"unexpected {type(exc).__name__}")


def _parse(
    token: object, secrets: Sequence[str], questionnaires: Collection[str], recruiters: Collection[str], now: datetime
) -> LinkPayload | LinkRejection:
    if not isinstance(token, str):
        return LinkRejection("malformed", f"token is {type(token).__name__}, not str")
    token = token.strip()
    if not token:
        return LinkRejection("malformed", "empty token")
    if len(token) > MAX_TOKEN_CHARS:
        return LinkRejection("malformed", f"token has {len(token)} characters")
    if not _TOKEN_SHAPE.match(token):
        return LinkRejection("malformed", "token has characters or a shape no signed link has")
    keys = usable_secrets(secrets)
    if not keys:
        return LinkRejection("tampered", "no usable secret configured, so nothing can be verified")
    if not _canonical(token):
        # base64's last character carries unused bits: an edited character can decode to the same
        # bytes. Only the exact encoding we issue is accepted, so any edit at all is refused.
        return LinkRejection("tampered", "token is not in the form it was issued in")
    try:
        data = _serializer(keys).loads(token)
    except BadSignature:
        return LinkRejection("tampered", "signature does not match any configured secret")
    except BadData:
        return LinkRejection("malformed", "signed but undecodable payload")
    if not isinstance(data, dict) or not set(data) <= set(_WIRE_TO_FIELD):
        return LinkRejection("malformed", "signed payload has another shape")
    try:
        payload = LinkPayload.model_validate({_WIRE_TO_FIELD[k]: v for k, v in data.items()})
    except ValidationError as exc:
        return LinkRejection("malformed", f"payload fails validation ({exc.error_count()} problems)")
    if payload.expired(now):
        return LinkRejection("expired", f"expired {payload.expires:%Y-%m-%d %H:%M} UTC")
    if payload.questionnaire not in questionnaires:
        return LinkRejection("unknown_questionnaire", f"questionnaire '{payload.questionnaire}'")
    if payload.recruiter not in recruiters:
        return LinkRejection("unknown_recruiter", f"recruiter '{payload.recruiter}'")
    return payload


def _canonical(token: str) -> bool:
    """Every dot-separated part re-encodes to itself (no alternative spellings of the same bytes)."""
    from itsdangerous.encoding import base64_decode, base64_encode

    for part in token.lstrip(".").split("."):
        try:
            if base64_encode(base64_decode(part)).decode("ascii") != part:
                return False
        except BadData:  # itsdangerous wraps every base64 decoding error in BadData
            return False
    return True


def build_url(
    base_url: str, token: str, *, embed: bool = False, questionnaire: str | None = None, lang: str | None = None
) -> str:
    """The candidate URL: base URL plus ``q``, ``lang`` (a fixed language), ``c`` (token) and ``embed=true``."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"base URL must start with http:// or https:// and name a host, got {base_url!r}")
    if lang is not None and (problem := _language_problem(lang)) is not None:
        raise ValueError(problem)
    ours = {TOKEN_PARAM, QUESTIONNAIRE_PARAM, EMBED_PARAM, LANG_PARAM}
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ours]
    if questionnaire:
        query.append((QUESTIONNAIRE_PARAM, questionnaire))
    if lang:
        # Also in the address: ?lang= outranks the browser's locale (i18n.negotiate), the token's setting does not.
        query.append((LANG_PARAM, lang))
    query.append((TOKEN_PARAM, token))
    if embed:
        query.append((EMBED_PARAM, "true"))
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(query), ""))


def iframe_snippet(url: str, *, title: str, height: int = 900) -> str:
    """An HTML iframe for a recruiter's page; every attribute is escaped."""
    if not 200 <= height <= 4_000:
        raise ValueError(f"height must be between 200 and 4000 pixels, got {height}")
    src = html.escape(url, quote=True)
    label = html.escape(title, quote=True)
    return (
        f'<iframe src="{src}" title="{label}" width="100%" height="{height}" '
        f'style="width:100%;max-width:100%;border:0;" loading="lazy" allow="clipboard-write"></iframe>'
    )


def qr_png(url: str, *, scale: int = 8) -> bytes:
    """A PNG QR code of the URL (error correction M, quiet zone of 4 modules)."""
    qr = segno.make(url, error="m", micro=False)
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def campaign_slug(text: str) -> str:
    """A campaign id from free text: 'VP Comms – Spring 2026' → 'vp-comms-spring-2026' (may be empty)."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9_]+", "-", ascii_text).strip("-_")
    return slug[:60].rstrip("-_")


def end_of_day(day: date) -> datetime:
    """The last second of a calendar day in UTC: an expiry chosen as a date lasts the whole day."""
    return datetime.combine(day, time(23, 59, 59), UTC)


@dataclass(frozen=True)
class LinkKit:
    """Everything a recruiter needs to send one campaign link."""

    payload: LinkPayload
    token: str
    url: str
    embed_url: str
    iframe: str
    qr_png: bytes


def link_kit(payload: LinkPayload, secret: str, base_url: str, *, title: str = "Career Radar") -> LinkKit:
    """Sign the payload and build the URL, the iframe snippet (embed=true) and the QR code of the URL."""
    token = sign_link(payload, secret)
    url = build_url(base_url, token, questionnaire=payload.questionnaire, lang=payload.lang)
    embed_url = build_url(base_url, token, questionnaire=payload.questionnaire, lang=payload.lang, embed=True)
    return LinkKit(payload, token, url, embed_url, iframe_snippet(embed_url, title=title), qr_png(url))


# ----- command line: python -m access.links mint ------------------------------------------------


class _CliError(Exception):
    """A problem to report in one plain sentence (no traceback)."""


def _read_secrets_file(path: Path) -> Mapping[str, Any]:
    try:
        return read_secrets_file(path)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise _CliError(f"cannot read {path}: {exc}") from exc


def _mint(args: argparse.Namespace, environ: Mapping[str, str]) -> str:
    from access.branding import load_people
    from scoring.loader import load_catalogue

    secrets_file = _read_secrets_file(Path(args.secrets_file))
    try:
        secret = check_secrets(configured_secrets(secrets_file, environ))[0]
    except LinkSecretError as exc:
        raise _CliError(f"no link can be signed.\n{exc}") from exc
    base = args.base_url or environ.get(BASE_URL_ENV) or secrets_file.get("base_url")
    if not isinstance(base, str) or not base.strip():
        raise _CliError(
            f"give the app's public address with --base-url (or set {BASE_URL_ENV} or base_url in secrets.toml)"
        )
    try:
        people = load_people(args.people)
    except Exception as exc:
        raise _CliError(f"cannot read recruiters from {args.people}: {exc}") from exc
    if people.recruiter(args.recruiter) is None:
        known = ", ".join(sorted(people.recruiters)) or "none"
        raise _CliError(f"recruiter '{args.recruiter}' is not in {args.people} (known: {known})")
    catalogue, _errors = load_catalogue(args.questions)
    if args.questionnaire not in catalogue:
        known = ", ".join(sorted(catalogue)) or "none"
        raise _CliError(f"questionnaire '{args.questionnaire}' is not in {args.questions} (known: {known})")
    campaign = campaign_slug(args.campaign)
    if not campaign:
        raise _CliError("give the campaign a name with at least one letter or digit")
    if args.days is not None and args.days < 0:
        raise _CliError("--days must be 0 or more")
    expires = None if args.days is None else end_of_day(datetime.now(UTC).date() + timedelta(days=args.days))
    try:
        payload = LinkPayload(
            recruiter=args.recruiter,
            campaign=campaign,
            role=(args.role or "").strip() or None,
            questionnaire=args.questionnaire,
            expires=expires,
            lang=args.lang,
        )
    except ValidationError as exc:
        raise _CliError("that combination can't go into a link: " + "; ".join(e["msg"] for e in exc.errors())) from exc
    recruiter = people.recruiters[args.recruiter]
    try:  # the link builder page's own call, so the CLI's link is the page's link
        kit = link_kit(payload, secret, base.strip().rstrip("/"), title=f"Career Radar, from {recruiter.display_name}")
    except ValueError as exc:
        raise _CliError(str(exc)) from exc
    return kit.url


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """``python -m access.links mint``: print one signed campaign link (for pasting into a CRM)."""
    parser = argparse.ArgumentParser(prog="python -m access.links", description="Signed campaign links.")
    sub = parser.add_subparsers(dest="command", required=True)
    mint = sub.add_parser("mint", help="print a signed campaign link, as the Link builder page makes it")
    mint.add_argument("--recruiter", required=True, help="recruiter id from config/people.yaml")
    mint.add_argument("--campaign", required=True, help="campaign name (made into a slug, as on the page)")
    mint.add_argument("--role", help="role title shown to the candidate (optional)")
    mint.add_argument("--questionnaire", default="strategic-candidate", help="questionnaire id (%(default)s)")
    mint.add_argument(
        "--lang",
        choices=sorted(i18n.LANGUAGES),
        help="the language the quiz opens in, whatever the candidate's browser says ("
        + ", ".join(f"{code} = {name}" for code, name in sorted(i18n.LANGUAGES.items()))
        + "; default: the candidate's browser language)",
    )
    mint.add_argument("--base-url", help=f"the app's public address (default: {BASE_URL_ENV} or base_url)")
    expiry = mint.add_mutually_exclusive_group()
    expiry.add_argument(
        "--days", type=int, default=DEFAULT_DAYS, help="works until the end of the day N days from now (%(default)s)"
    )
    expiry.add_argument("--no-expiry", dest="days", action="store_const", const=None, help="the link never expires")
    mint.add_argument("--people", default=str(ROOT / "config" / "people.yaml"), help=argparse.SUPPRESS)
    mint.add_argument("--questions", default=str(ROOT / "questions"), help=argparse.SUPPRESS)
    mint.add_argument("--secrets-file", default=str(SECRETS_FILE), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        print(_mint(args, os.environ if environ is None else environ))
    except _CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
