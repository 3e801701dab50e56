"""The codebook and the row-level responses export (k-anonymous by generalisation), and CSV bytes.

Pure functions over pandas frames (no streamlit, no SQL); one instrument per call: responses to texts
that share a scoring key (translations) are exported together, each row with its own text's content
hash and language; responses of another scoring key never are.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

import i18n
from cohort.privacy import DEFAULT_K, check_k, fewer_than, generalise, week_start
from scoring.csvsafe import safe_frame
from scoring.models import ChoiceItem, ClaimItem, LikertItem, Questionnaire, TextItem


def _(message: str) -> str:
    """Mark ``message`` for the reports catalogue; ``codebook`` translates it into the export's language."""
    return message


CODEBOOK_COLUMNS = ["column", "kind", "section", "text", "dimension", "reverse_keyed", "scale", "options", "weight"]

ATTRIBUTION = {
    "response": _("Pseudonymous response id (not linked to a person)."),
    "questionnaire": _("Questionnaire id."),
    "version": _("Questionnaire version."),
    "language": _("Language of the text answered (en, de, …); '{small}' where that group is small."),
    "content_hash": _("SHA-256 of the exact text answered; '{small}' where that group is small."),
    "scoring_key": _("SHA-256 of the scoring key (ids, keys, weights, bands, rules): the same on every row."),
    "recruiter": _("Recruiter whose link was used; '{small}' where that group is small."),
    "campaign": _("Campaign of the link; '{small}' where that group is small."),
    "week": _("Monday of the ISO week of submission (UTC); '{small}' where that group is small."),
    "duration_minutes": _("Time from start to submission, rounded to the minute."),
}
TRAILING = {
    "overall": _("Overall score, 0 (tactical) … 100 (strategic)."),
    "band": _("Overall band id."),
    "flags": _("Response-quality flags, ';'-separated (see the dashboard's quality panel)."),
    "shared": _("The candidate shared the result with the recruiter."),
    "contact_name": _("Contact name; only with the candidate's consent and a role allowed to see it."),
    "contact_email": _("Contact email; only with the candidate's consent and a role allowed to see it."),
}


def _scale_text(q: Questionnaire, scale_id: str) -> str:
    scale = q.scales[scale_id]
    return f"{scale_id} ({scale.label}): " + "; ".join(f"{p.value}={p.label}" for p in scale.points)


def codebook(q: Questionnaire, include_contact: bool = False, k: int = DEFAULT_K, *, lang: str = "en") -> pd.DataFrame:
    """One row per column of the responses export: attribution, every item, scores, flags.

    Items: id, section, text, dimension(s), reverse key, scale (values and labels) or options
    (id, label and per-dimension score), weight. Claim items (statements naming things that do not
    exist) are exported as raw scale answers and marked as not scored. Free-text items are described
    but marked as not exported (their content can identify a person). The descriptions are in ``lang``;
    column names, kinds and the cells' own "fewer than k" stay as the export writes them (read by programs).
    """
    tr = i18n.translator(lang)
    small = fewer_than(k)
    rows: list[dict[str, object]] = [
        {"column": c, "kind": "attribution", "text": tr(t).format(small=small)} for c, t in ATTRIBUTION.items()
    ]
    for section in q.sections:
        for item in section.items:
            row: dict[str, object] = {"column": item.id, "section": section.title, "text": item.text}
            if isinstance(item, LikertItem):
                row.update(
                    kind="likert",
                    dimension=item.dimension,
                    reverse_keyed=item.reverse,
                    scale=_scale_text(q, item.scale),
                    weight=item.weight,
                )
            elif isinstance(item, ChoiceItem):
                opts = []
                for o in item.options:
                    scores = ", ".join(f"{d} {o.scores.get(d, 0.0):g}" for d in item.dimensions())
                    opts.append(f"{o.id}={o.label} [{scores}]")
                row.update(
                    kind="choice",
                    dimension=", ".join(item.dimensions()),
                    reverse_keyed=False,
                    options="; ".join(opts),
                    weight=item.weight,
                )
            elif isinstance(item, ClaimItem):
                # Exported as the raw answer, for the over-claiming flag; it scores no dimension.
                row.update(kind="claim (not scored)", reverse_keyed=False, scale=_scale_text(q, item.scale))
            else:
                assert isinstance(item, TextItem)
                row.update(kind="text (not exported)", reverse_keyed=False)
            rows.append(row)
    for dim in q.dimensions:
        rows.append(
            {
                "column": dim.id,
                "kind": "score",
                "dimension": dim.id,
                "text": tr(_("{name} score, 0–100.")).format(name=dim.name),
            }
        )
    rows += [{"column": c, "kind": "derived", "text": tr(t)} for c, t in TRAILING.items()]
    if not include_contact:
        rows = [r for r in rows if not str(r["column"]).startswith("contact_")]
    return pd.DataFrame(rows, columns=CODEBOOK_COLUMNS)


def one_instrument(frame: pd.DataFrame, q: Questionnaire) -> None:
    """ValueError unless every row answered a text of ``q``'s scoring key (translations pool, keys never mix)."""
    if "scoring_key" in frame.columns:
        keys = set(frame["scoring_key"].dropna())
        if keys - {q.scoring_key}:
            raise ValueError("responses of different scoring keys must not be pooled")
    elif "content_hash" in frame.columns and frame["content_hash"].nunique(dropna=True) > 1:
        # Without their keys, rows of two texts cannot be shown to score alike: keep them apart.
        raise ValueError("responses of different questionnaire versions must not be pooled without their scoring key")


def export_columns(q: Questionnaire, include_contact: bool) -> list[str]:
    """The responses export's columns, in order (those of ``codebook`` minus unexported text)."""
    book = codebook(q, include_contact)
    return book.loc[book["kind"] != "text (not exported)", "column"].tolist()


def responses_export(frame: pd.DataFrame, q: Questionnaire, k: int, include_contact: bool) -> pd.DataFrame:
    """Row-level export: attribution, answers, scores, band, flags; k-anonymous and formula-safe.

    ``frame`` has one row per submitted response to a text of ``q``'s scoring key (``scoring_key``,
    ``content_hash`` and ``language`` columns when known; see ``one_instrument``) with ``response``,
    ``recruiter``, ``campaign``, ``submitted_at``, ``duration_seconds``, item answers, dimension
    scores, ``overall``, ``band``, ``flags`` (codes, a list or ';'-joined), ``shared``, and when
    contact may be shown ``contact_consent``, ``contact_name``, ``contact_email``. Quasi-identifiers
    are coarsened: the submission time to its week, the duration to minutes; then language → text →
    recruiter → campaign → week are generalised until every visible combination has at least k rows
    (fewer than k rows in all: no rows).
    Contact details appear only when ``include_contact`` (the viewer's role allows it) AND the
    row's ``contact_consent`` is true. Every text cell is made formula-safe.
    """
    check_k(k)
    one_instrument(frame, q)
    columns = export_columns(q, include_contact)
    out = pd.DataFrame(index=frame.index)
    out["response"] = frame.get("response", pd.Series(range(1, len(frame) + 1), index=frame.index)).astype(str)
    out["questionnaire"] = q.meta.id
    out["version"] = q.meta.version
    # Each row's own text; the language and the text are quasi-identifiers too (a rare language can single
    # someone out), so they are generalised first, like the recruiter below.
    for col, default in (("language", q.meta.language), ("content_hash", q.content_hash)):
        out[col] = frame[col].astype(object).where(frame[col].notna(), default) if col in frame else default
    out["scoring_key"] = q.scoring_key
    for col in ("recruiter", "campaign"):
        out[col] = frame[col].astype(object).where(frame[col].notna(), "(none)") if col in frame else "(none)"
    out["week"] = week_start(frame["submitted_at"]).dt.strftime("%Y-%m-%d") if len(frame) else pd.Series(dtype=str)
    dur = pd.to_numeric(frame.get("duration_seconds", pd.Series(np.nan, index=frame.index)), errors="coerce")
    out["duration_minutes"] = (dur / 60).round().astype("Int64")
    for col in columns:
        if col in out.columns or col.startswith("contact_") or col in ("flags", "shared"):
            continue
        out[col] = frame[col] if col in frame.columns else None
    flags = frame.get("flags", pd.Series([[]] * len(frame), index=frame.index, dtype=object))
    out["flags"] = flags.map(lambda v: ";".join(v) if isinstance(v, (list, tuple, set)) else ("" if v is None else v))
    out["shared"] = frame["shared"].astype(bool) if "shared" in frame.columns else False
    if include_contact:
        consent = frame.get("contact_consent", pd.Series(False, index=frame.index)).fillna(False).astype(bool)
        for col in ("contact_name", "contact_email"):
            values = frame[col] if col in frame.columns else pd.Series(None, index=frame.index, dtype=object)
            out[col] = values.astype(object).where(consent, None)
    out = generalise(out.reset_index(drop=True), ["language", "content_hash", "recruiter", "campaign", "week"], k)
    return safe_frame(out[columns])


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """RFC 4180 CSV (CRLF rows, UTF-8 with a BOM so spreadsheets read accents right).

    CRLF matters for safety too: with a bare "\\n" terminator pandas leaves a lone carriage return
    in a cell unquoted, and a reader then splits the row there.
    """
    return frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def pseudonym(public_id: str) -> str:
    """A stable export id for a response that matches nothing the candidate or a recruiter sees."""
    return hashlib.sha256(f"career-radar-export:{public_id}".encode()).hexdigest()[:16]


def export_input(frame: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """The store's responses frame (``response_id``, ``recruiter_id``, …, a column per dimension and per
    item id) renamed to what ``responses_export`` reads. Contact consent is the candidate's sharing
    choice, the only consent under which contact details are stored."""
    out = frame.rename(columns={"recruiter_id": "recruiter"})
    out["response"] = out["response_id"].astype(str).map(pseudonym) if "response_id" in out else None
    out["contact_consent"] = out["shared"].astype(bool) if "shared" in out else False
    return out


def item_frame(frame: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """Just the item answer columns of a store frame, named by item id (for the reliability functions)."""
    columns = {item.id: frame[item.id] for item in q.scored_items() if item.id in frame.columns}
    return pd.DataFrame(columns, index=frame.index)
