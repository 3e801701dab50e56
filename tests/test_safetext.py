"""Untrusted text becomes inert markdown: no HTML, images, foreign links, directives, LaTeX or blocks."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from access.safetext import ELLIPSIS, clean_text, plain_text, safe_markdown


def visible(markdown: str) -> str:
    """Roughly what a reader sees: escapes resolved, entities decoded, code-span ticks dropped."""
    text = re.sub(r"\\(.)", r"\1", markdown)
    return html.unescape(text.replace("`", ""))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Plain words stay plain.", "Plain words stay plain."),
        ("Keep **bold** and *italic*.", "Keep **bold** and *italic*."),
        ("- one\n- two", "- one\n- two"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert\\(1\\)&lt;/script&gt;"),
        ('<img src=x onerror="alert(1)">', '&lt;img src=x onerror="alert\\(1\\)"&gt;'),
        ("a & b", "a &amp; b"),
        ("&lt;script&gt;", "&amp;lt;script&amp;gt;"),
        ("before ![pixel](https://evil.example/p.png) after", "before  after"),
        ("![ref][logo] text", "text"),
        ("[click me](https://evil.example/phish)", "click me"),
        ("[js](javascript:alert(1))", "js\\)"),  # the regex stops at the first ')'; the rest is escaped text
        ("visit https://evil.example/x?a=1&b=2.", "visit `https://evil.example/x?a=1&b=2`."),
        ("www.evil.example", "`www.evil.example`"),
        ("mail me: me@evil.example", "mail me\\: `me@evil.example`"),
        ("<https://evil.example>", "&lt;`https://evil.example`&gt;"),
        (":red[alarm] :rainbow[party]", "\\:red\\[alarm\\] \\:rainbow\\[party\\]"),
        (":material/home: :smile:", "\\:material/home\\: \\:smile\\:"),
        ("$e^{i\\pi}$", "\\$e\\^\\{i\\\\pi\\}\\$"),
        ("# Heading", "\\# Heading"),
        ("Title\n===", "Title\n\\==="),
        ("Title\n---", "Title\n\\---"),
        ("* * *", "\\* * *"),
        ("> quoted", "&gt; quoted"),
        ("| a | b |\n|---|---|", "\\| a \\| b \\|\n\\|---\\|---\\|"),
        ("```\ncode\n```", "\\`\\`\\`\ncode\n\\`\\`\\`"),
        ("~~~\nfence", "\\~\\~\\~\nfence"),
        ("        indented code", "indented code"),
        ("[^1] footnote", "\\[\\^1\\] footnote"),
        ("[ref]: https://evil.example", "\\[ref\\]\\: `https://evil.example`"),
        ("a\n\n\n\n\nb", "a\n\nb"),
        ("bell\x07 and nul\x00 gone", "bell and nul gone"),
        ("right\u202eto-left override", "rightto-left override"),
        ("zero\u200bwidth", "zerowidth"),
        ("trailing backslash\\", "trailing backslash\\\\"),
        ("", ""),
    ],
)
def test_safe_markdown_table(text: str, expected: str) -> None:
    assert safe_markdown(text, 600) == expected


def test_allowlisted_host_keeps_its_link_only() -> None:
    text = "[our site](https://whitfield-search.example/about) and [theirs](https://evil.example/)"
    out = safe_markdown(text, 600, allowed_hosts={"whitfield-search.example"})
    assert out == "[our site](https://whitfield-search.example/about) and theirs"


@pytest.mark.parametrize(
    "url", ["http://whitfield-search.example/", "https://whitfield-search.example.evil.example/", "javascript:x"]
)
def test_allowlist_needs_https_and_the_exact_host(url: str) -> None:
    out = safe_markdown(f"[x]({url})", 600, allowed_hosts={"whitfield-search.example"})
    assert "](" not in out


@pytest.mark.parametrize("max_len", [1, 5, 40, 600])
def test_length_is_capped_with_an_ellipsis(max_len: int) -> None:
    out = safe_markdown("word " * 1_000, max_len)
    assert out.endswith(ELLIPSIS)
    assert len(visible(out)) <= max_len


def test_truncation_never_cuts_an_address_in_half() -> None:
    out = safe_markdown("see https://example.com/a/very/long/path/indeed", 20)
    assert "`" not in out and out.endswith(ELLIPSIS)


def test_non_strings_become_empty() -> None:
    assert safe_markdown(None, 10) == "" and safe_markdown(42, 10) == ""


def test_max_len_must_be_positive() -> None:
    with pytest.raises(ValueError):
        safe_markdown("x", 0)


def test_clean_text_keeps_emoji_and_accents() -> None:
    assert clean_text("Zoë 👩\u200d💻\r\nnext") == "Zoë 👩\u200d💻\nnext"


def test_plain_text_caps() -> None:
    assert plain_text("abcdef", 4) == "abc" + ELLIPSIS and plain_text("abc", 4) == "abc"


HOSTILE_PIECES = st.sampled_from(
    [
        "<",
        ">",
        "&",
        "![",
        "](",
        "[",
        "]",
        "(",
        ")",
        "!",
        "`",
        "\\",
        ":red[",
        "$",
        "#",
        "\n",
        "https://evil.example/",
        "javascript:",
        "<script>",
        "www.",
        "@x.example",
        "|",
        "~",
        "*",
        "_",
        "-",
        "=",
        " ",
        "\x00",
        "\u202e",
    ]
)
HOSTILE_TEXT = st.lists(HOSTILE_PIECES | st.text(max_size=5), max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(HOSTILE_TEXT, st.integers(min_value=1, max_value=300))
def test_property_output_is_inert(text: str, max_len: int) -> None:
    out = safe_markdown(text, max_len)
    assert "<" not in out and ">" not in out
    assert "![" not in out
    assert "](" not in out
    assert not re.search(r"(?<!\\)\$", out), "an unescaped $ could start LaTeX"
    assert not re.search(r"(?<!\\)\[", out.replace("\\\\", "")), "an unescaped [ could start a link or directive"
    assert not any(ord(ch) < 32 and ch != "\n" for ch in out)
    assert "\n\n\n" not in out
    assert len(visible(out)) <= max_len + 1  # +1: a trailing escape character may resolve to one more


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(categories=["L", "N"]) | st.just(" "), max_size=200))
def test_property_plain_prose_is_unchanged_when_short(text: str) -> None:
    out = safe_markdown(text, 1_000)
    assert out == clean_text(text).strip()
