"""German for the strings other pages pass through: link rejections, unstorable text, item flags."""

from __future__ import annotations

import pandas as pd
import pytest

import i18n
from access.links import LinkRejection
from cohort import figures as cf
from scoring.storable import text_problem


@pytest.mark.parametrize("reason", ["tampered", "expired", "unknown_questionnaire", "unknown_recruiter", "malformed"])
def test_every_link_rejection_has_a_german_message(reason: str) -> None:
    english = LinkRejection(reason).message  # type: ignore[arg-type]
    german = i18n.translator("de")(english)
    assert german != english and german.endswith("Ihre Antworten bleiben privat.")


@pytest.mark.parametrize(
    ("text", "multiline", "english", "german"),
    [
        (
            "a\x07b",
            True,
            "contains an invisible control character (U+0007) that cannot be saved",
            "Steuerzeichen (U+0007)",
        ),
        ("a\nb", False, "must be on a single line (it contains a line break)", "Zeilenumbruch"),
        ("a\ud800", True, "contains an invalid character (a lone surrogate, U+D800)", "Surrogat, U+D800"),
    ],
)
def test_unstorable_text_is_explained_in_the_page_language(
    text: str, multiline: bool, english: str, german: str
) -> None:
    assert text_problem(text, multiline=multiline) == english
    assert german in (text_problem(text, multiline=multiline, lang="de") or "")
    assert text_problem("fine", multiline=multiline, lang="de") is None


def test_item_flags_read_in_german_and_keep_their_codes() -> None:
    rel = pd.DataFrame({"item": ["", "a", "b", "c"], "r_it": [0.0, -0.3, 0.1, 0.5]})
    items = cf.flag_items(rel)
    assert items["flag"].tolist() == [cf.NEGATIVE, cf.WEAK, ""]
    assert items["flag"].map(cf.item_flag_labels(lang="de")).tolist() == [
        "negativ: Umpolung prüfen",
        "schwaches Item",
        "",
    ]
    assert cf.item_flag_labels() == {cf.NEGATIVE: cf.NEGATIVE, cf.WEAK: cf.WEAK, "": ""}


def test_the_codebook_describes_columns_in_german_and_keeps_what_programs_read() -> None:
    from cohort.export import codebook
    from scoring.loader import load

    q = load(cf.__file__.rsplit("/cohort/", 1)[0] + "/questions/strategic-candidate.yaml")
    en, de = codebook(q, k=5), codebook(q, k=5, lang="de")
    assert de[["column", "kind"]].equals(en[["column", "kind"]])
    german = dict(zip(de["column"], de["text"], strict=True))
    assert german["campaign"] == "Kampagne des Links; 'fewer than 5', wo diese Gruppe klein ist."
    assert german["overall"] == "Gesamtwert, 0 (taktisch) … 100 (strategisch)."
    assert german[q.dimensions[0].id] == f"Wert {q.dimensions[0].name}, 0–100."


def test_the_invitation_and_outreach_message_speak_german() -> None:
    from access.branding import Recruiter, invitation, outreach_message

    who = Recruiter(
        display_name="Dana Whitfield", firm="Whitfield Search", specialty="marketing executive search", intro="Hello."
    )
    assert invitation(who).headline == "**Dana Whitfield, Whitfield Search** invited you."
    assert invitation(who, lang="de").headline == "**Dana Whitfield, Whitfield Search** hat Sie eingeladen."
    assert "Rolle VP Comms eingeladen." in invitation(who, role="VP Comms", lang="de").headline
    english = outreach_message(who, url="https://x.example/?c=1", minutes=8)
    german = outreach_message(who, url="https://x.example/?c=1", minutes=8, lang="de")
    assert english.startswith("Hi [first name],") and german.startswith("Guten Tag [Vorname],")
    assert "https://x.example/?c=1" in german and "etwa 8 Minuten" in german and "Dana Whitfield" in german
    assert "Position VP Comms" in outreach_message(who, url="u", minutes=8, role="VP Comms", lang="de")
