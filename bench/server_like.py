"""AppTest runs timed as a ``streamlit run`` server runs them: each script compiled once per process.

A server's ``Runtime`` holds one ``ScriptCache`` for its lifetime: a script is read, rewritten for
"magic" and compiled on its first run, and every later run reuses the bytecode (until the file
changes). AppTest instead builds a new ``ScriptCache`` for every ``at.run()`` (``AppTest._run`` and
``LocalScriptRunner.__init__`` in Streamlit 1.67), so each timed run would also re-read, re-parse and
re-compile the script: a cost no server pays per rerun. Measured on 2026-12-01 it added about 20 ms to
every full run of the dashboard and of its bare page alike (pulling their ratio toward 1: 0.98× with it,
1.26× without), and 1–3 ms to the quiz's bare page but nothing measurable to the quiz's answer click
(a fragment rerun), which flattered the quiz (answer click 1.13–1.28× with it, 1.53–1.60× without).
``share_script_cache()`` gives every AppTest in the process one cache, as the server's runtime does;
both arms of a benchmark get it alike.
"""

from __future__ import annotations

import os
from typing import Any

SHARED: list[Any] = []


def share_script_cache() -> None:
    """Every AppTest run in this process uses one ``ScriptCache`` (idempotent)."""
    import streamlit.testing.v1.app_test as app_test
    import streamlit.testing.v1.local_script_runner as local_script_runner
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache

    if SHARED:
        return
    SHARED.append(ScriptCache())

    def shared() -> Any:
        return SHARED[0]

    for module in (app_test, local_script_runner):
        if getattr(module, "ScriptCache", None) is not ScriptCache:
            raise RuntimeError(f"{module.__name__} no longer builds a ScriptCache by that name: revisit server_like.py")
        module.ScriptCache = shared  # type: ignore[attr-defined]


def restore() -> None:
    """AppTest's own way again: a new ``ScriptCache`` per run (for tests that share a process)."""
    import streamlit.testing.v1.app_test as app_test
    import streamlit.testing.v1.local_script_runner as local_script_runner
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache

    for module in (app_test, local_script_runner):
        module.ScriptCache = ScriptCache  # type: ignore[attr-defined]
    SHARED.clear()


def compiled(path: str) -> Any:
    """The bytecode the shared cache holds for ``path`` (None if not compiled yet)."""
    return SHARED[0]._cache.get(os.path.abspath(path)) if SHARED else None
