"""The access metadata convention of the knowledge base's documents, and its validator.

Every document ``x.pdf`` in the documents bucket has a sidecar ``x.pdf.metadata.json`` next to
it, in the metadata file format Amazon Bedrock knowledge bases read from an S3 data source (a JSON
object whose ``metadataAttributes`` holds the attributes; Amazon Bedrock User Guide, "Include
metadata in a data source to improve knowledge base query" -- that page itself was not found
with the search tool here, so the file name and key follow the platform's issue text; the typed
attribute form below follows the API's ``MetadataAttributeValue``)::

    {"metadataAttributes": {
        "tenant": "team-a",
        "access_groups": ["staff", "executive"],
        "classification": "internal"}}

- ``tenant`` (required): the tenant id whose callers may retrieve the document;
- ``access_groups`` (a list of strings; optional): the end-user groups that may see it, for
  tenants whose gateway verifies user tokens (a user must be in one of them); a document
  without groups is then seen by nobody of that tenant;
- ``classification`` (required): ``public``, ``internal``, ``confidential`` or ``restricted``;
  a tenant's ``max_classification`` caps what its callers can ever receive.

The gateway's filter always requires ``tenant`` and ``classification`` (see the invoke
function's ``gw_retrieval``), so a document whose metadata is missing or wrong is never returned
to anyone: forgetting metadata fails closed. :func:`validate_documents` (and
``genai-platform docs validate DIR``) finds those documents before they are uploaded: each
problem names the file and the field. Attributes may also be written in Bedrock's typed form
(``{"value": {"type": "STRING", "stringValue": ...}}`` or ``STRING_LIST`` with
``stringListValue``); other attributes are allowed and left alone.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "ACCESS_GROUPS_ATTRIBUTE",
    "CLASSIFICATIONS",
    "CLASSIFICATION_ATTRIBUTE",
    "METADATA_SUFFIX",
    "TENANT_ATTRIBUTE",
    "DocumentProblem",
    "validate_documents",
]

#: The sidecar file of document ``x`` is ``x`` + this suffix.
METADATA_SUFFIX = ".metadata.json"
TENANT_ATTRIBUTE = "tenant"
ACCESS_GROUPS_ATTRIBUTE = "access_groups"
CLASSIFICATION_ATTRIBUTE = "classification"
#: Document classifications, lowest first.
CLASSIFICATIONS: tuple[str, ...] = ("public", "internal", "confidential", "restricted")
#: Most groups one document may name (they count towards the vector's filterable metadata).
MAX_ACCESS_GROUPS = 50

_TENANT = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_MAX_GROUP_CHARS = 256


@dataclass(frozen=True)
class DocumentProblem:
    """One problem with one document's metadata."""

    file: str
    """The document (or sidecar) path, relative to the validated folder."""
    field: str
    """``metadata`` for the sidecar as a whole, else the attribute (``tenant``, ...)."""
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


def validate_documents(path: str | Path) -> list[DocumentProblem]:
    """Every problem with the access metadata of the documents under folder ``path``
    (recursively; hidden files and folders are skipped), sorted by file.

    Raises:
        ValueError: when ``path`` is not an existing folder.
    """
    root = Path(path)
    if not root.is_dir():
        raise ValueError(f"path: {str(path)!r} is not an existing folder of documents")
    problems: list[DocumentProblem] = []
    files = sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )
    names = {p for p in files}
    for file in files:
        relative = file.relative_to(root).as_posix()
        if file.name.endswith(METADATA_SUFFIX):
            document = file.with_name(file.name[: -len(METADATA_SUFFIX)])
            if document not in names:
                problems.append(
                    DocumentProblem(
                        relative, "metadata", f"no document {document.name!r} beside it"
                    )
                )
            continue
        sidecar = file.with_name(file.name + METADATA_SUFFIX)
        if sidecar not in names:
            problems.append(
                DocumentProblem(
                    relative,
                    "metadata",
                    f"{sidecar.name} is missing; without it the document is never returned to "
                    "anyone",
                )
            )
            continue
        problems.extend(_check_sidecar(relative, sidecar))
    return problems


def _check_sidecar(relative: str, sidecar: Path) -> list[DocumentProblem]:
    def problem(field: str, message: str) -> DocumentProblem:
        return DocumentProblem(relative, field, message)

    try:
        data = json.loads(sidecar.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [problem("metadata", f"{sidecar.name} is not UTF-8 JSON ({exc})")]
    attributes = data.get("metadataAttributes") if isinstance(data, dict) else None
    if not isinstance(attributes, dict):
        return [
            problem(
                "metadata",
                f'{sidecar.name} must be a JSON object {{"metadataAttributes": {{...}}}}',
            )
        ]
    found: list[DocumentProblem] = []
    tenant = _plain(attributes.get(TENANT_ATTRIBUTE))
    if tenant is None:
        found.append(problem(TENANT_ATTRIBUTE, "is required: the id of the tenant that owns it"))
    elif not isinstance(tenant, str) or not _TENANT.fullmatch(tenant):
        found.append(
            problem(
                TENANT_ATTRIBUTE,
                f"{_show(tenant)} is not a tenant id (1-64 lower-case letters, digits, '-', '_')",
            )
        )
    classification = _plain(attributes.get(CLASSIFICATION_ATTRIBUTE))
    if classification is None:
        found.append(
            problem(
                CLASSIFICATION_ATTRIBUTE,
                f"is required: one of {', '.join(CLASSIFICATIONS)} (without it the document is "
                "never returned)",
            )
        )
    elif classification not in CLASSIFICATIONS:
        found.append(
            problem(
                CLASSIFICATION_ATTRIBUTE,
                f"{_show(classification)} is not allowed; use one of {', '.join(CLASSIFICATIONS)}",
            )
        )
    if ACCESS_GROUPS_ATTRIBUTE in attributes:
        groups = _plain(attributes[ACCESS_GROUPS_ATTRIBUTE])
        if (
            not isinstance(groups, list)
            or not all(isinstance(g, str) and 0 < len(g) <= _MAX_GROUP_CHARS for g in groups)
            or len(groups) > MAX_ACCESS_GROUPS
        ):
            found.append(
                problem(
                    ACCESS_GROUPS_ATTRIBUTE,
                    f"{_show(groups)} is not allowed; give a list of at most "
                    f"{MAX_ACCESS_GROUPS} group names (strings of 1-{_MAX_GROUP_CHARS} "
                    'characters), e.g. ["staff"]',
                )
            )
    return found


def _plain(value: Any) -> Any:
    """An attribute's value, unwrapping Bedrock's typed form."""
    if isinstance(value, dict) and isinstance(value.get("value"), dict):
        typed = value["value"]
        for key in ("stringValue", "stringListValue", "numberValue", "booleanValue"):
            if key in typed:
                return typed[key]
    return value


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."
