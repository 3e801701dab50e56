"""The secrets file (``.streamlit/secrets.toml``) read outside Streamlit, by the CLIs and the store's config."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def read_secrets_file(path: Path) -> Mapping[str, Any]:
    """The file's TOML as a mapping; empty when the file does not exist (an unreadable or invalid file raises)."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
