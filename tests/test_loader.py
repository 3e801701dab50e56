"""The questionnaire loader: a corpus of broken files with their expected located messages,
all-at-once reporting, YAML safety limits, the content hash, and the ``validate`` command."""

from __future__ import annotations

import copy
import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring import yamlread
from scoring.loader import (
    LocatedError,
    QuestionnaireError,
    content_hash,
    load,
    load_catalogue,
    parse,
    questionnaire_files,
    validate_document,
)
from scoring.models import Questionnaire, Strict
from scoring.yamlread import MAX_BYTES, read_document

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
BROKEN = DATA / "broken"
MINIMAL = DATA / "good" / "minimal.yaml"
MINIMAL_TEXT = MINIMAL.read_text(encoding="utf-8")

# file → every expected problem as (line, path, message substring); each file's first line is a
# "# Broken: …" comment naming its defect (except empty.yaml).
CORPUS: dict[str, list[tuple[int, str, str]]] = {
    # YAML syntax and encoding
    "yaml_unclosed_bracket.yaml": [
        (
            14,
            "(root)",
            "YAML syntax error: did not find expected ',' or ']' "
            "(while parsing a flow sequence that starts on line 12)",
        )
    ],
    "yaml_bad_indentation.yaml": [
        (31, "(root)", "mapping values are not allowed in this context (check the indentation")
    ],
    "tab_indentation.yaml": [(5, "(root)", "a tab character cannot be used for indentation")],
    "non_utf8.yaml": [(5, "(root)", "not valid UTF-8 (byte 0xe9 at offset 117)")],
    "control_character.yaml": [(7, "(root)", "control character U+0000 is not allowed in YAML")],
    "empty.yaml": [(1, "(root)", "file is empty")],
    "comments_only.yaml": [(1, "(root)", "file has no content, only comments")],
    "top_level_list.yaml": [(2, "(root)", "expected a mapping with keys meta, scales, dimensions, …; got a list")],
    # safety
    "alias_bomb.yaml": [(85, "bomb4[0][6][7][1][6]", "more than 20,000 values once aliases are expanded")],
    "recursive_alias.yaml": [
        (8, "meta.estimated_minutes[1]", "recursive alias: a value cannot contain itself"),
        (8, "meta.estimated_minutes", "expected a whole number, got a list"),
    ],
    "deep_nesting.yaml": [(8, "(root)", "nesting is deeper than 64 levels")],
    "python_object_apply.yaml": [(5, "meta.title", "tag '!!python/object/apply:os.system' is not allowed")],
    "python_object.yaml": [(85, "scoring", "tag '!!python/object:collections.OrderedDict' is not allowed")],
    # duplicates
    "duplicate_key_top.yaml": [(90, "scales", "duplicate key 'scales' (first on line 14)")],
    "duplicate_key_nested.yaml": [(6, "meta.title", "duplicate key 'title' (first on line 5)")],
    "duplicate_item_id.yaml": [(47, "sections[1].items[1].id", "duplicate item id 'e1'")],
    "duplicate_dimension_id.yaml": [(35, "dimensions[2].id", "duplicate dimension id 'partnership'")],
    "duplicate_option_id.yaml": [(54, "sections[1].items[2].options[2].id", "duplicate option id 'listen'")],
    "duplicate_reference_id.yaml": [(13, "meta.references[1].id", "duplicate reference id 'claes1998'")],
    "duplicate_dimension_reference.yaml": [
        (29, "dimensions[0].references[1]", "reference 'claes1998' is listed twice")
    ],
    "duplicate_section_id.yaml": [(43, "sections[1].id", "duplicate section id 'calls'")],
    "duplicate_band_id.yaml": [(61, "bands.overall[2].id", "duplicate band id 'developing'")],
    # references
    "unknown_dimension_item.yaml": [(44, "sections[0].items[0].dimension", "unknown dimension 'partnership_skills'")],
    "unknown_scale.yaml": [(43, "sections[0].items[0].scale", "unknown scale 'agree7'")],
    "claim_unknown_scale.yaml": [(55, "sections[1].items[3].scale", "unknown scale 'agree7'")],
    "unknown_dimension_option.yaml": [
        (54, "sections[1].items[2].options[2].scores.explorations", "unknown dimension 'explorations'")
    ],
    "unknown_reference.yaml": [(29, "dimensions[0].references[0]", "unknown reference 'claes1999'")],
    "unknown_method.yaml": [(34, "dimensions[1].method", "unknown scoring method 'median' (known: mean, sum)")],
    "advice_missing_band.yaml": [(72, "advice.exploration", "no advice for band 'mid'")],
    "advice_unknown_dimension.yaml": [(76, "advice.network", "unknown dimension 'network'")],
    "missing_playbook.yaml": [(2, "(root)", "missing required key 'playbook'")],
    "playbook_missing_dimension.yaml": [(77, "playbook", "no playbook entry for dimension 'exploration'")],
    # bands and ranges
    "band_gap.yaml": [(60, "bands.overall[1].min", "gap between 40 and 45")],
    "band_overlap.yaml": [(65, "bands.dimension[2].min", "band 'high' overlaps 'mid' (65 < 70)")],
    "band_not_from_zero.yaml": [(63, "bands.dimension[0].min", "bands must start at 0, not 10")],
    "band_not_to_hundred.yaml": [(61, "bands.overall[2].max", "bands must end at 100, not 95")],
    "band_min_not_below_max.yaml": [(64, "bands.dimension[1]", "band 'mid' has min 70 ≥ max 40")],
    "option_score_above_one.yaml": [
        (53, "sections[1].items[2].options[1].scores.exploration", "option score 1.5 is outside 0–1")
    ],
    "option_score_negative.yaml": [
        (54, "sections[1].items[2].options[2].scores.exploration", "option score -0.2 is outside 0–1")
    ],
    "too_few_items.yaml": [(30, "dimensions[1]", "dimension 'exploration' has 2 scored items; at least 3 needed")],
    "scale_points_unordered.yaml": [(15, "scales.agree5", "scale point values must be unique and increasing")],
    # types, keys and caps
    "weight_string.yaml": [(33, "dimensions[1].weight", "expected a number, got 'heavy'")],
    "list_for_mapping.yaml": [(14, "scales", "expected a mapping (key: value pairs), got a list")],
    "version_number.yaml": [(4, "meta.version", 'expected text, got the number 1.0; write it in quotes: "1.0"')],
    "timestamp_version.yaml": [(4, "meta.version", '\'2024-05-01\' is not a version like "1.0" or "1.2.3"')],
    "norway_language.yaml": [(6, "meta.language", 'got no (which YAML reads as false); write it in quotes: "no"')],
    "invalid_id.yaml": [(47, "sections[1].items[1].id", "'E 2' is not a valid id (lowercase letters, digits")],
    "missing_title.yaml": [(2, "meta", "missing required key 'title'")],
    "missing_item_type.yaml": [
        (40, "sections[0].items[0]", "missing required key 'type' (likert, choice, claim or text)")
    ],
    "unknown_key_top.yaml": [(14, "layout", "unknown key 'layout' (allowed: meta, scales, dimensions, sections,")],
    "unknown_key_item.yaml": [
        (40, "sections[0].items[0]", "missing required key 'dimension'"),
        (44, "sections[0].items[0].dimenson", "unknown key 'dimenson' (did you mean 'dimension'?)"),
    ],
    "unknown_item_type.yaml": [(41, "sections[0].items[0].type", "unknown item type 'slider' (expected one of")],
    "text_too_long.yaml": [(42, "sections[0].items[0].text", "text is 2,159 characters; the limit is 2,000")],
    "title_too_long.yaml": [(5, "meta.title", "text is 139 characters; the limit is 120")],
    # several defects in one file: field-level, cross-field and YAML-level problems reported together
    "three_defects.yaml": [
        (9, "meta.colour", "unknown key 'colour' (allowed: id, version, title,"),
        (34, "dimensions[1].weight", "expected a number, got 'heavy'"),
        (45, "sections[0].items[0].dimension", "unknown dimension 'partnership_skills'"),
    ],
    "duplicate_band_and_unknown_scale.yaml": [
        (7, "meta.language", "duplicate key 'language' (first on line 6)"),
        (44, "sections[0].items[0].scale", "unknown scale 'agree7'"),
    ],
}

# PATH has no spaces, except inside a quoted odd key such as ["m eta"].
LINE = re.compile(r'^(?P<file>[^:]+):(?P<line>\d+): (?P<path>(?:[^\s"]|"(?:[^"\\]|\\.)*")+): (?P<message>.+)$')


def corpus_files() -> list[Path]:
    return sorted(BROKEN.glob("*.yaml"))


def error_lines(exc: QuestionnaireError, file: str) -> list[tuple[int, str, str]]:
    """Parse str(exc) back into (line, path, message), checking every line's shape on the way."""
    out = []
    for text in str(exc).splitlines():
        m = LINE.match(text)
        assert m, f"not FILE:LINE: PATH: message: {text!r}"
        assert m["file"] == file
        out.append((int(m["line"]), m["path"], m["message"]))
    return out


def test_corpus_is_complete() -> None:
    names = {p.name for p in corpus_files()}
    assert len(names) >= 32
    assert names == set(CORPUS), "every corpus file needs an expected row, and every row a file"


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_broken_file(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = BROKEN / name
    with pytest.raises(QuestionnaireError) as info:
        load(path)
    got = error_lines(info.value, str(path))
    expected = CORPUS[name]
    assert [(line, p) for line, p, _ in got] == [(line, p) for line, p, _ in expected]
    for (_, _, message), (_, _, part) in zip(got, expected, strict=True):
        assert part in message
        assert "Traceback" not in message and "pydantic" not in message.lower()
    assert [e.line for e in info.value.errors] == sorted(e.line for e in info.value.errors)
    # Raised "from None" or outside any except: nothing chained that could print as a traceback.
    assert info.value.__cause__ is None
    assert info.value.__context__ is None or info.value.__suppress_context__
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_parse_bytes_matches_load(name: str) -> None:
    path = BROKEN / name
    with pytest.raises(QuestionnaireError) as from_load:
        load(path)
    with pytest.raises(QuestionnaireError) as from_parse:
        parse(path.read_bytes(), str(path))
    assert from_parse.value.errors == from_load.value.errors


# ----- size and safety limits ---------------------------------------------------------------------


def test_ten_megabyte_file(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    padding = "# " + "x" * 98 + "\n"
    big.write_text(MINIMAL_TEXT + padding * 100_000, encoding="utf-8")
    assert big.stat().st_size > 10_000_000
    with pytest.raises(QuestionnaireError) as info:
        load(big)
    [error] = info.value.errors
    assert (error.line, error.path) == (1, "(root)")
    assert error.message == f"file is {big.stat().st_size:,} bytes; the limit is {MAX_BYTES:,}"
    with pytest.raises(QuestionnaireError, match="the limit is"):
        parse(big.read_bytes(), str(big))
    with pytest.raises(QuestionnaireError, match="characters; the limit is"):
        parse(big.read_text(encoding="utf-8"), str(big))


def test_file_just_under_the_cap_is_read(tmp_path: Path) -> None:
    path = tmp_path / "padded.yaml"
    text = MINIMAL_TEXT + "\n" + "# pad\n" * ((MAX_BYTES - len(MINIMAL_TEXT.encode()) - 10) // 6)
    path.write_text(text, encoding="utf-8")
    assert path.stat().st_size <= MAX_BYTES
    assert load(path).meta.id == "mini"


def test_alias_bomb_stops_at_the_node_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Expansion is counted node by node, so a bomb stops after MAX_NODES, however big it would grow."""
    visits = 0
    original = yamlread.Builder.build

    def counting(self: Any, node: Any, loc: Any) -> Any:
        nonlocal visits
        visits += 1
        return original(self, node, loc)

    monkeypatch.setattr(yamlread.Builder, "build", counting)
    monkeypatch.setattr(yamlread, "MAX_NODES", 500)
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 30)]  # 10^30 if expanded
    with pytest.raises(QuestionnaireError, match="more than 500 values once aliases are expanded"):
        parse("\n".join(levels))
    assert visits <= 501


def test_many_small_values_stop_at_the_node_cap() -> None:
    with pytest.raises(QuestionnaireError, match="more than 20,000 values"):
        parse("x: [" + "1, " * 100_000 + "]")


@pytest.mark.parametrize(
    "document",
    [
        "x: " + "[" * 200 + "]" * 200,
        "x: " + "{a: " * 200 + "1" + "}" * 200,
        "".join(" " * i + "k:\n" for i in range(200)) + " " * 200 + "v",
        "x: " + "[" * 500_000,  # unbalanced too: the depth cap is hit first
    ],
    ids=["flow-lists", "flow-maps", "block-maps", "half-a-megabyte-of-brackets"],
)
def test_deep_nesting_is_refused(document: str) -> None:
    with pytest.raises(QuestionnaireError, match="nesting is deeper than 64 levels"):
        parse(document)


UNSAFE_TAGS = [
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/new:os.system ['touch {marker}']",
    "!!python/name:os.system",
    "!!python/object:collections.OrderedDict {{}}",
    "!!python/module:os",
    "!!binary aGVsbG8=",
    "!!set {{a: null}}",
    "!!omap [a: 1]",
    "!custom value",
]


@pytest.mark.parametrize("tag", UNSAFE_TAGS)
def test_unsafe_tags_are_refused_and_never_run(tag: str, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    text = MINIMAL_TEXT.replace("  title: Mini check-in\n", f"  title: {tag.format(marker=marker)}\n")
    with pytest.raises(QuestionnaireError) as info:
        parse(text, "q.yaml")
    [error] = info.value.errors  # only the tag: the emptied title is not reported a second time
    assert (error.line, error.path) == (4, "meta.title")
    assert "is not allowed (plain YAML only)" in error.message
    assert not marker.exists()


def test_unsafe_tag_in_a_key_is_refused() -> None:
    with pytest.raises(QuestionnaireError, match="a mapping key must be plain text"):
        parse(MINIMAL_TEXT + "? !!python/name:os.system\n: 1\n")


def test_merge_keys_are_refused() -> None:
    text = MINIMAL_TEXT.replace("  title: Mini check-in\n", "  title: Mini check-in\n  <<: {a: 1}\n")
    with pytest.raises(QuestionnaireError) as info:
        parse(text)
    assert [(e.line, e.message) for e in info.value.errors] == [
        (5, "merge keys ('<<') are not supported; write the keys out")
    ]


def test_second_document_is_refused() -> None:
    with pytest.raises(QuestionnaireError, match="remove the second document"):
        parse(MINIMAL_TEXT + "---\nmeta: {}\n")


def test_undefined_alias() -> None:
    with pytest.raises(QuestionnaireError, match="found undefined alias 'nowhere'"):
        parse(MINIMAL_TEXT.replace("estimated_minutes: 1", "estimated_minutes: *nowhere"))


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(QuestionnaireError, match="cannot read file: No such file or directory"):
        load(tmp_path / "absent.yaml")
    with pytest.raises(QuestionnaireError, match="cannot read file: a folder, not a regular file"):
        load(tmp_path)


def _fifo(path: Path) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes on this system")
    os.mkfifo(path)
    return path


def test_a_fifo_is_refused_at_once_not_waited_on(tmp_path: Path) -> None:
    # Issue 10: `python -m scoring validate` hung on a FIFO named *.yaml (open() waits for a writer).
    fifo = _fifo(tmp_path / "pipe.yaml")
    started = time.monotonic()
    with pytest.raises(QuestionnaireError, match=r"pipe.yaml:1: \(root\): cannot read file: a named pipe \(FIFO\)"):
        load(fifo)
    assert time.monotonic() - started < 2


def test_validate_refuses_a_fifo_in_a_folder_quickly(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(MINIMAL_TEXT, encoding="utf-8")
    _fifo(tmp_path / "stuck.yaml")
    # In a child process with a timeout: were the FIFO opened for reading, the run would hang forever.
    code = subprocess.run(
        [sys.executable, "-m", "scoring", "validate", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert code.returncode == 1
    assert "stuck.yaml:1: (root): cannot read file: a named pipe (FIFO), not a regular file" in code.stderr
    assert "ok " in code.stdout and "good.yaml" in code.stdout


def test_a_device_is_not_read(tmp_path: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    with pytest.raises(QuestionnaireError, match="a character device, not a regular file"):
        load("/dev/zero")


@pytest.mark.parametrize(
    ("escape", "code"),
    [("\\x07", "0007"), ("\\u0000", "0000"), ("\\e", "001B"), ("\\x85", "0085"), ("\\r", "000D")],
)
def test_escaped_control_characters_in_text_are_refused_with_their_line(escape: str, code: str) -> None:
    text = MINIMAL_TEXT.replace("title: Mini check-in", f'title: "Mini{escape}check-in"')
    assert text != MINIMAL_TEXT
    with pytest.raises(QuestionnaireError) as info:
        parse(text, "q.yaml")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if row.strip().startswith("title:"))
    [error] = info.value.errors
    assert (error.file, error.line, error.path) == ("q.yaml", line, "meta.title")
    assert f"control character U+{code} is not allowed in text" in error.message


def test_tabs_and_line_breaks_in_text_are_still_fine() -> None:
    text = MINIMAL_TEXT.replace("title: Mini check-in", 'title: "Mini\\tcheck-in"')
    assert parse(text).meta.title == "Mini\tcheck-in"


def test_an_escaped_control_character_in_a_key_is_refused() -> None:
    text = MINIMAL_TEXT.replace("  title: Mini check-in", '  title: Mini check-in\n  "ti\\x1btle": x')
    with pytest.raises(QuestionnaireError, match="control character U\\+001B is not allowed in a key"):
        parse(text)


def test_file_names_are_printed_without_their_control_characters() -> None:
    error = LocatedError("evil\x1b[2J\u202e.yaml", 3, "meta", "bad\nthing")
    assert str(error) == "evil\\x1b[2J\\u202e.yaml:3: meta: bad\\nthing"
    assert str(error).isprintable()


# ----- all problems at once, without cascades -----------------------------------------------------


def edit(*pairs: tuple[str, str]) -> str:
    text = MINIMAL_TEXT
    for old, new in pairs:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


MIXED = [
    (
        "field + two cross-field",
        edit(
            ("scale: agree5, dimension: partnership}", "scale: agree5, dimension: partnership, colour: red}"),
            ("scores: {exploration: 0.5}}", "scores: {exploration: 1.5}}"),
            ("{id: developing, label: Developing, min: 40,", "{id: developing, label: Developing, min: 45,"),
        ),
        [
            (39, "sections[0].items[0].colour", "unknown key 'colour'"),
            (53, "sections[1].items[2].options[2].scores.exploration", "outside 0–1"),
            (59, "bands.overall[1].min", "gap between 40 and 45"),
        ],
    ),
    (
        "yaml-level + field + cross-field",
        edit(
            ("  language: en\n", "  language: en\n  language: en\n"),
            ("  estimated_minutes: 1\n", "  estimated_minutes: !!python/name:os.system\n"),
            ("scale: agree5, dimension: exploration, reverse: true}", "scale: agree9, dimension: exploration}"),
            ("    weight: 2\n", "    weight: 0\n"),
        ),
        [
            (6, "meta.language", "duplicate key 'language'"),
            (8, "meta.estimated_minutes", "tag '!!python/name:os.system' is not allowed"),
            (33, "dimensions[1].weight", "must be greater than 0, got the number 0"),
            (47, "sections[1].items[1].scale", "unknown scale 'agree9'"),
        ],
    ),
    (
        "wrong band type does not invent coverage errors, advice is still checked",
        edit(
            ("{id: low, label: Low, min: 0, max: 40}", "{id: low, label: Low, min: zero, max: 40}"),
            ("    high: {meaning: You look past", "    top: {meaning: You look past"),
        ),
        [
            (62, "bands.dimension[0].min", "expected a number, got 'zero'"),
            (71, "advice.exploration", "no advice for band 'high'"),
            (74, "advice.exploration.top", "unknown band 'top'"),
        ],
    ),
    (
        "an item of unknown type does not make its dimension 'too few items'",
        edit(
            ("{id: p1, type: likert,", "{id: p1, type: slider,"),
            ("{id: e2, type: likert,", "{id: e1, type: likert,"),
        ),
        [
            (39, "sections[0].items[0].type", "unknown item type 'slider'"),
            (46, "sections[1].items[1].id", "duplicate item id 'e1'"),
        ],
    ),
    (
        "dimensions unreadable: no cascade of unknown-dimension errors",
        edit(("dimensions:\n  - id: partnership\n", "dimensions:\n  - idx: partnership\n")),
        [
            (24, "dimensions[0]", "missing required key 'id'"),
            (24, "dimensions[0].idx", "unknown key 'idx' (did you mean 'id'?)"),
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), [(t, e) for _, t, e in MIXED], ids=[n for n, _, _ in MIXED])
def test_all_problems_at_once(text: str, expected: list[tuple[int, str, str]]) -> None:
    with pytest.raises(QuestionnaireError) as info:
        parse(text, "q.yaml")
    got = error_lines(info.value, "q.yaml")
    assert [(line, path) for line, path, _ in got] == [(line, path) for line, path, _ in expected]
    for (_, _, message), (_, _, part) in zip(got, expected, strict=True):
        assert part in message


def test_model_validate_reports_the_same_cross_field_problems() -> None:
    """Direct model validation (no YAML) runs the same cross-field rules as the loader's fallback."""
    data, _ = read_document(MINIMAL_TEXT.replace("scale: agree5, dimension: partnership}", "scale: x, dimension: y}"))
    with pytest.raises(Exception) as info:
        Questionnaire.model_validate(data)
    assert "unknown scale 'x'" in str(info.value) and "unknown dimension 'y'" in str(info.value)


# ----- messages -----------------------------------------------------------------------------------

MESSAGES = [
    ("  title: Mini check-in\n", "  title:\n", "meta.title", "expected text, got an empty value"),
    ("  title: Mini check-in\n", "  title: [a, b]\n", "meta.title", "expected text, got a list"),
    ("  estimated_minutes: 1\n", "  estimated_minutes: 2.5\n", "meta.estimated_minutes", "expected a whole number"),
    (
        "  estimated_minutes: 1\n",
        "  estimated_minutes: 500\n",
        "meta.estimated_minutes",
        "must be less than or equal to 120, got the number 500",
    ),
    (
        "  language: en\n",
        "  language: english\n",
        "meta.language",
        "'english' is not a language code like 'en' or 'en-GB'",
    ),
    ('  version: "1.0"\n', '  version: "v1"\n', "meta.version", "'v1' is not a version"),
    ('  version: "1.0"\n', "  version: 1.10\n", "meta.version", 'write it in quotes: "1.10"'),
    (
        "actively looking., scale: agree5, dimension: partnership, reverse: true}",
        "actively looking., scale: agree5, dimension: partnership, reverse: maybe}",
        "sections[0].items[1].reverse",
        "expected true or false, got 'maybe'",
    ),
    ("  min_answered: 0.6\n", "  min_answerd: 0.6\n", "scoring.min_answerd", "did you mean 'min_answered'?"),
    ("    points:\n", "    pionts:\n", "scales.agree5.pionts", "did you mean 'points'?"),
    (
        "{id: email, label: Ask",
        "{id: email, lable: Ask",
        "sections[1].items[2].options[2].lable",
        "did you mean 'label'?",
    ),
    (
        "  description: A two-dimension",
        '  description: "  "\n  x: A two-dimension',
        "meta.description",
        "must not be empty",
    ),
    (
        "actions: [Keep them posted twice a year.]",
        "actions: [a, b, c, d]",
        "advice.partnership.high.actions",
        "has 4 entries; at most 3 allowed",
    ),
]


@pytest.mark.parametrize(("old", "new", "path", "part"), MESSAGES)
def test_messages_are_human(old: str, new: str, path: str, part: str) -> None:
    with pytest.raises(QuestionnaireError) as info:
        parse(edit((old, new)), "q.yaml")
    found = [e for e in info.value.errors if e.path == path]
    assert found, [str(e) for e in info.value.errors]
    assert part in found[0].message


def test_keys_are_read_as_written() -> None:
    """`no:` or `1:` as keys stay the text "no" and "1" instead of becoming false and 1."""
    with pytest.raises(QuestionnaireError) as info:
        parse(MINIMAL_TEXT + "no: 1\n1: 2\n", "q.yaml")
    assert {e.path for e in info.value.errors} == {"no", "1"}


def test_line_numbers_with_crlf_and_bom() -> None:
    text = "\ufeff" + edit(("scale: agree5, dimension: partnership}", "scale: agree9, dimension: partnership}"))
    with pytest.raises(QuestionnaireError) as info:
        parse(text.replace("\n", "\r\n").encode("utf-8"), "q.yaml")
    assert [(e.line, e.path) for e in info.value.errors] == [(39, "sections[0].items[0].scale")]


def test_good_file_with_crlf_bom_loads() -> None:
    q = parse(("\ufeff" + MINIMAL_TEXT.replace("\n", "\r\n")).encode("utf-8"))
    assert q.content_hash == load(MINIMAL).content_hash


# ----- other documents through the same reader ----------------------------------------------------


class Tiny(Strict):
    name: str
    size: int = 1


def test_read_document_raises_on_yaml_level_problems() -> None:
    with pytest.raises(QuestionnaireError, match="duplicate key 'name'"):
        read_document("name: a\nname: b\n", "tiny.yaml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: a\nsize: big\n", [(2, "size", "expected a whole number, got 'big'")]),
        ("name: a\nsiez: 2\n", [(2, "siez", "unknown key 'siez' (did you mean 'size'?)")]),
        ("size: 2\n", [(1, "(root)", "missing required key 'name'")]),
        ("- a\n", [(1, "(root)", "expected a mapping with keys name, size, …; got a list")]),
    ],
)
def test_validate_document_for_any_model(text: str, expected: list[tuple[int, str, str]]) -> None:
    data, builder = read_document(text, "tiny.yaml")
    with pytest.raises(QuestionnaireError) as info:
        validate_document(Tiny, data, builder, "tiny.yaml")
    assert [(e.line, e.path, e.message) for e in info.value.errors] == expected


# ----- the content hash ---------------------------------------------------------------------------


def reformatted() -> dict[str, str]:
    """minimal.yaml written in other YAML styles; each means exactly the same questionnaire."""
    data, _ = read_document(MINIMAL_TEXT)
    variants = {
        "block style": yaml.safe_dump(data, default_flow_style=False, sort_keys=False, allow_unicode=True),
        "flow style": yaml.safe_dump(data, default_flow_style=True, width=10_000, allow_unicode=True),
        "sorted keys": yaml.safe_dump(data, sort_keys=True, allow_unicode=True),
        "everything quoted": yaml.safe_dump(data, default_style='"', allow_unicode=True),
        "json": json.dumps(data, ensure_ascii=False, indent=1),
    }
    commented = "\n".join(
        f"{line}  # note" if line.strip() and "{" not in line else line for line in MINIMAL_TEXT.splitlines()
    )
    variants["comments"] = "# header\n" + commented + "\n# footer\n"
    top, rest = MINIMAL_TEXT.split("scales:", 1)
    variants["sections reordered"] = "scales:" + rest + "\n" + top
    variants["numbers as floats"] = MINIMAL_TEXT.replace("    weight: 1\n", "    weight: 1.0\n").replace(
        "min: 0, max: 40}", "min: 0.0, max: 40.0}"
    )
    variants["explicit defaults"] = MINIMAL_TEXT.replace(
        "dimension: partnership}", "dimension: partnership, reverse: false, weight: 1}", 1
    )
    variants["quoted strings"] = MINIMAL_TEXT.replace("title: Mini check-in", "title: 'Mini check-in'")
    variants["trailing spaces in text"] = MINIMAL_TEXT.replace("title: Mini check-in", "title: '  Mini check-in '")
    return variants


@pytest.mark.parametrize(("style", "text"), sorted(reformatted().items()))
def test_hash_ignores_formatting(style: str, text: str) -> None:
    reference = load(MINIMAL)
    other = parse(text, style)
    assert other == reference
    assert content_hash(other) == content_hash(reference) == reference.content_hash
    assert re.fullmatch(r"[0-9a-f]{64}", reference.content_hash)


def changed_copies() -> dict[str, dict]:
    """One semantic change per copy: every item's text, plus a label, a weight, a band edge, a key."""
    data, _ = read_document(MINIMAL_TEXT)
    copies: dict[str, dict] = {}
    for s, section in enumerate(data["sections"]):
        for i, item in enumerate(section["items"]):
            changed = copy.deepcopy(data)
            changed["sections"][s]["items"][i]["text"] = item["text"] + " Really."
            copies[f"text of {item['id']}"] = changed
    edits = {
        "option label": lambda d: d["sections"][1]["items"][2]["options"][0].update(label="Decline"),
        "item weight": lambda d: d["sections"][0]["items"][2].update(weight=3),
        "band edge": lambda d: (d["bands"]["overall"][0].update(max=41), d["bands"]["overall"][1].update(min=41)),
        "reverse key": lambda d: d["sections"][0]["items"][1].update(reverse=False),
        "option score": lambda d: d["sections"][1]["items"][2]["options"][2]["scores"].update(exploration=0.4),
        "dimension weight": lambda d: d["dimensions"][1].update(weight=3),
    }
    for name, change in edits.items():
        changed = copy.deepcopy(data)
        change(changed)
        copies[name] = changed
    return copies


@pytest.mark.parametrize(("change", "data"), sorted(changed_copies().items()))
def test_hash_changes_with_content(change: str, data: dict) -> None:
    changed = parse(yaml.safe_dump(data, allow_unicode=True), change)
    assert changed.content_hash != load(MINIMAL).content_hash


# ----- catalogue and file lists -------------------------------------------------------------------


def test_catalogue_collects_good_files_and_reports_bad_ones(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(MINIMAL_TEXT, encoding="utf-8")
    (tmp_path / "b.yml").write_text(MINIMAL_TEXT, encoding="utf-8")  # same id as a.yaml
    (tmp_path / "c.yaml").write_bytes((BROKEN / "unknown_scale.yaml").read_bytes())
    (tmp_path / "notes.txt").write_text("not a questionnaire", encoding="utf-8")
    assert [p.name for p in questionnaire_files([tmp_path])] == ["a.yaml", "b.yml", "c.yaml"]
    found, errors = load_catalogue(tmp_path)
    assert list(found) == ["mini"]
    assert [(Path(e.file).name, e.path) for e in errors] == [
        ("b.yml", "meta.id"),
        ("c.yaml", "sections[0].items[0].scale"),
    ]
    assert all(isinstance(e, LocatedError) for e in errors)


# ----- the validate command -----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_validate_command_rejects(name: str) -> None:
    from scoring.cli import main

    out, err = io.StringIO(), io.StringIO()
    path = str(BROKEN / name)
    assert main(["validate", path], out, err) == 1
    lines = err.getvalue().splitlines()
    assert len(lines) == len(CORPUS[name])
    for line in lines:
        assert LINE.match(line) and line.startswith(path + ":")
        assert "unexpected" not in line and "Traceback" not in line


def test_python_m_scoring_validate(tmp_path: Path) -> None:
    """The real command, in a subprocess: every corpus file and a 10 MB file, exit 1, no traceback."""
    big = tmp_path / "ten_mb.yaml"
    big.write_bytes(MINIMAL.read_bytes() + b"#" * 10_000_000)
    files = [str(p) for p in corpus_files()] + [str(big)]
    run = subprocess.run(
        [sys.executable, "-m", "scoring", "validate", *files],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stderr and "unexpected" not in run.stderr
    reported = {LINE.match(line)["file"] for line in run.stderr.splitlines() if LINE.match(line)}
    assert reported == set(files)
    assert all(LINE.match(line) for line in run.stderr.splitlines())
    assert run.stdout == ""


def test_python_m_scoring_validate_alias_bomb() -> None:
    """One file alone, as an author would run it (in-process runs above cover every file's exit code)."""
    name = "alias_bomb.yaml"
    run = subprocess.run(
        [sys.executable, "-m", "scoring", "validate", str(BROKEN / name)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert [LINE.match(line)["line"] for line in run.stderr.splitlines()] == [str(line) for line, _, _ in CORPUS[name]]


def test_validate_command_accepts_minimal() -> None:
    from scoring.cli import main

    out, err = io.StringIO(), io.StringIO()
    assert main(["validate", str(MINIMAL)], out, err) == 0
    assert err.getvalue() == ""


# ----- fuzzing: any mangled file gives located errors, never another exception --------------------

LINES = MINIMAL_TEXT.splitlines(keepends=True)
JUNK = st.sampled_from(
    [
        "",
        " ",
        "\t",
        ":",
        "- ",
        "[",
        "]",
        "{",
        "}",
        "&a ",
        "*a",
        "!!str ",
        "!!python/none ",
        "'",
        '"',
        "#",
        "~",
        "<<: ",
        "? ",
        "|",
        ">",
        "%",
        "@",
        "`",
        "\x00",
        "\ufeff",
        "é",
        "1e3",
        "0x1F",
        ".nan",
        "null",
        "yes",
        "2024-01-01",
    ]
)


@st.composite
def mangled(draw: st.DrawFn) -> str:
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "insert", "indent", "dedent", "swap"]))
        if action == "delete":
            del lines[i]
        elif action == "duplicate":
            lines.insert(i, lines[i])
        elif action == "insert":
            pos = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:pos] + draw(JUNK) + lines[i][pos:]
        elif action == "indent":
            lines[i] = "  " + lines[i]
        elif action == "dedent":
            lines[i] = lines[i].removeprefix("  ")
        else:
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        if not lines:
            lines = [""]
    return "".join(lines)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=mangled())
def test_mangled_files_never_crash(text: str) -> None:
    try:
        parse(text, "fuzz.yaml")
    except QuestionnaireError as exc:
        assert exc.errors
        for line in str(exc).splitlines():
            assert LINE.match(line), line
        n_lines = text.count("\n") + 1
        assert all(1 <= e.line <= n_lines + 1 for e in exc.errors)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 200) | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += paths(value, (*prefix, i))
    return out


MINIMAL_DATA, _ = read_document(MINIMAL_TEXT)
MINIMAL_PATHS = paths(MINIMAL_DATA)[1:]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(where=st.lists(st.sampled_from(MINIMAL_PATHS), min_size=1, max_size=3), values=st.data())
def test_type_confused_documents_give_located_errors(where: list[tuple], values: st.DataObject) -> None:
    """Any node of minimal.yaml replaced by any value: a Questionnaire or located errors, nothing else."""
    data = copy.deepcopy(MINIMAL_DATA)
    for path in where:
        parent = data
        try:
            for part in path[:-1]:
                parent = parent[part]
            parent[path[-1]] = values.draw(JSONISH)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier replacement removed this path
    try:
        parse(json.dumps(data), "confused.json")
    except QuestionnaireError as exc:
        assert exc.errors
        assert all(LINE.match(line) for line in str(exc).splitlines())


# ----- the pure-Python parser (used where PyYAML lacks libyaml) -----------------------------------

SYNTAX = {"yaml_unclosed_bracket.yaml", "yaml_bad_indentation.yaml", "deep_nesting.yaml"}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_with_the_pure_python_parser(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same lines and paths; only PyYAML's own wording of a syntax error may differ."""
    path = BROKEN / name
    with pytest.raises(QuestionnaireError) as with_libyaml:
        load(path)
    monkeypatch.setattr(yamlread, "_Events", yamlread._PyEvents)
    with pytest.raises(QuestionnaireError) as info:
        load(path)
    got = error_lines(info.value, str(path))
    expected = CORPUS[name]
    assert [(line, p) for line, p, _ in got] == [(line, p) for line, p, _ in expected]
    if name not in SYNTAX:
        assert info.value.errors == with_libyaml.value.errors


@pytest.mark.parametrize("events", ["libyaml", "python"])
def test_control_character_line_after_multibyte_text(events: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if events == "python":
        monkeypatch.setattr(yamlread, "_Events", yamlread._PyEvents)
    text = "a: ééé… – ü\n" * 3 + "b: x\x01\n"
    with pytest.raises(QuestionnaireError) as info:
        parse(text, "q.yaml")
    assert [(e.line, e.message) for e in info.value.errors] == [(4, "control character U+0001 is not allowed in YAML")]


@pytest.mark.parametrize("events", ["libyaml", "python"])
def test_minimal_loads_with_either_parser(events: str, monkeypatch: pytest.MonkeyPatch) -> None:
    reference = load(MINIMAL)
    if events == "python":
        monkeypatch.setattr(yamlread, "_Events", yamlread._PyEvents)
    assert load(MINIMAL) == reference


def test_one_id_may_have_a_file_per_language(tmp_path: Path) -> None:
    from scoring.loader import load_library

    (tmp_path / "mini.yaml").write_text(MINIMAL_TEXT, encoding="utf-8")
    (tmp_path / "mini.de.yaml").write_text(MINIMAL_TEXT.replace("language: en", "language: de"), encoding="utf-8")
    (tmp_path / "mini.fr.yaml").write_text(MINIMAL_TEXT.replace("language: en", "language: de"), encoding="utf-8")
    library, errors = load_library(tmp_path)
    assert sorted(library["mini"]) == ["de", "en"]
    assert [(Path(e.file).name, e.path) for e in errors] == [("mini.fr.yaml", "meta.id")]
    found, _ = load_catalogue(tmp_path)
    assert found["mini"].meta.language == "en"  # the primary: English when there is one
