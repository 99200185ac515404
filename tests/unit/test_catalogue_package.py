"""The catalogue data package's own version follows its members' versions."""

from __future__ import annotations

from opendata_pipeline.publish.catalogue_package import package_version

BEFORE = {"a": "1.0.0", "b": "2.3.4"}


def test_first_publication_is_1_0_0() -> None:
    assert package_version(None, None, BEFORE) == "1.0.0"


def test_member_added_or_removed_is_major() -> None:
    assert package_version("1.2.3", BEFORE, {**BEFORE, "c": "1.0.0"}) == "2.0.0"
    assert package_version("1.2.3", BEFORE, {"a": "1.0.0"}) == "2.0.0"


def test_member_major_is_major_minor_is_minor_else_patch() -> None:
    assert package_version("1.2.3", BEFORE, {**BEFORE, "b": "3.0.0"}) == "2.0.0"
    assert package_version("1.2.3", BEFORE, {**BEFORE, "a": "1.1.0"}) == "1.3.0"
    assert package_version("1.2.3", BEFORE, {**BEFORE, "a": "1.0.1"}) == "1.2.4"
    # a minor and a major change together: the larger wins
    assert package_version("1.2.3", BEFORE, {"a": "1.1.0", "b": "3.0.0"}) == "2.0.0"
