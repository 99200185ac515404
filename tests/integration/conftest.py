from collections.abc import Iterator

import pytest

from tests.portal_fixture import Portal, start_portal


@pytest.fixture(scope="session")
def portal() -> Iterator[Portal]:
    """One real CKAN portal for the whole test session."""
    yield from start_portal()


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """A temporary Prefect API for flows run in this process (whole session, 60 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield
