"""The staged CSV of every shipped dataset stays byte-identical (no spurious new versions).

The sha256 values were computed with the gather code before issue 15 changed the readers
(after the source fixes of issue 17 changed the data files; the gather code was the same).
"""

from __future__ import annotations

import hashlib

import pytest

from opendata_pipeline.gather.core import GatherContext, gather_dataset
from tests.project import ROOT, catalogue, load_profile

STAGED = {
    ("default", "modellregionen"): "3b654131f7cd9b4099cd0125c8277b6f5660f5fed42325e4ca0fb4c3a697a23f",  # noqa: E501
    ("default", "programm-kennzahlen"): "6947baaa67d67ccf59374f5bd8aeb75751e0e468dcfacd8eb19632f9ae4709b2",  # noqa: E501
    ("default", "projekte"): "c4f42a02ea701323df33a8a399014e2bb1b30c9db9827c28f25ac4315d29bf14",
    ("default", "veranstaltungen"): "3f5dec7e79a66c971a7fe9a45308f64f9f7fc67b096ccfafb4545acb7cf86960",  # noqa: E501
    ("examples/kreis-soest/profile.yaml", "kreis-soest-modellregionen"): "3b654131f7cd9b4099cd0125c8277b6f5660f5fed42325e4ca0fb4c3a697a23f",  # noqa: E501
    ("examples/kreis-soest/profile.yaml", "kreis-soest-veranstaltungen"): "bd154544facaca26476da420f285fad48b65b1311f0c7a3f5700c0dd365f570e",  # noqa: E501
    ("examples/stadt-aachen/profile.yaml", "stadt-aachen-modellregionen"): "3b654131f7cd9b4099cd0125c8277b6f5660f5fed42325e4ca0fb4c3a697a23f",  # noqa: E501
    ("examples/stadt-aachen/profile.yaml", "stadt-aachen-veranstaltungen"): "76132c7d7bcffb5e5e6adc20cb83b842fd64fbbdd577f13d8fada09f362f5c5f",  # noqa: E501
}  # fmt: skip


@pytest.mark.parametrize(("profile", "slug"), sorted(STAGED))
def test_staged_csv_is_byte_identical(profile: str, slug: str) -> None:
    spec = catalogue(load_profile(profile))[slug]
    data = gather_dataset(spec, GatherContext(ROOT)).to_csv_bytes()
    assert hashlib.sha256(data).hexdigest() == STAGED[(profile, slug)]
