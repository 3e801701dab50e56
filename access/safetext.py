"""Make untrusted text inert for ``st.markdown`` while keeping a little formatting.

Kept: paragraphs, line breaks, **bold**, *italic*, simple lists. Everything else is made plain:
HTML is escaped, images are removed, links become their label (unless the host is explicitly
allowed), raw URLs and e-mail addresses become code spans (visible, copyable, never clickable),
and Streamlit's extensions (``:red[...]`` colour directives, ``$...$`` LaTeX) and the block
constructs we do not want (headings, tables, code fences, rules, quotes) are escaped.

Safety comes from escaping every character that can start one of those constructs, not from the
regular expressions that tidy links and images away; those only decide what the reader sees.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from urllib.parse import urlsplit

ELLIPSIS = "…"

_IMAGE = re.compile(r"!\[[^\]\n]{0,500}\](?:\([^)\n]{0,2000}\)|\[[^\]\n]{0,200}\])?")
_LINK = re.compile(r"\[([^\[\]\n]{0,500})\]\(\s*([^)\s]{0,2000})(?:\s+\"[^\"\n]{0,200}\")?\s*\)")
# Anything the GFM autolinker (or a curious reader) would treat as an address.
_ADDRESS = re.compile(
    r"(?:\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}:/{1,3}|\bwww\.)[^\s`<>\"'\\\[\](){}$]+"
    r"|\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
)
_SAFE_URL = re.compile(r"^https://[A-Za-z0-9.-]+(?::\d{1,5})?(?:/[A-Za-z0-9._~%!$&'*+,;=:@/?#-]*)?$")
_RULE_LINE = re.compile(r"^(\s*)([-=*_+])(?=[\s\-=*_+]*$)")
_LEADING = re.compile(r"^[ ]{4,}", re.MULTILINE)
_NEWLINES = re.compile(r"\n{3,}")
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)}

# Characters that start markdown, HTML, LaTeX or Streamlit-directive syntax we do not allow.
_ESCAPES = {
    "\\": "\\\\",
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    "[": "\\[",
    "]": "\\]",
    "(": "\\(",
    ")": "\\)",
    "`": "\\`",
    "#": "\\#",
    "|": "\\|",
    "~": "\\~",
    "$": "\\$",
    ":": "\\:",
    "{": "\\{",
    "}": "\\}",
    "!": "\\!",
    "^": "\\^",
}
_TABLE = str.maketrans(_ESCAPES)


def clean_text(text: object) -> str:
    """Plain text with control, format and bidi-override characters removed and newlines normalised."""
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n").replace("\t", " ")
    kept = []
    for ch in text:
        if ch == "\n" or ch == "\u200d":  # ZWJ keeps composed emoji intact
            kept.append(ch)
        elif ch in _BIDI or unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn"}:
            continue
        else:
            kept.append(ch)
    text = "".join(kept)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return _NEWLINES.sub("\n\n", text).strip("\n")


def _allowed_link(url: str, allowed_hosts: Collection[str]) -> bool:
    if not allowed_hosts or not _SAFE_URL.match(url):
        return False
    host = (urlsplit(url).hostname or "").lower()
    return host in {h.lower() for h in allowed_hosts}


def _segments(text: str, allowed_hosts: Collection[str]) -> list[tuple[str, str, str]]:
    """Split into ('text', s, ''), ('code', address, '') and ('link', label, url) segments."""
    text = _IMAGE.sub("", text)
    out: list[tuple[str, str, str]] = []
    pos = 0
    for match in _LINK.finditer(text):
        out.extend(_addresses(text[pos : match.start()]))
        label, url = match.group(1), match.group(2)
        if _allowed_link(url, allowed_hosts) and label.strip():
            out.append(("link", label, url))
        else:
            out.extend(_addresses(label))
        pos = match.end()
    out.extend(_addresses(text[pos:]))
    return out


def _addresses(text: str) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    pos = 0
    for match in _ADDRESS.finditer(text):
        out.append(("text", text[pos : match.start()], ""))
        out.append(("code", match.group(0).rstrip(".,;:!?"), ""))
        out.append(("text", match.group(0)[len(out[-1][1]) :], ""))
        pos = match.end()
    out.append(("text", text[pos:], ""))
    return [s for s in out if s[1]]


def _truncate(segments: list[tuple[str, str, str]], max_len: int) -> list[tuple[str, str, str]]:
    total = sum(len(s[1]) for s in segments)
    if total <= max_len:
        return segments
    budget = max(0, max_len - len(ELLIPSIS))
    out: list[tuple[str, str, str]] = []
    for kind, value, url in segments:
        if budget <= 0:
            break
        if len(value) <= budget:
            out.append((kind, value, url))
            budget -= len(value)
        elif kind == "text":
            cut = value[:budget]
            # Prefer a word boundary when one is reasonably close.
            space = cut.rfind(" ")
            out.append((kind, cut[:space] if space > budget * 0.6 else cut, url))
            budget = 0
        else:
            budget = 0  # never show half an address or half a link
    out.append(("text", ELLIPSIS, ""))
    return out


def _escape_text(text: str) -> str:
    lines = []
    for line in text.translate(_TABLE).split("\n"):
        # A line made only of - = * _ + is a rule or a setext heading underline: escape its first mark.
        lines.append(_RULE_LINE.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", line))
    return "\n".join(lines)


def safe_markdown(text: object, max_len: int, *, allowed_hosts: Collection[str] = ()) -> str:
    """Inert markdown for st.markdown: no HTML, images, foreign links, directives or LaTeX; ≤ max_len visible chars."""
    if max_len < 1:
        raise ValueError("max_len must be at least 1")
    cleaned = clean_text(text)
    cleaned = _LEADING.sub("   ", cleaned)  # four spaces would start an indented code block
    parts = _truncate(_segments(cleaned, allowed_hosts), max_len)
    out = []
    for kind, value, url in parts:
        if kind == "text":
            out.append(_escape_text(value))
        elif kind == "code":
            out.append(f"`{value}`")  # the address pattern excludes backticks, so the span cannot be broken
        else:
            out.append(f"[{_escape_text(value)}]({url})")
    return "".join(out).strip()


def plain_text(text: object, max_len: int) -> str:
    """Cleaned plain text capped at max_len characters (for places that show text verbatim, e.g. st.text)."""
    cleaned = clean_text(text)
    if len(cleaned) <= max_len:
        return cleaned
    return cleaned[: max(0, max_len - len(ELLIPSIS))].rstrip() + ELLIPSIS
