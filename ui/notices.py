"""What the candidate pages say when something is not as expected: the store is unreachable, a response
changed elsewhere, a link does not fit (shown by ui.quiz_view and ui.results, set by ui.candidate).

Each is a function, not a constant: the text is translated into the page's language when it is asked for.
"""

from __future__ import annotations

from ui.lang import t


def crashed() -> str:
    """The friendly message of an unexpected error on a candidate page."""
    return t("Something went wrong on our side. Your answers so far are saved — reload the page to carry on.")


def kept() -> str:
    """The store could not take the latest answers; they wait in the tab."""
    return t(
        "We couldn't reach our database just now. Your answers are kept in this browser tab — "
        "keep it open and press **Retry saving** in a moment."
    )


def gone() -> str:
    """The response was deleted elsewhere while this tab was answering."""
    return t(
        "This response has been deleted — perhaps in another tab or window — so the answers on this screen "
        "are no longer being saved. You can keep them and carry on as a new response, or start afresh."
    )


def already_submitted() -> str:
    """Another tab submitted first: the stored result stands."""
    return t(
        "This result was already submitted — perhaps in another tab or window — so its answers can no longer "
        "change. This is the result we stored (and the one you can share)."
    )


def foreign_manage() -> str:
    """A manage token that does not belong to the result opened."""
    return t(
        "This link opens your result to view only: the private part added to it (after “d=”) doesn't belong to "
        "this result, so it was ignored. To share, stop sharing or delete, open your own private manage link."
    )


def manage_unchecked() -> str:
    """A manage token that could not be checked (store unreachable)."""
    return t(
        "We couldn't check your private manage link just now, so this page is view-only for the moment. "
        "Reload in a minute to share, stop sharing or delete."
    )


def answer_rejected() -> str:
    """The store refused one answer."""
    return t("We couldn't save this answer. Please change it and try again.")


def text_refused(problem: str) -> str:
    """Typed text the store cannot keep (``problem`` says why, from ``scoring.storable.text_problem``)."""
    return t("We can't save this answer: it {problem}. Please edit the text (retyping it usually helps).").format(
        problem=problem
    )


def restore_unreachable() -> str:
    """A private link could not be followed because the store is unreachable."""
    return t("We couldn't reach our database to restore your answers. Please reload in a moment.")


def restore_missing() -> str:
    """A private link with nothing behind it."""
    return t(
        "We couldn't find saved answers for that link — it may have been deleted or cut short. "
        "You're welcome to start afresh."
    )


def restore_failed() -> str:
    """A private link whose answers were found but could not be opened."""
    return t("We found your answers but couldn't open them just now. Please reload in a moment.")


def share_unreachable() -> str:
    """Sharing needs the store."""
    return t("Sharing needs our database, which isn't reachable just now — please try again in a moment.")


def share_not_allowed() -> str:
    """Sharing changes need the private manage link."""
    return t("Sharing can only be changed from your private manage link.")


def share_contact(problems: str) -> str:
    """The contact details given for sharing were refused (``problems`` says why)."""
    return t("Please check your details: {problems}").format(problems=problems)


def share_failed() -> str:
    """Sharing could not be changed (store error)."""
    return t("That didn't go through — please try again in a moment.")
