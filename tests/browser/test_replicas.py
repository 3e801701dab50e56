"""Two replicas on one PostgreSQL behind the shipped nginx config; one dies under a candidate mid-quiz.

The stack is what DEPLOY.md describes: ``deploy/nginx-career-radar.conf.template`` rendered with
loopback ports and a throw-away certificate (TLS, security headers, rate limits, round-robin without
stickiness, WebSockets proxied), two ``streamlit run app.py`` processes sharing ``server.cookieSecret``,
the link secret and one PostgreSQL schema. Needs nginx (``apt-get install -y nginx``), openssl and
``TEST_DATABASE_URL``; with CAREER_RADAR_REQUIRE_BROWSER=1 (CI) a missing one is a failure, not a skip.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from deploy.render_nginx import render
from tests.browser.conftest import ROOT, _wait_healthy, free_port, launch_streamlit, stop_process
from tests.browser.runstate import (
    NEXT,
    OBSERVER,
    START,
    SUBMIT,
    answer_open_questions,
    checked_values,
    heading,
    loaded,
    press,
    results_shown,
)

pytestmark = pytest.mark.browser

REQUIRED = os.environ.get("CAREER_RADAR_REQUIRE_BROWSER") == "1"
COOKIE_SECRET = "replica-test-cookie-secret-shared-by-both"
LINK_SECRET = "replica-test-link-secret"


def _need(what: str, present: bool, how: str) -> None:
    if present:
        return
    if REQUIRED:
        pytest.fail(f"{what} is missing, but CAREER_RADAR_REQUIRE_BROWSER=1: {how}")
    pytest.skip(f"{what} is missing ({how})")


def _nginx() -> str:
    path = shutil.which("nginx") or "/usr/sbin/nginx"
    _need("nginx", Path(path).exists(), "apt-get install -y nginx")
    return path


def _pg_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    _need("TEST_DATABASE_URL (PostgreSQL)", bool(url), "replicas share one PostgreSQL")
    return url


def _replica(port: int, db_url: str, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "CAREER_RADAR_DATABASE_URL": db_url,
        "CAREER_RADAR_LINK_SECRET": LINK_SECRET,
        "CAREER_RADAR_BASE_URL": "https://127.0.0.1",
        # Streamlit refuses this one as a command-line flag: environment or config file only.
        "STREAMLIT_SERVER_COOKIE_SECRET": COOKIE_SECRET,
    }
    return launch_streamlit(ROOT / "app.py", env, log.open("wb"), port)


def _nginx_main_conf(tmp: Path, include: Path) -> Path:
    """A minimal nginx.conf of our own around the shipped include: no system paths touched."""
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / sub).mkdir(exist_ok=True)
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read our private temp folder
    conf = tmp / "nginx.conf"
    conf.write_text(
        f"{user}worker_processes 1;\ndaemon off;\npid {tmp}/nginx.pid;\nerror_log {tmp}/error.log info;\n"
        "events { worker_connections 512; }\n"
        "http {\n"
        f"  access_log {tmp}/access.log;\n"
        f"  client_body_temp_path {tmp}/body;\n  proxy_temp_path {tmp}/proxy;\n"
        f"  fastcgi_temp_path {tmp}/fastcgi;\n  uwsgi_temp_path {tmp}/uwsgi;\n  scgi_temp_path {tmp}/scgi;\n"
        f"  include {include};\n"
        "}\n"
    )
    return conf


def _active_sessions(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/metrics", timeout=5) as r:
        text = r.read().decode()
    m = re.search(r"^active_sessions (\d+)", text, re.M)
    return int(m.group(1)) if m else 0


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[SimpleNamespace]:
    """nginx (shipped config) → two replicas → one fresh PostgreSQL schema; everything stopped after."""
    nginx = _nginx()
    _need("openssl", shutil.which("openssl") is not None, "apt-get install -y openssl")
    admin_url = _pg_url()
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    schema = f"replicas_{os.getpid()}_{int(time.time() * 1000) % 10**8}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    db_url = make_url(admin_url).update_query_dict({"options": f"-csearch_path={schema}"})
    db_url = db_url.render_as_string(hide_password=False)
    procs: list[subprocess.Popen] = []
    try:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1",
             "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        ports = [free_port(), free_port()]
        replicas = [_replica(port, db_url, tmp_path / f"replica-{i}.log") for i, port in enumerate(ports)]
        procs.extend(replicas)
        for port, proc in zip(ports, replicas, strict=True):
            _wait_healthy(f"http://127.0.0.1:{port}", proc)
        https_port, http_port = free_port(), free_port()
        include = tmp_path / "career-radar.conf"
        include.write_text(
            render(
                [f"127.0.0.1:{p}" for p in ports],
                server_name="127.0.0.1",
                cert=str(tmp_path / "cert.pem"),
                key=str(tmp_path / "key.pem"),
                frame_ancestors=["https://recruiter.example"],
                https_port=https_port,
                http_port=http_port,
                listen_address="127.0.0.1",
            )
        )
        conf = _nginx_main_conf(tmp_path, include)
        checked = subprocess.run([nginx, "-t", "-c", str(conf), "-e", str(tmp_path / "error.log")],
                                 capture_output=True, text=True, timeout=30)  # fmt: skip
        assert checked.returncode == 0, checked.stderr
        proxy = subprocess.Popen(
            [nginx, "-c", str(conf), "-e", str(tmp_path / "error.log")],
            stdout=subprocess.DEVNULL, stderr=(tmp_path / "nginx.out").open("wb"),
        )  # fmt: skip
        procs.append(proxy)
        url = f"https://127.0.0.1:{https_port}"
        _wait_through_proxy(url, proxy)
        yield SimpleNamespace(
            url=url, http_url=f"http://127.0.0.1:{http_port}", ports=ports, replicas=replicas, db_url=db_url,
            logs=tmp_path,
        )  # fmt: skip
    finally:
        for proc in reversed(procs):
            stop_process(proc)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def _insecure() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # our own throw-away certificate
    return ctx


def _wait_through_proxy(url: str, proxy: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proxy.poll() is not None:
            raise RuntimeError(f"nginx exited with {proxy.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2, context=_insecure()) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("nginx did not answer in time")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def test_proxy_sends_security_headers_and_redirects_to_https(stack: SimpleNamespace) -> None:
    with urllib.request.urlopen(f"{stack.url}/", timeout=10, context=_insecure()) as r:
        headers = r.headers
        assert r.status == 200
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert headers["Content-Security-Policy"] == "frame-ancestors 'self' https://recruiter.example"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    # errors carry them too ("always")
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{stack.url}/media/no-such-file.png", timeout=10, context=_insecure())
    assert missing.value.code == 404
    assert missing.value.headers["Referrer-Policy"] == "no-referrer"
    # plain HTTP only redirects to HTTPS (tokens in URLs never travel in clear)
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(f"{stack.http_url}/?r=secret", timeout=10)
    assert redirect.value.code == 301
    assert redirect.value.headers["Location"].startswith("https://127.0.0.1:")
    assert redirect.value.headers["Location"].endswith("/?r=secret")


def test_replica_dies_mid_quiz_and_the_candidate_carries_on(browser: Browser, stack: SimpleNamespace) -> None:
    rng = random.Random(7)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, ignore_https_errors=True)
    context.add_init_script(OBSERVER)
    page = context.new_page()
    page.goto(stack.url)
    loaded(page)
    assert press(page, START)
    clicks = len(answer_open_questions(page, rng))  # the whole first page
    assert press(page, NEXT)
    second_page = heading(page)
    before = answer_open_questions(page, rng, limit=2)  # part of the second page
    clicks += len(before)
    assert len(before) == 2
    chosen = checked_values(page)
    token = re.search(r"[?&]r=([\w-]+)", page.url)
    assert token, "the private token is in the address bar"

    # Exactly one replica holds this candidate's session: kill it, abruptly.
    sessions = [_active_sessions(port) for port in stack.ports]
    assert sorted(sessions) == [0, 1], sessions
    serving = sessions.index(1)
    stack.replicas[serving].kill()
    stack.replicas[serving].wait(timeout=10)
    survivor = stack.ports[1 - serving]

    # The candidate reloads: nginx sends them to the surviving replica, which restores everything
    # from PostgreSQL by the token in the address bar.
    page.reload()
    loaded(page)
    assert token.group(1) in page.url
    assert heading(page) == second_page, "back on the page they were answering"
    assert checked_values(page) == chosen, "the answers given on the dead replica are all there"
    assert _active_sessions(survivor) >= 1

    for _ in range(50):  # bounded: far more pages than the questionnaire has
        clicks += len(answer_open_questions(page, rng))
        if page.get_by_role("button", name=NEXT).count():
            assert press(page, NEXT), f"Next did not move on from {heading(page)!r}"
            continue
        assert press(page, SUBMIT), "the result did not appear"
        break
    assert results_shown(page)
    expect(page.get_by_role("button", name=re.compile("PDF report"))).to_be_visible()
    context.close()

    from sqlalchemy import create_engine, text

    from storage.store import token_hash

    engine = create_engine(stack.db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, submitted_at, resume_token_hash FROM responses")).all()
            answers = conn.execute(text("SELECT count(*) FROM answers")).scalar_one()
    finally:
        engine.dispose()
    assert len(rows) == 1, "exactly one response"
    assert rows[0].submitted_at is not None
    assert rows[0].resume_token_hash == token_hash(token.group(1))
    # every click is one stored answer: nothing was lost, nothing had to be given twice
    assert answers == clicks
