"""``python -m scoring``: validate, score, sample and reliability — exit codes, located messages, no tracebacks."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from scoring import cli, engine, validate
from scoring.csvsafe import safe_cell, safe_frame
from scoring.engine import answers_from_row, score
from scoring.loader import load
from scoring.quality import FLAGS
from scoring.reliability import reliability_table
from scoring.sample import generate

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = ROOT / "tests" / "data" / "good" / "minimal.yaml"
ANSWERS = ROOT / "tests" / "data" / "answers"
BROKEN = sorted((ROOT / "tests" / "data" / "broken").glob("*.yaml"))
LOCATED = re.compile(r"^.+:\d+: \S.*: .+$")


def run(*argv: str | Path) -> tuple[int, str, str]:
    """Run the CLI in-process; (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = cli.main([str(a) for a in argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def run_process(*argv: str | Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m scoring`` as a user would, from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "scoring", *map(str, argv)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# ----- validate -----------------------------------------------------------------------------------


def test_validate_good_file_prints_id_version_and_hash() -> None:
    q = load(MINIMAL)
    code, out, err = run("validate", MINIMAL)
    assert (code, err) == (0, "")
    assert out == f"ok {MINIMAL} (mini 1.0 {q.short_hash})\n"


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_validate_broken_file_exits_1_with_located_errors(path: Path) -> None:
    code, out, err = run("validate", path)
    assert code == 1
    assert out == ""
    lines = err.splitlines()
    assert lines
    assert all(line.startswith(f"{path}:") and LOCATED.match(line) for line in lines), lines


def test_validate_reports_good_and_bad_together(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("meta: [\n", encoding="utf-8")
    code, out, err = run("validate", MINIMAL, bad)
    assert code == 1
    assert out.startswith(f"ok {MINIMAL} ")
    assert err.startswith(f"{bad}:")


def test_validate_duplicate_questionnaire_ids(tmp_path: Path) -> None:
    for name in ("a.yaml", "b.yaml"):
        shutil.copy(MINIMAL, tmp_path / name)
    code, out, err = run("validate", tmp_path)
    assert code == 1
    assert out.count("ok ") == 1
    duplicate = "meta.id: questionnaire id 'mini' in language 'en' is also used by"
    assert err == f"{tmp_path / 'b.yaml'}:1: {duplicate} {tmp_path / 'a.yaml'}\n"


@pytest.mark.parametrize("make", ["empty-dir", "missing-file"])
def test_validate_nothing_to_read(tmp_path: Path, make: str) -> None:
    target = tmp_path if make == "empty-dir" else tmp_path / "nope.yaml"
    code, out, err = run("validate", target)
    assert code == 1
    assert out == ""
    assert err.startswith(str(target))


def test_validate_never_shows_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(path: object) -> None:
        raise RuntimeError("loader bug")

    monkeypatch.setattr(validate, "load_source", explode)
    code, _, err = run("validate", MINIMAL)
    assert code == 1
    assert err == f"{MINIMAL}:1: (root): unexpected RuntimeError: loader bug\n"


def test_validate_logs_the_unexpected_traceback_at_debug(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(path: object) -> None:
        raise RuntimeError("loader bug")

    monkeypatch.setattr(validate, "load_source", explode)
    with caplog.at_level("DEBUG", logger="career_radar.cli"):
        code, _, _ = run("validate", MINIMAL, MINIMAL.parent)
    assert code == 1
    assert {r.levelname for r in caplog.records} == {"DEBUG"}  # never printed unasked
    assert all(r.exc_info and r.exc_info[0] is RuntimeError for r in caplog.records)
    assert len(caplog.records) >= 2  # one per file: the other files are still checked


def test_validate_whole_corpus_as_a_process() -> None:
    """The real entry point: the shipped bank passes; every broken file fails without a traceback."""
    good = run_process("validate")
    assert good.returncode == 0, good.stderr
    assert good.stdout.startswith("ok questions/")
    bad = run_process("validate", *BROKEN)
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr
    assert bad.stdout == ""
    assert {line.split(":")[0] for line in bad.stderr.splitlines()} == {str(p) for p in BROKEN}


# ----- score --------------------------------------------------------------------------------------

SCORE_CASES = [
    # file, exit code, stderr problem lines, response ids scored
    pytest.param("good.csv", 0, [], ["a1", "a2", "a3", "a4"], id="good"),
    pytest.param(
        "unknown_column.csv", 1, ["1: unknown columns (not item ids): p9"], ["a1", "a2"], id="unknown-item-id"
    ),
    pytest.param(
        "missing_columns.csv",
        1,
        ["1: missing item columns (treated as unanswered): e1, e2"],
        ["a1", "a2"],
        id="missing-columns",
    ),
    pytest.param(
        "out_of_range.csv",
        1,
        ["3: p1: '7' is not one of [1, 2, 3, 4, 5]", "4: p3: '0' is not one of [1, 2, 3, 4, 5]"],
        ["a1"],
        id="out-of-range",
    ),
    pytest.param(
        "non_numeric.csv",
        1,
        [
            "2: p2: 'agree' is not one of [1, 2, 3, 4, 5]",
            "4: e1: '3.5' is not one of [1, 2, 3, 4, 5]",
            "4: s1: 'maybe' is not one of ['decline', 'listen', 'email']",
        ],
        ["a2"],
        id="non-numeric-and-unknown-option",
    ),
    pytest.param(
        "ragged.csv",
        1,
        ["3: expected 7 fields like the header, found 8", "5: expected 7 fields like the header, found 4"],
        ["a1", "a4"],
        id="wrong-number-of-fields",
    ),
    pytest.param(
        "formula_and_multiline.csv",
        1,
        ["5: p1: '9' is not one of [1, 2, 3, 4, 5]"],  # a quoted cell spans lines 3–4
        ["'=cmd|x", "a2", "a4"],
        id="line-numbers-after-multiline-cells",
    ),
]


@pytest.mark.parametrize(("name", "code", "problems", "scored"), SCORE_CASES)
def test_score_reports_bad_rows_and_scores_the_rest(name: str, code: int, problems: list[str], scored: list[str]):
    path = ANSWERS / name
    exit_code, out, err = run("score", MINIMAL, path)
    assert exit_code == code
    lines = err.splitlines()
    assert lines[:-1] == [f"{path}:{p}" for p in problems]
    assert re.fullmatch(rf"scored {len(scored)} of \d+ rows; \d+ skipped", lines[-1])
    result = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
    assert result["response_id"].tolist() == scored
    assert list(result.columns[-(4 + len(FLAGS)) :]) == ["partnership", "exploration", "overall", "band", *FLAGS]
    assert set(result[list(FLAGS)].to_numpy().ravel()) <= {"true", "false"}


def test_scores_equal_the_single_response_function_rounded(tmp_path: Path) -> None:
    q = load(MINIMAL)
    out_path = tmp_path / "scored.csv"
    code, out, _ = run("score", MINIMAL, ANSWERS / "good.csv", "-o", out_path)
    assert (code, out) == (0, "")
    scored = pd.read_csv(out_path, dtype={"response_id": str})
    source = pd.read_csv(ANSWERS / "good.csv", dtype=str, keep_default_na=False)
    for (_, row), (_, got) in zip(source.iterrows(), scored.iterrows(), strict=True):
        expected = score(q, answers_from_row(q, row.to_dict()))
        for dim, value in expected.scores().items():
            assert (pd.isna(got[dim]) and value is None) or got[dim] == round(value, 1)
        assert got["overall"] == round(expected.overall, 1)
        assert got["band"] == expected.band


def test_score_output_is_formula_safe() -> None:
    _, out, _ = run("score", MINIMAL, ANSWERS / "formula_and_multiline.csv")
    result = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
    assert result["note"].tolist() == ['\'=HYPERLINK("http://x")', "two\nlines", "'@me"]
    assert result["response_id"].iloc[0] == "'=cmd|x"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        (b"\n\n", "file is empty"),
        (b"p1,p1\n3,4\n", ":1: duplicate columns: p1"),
        (b"p1,p2\n\xff\xfe,3\n", "not valid UTF-8"),
        (b'p1,p2\n"3,4\n', None),  # an unterminated quote swallows the rest: reported, not a crash
    ],
    ids=["empty", "blank-lines", "duplicate-header", "not-utf8", "open-quote"],
)
def test_score_unreadable_answer_files(tmp_path: Path, content: bytes, message: str | None) -> None:
    path = tmp_path / "answers.csv"
    path.write_bytes(content)
    code, _, err = run("score", MINIMAL, path)
    assert code in (1, 2)
    assert "Traceback" not in err
    if message is not None:
        assert code == 2
        assert err.startswith(str(path))
        assert message in err


def test_score_header_only_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "answers.csv"
    path.write_text("response_id,p1,p2,p3,e1,e2,s1\n", encoding="utf-8")
    code, out, _ = run("score", MINIMAL, path)
    assert code == 0
    flags = ",".join(FLAGS)
    assert out.splitlines() == [f"response_id,p1,p2,p3,e1,e2,s1,partnership,exploration,overall,band,{flags}"]


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["score", MINIMAL, ANSWERS / "nope.csv"], "nope.csv: cannot read file"),
        (["score", ROOT / "tests" / "data" / "broken" / "unknown_scale.yaml", ANSWERS / "good.csv"], "unknown scale"),
        (["score", MINIMAL, ANSWERS / "good.csv", "-o", ANSWERS / "no" / "such" / "dir.csv"], "cannot write file"),
    ],
    ids=["missing-answers", "invalid-questionnaire", "unwritable-output"],
)
def test_score_file_errors_exit_2(argv: list, needle: str) -> None:
    code, _, err = run(*argv)
    assert code == 2
    assert needle in err


def test_unexpected_errors_become_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "score_frame", explode)
    code, _, err = run("score", MINIMAL, ANSWERS / "good.csv")
    assert code == 2
    assert err.splitlines()[-1] == "error: unexpected RuntimeError: boom"


def test_unexpected_errors_log_their_traceback_at_debug(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "score_frame", explode)
    with caplog.at_level("DEBUG", logger="career_radar.cli"):
        run("score", MINIMAL, ANSWERS / "good.csv")
    [record] = caplog.records
    assert record.levelname == "DEBUG" and record.getMessage() == "command score failed unexpectedly"
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError


def test_score_bad_csvs_as_a_process() -> None:
    result = run_process("score", MINIMAL.relative_to(ROOT), (ANSWERS / "non_numeric.csv").relative_to(ROOT))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "tests/data/answers/non_numeric.csv:2: p2: 'agree' is not one of [1, 2, 3, 4, 5]" in result.stderr
    assert result.stdout.splitlines()[1].startswith("a2,")


# ----- sample and reliability ----------------------------------------------------------------------


def test_sample_to_stdout_matches_the_generator() -> None:
    code, out, err = run("sample", MINIMAL, "-n", "25", "--seed", "3")
    assert (code, err) == (0, "")
    got = pd.read_csv(io.StringIO(out), keep_default_na=False)
    expected = generate(load(MINIMAL), 25, seed=3)
    assert got["response_id"].tolist() == expected["response_id"].tolist()
    assert got["p1"].tolist() == expected["p1"].tolist()
    assert got["s1"].tolist() == expected["s1"].tolist()
    assert got["duration_seconds"].tolist() == pytest.approx(expected["duration_seconds"].tolist())


@pytest.mark.parametrize("n", ["-5", "many", "2.5", "20000000"])
def test_sample_rejects_bad_counts(n: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["sample", str(MINIMAL), "-n", n])
    assert exc.value.code == 2
    assert "-n" in capsys.readouterr().err


def test_sample_then_score_then_reliability(tmp_path: Path) -> None:
    sample = tmp_path / "sample.csv"
    assert run("sample", MINIMAL, "-n", "400", "-o", sample)[0] == 0
    code, _, err = run("score", MINIMAL, sample, "-o", tmp_path / "scored.csv")
    assert (code, err) == (0, "scored 400 of 400 rows; 0 skipped\n")
    code, out, err = run("reliability", MINIMAL, sample)
    assert (code, err) == (0, "")
    table = reliability_table(load(MINIMAL), pd.read_csv(sample)).set_index(["dimension", "item"])
    for dim, k in (("partnership", 4), ("exploration", 3)):
        a = table.loc[(dim, "")]
        assert f"{dim}: α = {a['alpha']:.3f}  95% CI [{a['ci_low']:.3f}, {a['ci_high']:.3f}]  n = 400  k = {k}" in out
    assert re.search(r"^  p2 +400 +0\.\d{3} +0\.\d{3} +0\.\d{3} +0\.\d{3}$", out, re.MULTILINE)
    assert "speeding" in out and "straight_lining" in out


def test_reliability_flags_a_mis_keyed_item_and_reports_bad_rows() -> None:
    code, out, err = run("reliability", MINIMAL, ANSWERS / "out_of_range.csv")
    assert code == 1
    assert f"{ANSWERS / 'out_of_range.csv'}:3: p1: '7' is not one of [1, 2, 3, 4, 5]" in err
    assert "α cannot be computed" in out  # one good row is not enough for α


def test_no_command_is_a_usage_error() -> None:
    result = run_process()
    assert result.returncode == 2
    assert "usage:" in result.stderr
    assert "Traceback" not in result.stderr


# ----- formula-safe CSV cells ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("\ncmd", "'\ncmd"),
        ("plain text", "plain text"),
        ("a=b", "a=b"),
        ("", ""),
        (-3, -3),
        (-2.5, -2.5),
        (None, None),
        (True, True),
    ],
)
def test_safe_cell(value: object, expected: object) -> None:
    assert safe_cell(value) == expected


def test_safe_frame_quotes_text_and_headers_but_not_numbers() -> None:
    frame = pd.DataFrame(
        {
            "text": pd.Series(["=cmd", "ok", None], dtype="str"),
            "mixed": pd.Series(["@x", 3, None], dtype=object),
            "numbers": [-1, 2, 3],
            "=evil": [-1.5, 0.0, float("nan")],
            "category": pd.Categorical(["-a", "b", "-a"]),
        }
    )
    safe = safe_frame(frame)
    assert list(safe.columns) == ["text", "mixed", "numbers", "'=evil", "category"]
    assert safe["text"].tolist()[:2] == ["'=cmd", "ok"]
    assert safe["mixed"].tolist()[:2] == ["'@x", 3]
    assert safe["numbers"].tolist() == [-1, 2, 3]
    assert safe["'=evil"].tolist()[:2] == [-1.5, 0.0]
    assert safe["category"].tolist() == ["'-a", "b", "'-a"]
    assert frame["text"].iloc[0] == "=cmd"  # the input is not modified


# ----- response styles, flag columns, the minutes warning -------------------------------------------

BALANCED = ROOT / "tests" / "data" / "good" / "balanced.yaml"


def test_sample_styles_then_score_writes_flag_columns(tmp_path: Path) -> None:
    sample = tmp_path / "styles.csv"
    code, _, err = run(
        "sample", BALANCED, "-n", "600", "--seed", "2", "--style", "honest=0.5,faking=0.25,speeder=0.25", "-o", sample
    )
    assert (code, err) == (0, "")
    written = pd.read_csv(sample)
    assert written["style"].value_counts().to_dict() == {"honest": 300, "faking": 150, "speeder": 150}
    code, out, err = run("score", BALANCED, sample)
    assert code == 0, err
    scored = pd.read_csv(io.StringIO(out))
    assert list(scored.columns[-len(FLAGS) :]) == list(FLAGS)
    assert scored[list(FLAGS)].dtypes.eq(bool).all()
    by_style = scored.groupby("style")[list(FLAGS)].mean()
    assert by_style.loc["speeder", "speeding"] == 1 and by_style.loc["honest", "speeding"] == 0
    assert by_style.loc["faking", "overclaiming"] > 0.9 and by_style.loc["honest", "overclaiming"] < 0.05


def test_sample_single_style(tmp_path: Path) -> None:
    code, out, _ = run("sample", BALANCED, "-n", "20", "--style", "midpoint")
    assert code == 0
    assert set(pd.read_csv(io.StringIO(out))["style"]) == {"midpoint"}


@pytest.mark.parametrize(
    ("style", "message"),
    [
        ("lazy=0.5", "unknown style 'lazy'"),
        ("faking=x", "not a number: 'x'"),
        ("faking=0.2,faking=0.1", "given twice"),
        ("honest=0.5", "must add up to 1, got 0.5"),
        ("faking=2", "between 0 and 1"),
    ],
)
def test_sample_rejects_bad_styles(style: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["sample", str(BALANCED), "-n", "5", "--style", style])
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_score_still_reads_an_old_sample_without_style_or_claims(tmp_path: Path) -> None:
    old = generate(load(MINIMAL), 50, seed=1).drop(columns="style")
    path = tmp_path / "old.csv"
    old.to_csv(path, index=False)
    code, out, err = run("score", MINIMAL, path)
    assert code == 0, err
    assert len(pd.read_csv(io.StringIO(out))) == 50


def test_validate_warns_on_estimated_minutes_but_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "slow.yaml"
    path.write_text(MINIMAL.read_text(encoding="utf-8").replace("estimated_minutes: 1", "estimated_minutes: 9"))
    code, out, err = run("validate", path)
    assert code == 0
    assert out.startswith(f"ok {path} ")
    [line] = err.splitlines()
    assert line.startswith(f"{path}:7: meta.estimated_minutes: warning: estimated_minutes is 9 but")
    assert "more than 30% off" in line
    assert run("validate", MINIMAL, BALANCED)[2] == ""  # within 30 %: no warning


# ----- operator files (issue 10) ------------------------------------------------------------------


def test_validate_prints_file_names_with_control_characters_escaped(tmp_path: Path) -> None:
    good = tmp_path / "ok\x1b[2Jname.yaml"
    bad = tmp_path / "bad\x1b]0;pwned\x07.yaml"
    shutil.copy(MINIMAL, good)
    bad.write_text("meta: [\n", encoding="utf-8")
    code, out, err = run("validate", tmp_path)
    assert code == 1
    assert "\x1b" not in out + err and "\x07" not in out + err
    assert "ok\\x1b[2Jname.yaml" in out
    assert "bad\\x1b]0;pwned\\x07.yaml:" in err


def test_an_answers_fifo_is_refused_at_once(tmp_path: Path) -> None:
    if not hasattr(__import__("os"), "mkfifo"):
        pytest.skip("no named pipes on this system")
    import os

    fifo = tmp_path / "answers.csv"
    os.mkfifo(fifo)
    result = run_process("score", MINIMAL, fifo)  # would hang (and time out) if the FIFO were opened
    assert result.returncode == 2
    assert "answers.csv: cannot read file: a named pipe (FIFO), not a regular file" in result.stderr


# ----- streaming and lazy imports -------------------------------------------------------------------


def _messy_answers(tmp_path: Path, rows: int = 503) -> Path:
    """A generated answers file with bad cells, a ragged row, a blank line and a multi-line cell spread through it."""
    frame = generate(load(MINIMAL), rows, seed=5).astype(object)
    frame["note"] = ""
    frame["extra"] = "x"  # an unknown column: reported once, on the header line
    frame.loc[11, "p1"] = 9
    frame.loc[250, "s1"] = "nope"
    frame.loc[251, "note"] = "two\nlines"
    frame.loc[rows - 1, "e2"] = "x"
    text = frame.to_csv(index=False, lineterminator="\n").splitlines(keepends=True)
    text.insert(100, "only,three,fields\n")
    text.insert(300, "\n")
    path = tmp_path / "answers.csv"
    path.write_text("".join(text), encoding="utf-8")
    return path


@pytest.mark.parametrize("chunk", ["7", "100", "333"])  # 503 rows: none divides it
def test_score_in_chunks_equals_one_chunk(tmp_path: Path, chunk: str) -> None:
    path = _messy_answers(tmp_path)
    whole = run("score", MINIMAL, path, "--chunk-rows", "1000000")
    assert whole[0] == 1
    problems = whole[2].splitlines()
    assert [p.split(": ")[0].removeprefix(f"{path}:") for p in problems[:-1]] == ["1", "13", "101", "253", "507"]
    assert problems[-1] == "scored 500 of 504 rows; 4 skipped"
    assert run("score", MINIMAL, path, "--chunk-rows", chunk) == whole


@pytest.mark.parametrize("chunk", ["7", "100", "333"])  # 503 rows: none divides it
def test_reliability_in_chunks_equals_the_in_memory_table(tmp_path: Path, chunk: str) -> None:
    path = _messy_answers(tmp_path)
    q = load(MINIMAL)
    code, out, err = run("reliability", MINIMAL, path, "--chunk-rows", chunk)
    assert code == 1 and err.count("\n") == 5
    # The whole file in memory, the good rows only, through the original pandas-based table.
    good = pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=True)
    good = good[good["response_id"].ne("only") & good["p1"].ne("9") & good["s1"].ne("nope") & good["e2"].ne("x")]
    assert len(good) == 500
    expected = cli.format_table(q, reliability_table(q, cli.numeric_view(q, good)), len(good))
    assert out.startswith(expected + "\n")


def test_problem_messages_are_capped_across_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "MAX_MESSAGES", 3)
    path = tmp_path / "answers.csv"
    path.write_text("p1,p2\n" + "9,1\n" * 10, encoding="utf-8")
    code, _, err = run("score", MINIMAL, path, "--chunk-rows", "2")
    assert code == 1
    lines = err.splitlines()
    assert lines[:4] == [
        f"{path}:1: missing item columns (treated as unanswered): p3, e1, e2, s1",
        f"{path}:2: p1: '9' is not one of [1, 2, 3, 4, 5]",
        f"{path}:3: p1: '9' is not one of [1, 2, 3, 4, 5]",
        f"{path}: … and 8 more problems",
    ]


def test_a_file_error_mid_file_exits_2_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "answers.csv"
    path.write_bytes(b"p1,p2\n" + b"3,4\n" * 20_000 + b"\xff,3\n")  # past the decoder's first buffer
    code, out, err = run("score", MINIMAL, path, "--chunk-rows", "5000")
    assert code == 2
    assert err.splitlines()[-1] == f"{path}: not valid UTF-8 (byte 0xff)"
    assert len(out.splitlines()) > 5000  # the chunks before the error were written


WHICH_MODULES = """
import runpy, sys
sys.argv = ["scoring", *sys.argv[1:]]
try:
    runpy.run_module("scoring", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
print(" ".join(m for m in ("pandas", "numpy", "scipy") if m in sys.modules), file=sys.stderr)
sys.exit(code)
"""


@pytest.mark.parametrize(
    ("argv", "heavy"),
    [
        (["validate", "questions/strategic-candidate.yaml"], False),
        (["validate", "tests/data/broken"], False),
        (["sample", "tests/data/good/minimal.yaml", "-n", "2"], True),  # the check itself can see pandas
    ],
    ids=["validate", "validate-broken", "sample-does-import"],
)
def test_validate_imports_neither_pandas_nor_numpy(argv: list[str], heavy: bool) -> None:
    result = subprocess.run(
        [sys.executable, "-c", WHICH_MODULES, *argv], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert "Traceback" not in result.stderr
    imported = result.stderr.splitlines()[-1].split()
    assert ("pandas" in imported) is heavy
    if not heavy:
        assert imported == []
