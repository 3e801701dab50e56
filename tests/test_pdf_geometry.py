"""Band labels on the PDF's continuum stay clear of the candidate's position line when there is room."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from reports.pdf_geometry import label_x


def test_a_label_is_centred_when_no_line_crosses_it() -> None:
    assert label_x(0.0, 100.0, 20.0, None) == 40.0
    assert label_x(0.0, 100.0, 20.0, 10.0) == 40.0  # the line is left of the label


def test_a_label_moves_to_the_wider_side_of_the_line() -> None:
    # The middle band of the shipped bank at a score of 50: 40–70 on a 170 mm track, label ~ 16 mm.
    lo, hi, line = 68.0, 119.0, 85.0
    x = label_x(lo, hi, 16.0, line)
    assert x is not None and x >= line + 1.5  # right of the line, the wider side
    assert x + 16.0 <= hi


def test_a_label_that_does_not_fit_the_band_is_left_out() -> None:
    assert label_x(0.0, 10.0, 20.0, None) is None


def test_a_label_stays_centred_when_neither_side_has_room() -> None:
    assert label_x(0.0, 24.0, 20.0, 12.0) == 2.0


@given(
    lo=st.floats(0, 150),
    span=st.floats(1, 150),
    width=st.floats(1, 60),
    line=st.one_of(st.none(), st.floats(0, 300)),
)
def test_a_placed_label_is_inside_its_band_and_off_the_line_whenever_a_side_has_room(
    lo: float, span: float, width: float, line: float | None
) -> None:
    hi = lo + span
    x = label_x(lo, hi, width, line)
    if x is None:
        assert width + 2 > span
        return
    assert lo <= x and x + width <= hi + 1e-9
    crosses = line is not None and x - 1 <= line <= x + width + 1
    if crosses:  # only when no side of the line can hold it
        assert line is not None
        assert max(line - 1.5 - lo, hi - line - 1.5) < width + 2
