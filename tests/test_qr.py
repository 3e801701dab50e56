"""The link builder's QR code decodes, with a real decoder, back to the exact URL."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
import zxingcpp
from PIL import Image

from access.links import LinkPayload, link_kit, qr_png

SECRET = "qr-test-secret-0123456789abcdef"


def decode(png: bytes) -> list[str]:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return [result.text for result in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8501/",
        "https://radar.example.com/?q=strategic-candidate&c=abc.def",
        "https://radar.example.com/?utm_source=mail&q=x&c=" + "A" * 300 + "&embed=true",
        "https://example.com/ünïcode/path?name=Zoë",
    ],
)
def test_qr_decodes_to_the_exact_url(url: str) -> None:
    assert decode(qr_png(url)) == [url]


def test_link_kit_qr_encodes_the_candidate_url_not_the_embed_url() -> None:
    payload = LinkPayload(
        recruiter="dana-whitfield",
        campaign="vp-comms-spring-2026",
        role="VP Communications & Public Affairs",
        questionnaire="strategic-candidate",
        expires=datetime(2031, 12, 31, 23, 59, 59, tzinfo=UTC),
    )
    kit = link_kit(payload, SECRET, "https://radar.example.com")
    assert decode(kit.qr_png) == [kit.url]
    assert "embed" not in kit.url


def test_qr_is_a_reasonable_size_for_print() -> None:
    image = Image.open(io.BytesIO(qr_png("https://radar.example.com/?c=" + "x" * 200)))
    assert 200 <= image.width == image.height <= 1_200
