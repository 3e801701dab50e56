"""Staff sign-in: OIDC through ``st.login`` when ``[auth]`` is configured, otherwise password accounts.

Both paths end in a ``access.accounts.Account`` (role and recruiter id); pages call
``require_role(...)`` and get an account or None (the sign-in UI has then been shown). Staff pages
never sign anyone in inside an embedded view: the candidate's iframe shows a note instead.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import streamlit as st

from access.accounts import (
    MAX_PASSWORD_CHARS,
    MAX_USERNAME_CHARS,
    Account,
    AccountsConfigError,
    Credential,
    Limiter,
    access_from_config,
    accounts_from_config,
    authenticate,
    normalize_username,
)
from access.branding import Recruiter
from ui import resources
from ui.lang import t

log = logging.getLogger("career_radar")

SESSION_KEY = "cr_staff_username"


def embedded() -> bool:
    """True for the embedded (iframe, ``?embed=true``) view."""
    # Streamlit hides ``embed`` from st.query_params; st.context.is_embedded is the one reliable signal.
    return bool(st.context.is_embedded)


def _section(name: str) -> Mapping[str, Any] | None:
    value = resources.secret(name)
    return value if isinstance(value, Mapping) and value else None


def _recruiter_ids() -> set[str] | None:
    people = resources.people()
    return set(people.recruiters) if people is not None else None


def oidc_configured() -> bool:
    """Single sign-on is on when secrets.toml has an ``[auth]`` section."""
    return _section("auth") is not None


def _oidc_providers() -> list[str]:
    # [auth.<name>] sub-tables are named providers; client_id directly under [auth] is the default one.
    auth = _section("auth") or {}
    return sorted(k for k, v in auth.items() if isinstance(v, Mapping))


def _start_oidc_login(provider: str | None) -> None:
    """The one place that calls st.login (it cannot run under AppTest or inside an iframe)."""
    if provider:
        st.login(provider)
    else:
        st.login()


def _limiter() -> Limiter | None:
    """The sign-in limits, kept in the database so every session, restart and replica shares them."""
    store = resources.store()
    if store is None:
        return None
    from storage.signin import SignInLimiter

    return SignInLimiter(store)


def _credentials() -> dict[str, Credential]:
    return accounts_from_config(_section("accounts") or {}, recruiters=_recruiter_ids())


def _oidc_user() -> tuple[bool, str, bool]:
    """(signed in, e-mail, identity still valid) from st.user."""
    user = st.user
    if not bool(user.get("is_logged_in", False)):
        return False, "", False
    email = normalize_username(user.get("email"))
    # Only a real JSON true counts: "false", 0, a missing claim or anything else is unverified.
    verified = user.get("email_verified") is True
    expires = user.get("exp")
    fresh = not isinstance(expires, (int, float)) or datetime.fromtimestamp(expires, UTC) > datetime.now(UTC)
    return True, email, verified and fresh


def current_account() -> Account | None:
    """The signed-in staff account, or None (never inside an embedded view)."""
    if embedded():
        return None
    try:
        if oidc_configured():
            signed_in, email, valid = _oidc_user()
            if not (signed_in and valid and email):
                return None
            return access_from_config(_section("access") or {}, recruiters=_recruiter_ids()).get(email)
        username = st.session_state.get(SESSION_KEY)
        if not username:
            return None
        credential = _credentials().get(username)
        # Re-read every run: removing an account from secrets.toml ends its sessions.
        return credential.account if credential else None
    except AccountsConfigError:
        log.exception("staff accounts are misconfigured")
        return None


def require_role(*roles: str, refusal: Mapping[str, str] | None = None) -> Account | None:
    """The signed-in account if its role is one of ``roles``; otherwise show sign-in (or a note) and return None.

    ``refusal`` maps a role that may not use the page to the message it sees instead of the generic one.
    """
    if embedded():
        st.info(
            t(
                "Recruiter and coach pages aren't available inside an embedded view. "
                "Open Career Radar in its own browser tab to sign in."
            ),
            icon=":material/open_in_new:",
        )
        return None
    account = current_account()
    if account is None:
        _sign_in()
        return None
    _signed_in_bar(account)
    if account.role not in roles:
        message = (refusal or {}).get(account.role)
        st.warning(
            message
            or t("This page is for {roles} accounts; you're signed in as a {role}.").format(
                roles=", ".join(roles), role=account.role
            )
        )
        return None
    return account


def _signed_in_bar(account: Account) -> None:
    with st.sidebar:
        st.caption(t("Signed in as **{username}** ({role})").format(username=account.username, role=account.role))
        if st.button(t("Sign out"), key="cr_sign_out", icon=":material/logout:"):
            _sign_out()


def _sign_out() -> None:
    st.session_state.pop(SESSION_KEY, None)
    if oidc_configured():
        st.logout()
    st.rerun()


def _sign_in() -> None:
    st.subheader(t("Sign in"))
    try:
        if oidc_configured():
            _oidc_sign_in()
        elif _section("accounts"):
            _password_sign_in(_credentials())
        else:
            st.info(
                t(
                    "Staff sign-in isn't set up yet. Add password accounts (`[accounts.<name>]`) or single sign-on "
                    "(`[auth]` plus an `[access]` list) to `.streamlit/secrets.toml`; config/README.md shows both."
                )
            )
    except AccountsConfigError as exc:
        log.error("staff accounts are misconfigured:\n%s", exc)
        st.error(t("Staff sign-in is misconfigured, so nobody can sign in. The server log names each problem."))


def _oidc_sign_in() -> None:
    signed_in, email, valid = _oidc_user()
    if signed_in and email and valid:
        st.warning(
            t(
                "You're signed in as {email}, but that address isn't on Career Radar's access list. "
                "Ask an administrator to add it under [access] in secrets.toml."
            ).format(email=email)
        )
        if st.button(t("Sign out"), key="cr_oidc_sign_out"):
            _sign_out()
        return
    if signed_in and not valid:
        st.info(t("Your sign-in has expired or your e-mail address isn't verified. Please sign in again."))
    st.write(t("Recruiters and coaches sign in with their organisation account."))
    providers: list[str | None] = [*_oidc_providers()] or [None]
    for provider in providers:
        label = t("Sign in with {provider}").format(provider=provider.title()) if provider else t("Sign in")
        if st.button(label, key=f"cr_login_{provider or 'default'}", type="primary"):
            _start_oidc_login(provider)


def _password_sign_in(credentials: Mapping[str, Credential]) -> None:
    with st.form("cr_login", border=True):
        username = st.text_input(t("Username"), autocomplete="username", max_chars=MAX_USERNAME_CHARS)
        password = st.text_input(
            t("Password"), type="password", autocomplete="current-password", max_chars=MAX_PASSWORD_CHARS
        )
        submitted = st.form_submit_button(t("Sign in"), type="primary")
    if not submitted:
        return
    if not username.strip() or not password:
        st.error(t("Enter your username and password."))
        return
    if len(username) > MAX_USERNAME_CHARS:  # max_chars is the browser's; the server checks too
        st.error(_too_long_username())
        return
    limiter = _limiter()
    if limiter is None:
        st.error(_database_down())
        return
    from storage import StoreError

    try:
        outcome = authenticate(credentials, username, password, limiter)
    except StoreError:  # the limits could not be read or written: refuse rather than check unlimited
        log.exception("sign-in limits unavailable")
        st.error(_database_down())
        return
    if outcome.account is not None:
        st.session_state[SESSION_KEY] = outcome.account.username
        st.rerun()
    wait = math.ceil(outcome.wait_seconds)
    if outcome.limit == "input":
        st.error(_too_long_username())
    elif outcome.limit == "global":
        st.error(
            t(
                "There have been too many failed sign-ins on this server just now. Try again in {seconds} seconds."
            ).format(seconds=wait)
        )
    elif outcome.refused_without_check:
        st.error(t("Too many failed attempts for this username. Try again in {seconds} seconds.").format(seconds=wait))
    elif wait:
        st.error(
            t("That username and password don't match. Please wait {seconds} seconds before trying again.").format(
                seconds=wait
            )
        )
    else:
        st.error(t("That username and password don't match."))


def _too_long_username() -> str:
    return t("A username has at most {count} characters.").format(count=MAX_USERNAME_CHARS)


def _database_down() -> str:
    return t("Sign-in is unavailable right now because the database can't be reached. Please try again soon.")


def acting_recruiter(account: Account, recruiters: Mapping[str, Recruiter]) -> str | None:
    """The recruiter id this account works as: their own for a recruiter, a chosen one for coaches and admins."""
    if account.role == "recruiter":
        return account.recruiter_id
    if not recruiters:
        st.error(t("No recruiters are configured in config/people.yaml."))
        return None
    return st.selectbox(
        t("Recruiter"),
        sorted(recruiters),
        format_func=lambda rid: f"{recruiters[rid].display_name} ({recruiters[rid].firm})",
        key="cr_acting_recruiter",
    )
