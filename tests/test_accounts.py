"""Password hashes, account configuration, sign-in limits (the pure policy) and the hash command."""

from __future__ import annotations

import io
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from access.accounts import (
    MAX_USERNAME_CHARS,
    Account,
    AccountsConfigError,
    Failures,
    LoginLimits,
    LoginOutcome,
    MemoryLimiter,
    Reservation,
    access_from_config,
    accounts_from_config,
    attempt_key,
    authenticate,
    decide,
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


# ----- sign-in limits ------------------------------------------------------------------------


def test_the_account_wait_grows_exponentially_and_is_capped() -> None:
    limits = LoginLimits(free_failures=3, base_seconds=2, max_seconds=60)
    assert [limits.required(n) for n in range(1, 10)] == [0, 0, 2, 4, 8, 16, 32, 60, 60]


def test_reservations_count_as_failures_before_the_check() -> None:
    clock = Clock()
    limiter = MemoryLimiter(LoginLimits(free_failures=3, base_seconds=2, max_seconds=60), clock=clock)
    key = attempt_key("dana")
    answers = [limiter.reserve(key) for _ in range(4)]
    assert [a.allowed for a in answers] == [True, True, True, False]
    assert [a.wait for a in answers[:3]] == [0, 0, 2]  # what the next attempt must wait if this one fails
    assert answers[3].limit == "account" and answers[3].wait == 2
    assert limiter.failures[key].count == 3  # the refused attempt recorded nothing
    clock.now += 2
    assert limiter.reserve(key).allowed
    assert limiter.reserve(attempt_key("sam")).allowed  # per user name
    assert attempt_key(" DANA ") == key and len(key) == 64  # however typed; fixed size


def test_a_success_forgets_the_failures_and_gives_the_token_back() -> None:
    clock = Clock()
    limiter = MemoryLimiter(LoginLimits(free_failures=1, base_seconds=1, forget_after=100, global_burst=5), clock=clock)
    key = attempt_key("dana")
    limiter.reserve(key)
    limiter.success(key)
    assert key not in limiter.failures and limiter.budget.tokens == 5
    limiter.reserve(key)
    clock.now += 101
    assert limiter.reserve(key).allowed and limiter.failures[key].count == 1  # the old streak was forgotten


def test_the_global_bucket_stops_spraying_across_accounts() -> None:
    # 20 accounts × 3 guesses: without a global limit all 60 would be checked with no wait.
    clock = Clock()
    limiter = MemoryLimiter(LoginLimits(global_burst=20, global_refill_seconds=15), clock=clock)
    answers = [limiter.reserve(attempt_key(f"user-{u}")) for _ in range(3) for u in range(20)]
    assert sum(a.allowed for a in answers) == 20
    refused = [a for a in answers if not a.allowed]
    assert {a.limit for a in refused} == {"global"} and refused[0].wait == pytest.approx(15)
    clock.now += 15
    assert limiter.reserve(attempt_key("user-0")).allowed  # one more per 15 s
    assert not limiter.reserve(attempt_key("user-1")).allowed


def test_junk_names_neither_grow_the_table_nor_push_out_a_victim() -> None:
    clock = Clock()
    limits = LoginLimits()
    limiter = MemoryLimiter(limits, clock=clock)
    victim = attempt_key("dana")
    for _ in range(3):
        limiter.reserve(victim)
    for i in range(10_001):
        clock.now += 0.3
        limiter.reserve(attempt_key(f"junk-{i}"))
        assert len(limiter.failures) <= limits.max_rows
    # 50 minutes of flooding later, the victim's counter is intact: only age removes a row.
    assert limiter.failures[victim].count == 3
    assert len(limiter.failures) <= 20 + 3_000 // 15 + 2
    clock.now += limits.forget_after + 1
    limiter.reserve(attempt_key("late"))
    assert set(limiter.failures) == {attempt_key("late")}  # pruned by age only


def test_a_clock_that_goes_back_never_lengthens_a_wait() -> None:
    limits = LoginLimits(free_failures=1, base_seconds=2)
    answer, _, _ = decide(limits, Failures(1, 1_000.0), None, 990.0)
    assert not answer.allowed and answer.wait == 2


def test_parallel_wrong_guesses_are_checked_at_most_free_failures_times() -> None:
    limiter = MemoryLimiter(LoginLimits(free_failures=3))
    creds = accounts_from_config({"dana": {"password_hash": HASH, "role": "recruiter", "recruiter_id": "d"}})
    barrier = threading.Barrier(12)

    def guess(_: int) -> LoginOutcome:
        barrier.wait()
        return authenticate(creds, "dana", "wrong guess", limiter)

    with ThreadPoolExecutor(max_workers=12) as pool:
        outcomes = list(pool.map(guess, range(12)))
    assert sum(not o.refused_without_check for o in outcomes) == 3
    assert all(o.account is None for o in outcomes)


def test_authenticate_checks_password_and_honours_the_limits() -> None:
    clock = Clock()
    limiter = MemoryLimiter(LoginLimits(free_failures=2, base_seconds=10), clock=clock)
    creds = accounts_from_config({"dana": {"password_hash": HASH, "role": "recruiter", "recruiter_id": "d"}})
    assert authenticate(creds, " Dana ", PASSWORD, limiter).account == creds["dana"].account
    assert authenticate(creds, "dana", "wrong", limiter).wait_seconds == 0
    second = authenticate(creds, "dana", "wrong", limiter)
    assert second.account is None and second.wait_seconds == 10 and not second.refused_without_check
    # While waiting, even the right password is refused without being checked.
    refused = authenticate(creds, "dana", PASSWORD, limiter)
    assert refused.account is None and refused.refused_without_check and refused.wait_seconds == 10
    clock.now += 10
    assert authenticate(creds, "dana", PASSWORD, limiter).account is not None
    assert attempt_key("dana") not in limiter.failures


def test_unknown_user_names_fail_and_are_limited_too() -> None:
    limiter = MemoryLimiter(LoginLimits(free_failures=1, base_seconds=5), clock=Clock())
    outcome = authenticate({}, "mallory", PASSWORD, limiter)
    assert outcome.account is None and outcome.wait_seconds == 5


class Refusing:
    """A limiter that fails the test if it is asked anything."""

    def reserve(self, key: str) -> Reservation:
        raise AssertionError("an over-long user name reached the limiter")

    def success(self, key: str) -> None:
        raise AssertionError("an over-long user name reached the limiter")


@pytest.mark.parametrize("name", ["a" * (MAX_USERNAME_CHARS + 1), "x" * 1_000_000, None, 7])
def test_over_long_or_odd_user_names_are_refused_before_hashing_or_recording(name: object) -> None:
    outcome = authenticate({}, name, PASSWORD, Refusing())
    assert outcome.account is None and outcome.refused_without_check and outcome.limit == "input"


def test_a_user_name_at_the_limit_is_checked() -> None:
    limiter = MemoryLimiter()
    outcome = authenticate({}, "a" * MAX_USERNAME_CHARS, PASSWORD, limiter)
    assert not outcome.refused_without_check and len(limiter.failures) == 1


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
