from collections.abc import Iterator

import pytest

from tests.portal_fixture import Portal, start_portal


@pytest.fixture(scope="session")
def portal() -> Iterator[Portal]:
    """One real CKAN portal for the whole test session."""
    yield from start_portal()
