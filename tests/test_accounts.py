"""Password hashes, account configuration, back-off and the hash command."""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.accounts import (
    Account,
    AccountsConfigError,
    Backoff,
    access_from_config,
    accounts_from_config,
    authenticate,
    hash_password,
    main,
    needs_rehash,
    parse_hash,
    verify_password,
)

FAST = {"n": 2**10, "r": 8, "p": 1}  # cheap parameters keep the tests quick; the format is the same
PASSWORD = "correct horse battery staple"
HASH = hash_password(PASSWORD, **FAST)


class Clock:
    """A hand-driven clock for the back-off."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


# ----- hashing ------------------------------------------------------------------------------


def test_hash_format_carries_its_parameters() -> None:
    parts = HASH.split("$")
    assert parts[:4] == ["scrypt", "1024", "8", "1"] and len(parts) == 6
    params = parse_hash(HASH)
    assert len(params.salt) == 16 and len(params.key) == 32


def test_same_password_gets_different_salts() -> None:
    other = hash_password(PASSWORD, **FAST)
    assert other != HASH and verify_password(PASSWORD, other) and verify_password(PASSWORD, HASH)


def test_default_parameters_verify() -> None:
    stored = hash_password(PASSWORD)
    assert stored.startswith("scrypt$32768$8$1$") and verify_password(PASSWORD, stored)
    assert not needs_rehash(stored) and needs_rehash(HASH)


@pytest.mark.parametrize(
    "attempt",
    [PASSWORD + " ", PASSWORD.upper(), PASSWORD[:-1], "", " " + PASSWORD, "x" * 2_000, None, 12345, b"bytes"],
)
def test_wrong_passwords_fail(attempt: object) -> None:
    assert verify_password(attempt, HASH) is False


def _with(index: int, value: str) -> str:
    parts = HASH.split("$")
    parts[index] = value
    return "$".join(parts)


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "plaintext-password",
        PASSWORD,
        "bcrypt$2b$12$abc",
        HASH.replace("scrypt", "SCRYPT", 1),
        HASH + "$extra",
        _with(1, "1000"),  # not a power of two
        _with(1, str(2**24)),  # memory bomb
        _with(2, "0"),
        _with(3, "99"),
        _with(1, "abc"),
        _with(4, "!!!"),
        _with(4, "AA"),  # salt too short
        _with(5, "AAAA"),  # hash too short
        "scrypt$" + "9" * 600,
        None,
        42,
    ],
)
def test_malformed_hashes_never_verify_and_never_raise(stored: object) -> None:
    assert verify_password(PASSWORD, stored) is False


@pytest.mark.parametrize("password", ["", "x" * 1_025])
def test_hash_refuses_empty_or_huge_passwords(password: str) -> None:
    with pytest.raises(ValueError):
        hash_password(password, **FAST)


@settings(max_examples=25, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_property_any_password_round_trips(password: str) -> None:
    stored = hash_password(password, n=2**4, r=1, p=1)
    assert verify_password(password, stored)
    assert not verify_password(password + "x", stored)


# ----- configuration ------------------------------------------------------------------------


def test_accounts_from_config() -> None:
    creds = accounts_from_config(
        {
            "Dana": {"password_hash": HASH, "role": "recruiter", "recruiter_id": "dana-whitfield"},
            "sam": {"password_hash": HASH, "role": "coach"},
        },
        recruiters={"dana-whitfield"},
    )
    assert set(creds) == {"dana", "sam"}  # user names are case-insensitive
    assert creds["dana"].account == Account(username="dana", role="recruiter", recruiter_id="dana-whitfield")
    assert creds["sam"].account.sees_recruiter("anyone") and not creds["dana"].account.sees_recruiter("priya")


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ({"dana": {"password_hash": HASH, "role": "recruiter"}}, "accounts.dana"),
        ({"dana": {"password_hash": "plain", "role": "coach"}}, "accounts.dana.password_hash"),
        ({"dana": {"role": "coach"}}, "accounts.dana.password_hash"),
        ({"dana": {"password_hash": HASH, "role": "boss"}}, "accounts.dana.role"),
        ({"dana": {"password_hash": HASH, "role": "recruiter", "recruiter_id": "ghost"}}, "unknown recruiter 'ghost'"),
        ({"dana": {"password_hash": HASH, "role": "coach", "is_admin": True}}, "unknown key(s) is_admin"),
        ({"dana": "password"}, "accounts.dana: expected a table"),
        ({"Dana": {"password_hash": HASH, "role": "coach"}, "dana": {"password_hash": HASH, "role": "coach"}}, "twice"),
        ({"bad name!": {"password_hash": HASH, "role": "coach"}}, "not a valid user name"),
        (["dana"], "accounts: expected a table"),
    ],
)
def test_bad_accounts_config_names_the_problem(config: object, problem: str) -> None:
    with pytest.raises(AccountsConfigError) as info:
        accounts_from_config(config, recruiters={"dana-whitfield"})
    assert problem in str(info.value)
    assert "scrypt$" not in str(info.value).replace("scrypt$N$r$p$salt$hash", "")  # never echo a hash


def test_access_from_config() -> None:
    access = access_from_config(
        {
            "Dana@Whitfield.example": {"role": "recruiter", "recruiter_id": "dana-whitfield"},
            "s@c.example": {"role": "admin"},
        }
    )
    assert access["dana@whitfield.example"].recruiter_id == "dana-whitfield"
    assert access["s@c.example"].role == "admin"


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ({"dana": {"role": "coach"}}, "keyed by e-mail"),
        ({"d@x.example": {"role": "coach", "password_hash": HASH}}, "unknown key(s) password_hash"),
        ({"d@x.example": {"role": "recruiter"}}, "needs a recruiter_id"),
    ],
)
def test_bad_access_config(config: object, problem: str) -> None:
    with pytest.raises(AccountsConfigError, match=re.escape(problem)):
        access_from_config(config)


# ----- back-off -----------------------------------------------------------------------------


def test_backoff_grows_exponentially_and_is_capped() -> None:
    clock = Clock()
    backoff = Backoff(free_failures=3, base_seconds=2, max_seconds=60, clock=clock)
    waits = [backoff.failure("dana") for _ in range(9)]
    assert waits == [0, 0, 2, 4, 8, 16, 32, 60, 60]
    assert backoff.wait("DANA ") == 60  # same user, however typed
    clock.now += 59
    assert backoff.wait("dana") == pytest.approx(1)
    clock.now += 1
    assert backoff.wait("dana") == 0
    assert backoff.wait("sam") == 0  # per user name


def test_backoff_resets_on_success_and_forgets_old_failures() -> None:
    clock = Clock()
    backoff = Backoff(free_failures=1, base_seconds=1, forget_after=100, clock=clock)
    backoff.failure("dana")
    backoff.failure("dana")
    backoff.success("dana")
    assert backoff.wait("dana") == 0 and backoff.failure("dana") == 1
    clock.now += 101
    assert backoff.failure("dana") == 1  # the old streak was forgotten


def test_backoff_table_is_bounded() -> None:
    clock = Clock()
    backoff = Backoff(max_keys=100, clock=clock)
    for i in range(1_000):
        clock.now += 0.001
        backoff.failure(f"junk-{i}")
    assert len(backoff._failures) <= 100
    assert "junk-999" in backoff._failures  # the newest survive


def test_authenticate_checks_password_and_honours_backoff() -> None:
    clock = Clock()
    backoff = Backoff(free_failures=2, base_seconds=10, clock=clock)
    creds = accounts_from_config({"dana": {"password_hash": HASH, "role": "recruiter", "recruiter_id": "d"}})
    assert authenticate(creds, " Dana ", PASSWORD, backoff).account == creds["dana"].account
    assert authenticate(creds, "dana", "wrong", backoff).wait_seconds == 0
    second = authenticate(creds, "dana", "wrong", backoff)
    assert second.account is None and second.wait_seconds == 10 and not second.refused_without_check
    # While waiting, even the right password is refused without being checked.
    refused = authenticate(creds, "dana", PASSWORD, backoff)
    assert refused.account is None and refused.refused_without_check and refused.wait_seconds == 10
    clock.now += 10
    assert authenticate(creds, "dana", PASSWORD, backoff).account is not None
    assert backoff.wait("dana") == 0


def test_unknown_user_names_fail_and_are_backed_off_too() -> None:
    backoff = Backoff(free_failures=1, base_seconds=5, clock=Clock())
    outcome = authenticate({}, "mallory", PASSWORD, backoff)
    assert outcome.account is None and outcome.wait_seconds == 5


# ----- command line -------------------------------------------------------------------------


def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], stdin: str) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))  # not a terminal: read one line, no prompt
    code = main(["hash"])
    out, err = capsys.readouterr()
    return code, out, err


def test_hash_command_reads_stdin_and_prints_a_verifying_hash(monkeypatch, capsys) -> None:
    code, out, err = run_cli(monkeypatch, capsys, PASSWORD + "\n")
    stored = out.strip()
    assert code == 0 and stored.startswith("scrypt$32768$") and verify_password(PASSWORD, stored)
    assert PASSWORD not in out + err


def test_hash_command_refuses_short_passwords(monkeypatch, capsys) -> None:
    code, out, err = run_cli(monkeypatch, capsys, "short\n")
    assert code == 2 and "at least 12" in err and out == ""


def test_hash_command_needs_a_subcommand(monkeypatch, capsys) -> None:
    with pytest.raises(SystemExit):
        main([])
