"""Render deploy/nginx-career-radar.conf.template into an nginx include (printed, or written with -o).

    python deploy/render_nginx.py --replica 10.0.0.11:8501 --replica 10.0.0.12:8501 \\
        --server-name radar.example.com --cert /etc/ssl/radar.pem --key /etc/ssl/radar.key \\
        --frame-ancestors "https://recruiter.example" -o /etc/nginx/conf.d/career-radar.conf

Standard library only, so it runs on the proxy host without the app's dependencies.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "nginx-career-radar.conf.template"
DEFAULTS = {
    "SESSION_RATE": "30r/m",  # new sessions (WebSocket handshakes) per client address
    "SESSION_BURST": "20",
    "PAGE_RATE": "60r/m",  # page loads per client address
    "PAGE_BURST": "30",
    "SIGNIN_RATE": "10r/m",  # staff page loads (sign-in) per client address
    "SIGNIN_BURST": "5",
    "CONN_PER_CLIENT": "20",  # open WebSockets per client address
}
_HOST_PORT = re.compile(r"^[A-Za-z0-9.\-\[\]:]+:\d{1,5}$")
_ORIGIN = re.compile(r"^https://[A-Za-z0-9.\-*]+(:\d{1,5})?$")


def render(
    replicas: list[str],
    *,
    server_name: str,
    cert: str,
    key: str,
    frame_ancestors: list[str],
    https_port: int = 443,
    http_port: int = 80,
    listen_address: str = "",
    **limits: str,
) -> str:
    """The config text; refuses values that could break out of their nginx directive."""
    if not replicas:
        raise ValueError("at least one --replica host:port")
    for r in replicas:
        if not _HOST_PORT.match(r):
            raise ValueError(f"replica {r!r}: expected host:port")
    for origin in frame_ancestors:
        if not _ORIGIN.match(origin):
            raise ValueError(f"frame ancestor {origin!r}: expected https://host[:port]")
    if listen_address and not re.fullmatch(r"[0-9.]+|\[[0-9a-fA-F:]+\]", listen_address):
        raise ValueError(f"listen address {listen_address!r}: an IPv4 address or [IPv6]")
    for name, value in (("server name", server_name), ("cert", cert), ("key", key)):
        if not value or re.search(r"[\s;{}'\"$]", value):
            raise ValueError(f"{name} {value!r}: no spaces, quotes, ';', '{{', '}}' or '$'")
    values = {**DEFAULTS, **{k.upper(): v for k, v in limits.items() if v is not None}}
    for name, value in values.items():
        if not re.fullmatch(r"\d+(r/[sm])?", value):
            raise ValueError(f"{name} {value!r}: a number, or a rate like 30r/m")
    values |= {
        "UPSTREAM_SERVERS": "\n".join(f"    server {r} max_fails=1 fail_timeout=10s;" for r in replicas),
        "SERVER_NAME": server_name,
        "TLS_CERT": cert,
        "TLS_KEY": key,
        "FRAME_ANCESTORS": " ".join(frame_ancestors),
        "HTTPS_LISTEN": f"{listen_address}:{int(https_port)}" if listen_address else str(int(https_port)),
        "HTTP_LISTEN": f"{listen_address}:{int(http_port)}" if listen_address else str(int(http_port)),
        "HTTPS_PORT_SUFFIX": "" if int(https_port) == 443 else f":{int(https_port)}",
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    out = re.sub(r"\{\{([A-Z_]+)\}\}", lambda m: values[m.group(1)], text)
    assert "{{" not in out, "a placeholder was left unrendered"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replica", action="append", required=True, help="host:port of a replica (repeat)")
    parser.add_argument("--server-name", required=True)
    parser.add_argument("--cert", required=True, help="TLS certificate chain (PEM)")
    parser.add_argument("--key", required=True, help="TLS private key (PEM)")
    parser.add_argument("--frame-ancestors", default="", help="space-separated https origins allowed to embed")
    parser.add_argument("--https-port", type=int, default=443)
    parser.add_argument("--http-port", type=int, default=80)
    parser.add_argument("--listen-address", default="", help="bind to this address only (default: all)")
    for name in DEFAULTS:
        parser.add_argument(f"--{name.lower().replace('_', '-')}", dest=name.lower(), default=None)
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args(argv)
    limits = {name.lower(): getattr(args, name.lower()) for name in DEFAULTS}
    try:
        text = render(
            args.replica,
            server_name=args.server_name,
            cert=args.cert,
            key=args.key,
            frame_ancestors=args.frame_ancestors.split(),
            https_port=args.https_port,
            http_port=args.http_port,
            listen_address=args.listen_address,
            **limits,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
