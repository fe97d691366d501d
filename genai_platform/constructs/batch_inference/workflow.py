"""The batch inference state machine: check the input, submit, wait with back-off, record.

See :mod:`genai_platform.constructs.batch_inference` for what each state does and why.
"""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from genai_platform.constructs.batch_inference.permissions import (
    METRIC_NAMESPACE,
    bucket_account,
)

__all__ = ["METRIC_NAMESPACE", "definition"]

_SUCCEEDED = ("Completed", "PartiallyCompleted")
_FAILED = ("Failed", "Stopped", "Expired")


def definition(
    scope: Construct,
    *,
    bucket: s3.IBucket,
    key: kms.IKey,
    input_prefix: str,
    output_prefix: str,
    model_id: str,
    invoked_arn: str,
    jobs: str,
    service_role: iam.IRole,
    subnet_ids: Sequence[str],
    security_groups: Sequence[ec2.ISecurityGroup],
    timeout_hours: int,
    first_wait_s: int,
    max_wait_s: int,
    dimension: str,
) -> sfn.IChainable:
    """The states, under ``scope``; ``dimension`` is the ``BatchInference`` metric dimension."""
    stack = cdk.Stack.of(scope)
    output_config: dict[str, object] = {
        "S3Uri": sfn.JsonPath.format(
            f"s3://{{}}/{output_prefix}{{}}/",
            bucket.bucket_name,
            sfn.JsonPath.string_at("$$.Execution.Name"),
        ),
        "S3EncryptionKeyId": key.key_arn,
    }
    input_config: dict[str, object] = {
        "S3Uri": sfn.JsonPath.format(
            f"s3://{{}}/{input_prefix}{{}}",
            bucket.bucket_name,
            sfn.JsonPath.string_at("$.input"),
        ),
        "S3InputFormat": "JSONL",
    }
    owner = bucket_account(bucket, stack)
    if owner != stack.account:
        input_config["S3BucketOwner"] = owner
        output_config["S3BucketOwner"] = owner
    request: dict[str, object] = {
        "JobName": sfn.JsonPath.string_at("$$.Execution.Name"),
        "RoleArn": service_role.role_arn,
        "ModelId": model_id,
        "InputDataConfig": {"S3InputDataConfig": input_config},
        "OutputDataConfig": {"S3OutputDataConfig": output_config},
        "TimeoutDurationInHours": timeout_hours,
    }
    if subnet_ids:
        request["VpcConfig"] = {
            "SubnetIds": subnet_ids,
            "SecurityGroupIds": [g.security_group_id for g in security_groups],
        }

    submit = tasks.CallAwsService(
        scope,
        "SubmitJob",
        service="bedrock",
        action="createModelInvocationJob",
        iam_action="bedrock:CreateModelInvocationJob",
        iam_resources=[invoked_arn, jobs],
        parameters=request,
        result_selector={"JobArn": sfn.JsonPath.string_at("$.JobArn")},
        result_path="$.job",
    )
    submit.add_retry(
        errors=["Bedrock.ThrottlingException", "Bedrock.InternalServerException"],
        interval=cdk.Duration.seconds(30),
        backoff_rate=2,
        max_attempts=5,
        jitter_strategy=sfn.JitterType.FULL,
    )
    start_waiting = sfn.Pass(
        scope,
        "StartWaiting",
        result=sfn.Result.from_object({"Seconds": first_wait_s}),
        result_path="$.wait",
    )
    wait = sfn.Wait(scope, "WaitForJob", time=sfn.WaitTime.seconds_path("$.wait.Seconds"))
    poll = tasks.CallAwsService(
        scope,
        "GetJobStatus",
        service="bedrock",
        action="getModelInvocationJob",
        iam_action="bedrock:GetModelInvocationJob",
        iam_resources=[jobs],
        parameters={"JobIdentifier": sfn.JsonPath.string_at("$.job.JobArn")},
        result_path="$.status",
    )
    poll.add_retry(
        errors=["Bedrock.ThrottlingException", "Bedrock.InternalServerException"],
        interval=cdk.Duration.seconds(30),
        backoff_rate=2,
        max_attempts=5,
        jitter_strategy=sfn.JitterType.FULL,
    )
    back_off = sfn.Pass(
        scope,
        "BackOff",
        parameters={
            "Seconds": sfn.JsonPath.math_add(
                sfn.JsonPath.number_at("$.wait.Seconds"),
                sfn.JsonPath.number_at("$.wait.Seconds"),
            )
        },
        result_path="$.wait",
    )
    cap = sfn.Pass(
        scope,
        "CapTheWait",
        result=sfn.Result.from_object({"Seconds": max_wait_s}),
        result_path="$.wait",
    )

    record_failure = _put_metrics(scope, dimension, "RecordJobFailed", [("JobsFailed", 1)])
    failed = sfn.Fail(
        scope,
        "JobFailed",
        error="BatchInferenceJobFailed",
        cause="The model invocation job was refused or ended Failed, Stopped or Expired",
    )
    record_success_counts = _put_metrics(
        scope,
        dimension,
        "RecordJobSucceeded",
        [
            ("JobsSucceeded", 1),
            ("RecordsProcessed", "$.status.ProcessedRecordCount"),
            ("RecordsFailed", "$.status.ErrorRecordCount"),
        ],
    )
    record_success = _put_metrics(
        scope, dimension, "RecordJobSucceededWithoutCounts", [("JobsSucceeded", 1)]
    )
    succeeded = sfn.Succeed(scope, "JobSucceeded")

    submit.add_catch(record_failure, errors=["States.ALL"], result_path="$.error")
    poll.add_catch(record_failure, errors=["States.ALL"], result_path="$.error")
    record_failure.next(failed)
    record_success_counts.next(succeeded)
    record_success.next(succeeded)

    has_counts = (
        sfn.Choice(scope, "HasRecordCounts")
        .when(
            sfn.Condition.and_(
                sfn.Condition.is_present("$.status.ProcessedRecordCount"),
                sfn.Condition.is_present("$.status.ErrorRecordCount"),
            ),
            record_success_counts,
        )
        .otherwise(record_success)
    )
    capped = (
        sfn.Choice(scope, "WaitAboveMaximum")
        .when(sfn.Condition.number_greater_than("$.wait.Seconds", max_wait_s), cap.next(wait))
        .otherwise(wait)
    )
    outcome = (
        sfn.Choice(scope, "JobOutcome")
        .when(
            sfn.Condition.or_(
                *(sfn.Condition.string_equals("$.status.Status", s) for s in _SUCCEEDED)
            ),
            has_counts,
        )
        .when(
            sfn.Condition.or_(
                *(sfn.Condition.string_equals("$.status.Status", s) for s in _FAILED)
            ),
            record_failure,
        )
        .otherwise(back_off.next(capped))
    )
    submit.next(start_waiting).next(wait).next(poll).next(outcome)
    bad_input = sfn.Fail(
        scope,
        "InvalidInput",
        error="InvalidInput",
        cause='The execution input must be {"input": "<path under the input prefix>"}',
    )
    return (
        sfn.Choice(scope, "CheckInput")
        .when(
            sfn.Condition.and_(
                sfn.Condition.is_present("$.input"), sfn.Condition.is_string("$.input")
            ),
            submit,
        )
        .otherwise(bad_input)
    )


def _put_metrics(
    scope: Construct, dimension: str, id: str, values: Sequence[tuple[str, int | str]]
) -> tasks.CallAwsService:
    data = [
        {
            "MetricName": name,
            "Dimensions": [{"Name": "BatchInference", "Value": dimension}],
            "Unit": "Count",
            "Value": value if isinstance(value, int) else sfn.JsonPath.number_at(value),
        }
        for name, value in values
    ]
    return tasks.CallAwsService(
        scope,
        id,
        service="cloudwatch",
        action="putMetricData",
        iam_resources=["*"],
        parameters={"Namespace": METRIC_NAMESPACE, "MetricData": data},
        result_path=sfn.JsonPath.DISCARD,
    )
