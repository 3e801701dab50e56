"""reports.pdf: the PDF read back with pypdf — content present, Unicode intact, nothing truncated."""

from __future__ import annotations

import io
import itertools
import re
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml
from pypdf import PdfReader

from reports.pdf import NOTICE, build_pdf, percentile_sentence
from scoring.engine import score
from scoring.interpret import Interpretation, interpret
from scoring.models import MAX_SHORT, MAX_TEXT, Questionnaire
from tests.test_interpret import BANK, MINIMAL, cached, extreme, make_result

CREATED = datetime(2025, 3, 4, 10, 30, tzinfo=UTC)
URL = "https://career-radar.example/result?token=eyJyIjoiYWJjZGVmMTIzNDU2In0.aGVsbG8td29ybGQtdGhpcy1pcy1sb25n"


def pdf_text(data: bytes) -> tuple[str, int]:
    """All pages' text and the page count."""
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


FOOTER_ZONE = 50.0  # points from the bottom edge: the footer sits lower, the body ends higher (22 mm ≈ 62 pt)


def body_text(data: bytes) -> str:
    """Text of every page without the footers, so a paragraph split across pages reads as one."""
    parts: list[str] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if cm[5] + tm[5] > FOOTER_ZONE:
            parts.append(text)

    for page in PdfReader(io.BytesIO(data)).pages:
        page.extract_text(visitor_text=visit)
    return "\n".join(parts)


def squash(text: str) -> str:
    """Text without any whitespace: wrapping moves line breaks, never characters."""
    return re.sub(r"\s+", "", text)


def assert_contains(haystack: str, needles: list[str]) -> None:
    flat = squash(haystack)
    missing = [n for n in needles if squash(n) not in flat]
    assert missing == []


def build(q: Questionnaire, reading: Interpretation, **kwargs: Any) -> bytes:
    options: dict[str, Any] = {"result_url": URL, "percentile": (71.4, 212), "created": CREATED}
    options.update(kwargs)
    return build_pdf(q, reading, **options)


@pytest.fixture(scope="module")
def bank() -> Questionnaire:
    return cached(BANK if BANK.exists() else MINIMAL)


@pytest.fixture(scope="module")
def bank_reading(bank: Questionnaire) -> Interpretation:
    # Mostly middling answers with one weak dimension, so the playbook has real content.
    scores = {d.id: 55.0 + 5 * i for i, d in enumerate(bank.dimensions)}
    scores[bank.dimensions[-1].id] = 12.0
    return interpret(bank, make_result(bank, scores))


@pytest.fixture(scope="module")
def bank_pdf(bank: Questionnaire, bank_reading: Interpretation) -> tuple[bytes, str, int]:
    data = build(bank, bank_reading)
    text, pages = pdf_text(data)
    return data, text, pages


# ----- content ---------------------------------------------------------------------------------


def test_is_an_a4_pdf(bank_pdf: tuple[bytes, str, int]) -> None:
    data, _, _ = bank_pdf
    assert data.startswith(b"%PDF-")
    page = PdfReader(io.BytesIO(data)).pages[0]
    assert (round(float(page.mediabox.width) / 72 * 25.4), round(float(page.mediabox.height) / 72 * 25.4)) == (
        210,
        297,
    )


def test_the_printed_result_link_is_called_view_only(bank_pdf: tuple[bytes, str, int]) -> None:
    _, text, _ = bank_pdf
    assert_contains(text, ["Your result link (view only)", "cannot share, stop sharing or delete"])


def test_has_band_notice_and_every_dimension(bank_pdf: tuple[bytes, str, int], bank_reading: Interpretation) -> None:
    _, text, _ = bank_pdf
    assert bank_reading.label is not None and bank_reading.text is not None
    assert_contains(text, [bank_reading.label, bank_reading.text, NOTICE])
    assert_contains(text, [d.name for d in bank_reading.dimensions])
    assert_contains(text, [d.short_name for d in bank_reading.dimensions])


def test_has_meaning_and_actions_of_every_dimension(
    bank_pdf: tuple[bytes, str, int], bank_reading: Interpretation
) -> None:
    _, text, _ = bank_pdf
    assert_contains(text, [d.meaning or "" for d in bank_reading.dimensions])
    assert_contains(text, [a for d in bank_reading.dimensions for a in d.actions])
    assert_contains(text, [d.description for d in bank_reading.dimensions])


def test_has_the_playbook(bank_pdf: tuple[bytes, str, int], bank_reading: Interpretation) -> None:
    _, text, _ = bank_pdf
    assert len(bank_reading.playbook) >= 2
    assert_contains(text, [q for item in bank_reading.playbook for q in item.ask])
    assert_contains(text, [p for item in bank_reading.playbook for p in item.prepare])


def test_has_percentile_link_version_and_date(bank_pdf: tuple[bytes, str, int], bank: Questionnaire) -> None:
    _, text, _ = bank_pdf
    assert_contains(
        text, ["higher than about 70% of the 212 people", URL, bank.meta.version, bank.short_hash, "4 March 2025"]
    )
    assert_contains(text, [bank.meta.title])


def test_scores_are_printed(bank_pdf: tuple[bytes, str, int], bank_reading: Interpretation) -> None:
    _, text, _ = bank_pdf
    assert bank_reading.overall is not None
    assert_contains(text, [f"{bank_reading.overall:.0f} out of 100"])
    for d in bank_reading.dimensions:
        assert d.score is not None
        assert_contains(text, [f"{d.name} — {d.score:.0f} · {d.band_label}"])


@pytest.mark.parametrize(
    ("percentile", "minimum", "expected"),
    [
        (None, 30, ["not shown yet", "at least 30 people"]),
        (None, 50, ["at least 50 people"]),
        ((3.2, 31), 30, ["higher than about 5% of the 31 people"]),
        ((50.0, 1200), 30, ["higher than about 50% of the 1,200 people"]),
        ((99.6, 40), 30, ["higher than about 99% of the 40 people"]),
        ((0.0, 40), 30, ["higher than about 1% of the 40 people"]),
        ((72.4, 40), 30, ["higher than about 70% of the 40 people", "start of that day"]),
    ],
)
def test_percentile_sentence(percentile: tuple[float, int] | None, minimum: int, expected: list[str]) -> None:
    sentence = percentile_sentence(percentile, minimum=minimum)
    assert all(e in sentence for e in expected)


def test_without_percentile_or_link_the_pdf_says_why(bank: Questionnaire, bank_reading: Interpretation) -> None:
    text, _ = pdf_text(build(bank, bank_reading, percentile=None, result_url=None, percentile_min=45))
    assert_contains(text, ["not shown yet", "at least 45 people"])
    assert "result link" not in text


def test_boundary_note_is_printed(bank: Questionnaire) -> None:
    edge = bank.bands.overall[1].min
    reading = interpret(bank, make_result(bank, {d.id: 50.0 for d in bank.dimensions}, edge + 0.5))
    assert reading.boundary_note is not None
    text, _ = pdf_text(build(bank, reading))
    assert_contains(text, [reading.boundary_note])


def test_unscored_dimension_and_missing_overall(bank: Questionnaire) -> None:
    scores: dict[str, float | None] = {d.id: None for d in bank.dimensions}
    scores[bank.dimensions[0].id] = 30.0
    reading = interpret(bank, make_result(bank, scores, None))
    text, _ = pdf_text(build(bank, reading))
    assert_contains(text, ["not enough answers to place you", "not enough answers"])
    assert_contains(text, [d.name for d in bank.dimensions])


def test_through_the_engine(bank: Questionnaire) -> None:
    reading = interpret(bank, score(bank, extreme(bank, high=True)))
    text, _ = pdf_text(build(bank, reading))
    assert_contains(text, [bank.bands.overall[-1].label, *[d.name for d in bank.dimensions]])


# ----- text safety -----------------------------------------------------------------------------

UNICODE = "Zoë O’Brien – Ølstad & Søn… scores ≥ 70; Ελένη Παπαδοπούλου; Пётр Ильич; İstanbul “quoted”"
TYPED = ["<b>bold</b> <a href='x'>link</a>", "**not bold** __nor__ this", "{nb} pages", '=HYPERLINK("x")']
HOSTILE = "Recruiter 王小明\x00\x07 with a \u202eoverride\u202c and a tab\there"


@pytest.fixture(scope="module")
def noted_first_page(bank: Questionnaire, bank_reading: Interpretation) -> str:
    """Page 1 of a report whose attribution note holds every tricky string, one per line."""
    note = "\n".join([f"Shared via {UNICODE}", HOSTILE, *TYPED])
    data = build(bank, bank_reading, attribution_note=note)
    return PdfReader(io.BytesIO(data)).pages[0].extract_text()


def test_unicode_survives(noted_first_page: str) -> None:
    assert_contains(noted_first_page, [UNICODE, "↔"])


def test_unsupported_glyphs_and_controls_do_not_break_the_build(noted_first_page: str) -> None:
    # CJK is outside DejaVu: a visible replacement mark rather than a silent gap; controls are dropped.
    assert "Recruiter \ufffd\ufffd\ufffd with a override and a tab here" in noted_first_page
    assert "\x00" not in noted_first_page and "\u202e" not in noted_first_page


@pytest.mark.parametrize("typed", TYPED)
def test_typed_text_is_printed_literally(noted_first_page: str, typed: str) -> None:
    assert typed in noted_first_page


# ----- long text -------------------------------------------------------------------------------

_words = (f"word{n:05d}" for n in itertools.count())


def filler(limit: int) -> str:
    """Distinct words up to ``limit`` characters, so each string is findable and none is cut."""
    out: list[str] = []
    while len(" ".join(out)) + 11 <= limit:
        out.append(next(_words))
    return " ".join(out)


def long_questionnaire() -> Questionnaire:
    """The minimal questionnaire with every shown text at (or near) its cap."""
    data = yaml.safe_load(MINIMAL.read_text(encoding="utf-8"))
    data["meta"]["title"] = filler(MAX_SHORT)
    for dim in data["dimensions"]:
        dim["name"] = filler(MAX_SHORT)
        dim["short_name"] = filler(MAX_SHORT)
        dim["description"] = filler(MAX_TEXT)
    for band in data["bands"]["overall"]:
        band["label"] = filler(40)
        band["text"] = filler(MAX_TEXT)
    for band in data["bands"]["dimension"]:
        band["label"] = filler(60)
    for by_band in data["advice"].values():
        for advice in by_band.values():
            advice["meaning"] = filler(MAX_TEXT)
            advice["actions"] = [filler(MAX_TEXT) for _ in range(3)]
    for entry in data["playbook"].values():
        # Five of each at 800 characters: long enough to span pages, short enough to keep the test quick.
        entry["prepare"] = [filler(800) for _ in range(5)]
        entry["ask"] = [filler(800) for _ in range(5)]
    return Questionnaire.model_validate(data)


def test_long_texts_are_complete_across_pages() -> None:
    q = long_questionnaire()
    # Overall 40.5: near the first edge, so the boundary note is printed too.
    reading = interpret(q, make_result(q, {"partnership": 30.0, "exploration": 50.0}, 40.5))
    data = build(q, reading, result_url=URL + "x" * 400, attribution_note=filler(MAX_TEXT))
    _, pages = pdf_text(data)
    text = body_text(data)
    assert pages > 3
    needles = [q.meta.title, reading.text or "", reading.boundary_note or "", URL + "x" * 400]
    for d in reading.dimensions:
        needles += [d.name, d.short_name, d.description, d.meaning or "", *d.actions]
    for item in reading.playbook:
        needles += [*item.prepare, *item.ask]
    needles += [b.label for b in q.bands.overall] + [b.label for b in q.bands.dimension]
    assert len(reading.playbook) == 2
    assert_contains(text, needles)
    assert "\ufffd" not in text


# ----- scenario debrief, own words, answer-style notes, strengths ------------------------------

DEBRIEF_YAML = MINIMAL.parent / "debrief.yaml"
OWN = "Zoë’s plan – “honest” feedback ≥ 3 times; <b>not bold</b> **nor this** [x](https://evil.example) {nb}"


def debrief_inputs(q: Questionnaire, answers: dict[str, Any]) -> dict[str, Any]:
    from reports.debrief import own_words, quality_notes, scenario_debrief

    return {
        "debrief": scenario_debrief(q, answers),
        "own_words": own_words(q, answers),
        "notes": quality_notes(["acquiescence", "not_a_flag", "overclaiming"]),
    }


@pytest.fixture(scope="module")
def debrief_pdf() -> tuple[Questionnaire, dict[str, Any], str]:
    from scoring.models import ChoiceItem, TextItem

    q = cached(DEBRIEF_YAML)
    scenarios = [i for i in q.items() if isinstance(i, ChoiceItem)]
    text_item = next(i for i in q.items() if isinstance(i, TextItem))
    # The first scenario answered with its last option; the last scenario left unanswered.
    answers: dict[str, Any] = {s.id: s.options[-1].id for s in scenarios[:-1]}
    answers[text_item.id] = OWN
    reading = interpret(q, make_result(q, {"partnership": 35.0, "exploration": 62.0}))
    inputs = debrief_inputs(q, answers)
    data = build(q, reading, **inputs)
    return q, {"answers": answers, "reading": reading, **inputs}, body_text(data)


def test_pdf_debriefs_every_scenario_and_every_option(debrief_pdf: tuple[Questionnaire, dict, str]) -> None:
    _q, ctx, text = debrief_pdf
    assert "Your scenarios, debriefed" in text
    needles = []
    for item in ctx["debrief"]:
        needles.append(item.text)
        for option in item.options:
            needles += [option.label, option.why or ""]
    assert_contains(text, needles)


def test_pdf_marks_the_choice_first_and_says_when_unanswered(debrief_pdf: tuple[Questionnaire, dict, str]) -> None:
    _q, ctx, text = debrief_pdf
    flat = squash(text)
    answered = [d for d in ctx["debrief"] if d.chosen is not None]
    assert answered and ctx["debrief"][-1].chosen is None
    for item in answered:
        mark = squash(f"✓ Your choice: {item.chosen.label}")
        assert mark in flat
        start = flat.index(squash(item.text))
        # The choice is printed before the other options of the same scenario.
        assert all(flat.index(mark, start) < flat.index(squash(o.label), start) for o in item.others)
    assert flat.count(squash("You didn't answer this one.")) == 1


def test_pdf_prints_own_words_literally(debrief_pdf: tuple[Questionnaire, dict, str]) -> None:
    _, ctx, text = debrief_pdf
    assert "In your own words" in text
    assert_contains(text, [ctx["own_words"][0].question, OWN])


def test_pdf_explains_known_flags_only(debrief_pdf: tuple[Questionnaire, dict, str]) -> None:
    from reports.debrief import QUALITY_NOTES

    _, _, text = debrief_pdf
    assert "A note on how you answered" in text
    assert_contains(text, [QUALITY_NOTES["acquiescence"], QUALITY_NOTES["overclaiming"]])
    assert "not_a_flag" not in text
    assert squash(QUALITY_NOTES["speeding"]) not in squash(text)


def test_pdf_names_strengths_only_from_middle_and_top_bands(debrief_pdf: tuple[Questionnaire, dict, str]) -> None:
    q, _ctx, text = debrief_pdf
    # partnership 35 is in the low band, exploration 62 in the middle one.
    assert_contains(text, ["Already working for you: Opportunity exploration."])
    low = interpret(q, make_result(q, {"partnership": 10.0, "exploration": 39.0}))
    assert "Already working for you" not in body_text(build(q, low))


def test_pdf_without_debrief_inputs_has_no_empty_sections(bank_pdf: tuple[bytes, str, int]) -> None:
    _, text, _ = bank_pdf
    for title in ("Your scenarios, debriefed", "In your own words", "A note on how you answered"):
        assert title not in text


def test_long_debrief_texts_are_complete_across_pages() -> None:
    from reports.debrief import OptionNote, OwnWords, ScenarioDebrief

    q = cached(DEBRIEF_YAML)
    reading = interpret(q, make_result(q, {"partnership": 80.0, "exploration": 20.0}))
    debrief = []
    for n in range(3):
        options = [
            OptionNote(id=f"o{k}", label=filler(MAX_TEXT // 4), why=filler(MAX_TEXT) + " Ελένη “ok” ≥ 2", chosen=k == 0)
            for k in range(4)
        ]
        debrief.append(ScenarioDebrief(item_id=f"s{n}", text=filler(MAX_TEXT), chosen=options[0], others=options[1:]))
    words = [OwnWords(item_id="t", question=filler(MAX_TEXT), answer=(filler(1500) + " Пётр Ильич\n") * 3)]
    data = build(q, reading, debrief=debrief, own_words=words, notes=[filler(400)])
    _, pages = pdf_text(data)
    text = body_text(data)
    assert pages > 5
    needles = [words[0].question, *words[0].answer.split("\n")]
    for item in debrief:
        needles.append(item.text)
        for option in item.options:
            needles += [option.label, option.why or ""]
    assert_contains(text, needles)
    assert "\ufffd" not in text


def test_an_option_label_is_never_stranded_from_its_why() -> None:
    from reports.debrief import OptionNote, ScenarioDebrief

    q = cached(DEBRIEF_YAML)
    reading = interpret(q, make_result(q, {"partnership": 50.0, "exploration": 50.0}))
    debrief = []
    for n in range(10):
        options = [
            OptionNote(
                id=f"o{k}",
                label=f"Label{n}x{k} " + filler(60 + 13 * k),
                why=f"Why{n}x{k} " + filler(230),
                chosen=k == 1,
            )
            for k in range(4)
        ]
        debrief.append(
            ScenarioDebrief(
                item_id=f"s{n}", text=filler(150 + 17 * n), chosen=options[1], others=[options[0], *options[2:]]
            )
        )
    pages = [squash(p.extract_text()) for p in PdfReader(io.BytesIO(build(q, reading, debrief=debrief))).pages]

    def page_of(marker: str) -> int:
        return next(i for i, text in enumerate(pages) if marker in text)

    for item in debrief:
        for option in item.options:
            label, why = option.label.split()[0], (option.why or "").split()[0]
            assert page_of(label) == page_of(why), (label, page_of(label), page_of(why))
