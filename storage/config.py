"""Where the database is: one function, one documented precedence.

1. the environment variable ``CAREER_RADAR_DATABASE_URL``;
2. ``database_url`` at the top level of the Streamlit secrets (``.streamlit/secrets.toml``);
3. ``[connections.sql] url`` in the same secrets (Streamlit's own convention for SQL connections);
4. a SQLite file ``data/career_radar.sqlite3`` under the repository root (git-ignored; the folder is
   created when the store first opens it).

``secrets`` is any mapping (``st.secrets`` works); when it is None the repository's
``.streamlit/secrets.toml`` is read if present, so the CLI and the app agree on the database.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from access.secretsfile import read_secrets_file

ENV_VAR = "CAREER_RADAR_DATABASE_URL"
ROOT = Path(__file__).resolve().parents[1]
SECRETS_FILE = ROOT / ".streamlit" / "secrets.toml"
DEFAULT_SQLITE = ROOT / "data" / "career_radar.sqlite3"


def _get(mapping: Any, key: str) -> Any:
    # st.secrets raises on unknown keys in some versions; treat any failure as "absent".
    try:
        return mapping.get(key)
    except Exception:
        return None


def database_url(secrets: Mapping[str, Any] | None = None) -> str:
    """The database URL by precedence: env var, secrets ``database_url``, ``[connections.sql] url``, SQLite file."""
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return env
    if secrets is None:
        secrets = read_secrets_file(SECRETS_FILE)
    direct = _get(secrets, "database_url")
    if isinstance(direct, str) and direct.strip():
        return direct.strip()
    connections = _get(secrets, "connections")
    sql = _get(connections, "sql") if connections is not None else None
    url = _get(sql, "url") if sql is not None else None
    if isinstance(url, str) and url.strip():
        return url.strip()
    return f"sqlite:///{DEFAULT_SQLITE}"
