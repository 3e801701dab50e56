"""The shipped nginx config (deploy/): rendered completely, round-robin, safe against injected values."""

from __future__ import annotations

import re

import pytest

from deploy.render_nginx import main, render

REPLICAS = ["10.0.0.11:8501", "10.0.0.12:8501", "10.0.0.13:8501"]


def rendered(**kw: object) -> str:
    args = {
        "server_name": "radar.example.com",
        "cert": "/etc/ssl/radar.pem",
        "key": "/etc/ssl/radar.key",
        "frame_ancestors": ["https://recruiter-one.example", "https://recruiter-two.example"],
    }
    args.update(kw)
    return render(REPLICAS, **args)


def block(text: str, opening: str) -> str:
    """The body of the first `{ ... }` block whose opening line contains `opening` (no nesting inside)."""
    start = text.index(opening)
    return text[text.index("{", start) + 1 : text.index("}", start)]


def test_every_placeholder_is_filled_and_every_replica_is_an_upstream() -> None:
    text = rendered()
    assert "{{" not in text and "}}" not in text
    upstream = block(text, "upstream career_radar")
    assert re.findall(r"server (\S+) max_fails", upstream) == REPLICAS


def test_round_robin_without_stickiness() -> None:
    """Only server lines and keepalive: no ip_hash, hash, sticky or other balancing method (default: round-robin)."""
    upstream = block(rendered(), "upstream career_radar")
    directives = [d for d in (line.split("#")[0].strip() for line in upstream.splitlines()) if d]
    assert directives and all(d.startswith(("server ", "keepalive ")) for d in directives), directives


def test_websocket_is_proxied_with_upgrade_headers() -> None:
    stream = block(rendered(), "location = /_stcore/stream")
    assert "proxy_set_header Upgrade $http_upgrade;" in stream
    assert "proxy_set_header Connection $cr_connection_upgrade;" in stream
    assert "limit_req zone=cr_sessions" in stream


def test_security_headers_tls_and_rate_limits() -> None:
    text = rendered()
    assert "listen 443 ssl;" in text and "ssl_certificate     /etc/ssl/radar.pem;" in text
    assert "return 301 https://$host$request_uri;" in text
    assert (
        "add_header Content-Security-Policy \"frame-ancestors 'self' https://recruiter-one.example "
        'https://recruiter-two.example" always;' in text
    )
    assert 'add_header X-Content-Type-Options "nosniff" always;' in text
    assert 'add_header Referrer-Policy "no-referrer" always;' in text
    assert 'add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;' in text
    assert "limit_req zone=cr_signin" in block(text, "location ~ ^/(links|candidates|dashboard)")
    assert "limit_req zone=cr_pages" in block(text, "location / {")
    # headers are set once at server level; a location with its own add_header would drop them
    for location in re.findall(r"location [^{]+\{([^}]*)\}", text):
        assert "add_header" not in location


def test_non_default_port_keeps_the_redirect_on_that_port() -> None:
    text = rendered(https_port=8443, http_port=8080, listen_address="127.0.0.1")
    assert "listen 127.0.0.1:8443 ssl;" in text and "listen 127.0.0.1:8080;" in text
    assert "return 301 https://$host:8443$request_uri;" in text


@pytest.mark.parametrize(
    "kw",
    [
        {"frame_ancestors": ["https://ok.example; script-src *"]},
        {"frame_ancestors": ["http://plain.example"]},
        {"server_name": "radar.example.com; include /etc/passwd"},
        {"cert": "/tmp/x.pem }"},
        {"listen_address": "0.0.0.0; evil"},
        {"session_rate": "30r/m; deny all"},
    ],
)
def test_values_that_could_break_out_of_a_directive_are_refused(kw: dict) -> None:
    with pytest.raises(ValueError):
        rendered(**kw)


def test_a_replica_must_be_host_and_port() -> None:
    with pytest.raises(ValueError):
        render(["10.0.0.11:8501;"], server_name="a", cert="/c", key="/k", frame_ancestors=[])
    with pytest.raises(ValueError):
        render([], server_name="a", cert="/c", key="/k", frame_ancestors=[])


def test_command_line(tmp_path, capsys) -> None:
    out = tmp_path / "cr.conf"
    argv = ["--replica", "127.0.0.1:8501", "--server-name", "radar.example.com", "--cert", "/c.pem"]
    assert main([*argv, "--key", "/k.pem", "-o", str(out), "--session-rate", "10r/m"]) == 0
    assert "rate=10r/m" in out.read_text()
    assert main([*argv, "--key", "/k.pem", "--frame-ancestors", "javascript:alert(1)"]) == 2
    assert "frame ancestor" in capsys.readouterr().err
