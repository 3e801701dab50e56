"""What the pure packages write for a candidate, in German when asked, and in English exactly as before.

The German text checked here is the catalogue's (i18n/locale/de/LC_MESSAGES/reports.po); the
questionnaire's own text is not translated by these functions (a German bank is its own YAML file), so
the fixture below is the debrief questionnaire with a German title, band labels and dimension names.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import pytest
import yaml

from i18n import formats
from reports import charts
from reports.answers_export import ITEM_COLUMNS, META_COLUMNS, SCORE_COLUMNS, answers_csv
from reports.brief import Brief, TalkingPoint, brief_sections, score_lines
from reports.debrief import QUALITY_NOTES, own_words, quality_notes, scenario_debrief
from reports.pdf import FONT_DIR, NOTICE, build_pdf
from reports.prep import campaign_table, candidate_cards, prep_sheet_text
from reports.sentences import notice, percentile_sentence
from scoring.engine import score
from scoring.flow import progress
from scoring.interpret import Interpretation, boundary_note, interpret
from scoring.models import Questionnaire
from scoring.quality import FLAG_LABELS, FLAGS, flag_labels
from tests.test_flow import with_minutes
from tests.test_interpret import MINIMAL, cached, make_result
from tests.test_report import DEBRIEF_YAML, assert_contains, body_text, pdf_text, squash

CREATED = datetime(2025, 3, 4, 10, 30, tzinfo=UTC)
URL = "https://career-radar.example/result?token=abc"
GERMAN_TITLE = "Größe zeigen: „Gespräche“ – Übung für Äußerungen"
GERMAN_CHARACTERS = "äöüÄÖÜß„“–"


@pytest.fixture(scope="module")
def german_q() -> Questionnaire:
    data = yaml.safe_load(DEBRIEF_YAML.read_text(encoding="utf-8"))
    data["meta"].update(language="de", title=GERMAN_TITLE)
    for band, label in zip(data["bands"]["overall"], ("Taktisch", "In Entwicklung", "Strategisch"), strict=True):
        band["label"] = label
    data["dimensions"][0]["name"] = "Partnerschaft mit Recruitern"
    data["dimensions"][1]["name"] = "Möglichkeiten erkunden"
    return Questionnaire.model_validate(data)


@pytest.fixture(scope="module")
def german_reading(german_q: Questionnaire) -> Interpretation:
    return interpret(german_q, make_result(german_q, {"partnership": 35.0, "exploration": 62.0}), lang="de")


def german_pdf(q: Questionnaire, reading: Interpretation, **extra: Any) -> bytes:
    options: dict[str, Any] = {"result_url": URL, "percentile": (71.4, 1200), "created": CREATED, "lang": "de"}
    return build_pdf(q, reading, **{**options, **extra})


@pytest.fixture(scope="module")
def german_pdf_text(german_q: Questionnaire, german_reading: Interpretation) -> str:
    answers: dict[str, Any] = {"call": "listen"}
    data = german_pdf(
        german_q,
        german_reading,
        debrief=scenario_debrief(german_q, answers),
        own_words=own_words(german_q, {"next_conversation": "Mehr Verantwortung – „bald“"}),
        notes=quality_notes(["speeding"], lang="de"),
    )
    return body_text(data)


# ----- PDF --------------------------------------------------------------------------------------


def test_german_pdf_has_german_headings_and_no_english_ones(german_pdf_text: str) -> None:
    assert_contains(
        german_pdf_text,
        [
            "Wo Sie stehen: taktisch ↔ strategisch",
            "Ihr Profil, Bereich für Bereich",
            "Was jeder Bereich für Sie bedeutet",
            "Ihre Szenarien, nachbesprochen",
            "✓ Ihre Wahl:",
            "Ihr nächstes Gespräch mit einem Recruiter",
            "Ihr Ergebnislink (nur zum Ansehen)",
            "Über diesen Bericht",
            "Ein Hinweis zu Ihrer Art zu antworten",
            notice(lang="de"),
            quality_notes(["speeding"], lang="de")[0],
            "Das spricht bereits für Sie: Möglichkeiten erkunden.",
            "Stufen: Taktisch 0–40",
        ],
    )
    for english in ("Where you sit", "Your profile, area by area", "Your scenarios", "About this report", NOTICE):
        assert squash(english) not in squash(german_pdf_text)


def test_german_pdf_writes_dates_and_counts_the_german_way(
    german_q: Questionnaire, german_reading: Interpretation
) -> None:
    text, _ = pdf_text(german_pdf(german_q, german_reading))
    assert_contains(text, ["Ihr Ergebnis · 4. März 2025", "Erstellt am 4. März 2025", "1.200 Personen", "etwa 70 %"])
    assert "Seite 1 von 3" in text or "Seite 1 von 2" in text  # the footer, with fpdf2's page count filled in
    assert "4 March 2025" not in text


def test_german_characters_render_in_the_bundled_font(german_q: Questionnaire, german_pdf_text: str) -> None:
    from fpdf.fonts import TTFFont

    from reports.pdf import _Doc

    doc = _Doc("x")
    for style in ("", "B"):
        font = doc.fonts[f"dejavu{style}"]
        assert isinstance(font, TTFFont)
        assert [c for c in GERMAN_CHARACTERS if ord(c) not in font.cmap] == []
    assert (FONT_DIR / "DejaVuSans-Bold.ttf").is_file()
    # Read back from the PDF: the characters survive, none became the replacement mark.
    assert_contains(german_pdf_text, [GERMAN_TITLE, "Mehr Verantwortung – „bald“", "Möglichkeiten erkunden"])
    assert "\ufffd" not in german_pdf_text


def test_english_pdf_is_unchanged_by_the_language_parameter(german_q: Questionnaire) -> None:
    q = cached(DEBRIEF_YAML)
    reading = interpret(q, make_result(q, {"partnership": 35.0, "exploration": 62.0}))
    options: dict[str, Any] = {"result_url": URL, "percentile": (71.4, 1200), "created": CREATED}
    default = build_pdf(q, reading, **options)
    assert build_pdf(q, reading, **options, lang="en") == default
    assert build_pdf(q, reading, **options, lang="xx") == default  # an unknown language is English
    text, _ = pdf_text(default)
    assert_contains(text, ["Where you sit: tactical ↔ strategic", "4 March 2025", "1,200 people", NOTICE])
    assert "page 1 of" in text


def test_german_percentile_sentences() -> None:
    assert "mindestens 45 Personen" in percentile_sentence(None, minimum=45, lang="de")
    sentence = percentile_sentence((50.0, 1200), lang="de")
    assert "etwa 50 % der 1.200 Personen" in sentence and "(UTC)" in sentence
    assert percentile_sentence((50.0, 1200)) == percentile_sentence((50.0, 1200), lang="en")
    assert "50% of the 1,200 people" in percentile_sentence((50.0, 1200))


# ----- interpretation ----------------------------------------------------------------------------


def test_boundary_note_in_german(german_q: Questionnaire) -> None:
    note = boundary_note(german_q, 41.0, lang="de")
    assert note is not None
    assert note.startswith(
        "Ihr Wert von 41 liegt nahe an der Grenze zwischen „Taktisch“ und „In Entwicklung“ (bei 40)."
    )
    assert "Lesen Sie auch die Beschreibung von „Taktisch“" in note
    english = boundary_note(german_q, 41.0)
    assert english is not None and english.startswith("Your score of 41 sits close to the line")
    assert interpret(german_q, make_result(german_q, {}, 41.0), lang="de").boundary_note == note


def test_a_fractional_band_edge_gets_a_decimal_comma(minimal_q: Questionnaire) -> None:
    data = yaml.safe_load(MINIMAL.read_text(encoding="utf-8"))
    data["bands"]["overall"][0]["max"] = data["bands"]["overall"][1]["min"] = 37.5
    q = Questionnaire.model_validate(data)
    assert "(bei 37,5)" in (boundary_note(q, 38.0, lang="de") or "")
    assert "(at 37.5)" in (boundary_note(q, 38.0) or "")
    reading = interpret(q, make_result(q, {"partnership": 50.0, "exploration": 50.0}, 38.0))
    assert "37,5" in charts.continuum_alt_text(q, reading, lang="de")
    assert "37.5" in charts.continuum_alt_text(q, reading)


# ----- exports ------------------------------------------------------------------------------------


def rows_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_answers_csv_in_german_has_german_headers_and_keeps_ids_and_numbers(minimal_q: Questionnaire) -> None:
    answers: dict[str, Any] = {"p1": 5, "p2": 1, "p3": 4, "e1": 2, "s1": "listen"}
    result = score(minimal_q, answers)
    rows = rows_of(answers_csv(minimal_q, answers, result, lang="de"))
    assert rows[0] == ["Frage-ID", "Abschnitt", "Frage", "Antwort", "Antworttext", "Bereich", "Umgekehrt gepolt"]
    items = rows[1 : rows.index([])]
    assert [r[0] for r in items] == [i.id for i in minimal_q.items()]  # the item ids stay
    assert {r[6] for r in items} == {"ja", "nein"}
    scores_at = rows.index([]) + 1
    assert rows[scores_at] == ["Bereich", "Name", "Punktwert", "Stufe", "Beantwortete Fragen", "Gewertete Fragen"]
    overall = next(r for r in rows if r[:1] == ["overall"])
    assert overall[1] == "Gesamt" and overall[2] == f"{round(result.overall or 0, 1)}"  # a number stays a number
    assert ["Fragebogen-ID", "Version", "Titel", "Inhalts-Hash"] in rows


def test_answers_csv_in_english_is_unchanged(minimal_q: Questionnaire) -> None:
    answers: dict[str, Any] = {"p1": 5, "p2": 1, "s1": "listen"}
    result = score(minimal_q, answers)
    data = answers_csv(minimal_q, answers, result)
    assert answers_csv(minimal_q, answers, result, lang="en") == data
    rows = rows_of(data)
    assert rows[0] == ITEM_COLUMNS and SCORE_COLUMNS in rows and META_COLUMNS in rows
    assert next(r for r in rows if r[:1] == ["overall"])[1] == "Overall"


# ----- debrief, brief, prep sheet -----------------------------------------------------------------


def test_quality_notes_in_german_cover_every_flag_in_order() -> None:
    flags = list(QUALITY_NOTES)
    german = quality_notes(flags, lang="de")
    assert len(german) == len(flags) == len(set(german))
    assert all(g != e for g, e in zip(german, quality_notes(flags), strict=True))
    assert german[0].startswith("Sie haben fast allen Aussagen gleich geantwortet")
    assert quality_notes(["overclaiming", "nope", "speeding"], lang="de") == [german[-1], german[1]]
    assert quality_notes(flags, lang="en") == [QUALITY_NOTES[f] for f in flags]


def test_brief_sections_and_score_lines_in_german() -> None:
    brief = Brief(
        want_next="Eine Teamleitung",
        questions=["Wie groß ist das Team?"],
        talking_points=[TalkingPoint(dimension="network", name="Netzwerk", points=["Kontakte pflegen"])],
    )
    headings = [h for h, _ in brief_sections(brief, lang="de")]
    assert headings == ["Was als Nächstes kommen soll", "Fragen an Sie", "Gesprächsthema: Netzwerk"]
    assert [h for h, _ in brief_sections(brief)] == [
        "What they want next",
        "Questions they want to ask you",
        "Talking point: Netzwerk",
    ]
    lines = score_lines(55.4, "In Entwicklung", [("Netzwerk", 61.6), ("Geschichte", None)], lang="de")
    assert lines == ["Profil: In Entwicklung (55 / 100)", "Netzwerk: 62 / 100", "Geschichte: zu wenige Antworten"]
    assert score_lines(None, None, [("Story", None)]) == ["Story: not enough answers"]


def test_prep_sheet_and_campaign_table_in_german(german_q: Questionnaire) -> None:
    row = {
        "response_id": "abc123def456",
        "recruiter_id": "dana",
        "shared": True,
        "share_scores": True,
        "share_brief": Brief(want_next="Mehr Verantwortung").to_json(),
        "submitted_at": pd.Timestamp("2026-05-02T10:00:00Z"),
        "campaign": "Frühjahr",
        "role": "VP Communications",
        "content_hash": german_q.content_hash,
        "overall": 50.0,
        "partnership": 35.0,
        "exploration": 62.0,
    }
    (card,) = candidate_cards(pd.DataFrame([row]), "dana", lambda h: german_q)
    sheet = prep_sheet_text(card, lang="de")
    assert "Vorbereitung: Kandidat/in abc123de" in sheet
    assert "Eingereicht am 02.05.2026, Kampagne Frühjahr, Position VP Communications" in sheet
    assert "Was als Nächstes kommen soll:\n  - Mehr Verantwortung" in sheet
    assert "Geteilte Punktwerte (0 = taktisch, 100 = strategisch):" in sheet
    assert "Möglichkeiten erkunden: 62 / 100" in sheet
    english = prep_sheet_text(card)
    assert "Prep sheet: Candidate abc123de" in english and "Submitted 02 May 2026, campaign Frühjahr" in english
    counts = pd.DataFrame([{"recruiter_id": "dana", "campaign": None, "started": 2, "completed": 1, "shared": 1}])
    assert campaign_table(counts, "dana", lang="de")["campaign"].tolist() == ["(keine Kampagne)"]
    assert campaign_table(counts, "dana")["campaign"].tolist() == ["(no campaign)"]


# ----- charts, flow, flag labels, formats ---------------------------------------------------------


def test_charts_in_german(german_q: Questionnaire) -> None:
    reading = interpret(german_q, make_result(german_q, {"partnership": None, "exploration": 62.0}, 62.0))
    html = charts.continuum_html(german_q, reading, lang="de")
    assert ">Sie: 62<" in html and 'aria-label="Skala von taktisch bis strategisch' in html
    assert "You:" not in html and "You:" in charts.continuum_html(german_q, reading)
    fig = charts.dimensions_figure(
        reading, percentiles={"exploration": 71.4}, bands=german_q.bands.dimension, lang="de"
    )
    assert [a.text for a in fig.layout.annotations if a.y == german_q.dimensions[0].label] == ["zu wenige Antworten"]
    assert fig.data[-1].text == ("62 · 71. Perzentil",)
    assert "Partnerschaft mit Recruitern: zu wenige Antworten." in fig.layout.meta["alt"]
    assert "62 von 100 (" in fig.layout.meta["alt"] and "71. Perzentil" in fig.layout.meta["alt"]
    assert (
        charts.score_label(62, 2.0) == "62 · 2nd percentile"
        and charts.score_label(62, 2.0, lang="de") == "62 · 2. Perzentil"
    )
    nobody = interpret(german_q, make_result(german_q, {}, None))
    assert "Zu wenige Antworten für eine Einordnung" in charts.continuum_html(german_q, nobody, lang="de")


def test_progress_caption_in_german(minimal_q: Questionnaire) -> None:
    twelve = with_minutes(minimal_q, 12)
    german = (0.0, "Seite 1 von 2 · 0 von 6 beantwortet · noch etwa 12 Minuten")
    assert progress(twelve, 0, {}, lang="de") == german
    assert progress(minimal_q, 1, {"p1": 4}, lang="de")[1].endswith("· noch etwa 1 Minute")
    everything = {"p1": 4, "p2": 2, "p3": 5, "e1": 3, "e2": 1, "s1": "listen"}
    assert progress(minimal_q, 1, everything, lang="de")[1].endswith("· fast geschafft")
    assert progress(twelve, 0, {}) == (0.0, "Page 1 of 2 · 0 of 6 answered · about 12 minutes left")


def test_flag_labels_in_german() -> None:
    german = flag_labels(lang="de")
    assert tuple(german) == FLAGS and flag_labels() == FLAG_LABELS
    assert all(german[f] != FLAG_LABELS[f] and german[f][0].isupper() for f in FLAGS)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", ("37.5", "40", "1,200", "4 March 2025", "04 Mar 2025")),
        ("de", ("37,5", "40", "1.200", "4. März 2025", "04.03.2025")),
    ],
)
def test_formats(lang: str, expected: tuple[str, ...]) -> None:
    day = date(2025, 3, 4)
    got = (
        formats.decimal(37.5, lang),
        formats.decimal(40.0, lang),
        formats.integer(1200, lang),
        formats.long_date(day, lang),
        formats.short_date(day, lang),
    )
    assert got == expected
