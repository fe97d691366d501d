"""InvocationLogging: destinations, masking, delivery role, the custom resource, validation, nag."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Annotations, Match, Template

from genai_platform.checks import lint_template
from genai_platform.compliance import NagReport, add_nag_packs, synth_and_report
from genai_platform.constructs.invocation_logging import (
    BEDROCK_LOG_STREAM,
    DEFAULT_MASKED_DATA_IDENTIFIERS,
    IMPORTED_KEY_WARNING_ID,
    InvocationLogging,
)
from tests.conftest import TEST_ENV

ACCOUNT = "222222222222"
FUNCTION_PATH = "Test/Logging/ConfigurationFunction/Resource"
BEDROCK_SOURCE_ARN = {
    "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":bedrock:us-east-1:{ACCOUNT}:*"]]
}
BEDROCK_CONDITIONS = {
    "StringEquals": {"aws:SourceAccount": ACCOUNT},
    "ArnLike": {"aws:SourceArn": BEDROCK_SOURCE_ARN},
}
CUSTOM_PROPS: dict[str, Any] = {
    "retention": cdk.Duration.days(180),
    "log_retention": 90,
    "key_prefix": "genai/invocations",
    "large_data_key_prefix": "genai/large-data",
    "image_data_delivery": True,
    "video_data_delivery": True,
    "audio_data_delivery": True,
    "object_lock": True,
    "masked_data_identifiers": [logs.DataIdentifier.EMAILADDRESS, logs.DataIdentifier.AWSSECRETKEY],
}


def _stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "Test", env=TEST_ENV)


def _synth(**props: Any) -> Template:
    stack = _stack()
    InvocationLogging(stack, "Logging", **props)
    return Template.from_stack(stack)


def _only(template: Template, resource_type: str) -> tuple[str, Mapping[str, Any]]:
    resources = template.find_resources(resource_type)
    assert len(resources) == 1, resources
    logical_id, resource = next(iter(resources.items()))
    return logical_id, resource


def _logical_id(template: Template, resource_type: str, id_part: str) -> str:
    ids = [i for i in template.find_resources(resource_type) if id_part in i]
    assert len(ids) == 1, ids
    return ids[0]


def _render(value: Any) -> str:
    """CloudFormation string expression -> text, references shown as <Ref:X> / <GetAtt:X.Y>."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_render(p) for p in parts)
    if "Ref" in value:
        return f"<Ref:{value['Ref']}>"
    if "Fn::GetAtt" in value:
        return "<GetAtt:{}>".format(".".join(value["Fn::GetAtt"]))
    raise AssertionError(f"unexpected expression {value!r}")


def _configuration(template: Template) -> dict[str, Any]:
    """The properties of the configuration custom resource."""
    _, resource = _only(template, "Custom::BedrockModelInvocationLogging")
    properties: dict[str, Any] = dict(resource["Properties"])
    return properties


def _sent_config(template: Template) -> dict[str, Any]:
    """The loggingConfig the function puts (LoggingConfig, a JSON string with references)."""
    config: dict[str, Any] = json.loads(_render(_configuration(template)["LoggingConfig"]))
    return config


def _key_statement(template: Template, sid: str) -> dict[str, Any]:
    _, key = _only(template, "AWS::KMS::Key")
    matching = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if s.get("Sid") == sid]
    assert len(matching) == 1, key["Properties"]["KeyPolicy"]
    statement: dict[str, Any] = matching[0]
    return statement


def _bucket_policy_statements(template: Template, bucket_id: str) -> list[dict[str, Any]]:
    for policy in template.find_resources("AWS::S3::BucketPolicy").values():
        if policy["Properties"]["Bucket"] == {"Ref": bucket_id}:
            statements: list[dict[str, Any]] = policy["Properties"]["PolicyDocument"]["Statement"]
            return statements
    raise AssertionError(f"no bucket policy for {bucket_id}")


def _managed_policy_statements(template: Template, id_part: str) -> list[dict[str, Any]]:
    policy_id = _logical_id(template, "AWS::IAM::ManagedPolicy", id_part)
    policy = template.find_resources("AWS::IAM::ManagedPolicy")[policy_id]
    statements: list[dict[str, Any]] = policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


# --------------------------------------------------------------------------- shared templates


class Synthesized:
    """The default construct synthesized once with the three nag packs."""

    def __init__(self, assembly_dir: Path, report: NagReport) -> None:
        self.template_file = assembly_dir / "Test.template.json"
        self.template = Template.from_json(json.loads(self.template_file.read_text("utf-8")))
        self.report = report


@pytest.fixture(scope="module")
def defaults(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    app = cdk.App(outdir=str(tmp_path_factory.mktemp("invocation-logging") / "cdk.out"))
    add_nag_packs(app)
    InvocationLogging(cdk.Stack(app, "Test", env=TEST_ENV), "Logging")
    assembly_dir, report = synth_and_report(app)
    return Synthesized(assembly_dir, report)


@pytest.fixture(scope="module")
def default_template(defaults: Synthesized) -> Template:
    return defaults.template


@pytest.fixture(scope="module")
def custom_template() -> Template:
    """Every optional prop set: 180-day object-locked retention, all modalities, large data."""
    return _synth(**CUSTOM_PROPS)


# --------------------------------------------------------------------------- bucket


def test_bucket_is_encrypted_with_the_customer_managed_key(default_template: Template) -> None:
    # GIVEN defaults WHEN synthesized THEN the record bucket uses SSE-KMS with the key
    key_id, _ = _only(default_template, "AWS::KMS::Key")
    default_template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {
                        "BucketKeyEnabled": True,
                        "ServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": {"Fn::GetAtt": [key_id, "Arn"]},
                        },
                    }
                ]
            }
        },
    )


def test_both_buckets_are_versioned_private_and_without_acls(default_template: Template) -> None:
    buckets = default_template.find_resources("AWS::S3::Bucket")
    assert len(buckets) == 2
    for bucket in buckets.values():
        properties = bucket["Properties"]
        assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
        assert properties["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        assert properties["OwnershipControls"] == {
            "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]
        }


@pytest.mark.parametrize("id_part", ["LoggingBucket", "LoggingAccessLogBucket"])
def test_bucket_refuses_requests_without_tls(default_template: Template, id_part: str) -> None:
    bucket_id = _logical_id(default_template, "AWS::S3::Bucket", id_part)
    deny = [
        s for s in _bucket_policy_statements(default_template, bucket_id) if s["Effect"] == "Deny"
    ]
    assert deny == [
        {
            "Action": "s3:*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Resource": [
                {"Fn::GetAtt": [bucket_id, "Arn"]},
                {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, "/*"]]},
            ],
        }
    ]


@pytest.mark.parametrize(("fixture", "days"), [("default_template", 90), ("custom_template", 180)])
def test_records_expire_after_the_retention(
    request: pytest.FixtureRequest, fixture: str, days: int
) -> None:
    # GIVEN retention (default 90 days; 180) THEN objects expire then, old versions a day later
    template: Template = request.getfixturevalue(fixture)
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": Match.any_value(),
            "LifecycleConfiguration": {
                "Rules": [
                    {
                        "Id": "ExpireAfterRetention",
                        "Status": "Enabled",
                        "ExpirationInDays": days,
                        "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
                        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                    },
                    {
                        "Id": "RemoveExpiredDeleteMarkers",
                        "Status": "Enabled",
                        "ExpiredObjectDeleteMarker": True,
                    },
                ]
            },
        },
    )


def test_retention_in_days_equals_the_same_duration() -> None:
    # GIVEN the retention as a number of days and as a Duration THEN the same lifecycle
    as_days = _synth(retention=45).find_resources("AWS::S3::Bucket")
    as_duration = _synth(retention=cdk.Duration.days(45)).find_resources("AWS::S3::Bucket")
    assert as_days == as_duration


def test_object_lock_is_off_by_default(default_template: Template) -> None:
    for bucket in default_template.find_resources("AWS::S3::Bucket").values():
        assert "ObjectLockEnabled" not in bucket["Properties"]
        assert "ObjectLockConfiguration" not in bucket["Properties"]


def test_object_lock_uses_governance_mode_with_the_retention(custom_template: Template) -> None:
    # GIVEN object_lock and a 180-day retention THEN governance mode, 180 days by default
    custom_template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "ObjectLockEnabled": True,
            "ObjectLockConfiguration": {
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 180}},
            },
        },
    )


def test_data_is_kept_when_the_stack_is_deleted(default_template: Template) -> None:
    # GIVEN defaults THEN buckets, log groups and the key are retained on delete and replace
    for resource_type, count in (
        ("AWS::S3::Bucket", 2),
        ("AWS::Logs::LogGroup", 2),
        ("AWS::KMS::Key", 1),
    ):
        resources = default_template.find_resources(
            resource_type, {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
        )
        assert len(resources) == count, resource_type


def test_server_access_logs_go_to_the_access_log_bucket(default_template: Template) -> None:
    # GIVEN defaults THEN the record bucket logs to the access-log bucket, which lets only S3
    # logging for that source bucket write, and the access-log bucket uses SSE-S3
    bucket_id = _logical_id(default_template, "AWS::S3::Bucket", "LoggingBucket")
    access_id = _logical_id(default_template, "AWS::S3::Bucket", "LoggingAccessLogBucket")
    bucket = default_template.find_resources("AWS::S3::Bucket")[bucket_id]
    assert bucket["Properties"]["LoggingConfiguration"] == {
        "DestinationBucketName": {"Ref": access_id},
        "LogFilePrefix": "invocation-log-bucket/",
    }
    allow = [
        s for s in _bucket_policy_statements(default_template, access_id) if s["Effect"] == "Allow"
    ]
    assert all(s.pop("Sid").startswith("AllowS3ServerAccessLogs") for s in allow)
    assert allow == [
        {
            "Action": "s3:PutObject",
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Resource": {
                "Fn::Join": ["", [{"Fn::GetAtt": [access_id, "Arn"]}, "/invocation-log-bucket/*"]]
            },
            "Condition": {
                "ArnLike": {"aws:SourceArn": {"Fn::GetAtt": [bucket_id, "Arn"]}},
                "StringEquals": {"aws:SourceAccount": ACCOUNT},
            },
        }
    ]
    access = default_template.find_resources("AWS::S3::Bucket")[access_id]
    encryption = access["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption == [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]


def _bedrock_write_statement(template: Template) -> dict[str, Any]:
    bucket_id = _logical_id(template, "AWS::S3::Bucket", "LoggingBucket")
    statements = [
        s
        for s in _bucket_policy_statements(template, bucket_id)
        if s.get("Principal") == {"Service": "bedrock.amazonaws.com"}
    ]
    assert len(statements) == 1, statements
    return statements[0]


def test_bedrock_may_only_put_objects_under_the_prefix_for_this_account(
    default_template: Template,
) -> None:
    statement = _bedrock_write_statement(default_template)
    assert statement["Action"] == "s3:PutObject"
    assert statement["Condition"] == BEDROCK_CONDITIONS
    assert _render(statement["Resource"]).endswith(
        f"/bedrock-invocations/AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/*"
    )


def test_bedrock_may_also_write_the_large_data_prefix(custom_template: Template) -> None:
    statement = _bedrock_write_statement(custom_template)
    paths = sorted(_render(r).split(">", 1)[1] for r in statement["Resource"])
    assert paths == [
        f"/genai/invocations/AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/*",
        f"/genai/large-data/AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/*",
    ]


# --------------------------------------------------------------------------- log group


def _invocation_log_group(template: Template) -> dict[str, Any]:
    log_group_id = _logical_id(template, "AWS::Logs::LogGroup", "LoggingLogGroup")
    properties: dict[str, Any] = template.find_resources("AWS::Logs::LogGroup")[log_group_id][
        "Properties"
    ]
    return properties


@pytest.mark.parametrize(("fixture", "days"), [("default_template", 30), ("custom_template", 90)])
def test_log_group_is_encrypted_and_keeps_records_for_the_log_retention(
    request: pytest.FixtureRequest, fixture: str, days: int
) -> None:
    template: Template = request.getfixturevalue(fixture)
    key_id, _ = _only(template, "AWS::KMS::Key")
    properties = _invocation_log_group(template)
    assert properties["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert properties["RetentionInDays"] == days


def _identifier_names(statement: Mapping[str, Any]) -> list[str]:
    return [_render(i).rsplit("/", 1)[1] for i in statement["DataIdentifier"]]


def test_data_protection_policy_masks_personal_data_and_credentials(
    default_template: Template,
) -> None:
    # GIVEN defaults THEN one audit statement without destination and one masking statement,
    # both over the default identifiers
    policy = _invocation_log_group(default_template)["DataProtectionPolicy"]
    audit, deidentify = policy["Statement"]
    assert audit["Operation"] == {"Audit": {"FindingsDestination": {}}}
    assert deidentify["Operation"] == {"Deidentify": {"MaskConfig": {}}}
    expected = [i.name for i in DEFAULT_MASKED_DATA_IDENTIFIERS]
    assert _identifier_names(audit) == _identifier_names(deidentify) == expected
    for name in (
        "Name",
        "EmailAddress",
        "Address",
        "IpAddress",
        "Ssn-US",
        "CreditCardNumber",
        "AwsSecretKey",
        "OpenSshPrivateKey",
    ):
        assert name in expected


def test_masked_identifiers_can_be_chosen(custom_template: Template) -> None:
    policy = _invocation_log_group(custom_template)["DataProtectionPolicy"]
    for statement in policy["Statement"]:
        assert _identifier_names(statement) == ["EmailAddress", "AwsSecretKey"]


# --------------------------------------------------------------------------- key


def test_default_key_rotates(default_template: Template) -> None:
    default_template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})


def test_key_policy_lets_cloudwatch_logs_use_the_key_for_this_accounts_log_groups(
    default_template: Template,
) -> None:
    statement = _key_statement(default_template, "AllowCloudWatchLogsForThisAccountsLogGroups")
    assert statement["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    assert _render(statement["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]) == (
        f"arn:<Ref:AWS::Partition>:logs:us-east-1:{ACCOUNT}:log-group:*"
    )


def test_key_policy_lets_bedrock_generate_data_keys_for_this_account_and_region(
    default_template: Template,
) -> None:
    statement = _key_statement(default_template, "AllowBedrockToWriteInvocationLogsToS3")
    assert statement["Principal"] == {"Service": "bedrock.amazonaws.com"}
    assert statement["Action"] == "kms:GenerateDataKey"
    assert statement["Condition"] == BEDROCK_CONDITIONS


def test_given_key_encrypts_both_destinations_and_no_key_is_created() -> None:
    # GIVEN a key defined elsewhere in the stack WHEN used THEN no second key, policy added
    stack = _stack()
    key = kms.Key(stack, "PlatformKey", enable_key_rotation=True)
    logging = InvocationLogging(stack, "Logging", encryption_key=key)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::KMS::Key", 1)
    assert logging.encryption_key is key
    _key_statement(template, "AllowBedrockToWriteInvocationLogsToS3")
    key_arn = {"Fn::GetAtt": [stack.get_logical_id(key.node.default_child), "Arn"]}  # type: ignore[arg-type]
    assert _invocation_log_group(template)["KmsKeyId"] == key_arn


def test_imported_key_gets_a_warning_that_its_policy_was_not_changed() -> None:
    stack = _stack()
    key = kms.Key.from_key_arn(
        stack, "Imported", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef"
    )
    InvocationLogging(stack, "Logging", encryption_key=key)
    annotations = Annotations.from_stack(stack)
    for service in ("logs.us-east-1.amazonaws.com", "bedrock.amazonaws.com"):
        annotations.has_warning(
            "/Test/Logging",
            Match.string_like_regexp(f"key policy was not changed: allow {service}"),
        )
    assert IMPORTED_KEY_WARNING_ID.startswith("genai-platform:")


# --------------------------------------------------------------------------- delivery role


def test_delivery_role_trusts_bedrock_only_for_this_account_and_region(
    default_template: Template,
) -> None:
    role_id = _logical_id(default_template, "AWS::IAM::Role", "DeliveryRole")
    role = default_template.find_resources("AWS::IAM::Role")[role_id]
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "bedrock.amazonaws.com"},
            "Condition": BEDROCK_CONDITIONS,
        }
    ]
    assert "Policies" not in role["Properties"]
    assert "ManagedPolicyArns" not in role["Properties"]


def test_delivery_role_may_write_only_bedrocks_log_stream(default_template: Template) -> None:
    log_group_id = _logical_id(default_template, "AWS::Logs::LogGroup", "LoggingLogGroup")
    statements = _managed_policy_statements(default_template, "DeliveryPolicy")
    assert len(statements) == 1
    assert statements[0]["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert _render(statements[0]["Resource"]) == (
        f"arn:<Ref:AWS::Partition>:logs:us-east-1:{ACCOUNT}:log-group:<Ref:{log_group_id}>"
        f":log-stream:{BEDROCK_LOG_STREAM}"
    )


# --------------------------------------------------------------------------- configuration


def test_configuration_is_a_custom_resource_of_the_configuration_function(
    default_template: Template,
) -> None:
    function_id = _logical_id(default_template, "AWS::Lambda::Function", "ConfigurationFunction")
    assert _configuration(default_template)["ServiceToken"] == {"Fn::GetAtt": [function_id, "Arn"]}
    assert _configuration(default_template)["ServiceTimeout"] == "900"


def test_logging_config_points_at_the_destinations(default_template: Template) -> None:
    log_group_id = _logical_id(default_template, "AWS::Logs::LogGroup", "LoggingLogGroup")
    role_id = _logical_id(default_template, "AWS::IAM::Role", "DeliveryRole")
    bucket_id = _logical_id(default_template, "AWS::S3::Bucket", "LoggingBucket")
    config = _sent_config(default_template)
    assert config["cloudWatchConfig"] == {
        "logGroupName": f"<Ref:{log_group_id}>",
        "roleArn": f"<GetAtt:{role_id}.Arn>",
    }
    assert config["s3Config"] == {
        "bucketName": f"<Ref:{bucket_id}>",
        "keyPrefix": "bedrock-invocations",
    }


def test_text_and_embeddings_are_logged_and_other_modalities_are_off_by_default(
    default_template: Template,
) -> None:
    config = _sent_config(default_template)
    assert {k: v for k, v in config.items() if k.endswith("DeliveryEnabled")} == {
        "textDataDeliveryEnabled": True,
        "embeddingDataDeliveryEnabled": True,
        "imageDataDeliveryEnabled": False,
        "videoDataDeliveryEnabled": False,
        "audioDataDeliveryEnabled": False,
    }


def test_modalities_and_large_data_delivery_can_be_switched_on(custom_template: Template) -> None:
    bucket_id = _logical_id(custom_template, "AWS::S3::Bucket", "LoggingBucket")
    config = _sent_config(custom_template)
    assert config["imageDataDeliveryEnabled"] is True
    assert config["videoDataDeliveryEnabled"] is True
    assert config["audioDataDeliveryEnabled"] is True
    assert config["s3Config"]["keyPrefix"] == "genai/invocations"
    assert config["cloudWatchConfig"]["largeDataDeliveryS3Config"] == {
        "bucketName": f"<Ref:{bucket_id}>",
        "keyPrefix": "genai/large-data",
    }


def test_physical_id_is_fixed_per_account_and_region(default_template: Template) -> None:
    assert (
        _configuration(default_template)["PhysicalResourceId"]
        == f"bedrock-model-invocation-logging-{ACCOUNT}-us-east-1"
    )


def test_validation_errors_are_retried_for_five_minutes_by_default(
    default_template: Template,
) -> None:
    # GIVEN a cold first deployment (the delivery role seconds old) THEN the function retries
    # Bedrock's ValidationException for the retry timeout, within its own 15-minute timeout
    assert _configuration(default_template)["RetryTimeoutSeconds"] == 300
    default_template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "logging_config_app.lambda_handler",
            "Runtime": "python3.14",
            "Timeout": 900,
        },
    )


def test_retry_timeout_can_be_chosen() -> None:
    template = _synth(configuration_retry_timeout=cdk.Duration.minutes(10))
    assert _configuration(template)["RetryTimeoutSeconds"] == 600


def test_configuration_is_put_after_the_policies_that_let_bedrock_write(
    default_template: Template,
) -> None:
    _, resource = _only(default_template, "Custom::BedrockModelInvocationLogging")
    assert set(resource["DependsOn"]) == {
        _logical_id(default_template, "AWS::S3::BucketPolicy", "LoggingBucketPolicy"),
        _logical_id(default_template, "AWS::IAM::ManagedPolicy", "DeliveryPolicy"),
        _logical_id(default_template, "AWS::IAM::ManagedPolicy", "ConfigurationPolicy"),
        _only(default_template, "AWS::KMS::Key")[0],
    }


def test_logging_config_attribute_is_what_is_sent() -> None:
    logging = InvocationLogging(_stack(), "Logging", image_data_delivery=True)
    config = logging.logging_config
    assert config["imageDataDeliveryEnabled"] is True
    config["imageDataDeliveryEnabled"] = False  # a copy: the construct is unchanged
    assert logging.logging_config["imageDataDeliveryEnabled"] is True
    assert logging.key_prefix == "bedrock-invocations"
    assert logging.large_data_key_prefix is None


# --------------------------------------------------------------------------- configuration function


def test_function_runs_with_its_own_role_and_encrypted_log_group(
    default_template: Template,
) -> None:
    role_id = _logical_id(default_template, "AWS::IAM::Role", "ConfigurationRole")
    log_group_id = _logical_id(default_template, "AWS::Logs::LogGroup", "ConfigurationLogGroup")
    key_id, _ = _only(default_template, "AWS::KMS::Key")
    _, function = _only(default_template, "AWS::Lambda::Function")
    assert function["Properties"]["Role"] == {"Fn::GetAtt": [role_id, "Arn"]}
    assert function["Properties"]["LoggingConfig"] == {"LogGroup": {"Ref": log_group_id}}
    log_group = default_template.find_resources("AWS::Logs::LogGroup")[log_group_id]
    assert log_group["Properties"]["RetentionInDays"] == 365
    assert log_group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}


def test_function_role_has_only_the_permissions_of_the_configuration_call(
    default_template: Template,
) -> None:
    role_id = _logical_id(default_template, "AWS::IAM::Role", "ConfigurationRole")
    delivery_role_id = _logical_id(default_template, "AWS::IAM::Role", "DeliveryRole")
    log_group_id = _logical_id(default_template, "AWS::Logs::LogGroup", "ConfigurationLogGroup")
    role = default_template.find_resources("AWS::IAM::Role")[role_id]
    assert "ManagedPolicyArns" not in role["Properties"]  # no AWS managed policy
    default_template.resource_count_is("AWS::IAM::Policy", 0)  # no inline policy
    statements = _managed_policy_statements(default_template, "ConfigurationPolicy")
    assert [(s["Action"], s["Resource"], s.get("Condition")) for s in statements] == [
        (
            [
                "bedrock:PutModelInvocationLoggingConfiguration",
                "bedrock:DeleteModelInvocationLoggingConfiguration",
            ],
            "*",
            None,
        ),
        (
            "iam:PassRole",
            {"Fn::GetAtt": [delivery_role_id, "Arn"]},
            {"StringEquals": {"iam:PassedToService": "bedrock.amazonaws.com"}},
        ),
        (
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            {"Fn::GetAtt": [log_group_id, "Arn"]},
            None,
        ),
    ]


def test_configuration_role_gets_the_given_name() -> None:
    # GIVEN an explicit name WHEN synthesized THEN the role has exactly that name, so an SCP can
    # exempt it by ARN instead of by a pattern over a generated (possibly truncated) name
    template = _synth(configuration_role_name="genai-invocation-logging-us-east-1")
    role_id = _logical_id(template, "AWS::IAM::Role", "ConfigurationRole")
    role = template.find_resources("AWS::IAM::Role")[role_id]
    assert role["Properties"]["RoleName"] == "genai-invocation-logging-us-east-1"


def test_configuration_role_name_is_generated_by_default(default_template: Template) -> None:
    role_id = _logical_id(default_template, "AWS::IAM::Role", "ConfigurationRole")
    role = default_template.find_resources("AWS::IAM::Role")[role_id]
    assert "RoleName" not in role["Properties"]


def test_the_handler_source_ships_with_the_package() -> None:
    from genai_platform.constructs import invocation_logging

    handler = invocation_logging._HANDLER_DIR / "logging_config_app.py"
    assert "def lambda_handler(" in handler.read_text("utf-8")


# --------------------------------------------------------------------------- grants


def _grant_statements(method: str) -> list[dict[str, Any]]:
    stack = _stack()
    logging = InvocationLogging(stack, "Logging", large_data_key_prefix="large")
    reader = iam.Role(stack, "Reader", assumed_by=iam.AccountRootPrincipal())
    getattr(logging, method)(reader)
    template = Template.from_stack(stack)
    statements: list[dict[str, Any]] = _only(template, "AWS::IAM::Policy")[1]["Properties"][
        "PolicyDocument"
    ]["Statement"]
    return statements


def test_grant_read_gives_masked_access_to_the_log_group_only() -> None:
    statements = _grant_statements("grant_read")
    assert len(statements) == 1
    assert statements[0]["Action"] == [
        "logs:DescribeLogStreams",
        "logs:GetLogEvents",
        "logs:FilterLogEvents",
        "logs:GetLogGroupFields",
        "logs:StartQuery",
    ]
    assert "LoggingLogGroup" in statements[0]["Resource"]["Fn::GetAtt"][0]


def test_grant_read_unmasked_adds_unmask_the_records_and_the_key() -> None:
    statements = _grant_statements("grant_read_unmasked")
    actions = [
        a
        for s in statements
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    ]
    assert "logs:Unmask" in actions
    assert {"s3:GetObject*", "s3:List*", "kms:Decrypt"} <= set(actions)
    object_paths = {
        _render(r).split(">", 1)[1]
        for s in statements
        if "s3:GetObject*" in s["Action"]
        for r in s["Resource"]
        if _render(r).endswith("*") and ">/" in _render(r)
    }
    assert object_paths == {"/bedrock-invocations/*", "/large/*"}


# --------------------------------------------------------------------------- validation


def _build(**props: Any) -> InvocationLogging:
    return InvocationLogging(_stack(), "Logging", **props)


@pytest.mark.parametrize(
    ("retention", "shown"),
    [(0, "0"), (-1, "-1"), (36_501, "36501"), (cdk.Duration.days(0), "0 days")],
)
def test_fails_when_retention_is_not_a_positive_number_of_days(retention: Any, shown: str) -> None:
    with pytest.raises(ValueError, match=rf"retention: {shown} is not allowed; give 1 to 36,500"):
        _build(retention=retention)


def test_fails_when_retention_is_not_whole_days() -> None:
    with pytest.raises(
        ValueError, match=r"retention: 1 day 12 hours is not a whole number of days"
    ):
        _build(retention=cdk.Duration.hours(36))


def test_fails_when_retention_is_not_a_number() -> None:
    with pytest.raises(ValueError, match=r"retention: '90' is not allowed; give a whole number"):
        _build(retention="90")


def test_fails_when_object_lock_has_no_positive_retention() -> None:
    # GIVEN object lock with a zero retention THEN the retention is refused (governance mode
    # needs a positive default retention)
    with pytest.raises(ValueError, match=r"retention: 0 is not allowed"):
        _build(object_lock=True, retention=0)


@pytest.mark.parametrize(("value", "shown"), [(31, "31"), (0, "0"), (cdk.Duration.days(45), "45")])
def test_fails_when_log_retention_is_not_a_cloudwatch_retention(value: Any, shown: str) -> None:
    with pytest.raises(
        ValueError,
        match=rf"log_retention: {shown} is not a CloudWatch Logs retention; allowed days: 1, 3",
    ):
        _build(log_retention=value)


@pytest.mark.parametrize(
    "prefix", ["/logs", "logs/", "a//b", "", "bad prefix", "AWSLogs", "x" * 513, "ünicode"]
)
def test_fails_when_key_prefix_is_not_allowed(prefix: str) -> None:
    with pytest.raises(ValueError) as failure:
        _build(key_prefix=prefix)
    assert f"key_prefix: {prefix!r} is not an S3 key prefix" in str(failure.value)


def test_fails_when_large_data_key_prefix_is_not_allowed() -> None:
    with pytest.raises(
        ValueError, match=r"large_data_key_prefix: 'large/' is not an S3 key prefix.*or None"
    ):
        _build(large_data_key_prefix="large/")


@pytest.mark.parametrize(
    "prop", ["image_data_delivery", "video_data_delivery", "audio_data_delivery", "object_lock"]
)
def test_fails_when_a_switch_is_not_a_bool(prop: str) -> None:
    with pytest.raises(ValueError, match=rf"{prop}: 'yes' is not allowed; give True or False"):
        _build(**{prop: "yes"})


def test_fails_when_no_identifier_would_be_masked() -> None:
    with pytest.raises(ValueError, match=r"masked_data_identifiers: \[\] masks nothing"):
        _build(masked_data_identifiers=[])


def test_fails_when_identifiers_are_not_data_identifiers() -> None:
    with pytest.raises(
        ValueError, match=r"masked_data_identifiers: \['EmailAddress'\] are not logs.DataIdentifier"
    ):
        _build(masked_data_identifiers=["EmailAddress"])


def test_fails_when_an_identifier_repeats() -> None:
    with pytest.raises(
        ValueError, match=r"masked_data_identifiers: \['EmailAddress'\] listed more than once"
    ):
        _build(
            masked_data_identifiers=[
                logs.DataIdentifier.EMAILADDRESS,
                logs.DataIdentifier.EMAILADDRESS,
            ]
        )


def test_fails_when_the_stack_already_has_invocation_logging() -> None:
    stack = _stack()
    InvocationLogging(stack, "Logging")
    with pytest.raises(
        ValueError, match=r"scope: stack 'Test' already has InvocationLogging 'Test/Logging'"
    ):
        InvocationLogging(stack, "Again")


@pytest.mark.parametrize("name", ["", "has space", "x" * 65, "role/name"])
def test_fails_when_the_configuration_role_name_is_not_allowed(name: str) -> None:
    with pytest.raises(
        ValueError, match=rf"configuration_role_name: {name!r} is not an IAM role name"
    ):
        InvocationLogging(_stack(), "Logging", configuration_role_name=name)


@pytest.mark.parametrize(
    "timeout", [cdk.Duration.minutes(14), cdk.Duration.millis(500), cdk.Duration.seconds(0)]
)
def test_fails_when_the_retry_timeout_is_out_of_range(timeout: cdk.Duration) -> None:
    with pytest.raises(
        ValueError,
        match=r"configuration_retry_timeout: .* is not allowed; give a Duration from 1 second "
        r"to 13 minutes",
    ):
        InvocationLogging(_stack(), "Logging", configuration_retry_timeout=timeout)


def test_fails_with_every_problem_at_once_and_builds_nothing() -> None:
    stack = _stack()
    with pytest.raises(ValueError) as failure:
        InvocationLogging(
            stack,
            "Logging",
            retention=-5,
            log_retention=31,
            key_prefix="/bad",
            masked_data_identifiers=[],
        )
    message = str(failure.value)
    assert message.startswith("InvocationLogging 'Test/Logging': invalid props (4 problems)")
    for prop in ("retention", "log_retention", "key_prefix", "masked_data_identifiers"):
        assert f"  - {prop}: " in message
    assert stack.node.try_find_child("Logging") is None


def test_tokens_are_not_validated() -> None:
    # GIVEN values only known at deploy time WHEN built THEN accepted and passed through
    stack = _stack()
    days = cdk.CfnParameter(stack, "Days", type="Number").value_as_number
    log_days = cdk.CfnParameter(stack, "LogDays", type="Number").value_as_number
    prefix = cdk.CfnParameter(stack, "Prefix").value_as_string
    InvocationLogging(stack, "Logging", retention=days, log_retention=log_days, key_prefix=prefix)
    template = Template.from_stack(stack)
    assert _invocation_log_group(template)["RetentionInDays"] == {"Ref": "LogDays"}
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": Match.any_value(),
            "LifecycleConfiguration": {
                "Rules": Match.array_with(
                    [Match.object_like({"ExpirationInDays": {"Ref": "Days"}})]
                )
            },
        },
    )


# --------------------------------------------------------------------------- compliance


def test_defaults_have_no_unacknowledged_nag_findings(defaults: Synthesized) -> None:
    # GIVEN the construct with defaults WHEN synthesized with all three packs THEN no finding
    assert defaults.report.findings == [], defaults.report.describe()


def test_each_acknowledgement_sits_on_the_resource_that_produces_it(
    defaults: Synthesized,
) -> None:
    acknowledged = {
        (a.construct_path, a.finding_id) for a in defaults.report.acknowledged_in("Test")
    }
    lambda_rules = ("LambdaConcurrency", "LambdaDLQ", "LambdaInsideVPC")
    assert acknowledged == {
        ("Test/Logging/ConfigurationPolicy/Resource", "AwsSolutions-IAM5[Resource::*]"),
        *(
            ("Test/Logging/AccessLogBucket/Resource", f"{pack}-S3DefaultEncryptionKMS")
            for pack in ("NIST.800.53.R5", "HIPAA.Security")
        ),
        *(
            (f"Test/Logging/{bucket}/Resource", f"{pack}-S3BucketReplicationEnabled")
            for bucket in ("Bucket", "AccessLogBucket")
            for pack in ("NIST.800.53.R5", "HIPAA.Security")
        ),
        *(
            (FUNCTION_PATH, f"{pack}-{rule}")
            for pack in ("NIST.800.53.R5", "HIPAA.Security")
            for rule in lambda_rules
        ),
    }


@pytest.mark.parametrize("fixture", ["defaults", "custom_template"])
def test_templates_have_no_lint_errors(
    request: pytest.FixtureRequest, tmp_path: Path, fixture: str
) -> None:
    if fixture == "defaults":
        template_file = request.getfixturevalue("defaults").template_file
    else:
        template_file = tmp_path / "custom.template.json"
        template_file.write_text(json.dumps(request.getfixturevalue(fixture).to_json()), "utf-8")
    errors = [i for i in lint_template(template_file, region="us-east-1") if i.is_error]
    assert errors == [], errors
