"""Staff accounts: roles, salted scrypt password hashes, constant-time checks and sign-in limits.

Hash format: ``scrypt$N$r$p$SALT$HASH`` (SALT and HASH urlsafe base64 without padding), so the
cost parameters travel with each hash and can be raised later without breaking old ones.
Create one with ``python -m access.accounts hash`` (reads the password from stdin or a prompt).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import functools
import getpass
import hashlib
import hmac
import math
import re
import secrets
import sys
import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError, model_validator

from scoring.models import Id

ROLES = ("recruiter", "coach", "admin")
Role = Literal["recruiter", "coach", "admin"]
# Roles that may read figures computed over every candidate (the coach dashboard). A recruiter never
# may: any aggregate over their own campaigns includes candidates who did not share with them, and
# with a few responses of known content an aggregate can be differenced back to one person's answers.
COHORT_ROLES = ("coach", "admin")

# ~32 MiB and ~0.1 s per hash on a small server: slow for guessing, cheap enough for a login.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
KEY_BYTES = 32
MAX_PASSWORD_CHARS = 1_024
MIN_CLI_PASSWORD_CHARS = 12
# Bounds for parameters read from a (possibly hostile or mistyped) hash string.
_MAX_N, _MAX_R, _MAX_P, _MAX_MEM = 2**20, 32, 16, 256 * 1024 * 1024

Username = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._@+-]{0,119}$")]
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@+-]{0,119}$")


def normalize_username(name: object) -> str:
    """Usernames and e-mails compare case-insensitively and without surrounding spaces."""
    return name.strip().lower() if isinstance(name, str) else ""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(
    password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P, salt: bytes | None = None
) -> str:
    """Salted scrypt hash of a password, parameters included."""
    if not isinstance(password, str) or not password:
        raise ValueError("password must be a non-empty string")
    if len(password) > MAX_PASSWORD_CHARS:
        raise ValueError(f"password is longer than {MAX_PASSWORD_CHARS} characters")
    _check_params(n, r, p)
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    key = _scrypt(password, salt, n, r, p, KEY_BYTES)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(key)}"


def _check_params(n: int, r: int, p: int) -> None:
    if n < 2 or n > _MAX_N or n & (n - 1):
        raise ValueError(f"scrypt N must be a power of two between 2 and {_MAX_N}")
    if not 1 <= r <= _MAX_R or not 1 <= p <= _MAX_P or 128 * n * r * p > _MAX_MEM:
        raise ValueError("scrypt r/p out of range or memory cost too high")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    # maxmem must exceed 128·N·r·p plus OpenSSL's overhead, or larger N fail with "memory limit exceeded".
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=_MAX_MEM + 2**20)


@dataclass(frozen=True)
class HashParams:
    n: int
    r: int
    p: int
    salt: bytes
    key: bytes


def parse_hash(stored: str) -> HashParams:
    """Split a stored hash into its parts; raise ValueError when it is not a well-formed scrypt hash."""
    if not isinstance(stored, str) or len(stored) > 512:
        raise ValueError("not a password hash")
    parts = stored.strip().split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        raise ValueError("expected scrypt$N$r$p$salt$hash")
    try:
        n, r, p = (int(x) for x in parts[1:4])
        salt, key = _unb64(parts[4]), _unb64(parts[5])
    except (ValueError, binascii.Error):
        raise ValueError("the numbers or base64 parts of the hash are not valid") from None
    _check_params(n, r, p)
    if len(salt) < 8 or not 16 <= len(key) <= 64:
        raise ValueError("salt or hash has an unexpected length")
    return HashParams(n, r, p, salt, key)


def verify_password(password: object, stored: object) -> bool:
    """True when the password matches the stored hash; compared in constant time; never raises."""
    if not isinstance(password, str) or not isinstance(stored, str) or len(password) > MAX_PASSWORD_CHARS:
        return False
    try:
        params = parse_hash(stored)
        candidate = _scrypt(password, params.salt, params.n, params.r, params.p, len(params.key))
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(candidate, params.key)


def needs_rehash(stored: str) -> bool:
    """True when a hash uses weaker parameters than today's defaults."""
    try:
        params = parse_hash(stored)
    except ValueError:
        return True
    return params.n < SCRYPT_N or params.r < SCRYPT_R or len(params.salt) < SALT_BYTES


@functools.cache
def _dummy_hash() -> str:
    # Checked for unknown usernames so a miss costs as much time as a wrong password.
    return hash_password(secrets.token_urlsafe(16))


# ----- accounts -----------------------------------------------------------------------------


class Account(BaseModel):
    """A signed-in member of staff: who, which role, and (for recruiters) which recruiter they are."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    username: Username
    role: Role
    recruiter_id: Id | None = None

    @model_validator(mode="after")
    def _recruiter_needs_id(self) -> Account:
        if self.role == "recruiter" and self.recruiter_id is None:
            raise ValueError("a recruiter account needs a recruiter_id")
        return self

    @property
    def reads_cohorts(self) -> bool:
        """True for roles that may see aggregates over all candidates (never a recruiter)."""
        return self.role in COHORT_ROLES

    def sees_recruiter(self, recruiter_id: str) -> bool:
        """Recruiters see only themselves; coaches and admins see every recruiter."""
        return self.role in {"coach", "admin"} or self.recruiter_id == recruiter_id


class AccessDenied(PermissionError):
    """A signed-in account asked for data its role may not see."""


def require_cohort_reader(account: object) -> Account:
    """The account if it may read cohort figures; AccessDenied for anyone else (recruiters included)."""
    if not isinstance(account, Account) or not account.reads_cohorts:
        role = account.role if isinstance(account, Account) else "signed-out"
        raise AccessDenied(f"cohort figures are for {' and '.join(COHORT_ROLES)} accounts, not {role}")
    return account


@dataclass(frozen=True)
class Credential:
    account: Account
    password_hash: str


class AccountsConfigError(ValueError):
    """Problems in the [accounts] or [access] secrets, one ``path: message`` per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def _entries(section: str, mapping: object) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
    problems: list[str] = []
    if not isinstance(mapping, Mapping):
        return [], [f"{section}: expected a table of entries, got {type(mapping).__name__}"]
    out: list[tuple[str, dict[str, Any]]] = []
    seen: set[str] = set()
    for raw_key, value in mapping.items():
        key = normalize_username(raw_key)
        where = f"{section}.{raw_key}"
        if not _USERNAME.match(key):
            problems.append(f"{where}: not a valid user name or e-mail")
            continue
        if key in seen:
            problems.append(f"{where}: listed twice (names are case-insensitive)")
            continue
        seen.add(key)
        if not isinstance(value, Mapping):
            problems.append(f'{where}: expected a table like {{role = "recruiter", recruiter_id = "..."}}')
            continue
        out.append((key, dict(value)))
    return out, problems


def _account(
    key: str, where: str, data: dict[str, Any], recruiters: Collection[str] | None, problems: list[str]
) -> Account | None:
    try:
        account = Account.model_validate(
            {"username": key, "role": data.get("role"), "recruiter_id": data.get("recruiter_id")}
        )
    except ValidationError as exc:
        for err in exc.errors():
            field = ".".join(str(x) for x in err["loc"]) or "(entry)"
            problems.append(f"{where}.{field}: {err['msg'].removeprefix('Value error, ')}")
        return None
    if recruiters is not None and account.recruiter_id is not None and account.recruiter_id not in recruiters:
        problems.append(f"{where}.recruiter_id: unknown recruiter '{account.recruiter_id}' (not in people.yaml)")
        return None
    return account


def accounts_from_config(mapping: object, *, recruiters: Collection[str] | None = None) -> dict[str, Credential]:
    """Password accounts from ``[accounts.<username>]`` secrets; raise AccountsConfigError on any problem."""
    entries, problems = _entries("accounts", mapping)
    out: dict[str, Credential] = {}
    for key, data in entries:
        where = f"accounts.{key}"
        unknown = sorted(set(data) - {"password_hash", "role", "recruiter_id"})
        if unknown:
            problems.append(f"{where}: unknown key(s) {', '.join(unknown)}")
            continue
        try:
            parse_hash(data.get("password_hash", ""))
        except ValueError as exc:
            problems.append(f"{where}.password_hash: {exc} (make one with: python -m access.accounts hash)")
            continue
        account = _account(key, where, data, recruiters, problems)
        if account is not None:
            out[key] = Credential(account, data["password_hash"].strip())
    if problems:
        raise AccountsConfigError(problems)
    return out


def access_from_config(mapping: object, *, recruiters: Collection[str] | None = None) -> dict[str, Account]:
    """The OIDC allowlist from ``[access]`` secrets (e-mail → role, recruiter_id); raise AccountsConfigError."""
    entries, problems = _entries("access", mapping)
    out: dict[str, Account] = {}
    for key, data in entries:
        where = f"access.{key}"
        unknown = sorted(set(data) - {"role", "recruiter_id"})
        if unknown:
            problems.append(f"{where}: unknown key(s) {', '.join(unknown)}")
            continue
        if "@" not in key:
            problems.append(f"{where}: the [access] list is keyed by e-mail address")
            continue
        account = _account(key, where, data, recruiters, problems)
        if account is not None:
            out[key] = account
    if problems:
        raise AccountsConfigError(problems)
    return out


# ----- sign-in limits -------------------------------------------------------------------------
#
# Two limits, decided together and atomically with the check they allow:
#
# * per account (keyed by a hash of the user name, known or not): 3 free failures, then each further
#   attempt waits 2 s, 4 s, 8 s … up to 5 minutes after the previous one; forgotten an hour after the
#   last failure, or at the next success;
# * global: a token bucket of failed checks across all names (20 at once, then one every 15 s), so
#   spraying a few guesses at many accounts, or flooding with junk names, is slow too.
#
# An attempt *reserves* before the password is checked: the reservation counts as a failure and takes
# a token, and a success gives both back. Reserve and record are one step, so parallel guesses cannot
# all slip in before the first is counted. The state lives in the database (``storage.signin``), so
# restarts and replicas share it; ``MemoryLimiter`` keeps it in one process (tests, reference).
# Rows are created only by reservations, which the global bucket bounds, and expire by age: at most
# ``LoginLimits.max_rows`` exist, and junk names can never push out a victim's counter.

MAX_USERNAME_CHARS = 254  # an e-mail address at most (RFC 5321); longer input is refused unread
KEY_PREFIX = "career-radar.sign-in.v1:"


def attempt_key(username: str) -> str:
    """The fixed-size key a user name's failures are kept under (SHA-256 hex of the normalised name)."""
    return hashlib.sha256((KEY_PREFIX + normalize_username(username)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LoginLimits:
    """The sign-in limits (see above); times in seconds."""

    free_failures: int = 3
    base_seconds: float = 2.0
    max_seconds: float = 300.0
    forget_after: float = 3_600.0
    global_burst: int = 20
    global_refill_seconds: float = 15.0  # one more failed check allowed per this many seconds

    def required(self, failures: int) -> float:
        """Seconds an account must wait after ``failures`` consecutive failures."""
        if failures < self.free_failures:
            return 0.0
        return min(self.max_seconds, self.base_seconds * 2.0 ** (failures - self.free_failures))

    @property
    def max_rows(self) -> int:
        """Most per-account rows that can exist at once: reservations within one forget_after window."""
        return self.global_burst + math.ceil(self.forget_after / self.global_refill_seconds) + 1


@dataclass(frozen=True)
class Failures:
    """Consecutive failed attempts of one account key, and when the last one was recorded (epoch s)."""

    count: int
    last: float


@dataclass(frozen=True)
class Budget:
    """The global bucket: failed checks still allowed now, as of ``updated`` (epoch s)."""

    tokens: float
    updated: float


@dataclass(frozen=True)
class Reservation:
    """Whether a password may be checked now.

    Allowed: ``wait`` is what the next attempt must wait should this one fail. Refused (nothing is
    checked or recorded): ``wait`` is the time left, and ``limit`` says which limit refused —
    ``"account"``, ``"global"`` or ``"input"`` (a user name too long to be anyone's).
    """

    allowed: bool
    wait: float = 0.0
    limit: Literal["account", "global", "input"] | None = None


def refill(limits: LoginLimits, budget: Budget | None, now: float) -> Budget:
    """The bucket at ``now``: full when new; refilled for the time passed (never for a clock going back)."""
    if budget is None:
        return Budget(float(limits.global_burst), now)
    elapsed = max(0.0, now - budget.updated)
    return Budget(min(float(limits.global_burst), budget.tokens + elapsed / limits.global_refill_seconds), now)


def decide(
    limits: LoginLimits, failures: Failures | None, budget: Budget | None, now: float
) -> tuple[Reservation, Failures | None, Budget]:
    """One reservation, purely: (the answer, the account's new state, the bucket's new state)."""
    bucket = refill(limits, budget, now)
    if failures is not None and now - failures.last > limits.forget_after:
        failures = None
    count = failures.count if failures else 0
    if failures is not None:
        elapsed = max(0.0, now - failures.last)  # a clock that went back never lengthens the wait
        left = limits.required(count) - elapsed
        if left > 0:
            return Reservation(False, left, "account"), failures, bucket
    if bucket.tokens < 1.0:
        left = (1.0 - bucket.tokens) * limits.global_refill_seconds
        return Reservation(False, left, "global"), failures, bucket
    recorded = Failures(count + 1, now)
    return Reservation(True, limits.required(count + 1)), recorded, Budget(bucket.tokens - 1.0, now)


def settle_success(limits: LoginLimits, budget: Budget | None, now: float) -> Budget:
    """The bucket after a success: the token the attempt reserved is given back."""
    bucket = refill(limits, budget, now)
    return Budget(min(float(limits.global_burst), bucket.tokens + 1.0), now)


class Limiter(Protocol):
    """Where reservations are decided and recorded atomically (``MemoryLimiter``, ``storage.signin``)."""

    def reserve(self, key: str) -> Reservation: ...

    def success(self, key: str) -> None: ...


class MemoryLimiter:
    """``decide`` with its state in this process, behind a lock (for tests and as the reference)."""

    def __init__(self, limits: LoginLimits | None = None, *, clock: Callable[[], float] = time.time) -> None:
        self.limits = limits or LoginLimits()
        self.clock = clock
        self.failures: dict[str, Failures] = {}
        self.budget: Budget | None = None
        self._lock = threading.Lock()

    def reserve(self, key: str) -> Reservation:
        with self._lock:
            now = self.clock()
            answer, failures, self.budget = decide(self.limits, self.failures.get(key), self.budget, now)
            if answer.allowed:
                assert failures is not None
                self.failures[key] = failures
                self._prune(now)
            return answer

    def success(self, key: str) -> None:
        with self._lock:
            self.failures.pop(key, None)
            self.budget = settle_success(self.limits, self.budget, self.clock())

    def _prune(self, now: float) -> None:
        for key in [k for k, f in self.failures.items() if now - f.last > self.limits.forget_after]:
            del self.failures[key]


@dataclass(frozen=True)
class LoginOutcome:
    """An account on success; otherwise None and how long to wait before the next try (0: may retry now)."""

    account: Account | None
    wait_seconds: float = 0.0
    refused_without_check: bool = False
    limit: Literal["account", "global", "input"] | None = None


def authenticate(
    credentials: Mapping[str, Credential], username: object, password: object, limiter: Limiter
) -> LoginOutcome:
    """Check a user name and password against the configured accounts, within the sign-in limits.

    A user name over MAX_USERNAME_CHARS is refused before anything is hashed or recorded. Otherwise
    the attempt is reserved first (see ``decide``); only an allowed reservation runs the scrypt check.
    """
    if not isinstance(username, str) or len(username) > MAX_USERNAME_CHARS or not isinstance(password, str):
        return LoginOutcome(None, 0.0, refused_without_check=True, limit="input")
    name = normalize_username(username)
    key = attempt_key(name)
    reservation = limiter.reserve(key)
    if not reservation.allowed:
        return LoginOutcome(None, reservation.wait, refused_without_check=True, limit=reservation.limit)
    credential = credentials.get(name)
    stored = credential.password_hash if credential else _dummy_hash()
    if verify_password(password, stored) and credential is not None:
        limiter.success(key)
        return LoginOutcome(credential.account)
    return LoginOutcome(None, reservation.wait)


# ----- command line ------------------------------------------------------------------------


def _read_password(stdin: Any) -> str:
    if not stdin.isatty():
        return stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Repeat it: ") != first:
        raise SystemExit("The two passwords differ; nothing was created.")
    return first


def main(argv: list[str] | None = None) -> int:
    """``python -m access.accounts hash``: print a password hash for secrets.toml."""
    parser = argparse.ArgumentParser(prog="python -m access.accounts", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("hash", help="read a password (stdin or prompt) and print its scrypt hash")
    parser.parse_args(argv)
    password = _read_password(sys.stdin)
    if len(password) < MIN_CLI_PASSWORD_CHARS:
        print(f"Use at least {MIN_CLI_PASSWORD_CHARS} characters.", file=sys.stderr)
        return 2
    if len(password) > MAX_PASSWORD_CHARS:
        print(f"Use at most {MAX_PASSWORD_CHARS} characters.", file=sys.stderr)
        return 2
    print(hash_password(password))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
