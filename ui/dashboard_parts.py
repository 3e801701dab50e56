"""The coach dashboard's widgets: the filter block (once, returning a ``DashboardFilters``), charts, tables."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st
from babel.numbers import format_decimal

from cohort import aggregate as agg
from cohort import figures as cf
from cohort.figures import DashboardFilters
from reports.charts import PLOTLY_CONFIG
from scoring.csvsafe import safe_frame
from scoring.models import Questionnaire
from ui import resources
from ui.components import DASHBOARD_CSS, document_language
from ui.lang import current, number, t, tn

if TYPE_CHECKING:
    from ui.dashboard_first import Catalogue

KEY = "cr_dash_"
DEFAULT_DAYS = 180
ALL = "All recruiters"  # the option's value; shown translated (format_func)
DATE_FORMATS = {"de": "DD.MM.YYYY"}  # the date picker as the page's language writes dates (else Streamlit's own)
# A line that markdown would start as a list, heading or quote: "1. …", "2,000. …", "3) …", "- …", "# …".
_FEWER = re.compile(r"fewer than (\d+)")
_BLOCK_START = re.compile(r"^(\s*)(\d[\d,]*(?=[.)](?:\s|$))|[-+*](?=\s|$)|#|>)", re.MULTILINE)


def inert(text: str) -> str:
    """Text for st.caption that markdown shows as one paragraph: a leading list/heading/quote mark is escaped."""

    def escape(m: re.Match[str]) -> str:
        mark = m.group(2)
        return m.group(1) + (mark + "\\" if mark[0].isdigit() else "\\" + mark)

    return _BLOCK_START.sub(escape, text)


def chart(fig: Any, key: str) -> None:
    """A plotly figure, full width, without the zoom bar, with its text alternative as a caption."""
    st.plotly_chart(fig, config=PLOTLY_CONFIG, key=f"{KEY}{key}")
    alt = (fig.layout.meta or {}).get("alt") if isinstance(fig.layout.meta, dict) else None
    if alt:
        st.caption(inert(alt))


def note(text: Any) -> Any:
    """A suppression note from ``cohort.privacy`` (written in English there) in the page's language."""
    if not isinstance(text, str) or not text:
        return text
    if text == agg.PROTECT:
        return t("hidden to protect a small group")
    if text.startswith(agg.OTHER):  # the merged group, alone or with the groups topped up into it ("… + x")
        return t("Other (small groups)") + text[len(agg.OTHER) :]
    if m := _FEWER.fullmatch(text):
        return t("fewer than {k}").format(k=m.group(1))
    return text


def shown(frame: pd.DataFrame) -> pd.DataFrame:
    """A table as the page shows it: notes and merged groups in the page's language, formula-safe (a new frame)."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].map(note)
    return safe_frame(out)


def table(frame: pd.DataFrame, key: str, **config: Any) -> None:
    """A table, formula-safe, notes and merged groups in the page's language; the toolbar downloads exactly this."""
    shown_table(shown(frame), key, **config)


def column_labels(frame: pd.DataFrame) -> dict[str, Any]:
    """Headers for the columns several tables share, in the page's language (never a raw name like "n")."""
    labels = {
        "campaign": t("Campaign"),
        "recruiter_id": t("Recruiter"),
        "measure": t("Dimension"),
        "n": st.column_config.NumberColumn(t("Responses"), format="%d"),
    }
    return {col: label for col, label in labels.items() if col in frame.columns}


def shown_table(frame: pd.DataFrame, key: str, **config: Any) -> None:
    """A table already passed through ``shown`` (held by ``ui.dashboard_first``), drawn as it is."""
    config = column_labels(frame) | config  # a caller's own header wins
    st.dataframe(frame, hide_index=True, key=f"{KEY}{key}", column_config=config or None)


def dimension_labels(q: Questionnaire) -> dict[str, str]:
    """Each dimension's label, and "Overall", for charts and tables (the labels of the text the key is read in)."""
    return {d.id: d.label for d in q.dimensions} | {"overall": t("Overall")}


def instrument_label(row: Any, title: str, current: set[str]) -> str:
    """'Title (id) 1.0, 1.1 · en, de · key 0123456789ab — 1,234 submitted', marked when no longer in questions/."""
    return t("{title} ({id}) {versions} · {languages} · key {key} — {n} submitted").format(
        title=title,
        id=row.questionnaire_id,
        versions=", ".join(row.versions),
        languages=", ".join(row.languages),
        key=row.scoring_key[:12],
        n=number(row.submitted),
    ) + ("" if row.scoring_key in current else t(" (retired)"))


def filters(lists: Catalogue) -> DashboardFilters:
    """The filter block: instrument (current catalogue first), start dates, recruiter, campaigns, flags, grouping.

    ``lists`` (held by ``ui.dashboard_first``) has the instruments, their labels, the default pick, the
    recruiters and their campaigns.
    """
    instruments, labels = lists.instruments, lists.labels
    keys = list(lists.rows)
    st.html(DASHBOARD_CSS)  # our own static CSS: tabs a phone can tap (ui.components)
    document_language()  # the browser (screen reader, hyphenation) is told the page's language
    with st.container(border=True):
        scoring_key = st.selectbox(
            t("Questionnaire"),
            keys,
            index=keys.index(lists.preferred),
            format_func=lambda key: labels.get(key, key),
            key=f"{KEY}version",
            help=t(
                "Texts that share a scoring key (its translations, wording fixes) are pooled; a questionnaire "
                "whose ids, keys, weights, bands or rules changed is another instrument and is never mixed in."
            ),
        )
        if len(instruments) > 1:
            st.caption(
                inert(
                    t(
                        "{n} instruments with responses; the figures below pool the texts of the one "
                        "selected and never mix instruments: "
                    ).format(n=len(instruments))
                    + "; ".join(
                        f"{', '.join(r.versions)} ({r.scoring_key[:12]}): {number(r.submitted)}"
                        for r in instruments.itertuples()
                    )
                )
            )
        today = datetime.now(UTC).date()
        left, right = st.columns(2)
        picked = left.date_input(
            t("Started between"),
            value=(today - timedelta(days=DEFAULT_DAYS), today),
            max_value=today + timedelta(days=1),
            key=f"{KEY}dates",
            format=DATE_FORMATS.get(current(), "YYYY/MM/DD"),
        )
        default_since = today - timedelta(days=DEFAULT_DAYS)
        if isinstance(picked, (tuple, list)):  # a range; while the coach picks, it holds one date or none
            since = picked[0] if picked else default_since
            last = picked[-1] if picked else today
        else:
            since = last = picked if picked is not None else today
        chosen = right.selectbox(
            t("Recruiter"),
            [ALL, *lists.recruiters],
            format_func=lambda r: t("All recruiters") if r == ALL else r,
            key=f"{KEY}recruiter",
        )
        recruiter = None if chosen == ALL else chosen
        campaigns = st.multiselect(
            t("Campaigns"),
            lists.campaign_names.get(recruiter, []),
            key=f"{KEY}campaigns",
            placeholder=t("All campaigns"),
            help=t("Pick two or more to compare them."),
        )
        left, right = st.columns(2)
        include_flagged = left.toggle(
            t("Include quality-flagged responses"),
            value=False,
            key=f"{KEY}flagged",
            help=t("Responses flagged for speeding, straight-lining or contradictory answers are left out by default."),
        )
        group_labels = {"campaign": t("Campaign"), "recruiter_id": t("Recruiter")}
        group_col = right.segmented_control(
            t("Compare by"),
            list(group_labels),
            default="campaign",
            format_func=lambda g: group_labels.get(g, g),
            key=f"{KEY}by",
        )
    if scoring_key is None:  # the caller shows instruments only when there is at least one
        raise ValueError("no questionnaire to filter on")
    return DashboardFilters(
        scoring_key=scoring_key,
        since=since,
        until=last + timedelta(days=1),  # the end date is inclusive
        recruiter=recruiter,
        campaigns=tuple(campaigns),
        include_flagged=include_flagged,
        group_col=group_col or "campaign",
    )


def settings() -> dict[str, Any]:
    """Dashboard settings: environment first, then secrets ``[dashboard]``, then defaults."""
    setting = resources.int_setting
    return {
        "k": max(1, setting("dashboard.min_group", "CAREER_RADAR_MIN_GROUP", agg.DEFAULT_K)),
        "min_n": max(2, setting("dashboard.psychometrics_min_n", "CAREER_RADAR_PSYCHOMETRICS_MIN_N", 50)),
        "sample": max(50, setting("dashboard.psychometrics_sample", "CAREER_RADAR_PSYCHOMETRICS_SAMPLE", 20_000)),
        "max_rows": max(100, setting("dashboard.max_rows", "CAREER_RADAR_DASHBOARD_MAX_ROWS", 50_000)),
        "large_sample": max(100, setting("dashboard.large_sample", "CAREER_RADAR_DASHBOARD_SAMPLE_ROWS", 10_000)),
        "export_max": max(100, setting("dashboard.export_max_rows", "CAREER_RADAR_EXPORT_MAX_ROWS", 100_000)),
    }


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def _fewer(k: int) -> str:
    return t("fewer than {k}").format(k=k)


def _decimal(value: float, places: int = 1) -> str:
    """``places`` decimals, with the page language's decimal mark ("1.5" / "1,5")."""
    return format_decimal(round(value, places), format="0." + "0" * places, locale=current())


def headline(h: agg.Headline, k: int) -> None:
    """Five metrics: started, completed (small counts as "fewer than k"), rates and the median time."""
    minutes = h.median_duration_seconds
    shown = {
        t("Started"): _fewer(k) if 0 < h.started < k else number(h.started),
        t("Completed"): _fewer(k) if 0 < h.completed < k else number(h.completed),
        t("Completion rate"): _pct(h.completion_rate),
        t("Median time"): "—" if minutes is None else t("{minutes} min").format(minutes=_decimal(minutes / 60)),
        t("Shared with recruiter"): _pct(h.share_rate),
    }
    for col, (label, value) in zip(st.columns(len(shown)), shown.items(), strict=True):
        col.metric(label, value)


def psychometrics(rel: pd.DataFrame, basis: cf.Basis, dim_labels: dict[str, str]) -> None:
    """α per dimension as metrics, the item table with weak items flagged, and a warning naming them."""
    st.caption(
        t(
            "Computed on {n} responses{note}. Item scores are keyed 0–1 with reverse keys applied. α with a 95% "
            "Feldt interval; r(it) is the corrected item–total correlation."
        ).format(n=number(len(basis.rows)), note=basis.note)
    )
    summary = rel[rel["item"] == ""]
    cols = st.columns(min(3, len(summary)) or 1)
    for i, row in enumerate(summary.itertuples()):
        known = not pd.isna(row.alpha)
        cols[i % len(cols)].metric(
            f"α {dim_labels.get(row.dimension, row.dimension)}",
            _decimal(row.alpha, 2) if known else "—",
            help=t("95% CI {low}–{high} · n {n} · {items} items").format(
                low=_decimal(row.ci_low, 2), high=_decimal(row.ci_high, 2), n=number(row.n), items=row.k
            )
            if known
            else None,
        )
    items = cf.flag_items(rel)
    table(
        items.assign(  # the dimension by its label, as in the α metrics above
            dimension=items["dimension"].map(lambda d: dim_labels.get(d, d)),
            flag=items["flag"].map(cf.item_flag_labels(lang=current())),
        )[["dimension", "item", "mean", "sd", "r_it", "alpha_if_deleted", "n", "flag"]],
        "items_table",
        dimension=t("Dimension"),
        item=t("Item"),
        mean=st.column_config.NumberColumn(t("Mean (0–1)"), format="%.2f"),
        sd=st.column_config.NumberColumn(t("SD"), format="%.2f"),
        r_it=st.column_config.NumberColumn("r(it)", format="%.2f"),
        alpha_if_deleted=st.column_config.NumberColumn(t("α if deleted"), format="%.2f"),
        flag=t("Flag"),
    )
    weak = items[items["flag"] != ""]
    if len(weak):
        st.warning(
            tn(
                "{n} item with r(it) below {r}: {items}. A negative value usually means a reverse-key error; "
                "a low one, an item that measures something else.",
                "{n} items with r(it) below {r}: {items}. A negative value usually means a reverse-key error; "
                "a low one, an item that measures something else.",
                len(weak),
            ).format(
                n=len(weak), r=cf.WEAK_ITEM_R, items=", ".join(f"{r.item} ({r.r_it:.2f})" for r in weak.itertuples())
            )
        )
