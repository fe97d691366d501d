"""The documents' access metadata convention: ``validate_documents`` and ``docs validate``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from genai_platform import DocumentProblem, validate_documents
from genai_platform.cli import main

CORPUS = Path(__file__).resolve().parent / "data" / "rag_corpus"


def _document(root: Path, name: str, metadata: Any | None, *, raw: str | None = None) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("text", "utf-8")
    if raw is not None:
        (root / f"{name}.metadata.json").write_text(raw, "utf-8")
    elif metadata is not None:
        (root / f"{name}.metadata.json").write_text(json.dumps(metadata), "utf-8")


def _attributes(**attributes: Any) -> dict[str, Any]:
    return {"metadataAttributes": attributes}


VALID = {"tenant": "team-a", "access_groups": ["staff"], "classification": "internal"}


def test_a_folder_of_valid_documents_has_no_problems(tmp_path: Path) -> None:
    # GIVEN documents with valid sidecars, one in Bedrock's typed attribute form, and a hidden file
    _document(tmp_path, "memo.pdf", _attributes(**VALID))
    _document(
        tmp_path,
        "sub/handbook.docx",
        _attributes(
            tenant={"value": {"type": "STRING", "stringValue": "team-a"}},
            classification="public",
            access_groups={"value": {"type": "STRING_LIST", "stringListValue": ["staff"]}},
        ),
    )
    (tmp_path / ".DS_Store").write_text("x", "utf-8")

    # WHEN validated THEN nothing is reported
    assert validate_documents(tmp_path) == []


@pytest.mark.parametrize(
    ("metadata", "raw", "field", "message"),
    [
        (None, None, "metadata", "memo.pdf.metadata.json is missing"),
        (None, "{not json", "metadata", "is not UTF-8 JSON"),
        ({"tenant": "team-a"}, None, "metadata", "must be a JSON object"),
        (_attributes(classification="public"), None, "tenant", "is required"),
        (_attributes(tenant="Team A!", classification="public"), None, "tenant", "'-', '_'"),
        (_attributes(tenant=7, classification="public"), None, "tenant", "7 is not a tenant id"),
        (_attributes(tenant="team-a"), None, "classification", "is required"),
        (
            _attributes(tenant="team-a", classification="secret"),
            None,
            "classification",
            '"secret" is not allowed; use one of public, internal, confidential, restricted',
        ),
        (
            _attributes(tenant="team-a", classification="public", access_groups="staff"),
            None,
            "access_groups",
            '"staff" is not allowed; give a list',
        ),
        (
            _attributes(tenant="team-a", classification="public", access_groups=["ok", 3]),
            None,
            "access_groups",
            "is not allowed",
        ),
    ],
    ids=[
        "no-sidecar",
        "bad-json",
        "no-metadataAttributes",
        "no-tenant",
        "bad-tenant",
        "tenant-not-string",
        "no-classification",
        "bad-classification",
        "groups-not-list",
        "group-not-string",
    ],
)
def test_fails_when_metadata_is_missing_or_invalid_naming_the_file_and_field(
    tmp_path: Path, metadata: Any, raw: str | None, field: str, message: str
) -> None:
    # GIVEN one document with bad metadata
    _document(tmp_path, "memo.pdf", metadata, raw=raw)

    # WHEN validated THEN exactly one problem names the file, the field and what is wrong
    (problem,) = validate_documents(tmp_path)
    assert (problem.file, problem.field) == ("memo.pdf", field)
    assert message in problem.message
    assert str(problem).startswith(f"memo.pdf: {field}: ")


def test_a_sidecar_without_its_document_is_reported(tmp_path: Path) -> None:
    (tmp_path / "gone.pdf.metadata.json").write_text(json.dumps(_attributes(**VALID)), "utf-8")
    assert validate_documents(tmp_path) == [
        DocumentProblem("gone.pdf.metadata.json", "metadata", "no document 'gone.pdf' beside it")
    ]


def test_every_problem_of_the_test_corpus_is_reported() -> None:
    # GIVEN the handler tests' corpus (one document without metadata, one with two bad fields)
    problems = validate_documents(CORPUS)

    # THEN all three are listed, by file
    assert [(p.file, p.field) for p in problems] == [
        ("acme/board-minutes.txt", "metadata"),
        ("globex/leaked-draft.txt", "classification"),
        ("globex/leaked-draft.txt", "access_groups"),
    ]


def test_fails_when_the_path_is_not_a_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="is not an existing folder"):
        validate_documents(tmp_path / "missing")


def test_cli_exits_1_with_one_line_per_problem(capsys: pytest.CaptureFixture[str]) -> None:
    # WHEN the corpus is validated from the command line
    code = main(["docs", "validate", str(CORPUS)])

    # THEN exit 1 and one line per problem on stdout
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert out == [
        "acme/board-minutes.txt: metadata: board-minutes.txt.metadata.json is missing; "
        "without it the document is never returned to anyone",
        'globex/leaked-draft.txt: classification: "secret" is not allowed; use one of public, '
        "internal, confidential, restricted",
        'globex/leaked-draft.txt: access_groups: "executive" is not allowed; give a list of at '
        'most 50 group names (strings of 1-256 characters), e.g. ["staff"]',
    ]


def test_cli_exits_0_when_clean_and_2_on_a_bad_argument(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _document(tmp_path, "memo.pdf", _attributes(**VALID))
    assert main(["docs", "validate", str(tmp_path)]) == 0
    assert capsys.readouterr().out == ""
    assert main(["docs", "validate", str(tmp_path / "nope")]) == 2
    assert "is not an existing folder" in capsys.readouterr().err
