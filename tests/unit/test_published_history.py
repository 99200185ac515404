"""The changelog carried into a new version holds only versions the metadata committed."""

from opendata_pipeline.publish.state import PortalState, published_history


def _state(*versions: str) -> PortalState:
    archives = [{"odp_role": "archive", "odp_version": v} for v in versions]
    package = {"state": "active", "version": versions[0], "resources": archives}
    return PortalState("s", package, archives=archives)


def test_a_version_whose_metadata_never_committed_is_dropped() -> None:
    # a portal without ckanext-odp died inside package_revise: the changelog file was
    # rewritten (it names 1.0.2), the metadata still says 1.0.1
    changelog = {
        "current_version": "1.0.2",
        "versions": [
            {"version": "1.0.2", "sha256": "c"},
            {"version": "1.0.1", "sha256": "b"},
            {"version": "1.0.0", "sha256": "a"},
        ],
    }
    assert published_history(changelog, _state("1.0.1", "1.0.0")) == [
        {"version": "1.0.1", "sha256": "b"},
        {"version": "1.0.0", "sha256": "a"},
    ]


def test_a_consistent_changelog_is_kept_whole() -> None:
    changelog = {"versions": [{"version": "1.0.1"}, {"version": "1.0.0"}]}
    assert published_history(changelog, _state("1.0.1", "1.0.0")) == changelog["versions"]
