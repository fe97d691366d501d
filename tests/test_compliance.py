"""The acknowledgement helper and the nag report reader."""

from __future__ import annotations

from collections.abc import Callable

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs

from genai_platform.compliance import NAG_PACKS, acknowledge, acknowledge_warning
from tests.conftest import NagSynth

REASON = "Queue holds throw-away test messages only, so a dead-letter queue adds nothing here."


@pytest.mark.parametrize("reason", ["", "   ", "n/a", "False positive.", "not needed", "ok fine"])
def test_fails_when_reason_is_empty_or_boilerplate(stack: cdk.Stack, reason: str) -> None:
    # GIVEN a resource WHEN acknowledged with a non-reason THEN refused, naming the reason
    queue = sqs.Queue(stack, "Q")
    with pytest.raises(ValueError, match=r"reason: .* does not explain"):
        acknowledge(queue, "AwsSolutions-SQS3", reason)


@pytest.mark.parametrize(
    "finding_id", ["SQS3", "AwsSolutions-SQS3,AwsSolutions-SQS4", "Other-Rule", "AwsSolutions-"]
)
def test_fails_when_finding_id_is_not_one_nag_finding(stack: cdk.Stack, finding_id: str) -> None:
    queue = sqs.Queue(stack, "Q")
    with pytest.raises(ValueError, match=r"finding_id: .* is not one nag finding"):
        acknowledge(queue, finding_id, REASON)


def test_report_counts_unacknowledged_findings_per_pack(
    nag_synth: Callable[[Callable[[cdk.Stack], object]], NagSynth],
) -> None:
    # GIVEN a bucket with default settings (several findings in every pack)
    result = nag_synth(lambda st: s3.Bucket(st, "Bucket"))
    # WHEN the report is read THEN each pack reports findings on the bucket, in stack "Test"
    packs = {f.pack for f in result.report.findings}
    assert packs == set(NAG_PACKS)
    assert {f.stack for f in result.report.findings} == {"Test"}
    assert "AwsSolutions-S10" in result.report.counts_by_rule()
    assert all(f.construct_path == "Test/Bucket/Resource" for f in result.report.findings)


def test_acknowledged_finding_leaves_report_and_is_counted(
    nag_synth: Callable[[Callable[[cdk.Stack], object]], NagSynth],
) -> None:
    # GIVEN an SSL-only finding acknowledged on the bucket resource
    def build(st: cdk.Stack) -> None:
        bucket = s3.Bucket(st, "Bucket")
        assert bucket.node.default_child is not None
        acknowledge(
            bucket.node.default_child,
            "AwsSolutions-S10",
            "Test bucket reached only from inside this test, so TLS enforcement is moot.",
        )

    # WHEN synthesized with the nag packs
    result = nag_synth(build)
    # THEN the rule is gone from the findings and the acknowledgement is recorded for the stack
    assert "AwsSolutions-S10" not in result.report.counts_by_rule()
    assert "NIST.800.53.R5-S3BucketSSLRequestsOnly" in result.report.counts_by_rule()
    acknowledged = result.report.acknowledged_in("Test")
    assert [(a.construct_path, a.finding_id) for a in acknowledged] == [
        ("Test/Bucket/Resource", "AwsSolutions-S10")
    ]


@pytest.mark.parametrize(
    ("warning_id", "expected"),
    [
        ("", r"warning_id: '' is not a warning id"),
        ("two words", r"warning_id: 'two words' is not a warning id"),
        ("AwsSolutions-SQS3", r"warning_id: 'AwsSolutions-SQS3' is a nag finding"),
    ],
)
def test_acknowledge_warning_fails_when_the_id_is_not_a_warning_id(
    stack: cdk.Stack, warning_id: str, expected: str
) -> None:
    queue = sqs.Queue(stack, "Q")
    with pytest.raises(ValueError, match=expected):
        acknowledge_warning(queue, warning_id, REASON)


def test_acknowledge_warning_fails_without_a_real_reason(stack: cdk.Stack) -> None:
    queue = sqs.Queue(stack, "Q")
    with pytest.raises(ValueError, match=r"reason: 'n/a' does not explain"):
        acknowledge_warning(queue, "acme:queue-warning", "n/a")


def test_acknowledged_warning_leaves_the_assembly_and_is_recorded_with_its_reason(
    nag_synth: Callable[[Callable[[cdk.Stack], object]], NagSynth],
) -> None:
    # GIVEN a construct that warns, and the warning acknowledged with a reason
    def build(st: cdk.Stack) -> None:
        queue = sqs.Queue(st, "Q", enforce_ssl=True)
        cdk.Annotations.of(queue).add_warning_v2("acme:queue-warning", "queue warns")
        acknowledge_warning(queue, "acme:queue-warning", REASON)

    result = nag_synth(build)
    # THEN no warning is left, and the report holds the acknowledgement as a warning's
    metadata = (result.assembly_dir / "Test.metadata.json").read_text("utf-8")
    assert "queue warns" not in metadata
    [ack] = result.report.acknowledged_warnings_in("Test")
    assert (ack.construct_path, ack.finding_id, ack.reason) == (
        "Test/Q",
        "acme:queue-warning",
        REASON,
    )
    assert not ack.is_nag
    assert all(not a.annotation for a in result.report.acknowledged_in("Test"))
