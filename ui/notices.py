"""What the candidate pages say when the store is unreachable, a response changed elsewhere, or a
manage link does not fit (shown by ui.quiz_view and ui.results, set by ui.candidate)."""

KEPT = (
    "We couldn't reach our database just now. Your answers are kept in this browser tab — "
    "keep it open and press **Retry saving** in a moment."
)
GONE = (
    "This response has been deleted — perhaps in another tab or window — so the answers on this screen "
    "are no longer being saved. You can keep them and carry on as a new response, or start afresh."
)
ALREADY_SUBMITTED = (
    "This result was already submitted — perhaps in another tab or window — so its answers can no longer "
    "change. This is the result we stored (and the one you can share)."
)

FOREIGN_MANAGE = (
    "This link opens your result to view only: the private part added to it (after “d=”) doesn't belong to "
    "this result, so it was ignored. To share, stop sharing or delete, open your own private manage link."
)

MANAGE_UNCHECKED = (
    "We couldn't check your private manage link just now, so this page is view-only for the moment. "
    "Reload in a minute to share, stop sharing or delete."
)
