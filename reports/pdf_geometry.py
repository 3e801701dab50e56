"""Pure placement arithmetic for the PDF's drawn charts (millimetres on the page)."""

from __future__ import annotations


def label_x(lo: float, hi: float, width: float, marker: float | None, pad: float = 1.0) -> float | None:
    """Where a band label of ``width`` starts inside the band [lo, hi] (mm), or None when it does not fit.

    Centred in the band, unless the candidate's position line (``marker``) would cross it: then centred
    in the wider side of the band beside the line, when it fits there (else centred; the line's white
    halo keeps it legible).
    """
    if width + 2 * pad > hi - lo:
        return None
    centred = (lo + hi - width) / 2
    if marker is None or not centred - pad <= marker <= centred + width + pad:
        return centred
    left, right = (lo, marker - 1.5), (marker + 1.5, hi)
    side = max(left, right, key=lambda s: s[1] - s[0])
    if width + 2 * pad <= side[1] - side[0]:
        return (side[0] + side[1] - width) / 2
    return centred
