"""Drafts are not published by accident: what ``odp init dataset`` wrote must be reviewed.

``odp init dataset`` marks the declaration (``draft: true``) and the schema
(``"draft": true``) it writes, and fills them with placeholder texts that say
ENTWURF. Publishing refuses a dataset while either is still marked, or still
carries those placeholders (drafts written before the markers existed), unless
the steward explicitly allows drafts (``odp publish --allow-draft``, the flows'
``allow_draft`` parameter).
"""

from __future__ import annotations

from .catalogue import DatasetSpec
from .errors import ConfigError

#: Placeholders ``odp init dataset`` writes (the title's prefix, the notes, the schema).
DRAFT_TITLE = "ENTWURF: "
DRAFT_NOTES = "(ENTWURF, bitte ersetzen)"
DRAFT_SCHEMA = "ENTWURF aus "
#: What a steward checks before deleting the marker.
REVIEW_DECLARATION = "title, notes (the description readers see), tags, source and frequency"
REVIEW_SCHEMA = (
    "each field's type and format, titles and descriptions, required fields, "
    "the primary key and constraints"
)


class DraftRefused(ConfigError):
    """A dataset still holds what ``odp init`` drafted; it is not published."""


def draft_findings(spec: DatasetSpec) -> list[str]:
    """What is still a draft in a dataset's declaration and schema (empty: nothing)."""
    findings = []
    declaration = spec.folder / "dataset.yaml"
    if spec.draft or spec.title.startswith(DRAFT_TITLE) or DRAFT_NOTES in spec.notes:
        findings.append(
            f"{declaration} is still the draft odp init wrote: review {REVIEW_DECLARATION}, "
            "then delete the line 'draft: true'"
        )
    schema = spec.table_schema()
    if schema.get("draft") is True or str(schema.get("description", "")).startswith(DRAFT_SCHEMA):
        findings.append(
            f"{spec.schema_path} is still the draft odp init inferred: review {REVIEW_SCHEMA}, "
            "then delete the line '\"draft\": true'"
        )
    return findings


def refuse_drafts(spec: DatasetSpec) -> None:
    """Stop publishing a dataset that is still a draft.

    Raises:
        DraftRefused: the declaration or schema is marked as a draft (names the files).
    """
    findings = draft_findings(spec)
    if findings:
        raise DraftRefused(
            f"dataset {spec.slug}: not published, it is a draft: {'; '.join(findings)}. "
            "To publish it as it is anyway: odp publish --allow-draft"
        )
