"""Recruiters and coaches from ``config/people.yaml``: validated like questionnaires, rendered safely.

The file is read with the questionnaire loader's safe YAML reader, so every problem comes back as
``FILE:LINE: PATH: message``. Free text (the intro) is stored as written and only ever shown
through ``access.safetext``; URLs are restricted to https (and mailto: for contact links).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, StringConstraints, field_validator

import i18n
from access.safetext import plain_text, safe_markdown
from scoring.loader import read_bounded, validate_document
from scoring.models import Id, Strict
from scoring.yamlread import MAX_BYTES, read_document

MAX_INTRO = 600
MAX_NAME = 80
MAX_URL = 500
MIN_ACCENT_CONTRAST = 3.0  # WCAG 2.2 non-text contrast against the white page

Name = Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME, strip_whitespace=True)]
Specialty = Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]
Intro = Annotated[str, StringConstraints(min_length=1, max_length=MAX_INTRO, strip_whitespace=True)]
Colour = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]

_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+$")


def _https_url(value: str) -> str:
    """Return value if it is a plain https URL with a host and no credentials, else raise ValueError."""
    if len(value) > MAX_URL:
        raise ValueError(f"the URL is {len(value)} characters; the limit is {MAX_URL}")
    if any(ch.isspace() or ord(ch) < 32 for ch in value) or any(ch in value for ch in "<>\"'`\\"):
        raise ValueError("the URL contains spaces, quotes or angle brackets")
    parts = urlsplit(value)
    if parts.scheme != "https":
        raise ValueError(f"the URL must start with https:// (got {parts.scheme or 'no'} scheme)")
    if not parts.hostname or "@" in parts.netloc:
        raise ValueError("the URL must name a host and carry no user name or password")
    return value


def relative_luminance(colour: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio between two #rrggbb colours (1–21)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


class Recruiter(Strict):
    display_name: Name
    firm: Name
    specialty: Specialty
    intro: Intro
    accent_color: Colour | None = None
    logo_url: str | None = None
    contact_url: str | None = None

    @field_validator("accent_color", mode="before")
    @classmethod
    def _not_blank(cls, value: object) -> object:
        # An unquoted colour (accent_color: #1f4e79) is a YAML comment, i.e. null: say so rather than drop it.
        if value is None:
            raise ValueError('is empty; quote the colour (accent_color: "#1f4e79") or leave the key out')
        return value

    @field_validator("accent_color")
    @classmethod
    def _readable(cls, value: str | None) -> str | None:
        if value is not None:
            ratio = contrast_ratio(value, "#ffffff")
            if ratio < MIN_ACCENT_CONTRAST:
                raise ValueError(
                    f"accent colour {value} has contrast {ratio:.2f}:1 against white; "
                    f"at least {MIN_ACCENT_CONTRAST:g}:1 is needed"
                )
            return value.lower()
        return value

    @field_validator("logo_url")
    @classmethod
    def _logo(cls, value: str | None) -> str | None:
        return None if value is None else _https_url(value)

    @field_validator("contact_url")
    @classmethod
    def _contact(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.startswith("mailto:"):
            if not _EMAIL.match(value.removeprefix("mailto:")):
                raise ValueError("a mailto: contact link must hold one plain e-mail address")
            return value
        return _https_url(value)

    def safe_intro(self) -> str:
        """The intro as inert, limited markdown."""
        return safe_markdown(self.intro, MAX_INTRO)


class Coach(Strict):
    display_name: Name
    firm: Name


class People(Strict):
    recruiters: dict[Id, Recruiter] = Field(default_factory=dict, max_length=1_000)
    coaches: dict[Id, Coach] = Field(default_factory=dict, max_length=1_000)

    def recruiter(self, recruiter_id: str | None) -> Recruiter | None:
        """The recruiter with this id, or None."""
        return self.recruiters.get(recruiter_id) if recruiter_id else None


def parse_people(text: str | bytes, file: str = "<string>") -> People:
    """Validate a people document; raise QuestionnaireError listing every problem with its line."""
    data, builder = read_document(text, file)
    return validate_document(People, data, builder, file)


def load_people(path: str | Path) -> People:
    """Read and validate config/people.yaml (or another people file)."""
    # Bounded, and only a regular file: a FIFO, a device or a file that keeps growing is never read whole.
    return parse_people(read_bounded(path, MAX_BYTES), str(path))


@dataclass(frozen=True)
class Invitation:
    """Who invited the candidate, ready for the welcome page: every text field is inert markdown."""

    headline: str
    intro: str
    contact_url: str | None
    logo_url: str | None
    accent_color: str | None


def invitation(recruiter: Recruiter, *, role: str | None = None, lang: str = "en") -> Invitation:
    """The welcome block for a candidate who arrived through this recruiter's link (our words in ``lang``)."""
    _ = i18n.translator(lang)
    who = safe_markdown(f"{recruiter.display_name}, {recruiter.firm}", 200)
    if role:
        headline = _("**{who}** invited you with the {role} role in mind.").format(
            who=who, role=safe_markdown(role, 120)
        )
    else:
        headline = _("**{who}** invited you.").format(who=who)
    return Invitation(
        headline=headline,
        intro=recruiter.safe_intro(),
        contact_url=recruiter.contact_url,
        logo_url=recruiter.logo_url,
        accent_color=recruiter.accent_color,
    )


def outreach_message(recruiter: Recruiter, *, url: str, minutes: int, role: str | None = None, lang: str = "en") -> str:
    """A plain-text outreach message in the recruiter's voice that explains the quiz; editable before sending."""
    if i18n.supported(lang) == "de":
        return _outreach_de(recruiter, url=url, minutes=minutes, role=role)
    name = plain_text(recruiter.display_name, MAX_NAME)
    firm = plain_text(recruiter.firm, MAX_NAME)
    specialty = plain_text(recruiter.specialty, 120)
    if role:
        title = plain_text(role, 120)
        article = "an" if title[:1].lower() in {"a", "e", "i", "o", "u"} else "a"
        opening = (
            f"I'm working on {article} {title} search, and your background made me want to talk with you "
            "about it, and about where you'd like your career to go, whether or not this role turns out to be the one."
        )
    else:
        opening = (
            "I'd like to get to know you professionally: what you're doing now, and where you'd like your career to "
            "go next. The right role might be the one I'm working on this month, or the one that comes up next year."
        )
    return (
        "Hi [first name],\n\n"
        f"I'm {name} at {firm}, where I focus on {specialty}. {opening}\n\n"
        f"Before we speak, you might find this useful: Career Radar, a short self-reflection (about {minutes} minutes) "
        "on how you use conversations with recruiters: tactically (is this job a yes or a no?) or strategically "
        "(a chance to hear what the market is doing, test how your story lands, and stay on a specialist's radar). "
        "You get a result with a few concrete ideas for your next recruiter conversation.\n\n"
        "It isn't a screening test. Your answers stay private, and I only see your result if you choose to "
        "share it with me at the end.\n\n"
        f"{url}\n\n"
        "Either way, I'd enjoy the conversation.\n\n"
        f"{name}\n{firm}"
    )


def _outreach_de(recruiter: Recruiter, *, url: str, minutes: int, role: str | None) -> str:
    """The outreach message in German ("Sie"); a whole letter rather than catalogue pieces, so it reads as one."""
    # The recruiter's specialty and the role are their own words, kept as typed (often English job titles).
    name = plain_text(recruiter.display_name, MAX_NAME)
    firm = plain_text(recruiter.firm, MAX_NAME)
    specialty = plain_text(recruiter.specialty, 120)
    if role:
        opening = (
            f"Ich arbeite gerade an einer Suche für die Position {plain_text(role, 120)}, und Ihr Werdegang hat mich "
            "neugierig gemacht: auf ein Gespräch darüber und darüber, wohin Sie beruflich möchten, ob diese Rolle "
            "nun die richtige ist oder nicht."
        )
    else:
        opening = (
            "Ich würde Sie gern beruflich kennenlernen: was Sie heute machen und wohin Sie sich als Nächstes "
            "entwickeln möchten. Die richtige Rolle kann die sein, an der ich diesen Monat arbeite, oder die, "
            "die nächstes Jahr kommt."
        )
    return (
        "Guten Tag [Vorname],\n\n"
        f"mein Name ist {name}, ich bin bei {firm} und konzentriere mich auf {specialty}. {opening}\n\n"
        "Vor unserem Gespräch finden Sie vielleicht dies hilfreich: Career Radar, eine kurze Selbstreflexion "
        f"(etwa {minutes} Minuten) darüber, wie Sie Gespräche mit Recruitern nutzen: taktisch (ist diese Stelle "
        "ein Ja oder ein Nein?) oder strategisch (eine Gelegenheit zu hören, was der Markt macht, zu prüfen, wie "
        "Ihre Geschichte ankommt, und bei einer Spezialistin oder einem Spezialisten im Blick zu bleiben). Sie "
        "erhalten ein Ergebnis mit einigen konkreten Ideen für Ihr nächstes Gespräch mit einem Recruiter.\n\n"
        "Es ist kein Auswahltest. Ihre Antworten bleiben privat, und ich sehe Ihr Ergebnis nur, wenn Sie es mir "
        "am Ende freigeben.\n\n"
        f"{url}\n\n"
        "So oder so würde ich mich über das Gespräch freuen.\n\n"
        f"Viele Grüße\n{name}\n{firm}"
    )
