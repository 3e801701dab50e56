"""Browser tests: a real `streamlit run` on a free port, driven by Debian's Chromium.

Without Chromium the tests skip with a reason locally; with CAREER_RADAR_REQUIRE_BROWSER=1 (set by
.ci/run) a missing browser is a failure instead.
"""

from __future__ import annotations

import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "screens"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LINK_SECRET = "browser-test-link-secret"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CAREER_RADAR_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"Chromium not found at {CHROMIUM}, but CAREER_RADAR_REQUIRE_BROWSER=1")
    skip = pytest.mark.skip(reason="Debian's Chromium is not installed (apt-get install -y chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": ARGS}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("streamlit did not become healthy in time")


def launch_streamlit(app: Path, env: dict[str, str], log: IO[bytes], port: int) -> subprocess.Popen:
    """Start ``streamlit run app`` (from ``app``'s folder) on a loopback port; the caller waits and stops it."""
    return subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", str(app),
            "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
        ],
        cwd=app.parent, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def stop_process(proc: subprocess.Popen, timeout: float = 10) -> None:
    """Terminate, then kill if it does not exit in ``timeout`` seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@contextmanager
def streamlit_server(app: Path, env: dict[str, str], log_path: Path, port: int | None = None) -> Iterator[str]:
    """``streamlit run app`` on a loopback port, healthy before its URL is yielded; stopped after."""
    port = port or free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        proc = launch_streamlit(app, env, log, port)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, proc)
            yield url
        finally:
            stop_process(proc)


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A real Streamlit server on a free loopback port with its own SQLite file."""
    port = free_port()
    tmp = tmp_path_factory.mktemp("server")
    db_url = f"sqlite:///{tmp / 'browser.sqlite3'}"
    env = {
        **os.environ,
        "CAREER_RADAR_DATABASE_URL": db_url,
        "CAREER_RADAR_LINK_SECRET": LINK_SECRET,
        "CAREER_RADAR_BASE_URL": f"http://127.0.0.1:{port}",
    }
    log_path = ARTIFACTS.parent / "streamlit.log"
    with streamlit_server(ROOT / "app.py", env, log_path, port) as url:
        yield {"url": url, "db_url": db_url, "log": log_path}


@pytest.fixture(scope="session")
def host_server(app_server: dict, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Another origin (another port) serving a recruiter's page that embeds the quiz in an iframe."""
    root = tmp_path_factory.mktemp("host")
    (root / "index.html").write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Recruiter page</title></head>"
        "<body><h1>Take the Career Radar</h1>"
        f"<iframe title='Career Radar' src='{app_server['url']}/?embed=true' width='100%' height='900' "
        "style='border:0'></iframe></body></html>",
        encoding="utf-8",
    )
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(root), **k)  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/index.html"
    finally:
        httpd.shutdown()


@pytest.fixture(scope="session")
def shots() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
