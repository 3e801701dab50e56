"""Small Streamlit components: ``show(..., key) -> value``; each owns its widget key.

Question widgets take their value from the answers dict (never from a stale widget key), so
an answer given on another page, restored from the store, or changed and revisited shows up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

import i18n
from scoring.models import ChoiceItem, ClaimItem, LikertItem, Questionnaire, TextItem
from ui import lang
from ui.lang import t
from ui.state import widget_key

OnChange = Callable[[str], None]

# Radio rows wrap into one column on narrow screens; buttons get comfortable touch targets.
CSS = """
<style>
@media (max-width: 640px) {
  div[data-testid="stRadio"] div[role="radiogroup"] {
    flex-direction: column !important; align-items: flex-start !important; gap: .35rem;
  }
  div[data-testid="stRadio"] label { min-height: 2.25rem; align-items: center; }
}
div[data-testid="stRadio"] > label p { font-size: 1.02rem; font-weight: 600; }
</style>
"""

# Coach dashboard. On a narrow screen the last tabs sit at the right end of the tab strip, exactly where
# the first table's (or chart's) toolbar floats above it, and on a touch screen that toolbar is always
# shown: a tap on "Export" opened the toolbar instead. Room above each tab's content keeps them apart.
DASHBOARD_CSS = """
<style>
@media (max-width: 640px) {
  div[data-testid="stTabPanel"] { padding-top: 2rem; }
}
</style>
"""


def page_style() -> None:
    """Static CSS of our own (no user text) for the candidate pages."""
    st.html(CSS)


def _seed(item_id: str, options: list[Any] | None, answers: Mapping[str, Any]) -> str:
    """Put a known answer into the widget's key before it is created (only when the widget is new).

    The widget's own parameters never change between reruns (index=None, value=""), so the browser
    never sees a changed default that could reset what the candidate just clicked.
    """
    key = widget_key(item_id)
    value = answers.get(item_id)
    if value is not None and (options is None or value in options) and key not in st.session_state:
        st.session_state[key] = value
    return key


def _likert(q: Questionnaire, item: LikertItem | ClaimItem, answers: Mapping[str, Any], on_change: OnChange) -> Any:
    scale = q.scales[item.scale]
    labels = {p.value: p.label for p in scale.points}
    options = scale.values()
    return st.radio(
        item.text,
        options,
        index=None,
        format_func=labels.__getitem__,
        horizontal=True,
        key=_seed(item.id, options, answers),
        help=item.help,
        on_change=on_change,
        args=(item.id,),
    )


def _choice(q: Questionnaire, item: ChoiceItem, answers: Mapping[str, Any], on_change: OnChange) -> Any:
    labels = {o.id: o.label for o in item.options}
    options = list(labels)
    return st.radio(
        item.text,
        options,
        index=None,
        format_func=labels.__getitem__,
        key=_seed(item.id, options, answers),
        help=item.help,
        on_change=on_change,
        args=(item.id,),
    )


def _text(q: Questionnaire, item: TextItem, answers: Mapping[str, Any], on_change: OnChange) -> Any:
    label = item.text if item.required else t("{question} (optional)").format(question=item.text)
    return st.text_area(
        label,
        max_chars=item.max_length,
        key=_seed(item.id, None, answers),
        help=item.help,
        on_change=on_change,
        args=(item.id,),
    )


# Item type (the YAML ``type``) → widget; new item types register here, the page never branches.
# A claim item looks exactly like a Likert statement: nothing tells the candidate it is a foil.
WIDGETS: dict[str, Callable[..., Any]] = {"likert": _likert, "claim": _likert, "choice": _choice, "text": _text}


def question(q: Questionnaire, item: Any, answers: Mapping[str, Any], on_change: OnChange) -> Any:
    """Render one question; returns the widget's current value."""
    return WIDGETS[item.type](q, item, answers, on_change)


def _chosen_language(key: str) -> None:
    chosen = st.session_state.get(key)
    if isinstance(chosen, str):
        lang.choose(chosen)


def language_picker() -> None:
    """The languages the app speaks, each by its own name; choosing one sets ``?lang=`` and reruns.

    The key names the page's language, so after a change the control is new and shows the language the
    page now speaks (whichever source settled it), never a stale choice.
    """
    current = lang.current()
    key = f"cr_lang_pick_{current}"
    st.segmented_control(
        t("Language"),
        list(i18n.LANGUAGES),
        default=current,
        required=True,  # clicking the chosen language again keeps it (a language is always chosen)
        format_func=i18n.LANGUAGES.__getitem__,
        key=key,
        on_change=_chosen_language,
        args=(key,),
        label_visibility="collapsed",
    )


def document_language(scroll_to_page: int | None = None) -> None:
    """Tell the browser which language the page is in (screen readers' voice, hyphenation); after Back
    or Next (``scroll_to_page``: the new page's index), also show the new page from its top.

    Streamlit's page always says ``lang="en"``. Our own static script; the code comes from
    ``i18n.LANGUAGES``, never from the address. Drawn last, so its empty block sits below everything;
    one element for both scripts (each element is a share of a Next click's server time).
    """
    code = lang.current()
    script = f"document.documentElement.lang = '{code}';" if code in i18n.LANGUAGES else ""
    if scroll_to_page is not None:
        script += _scroll_to_top(scroll_to_page)
    if script:
        st.html(f"<script>{script}</script>", unsafe_allow_javascript=True)


def _scroll_to_top(page: int) -> str:
    """The script that shows the new page from its top and moves keyboard focus to its heading.

    Streamlit keeps the scroll position between reruns, so without it a candidate who pressed Next at
    the bottom would land mid-way down the next page. It waits for the new page's heading.
    """
    return f"""/* page {page} */
        let tries = 0;
        const go = () => {{
          const main = document.querySelector('[data-testid="stMain"]');
          if (main) main.scrollTo({{top: 0}});
          window.scrollTo({{top: 0}});
          const h = [...document.querySelectorAll('[data-testid="stMain"] h2')]
            .find(e => !e.closest('[data-stale="true"]'));
          if (h) {{ h.setAttribute('tabindex', '-1'); h.focus({{preventScroll: true}}); }}
          else if (tries++ < 40) setTimeout(go, 50);
        }};
        setTimeout(go, 50);"""
