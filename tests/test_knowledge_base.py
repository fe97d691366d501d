"""The KnowledgeBase construct, its data-account access and ingestion on change: templates, nag
findings, cfn-lint, and the errors bad props get."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match, Template

from genai_platform.checks import lint_template
from genai_platform.compliance import NagReport, add_nag_packs, synth_and_report
from genai_platform.constructs.interfaces import IKnowledgeBase
from genai_platform.constructs.knowledge_base import (
    BEDROCK_NON_FILTERABLE_KEYS,
    Chunking,
    DocumentEventForwarding,
    KnowledgeBase,
    KnowledgeBaseIngestion,
    Parsing,
    admit_knowledge_base,
    ingestion_event_bus_arn,
    knowledge_base_role_arn,
)
from genai_platform.constructs.model_catalog import ModelCatalog
from tests.conftest import TEST_ENV

GENAI = "222222222222"
DATA = "333333333333"
REGION = "us-east-1"
BUCKET = "genai-documents-333333333333-us-east-1"
ROLE_NAME = "genai-kb-handbook-us-east-1"
ROLE_ARN = knowledge_base_role_arn(GENAI, ROLE_NAME)
BUS_NAME = "genai-handbook-documents"
BUS_ARN = ingestion_event_bus_arn(GENAI, REGION, BUS_NAME)
DATA_ENV = cdk.Environment(account=DATA, region=REGION)
MODELS = ["amazon.titan-embed-text-v2:0", "us.amazon.nova-pro-v1:0", "amazon.nova-micro-v1:0"]


@dataclass
class Built:
    genai: Template
    data: Template
    defaults: Template
    report: NagReport
    lint: dict[str, list[Any]]


def _catalog(stack: cdk.Stack) -> ModelCatalog:
    return ModelCatalog(
        stack,
        "Models",
        models=MODELS,
        aliases={"embed": "amazon.titan-embed-text-v2:0", "pro": "us.amazon.nova-pro-v1:0"},
    )


def _documents(stack: cdk.Stack) -> s3.IBucket:
    return s3.Bucket.from_bucket_attributes(
        stack, "Documents", bucket_name=BUCKET, account=DATA, region=REGION
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Three stacks synthesized once with the nag packs: a knowledge base with defaults, one
    configured like the reference app with ingestion and a retriever, and the data side."""
    out = tmp_path_factory.mktemp("kb") / "cdk.out"
    app = cdk.App(outdir=str(out))
    add_nag_packs(app)
    defaults = cdk.Stack(app, "Defaults", env=TEST_ENV)
    KnowledgeBase(
        defaults,
        "KnowledgeBase",
        model_catalog=_catalog(defaults),
        embedding_model="embed",
        documents_bucket=_documents(defaults),
    )
    genai = cdk.Stack(app, "GenAi", env=TEST_ENV)
    kb = KnowledgeBase(
        genai,
        "Handbook",
        model_catalog=_catalog(genai),
        embedding_model="amazon.titan-embed-text-v2:0",
        documents_bucket=_documents(genai),
        inclusion_prefixes=["handbook/", "policies/"],
        dimensions=512,
        chunking=Chunking.hierarchical(),
        parsing=Parsing.foundation_model("pro"),
        knowledge_base_name="genai-handbook",
        role_name=ROLE_NAME,
        alias="handbook",
    )
    KnowledgeBaseIngestion(
        genai, "Ingestion", knowledge_base=kb, source_account=DATA, event_bus_name=BUS_NAME
    )
    retriever = iam.Role(
        genai, "Retriever", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com")
    )
    kb.grant_retrieve(retriever)
    data = cdk.Stack(app, "Data", env=DATA_ENV)
    key = kms.Key(data, "DataKey", enable_key_rotation=True)
    bucket = s3.Bucket(
        data,
        "Bucket",
        bucket_name=BUCKET,
        encryption=s3.BucketEncryption.KMS,
        encryption_key=key,
        bucket_key_enabled=True,
        enforce_ssl=True,
        versioned=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
    )
    for pack in ("NIST.800.53.R5", "HIPAA.Security"):
        for rule in ("S3BucketReplicationEnabled", "S3BucketLoggingEnabled"):
            cdk.Validations.of(bucket.node.default_child).acknowledge(  # type: ignore[arg-type]
                cdk.Acknowledgment(
                    id=f"{pack}-{rule}",
                    reason="A test bucket standing in for the data account's documents bucket",
                )
            )
    cdk.Validations.of(bucket.node.default_child).acknowledge(  # type: ignore[arg-type]
        cdk.Acknowledgment(
            id="AwsSolutions-S1",
            reason="A test bucket standing in for the data account's documents bucket",
        )
    )
    admit_knowledge_base(
        bucket, role_arn=ROLE_ARN, key=key, prefixes=["handbook/", "policies/"], sid="Handbook"
    )
    DocumentEventForwarding(
        data,
        "Forwarding",
        bucket=bucket,
        prefixes=["handbook/", "policies/"],
        target_event_bus_arn=BUS_ARN,
    )
    assembly, report = synth_and_report(app)

    def template(name: str) -> Template:
        return Template.from_json(json.loads((assembly / f"{name}.template.json").read_text()))

    lint = {
        name: [
            i
            for i in lint_template(Path(assembly / f"{name}.template.json"), region=REGION)
            if i.severity == "error"
        ]
        for name in ("Defaults", "GenAi", "Data")
    }
    return Built(template("GenAi"), template("Data"), template("Defaults"), report, lint)


# --------------------------------------------------------------------------- checks


@pytest.mark.parametrize("stack", ["Defaults", "GenAi", "Data"])
def test_no_unacknowledged_nag_findings(built: Built, stack: str) -> None:
    assert built.report.for_stack(stack) == [], built.report.describe()


@pytest.mark.parametrize("stack", ["Defaults", "GenAi", "Data"])
def test_no_cfn_lint_errors(built: Built, stack: str) -> None:
    assert built.lint[stack] == []


# --------------------------------------------------------------------------- knowledge base


def test_knowledge_base_embeds_with_the_catalogue_model_into_s3_vectors(built: Built) -> None:
    built.defaults.has_resource_properties(
        "AWS::Bedrock::KnowledgeBase",
        {
            "KnowledgeBaseConfiguration": {
                "Type": "VECTOR",
                "VectorKnowledgeBaseConfiguration": {
                    "EmbeddingModelArn": Match.any_value(),
                    "EmbeddingModelConfiguration": {
                        "BedrockEmbeddingModelConfiguration": {
                            "Dimensions": 1024,
                            "EmbeddingDataType": "FLOAT32",
                        }
                    },
                },
            },
            "StorageConfiguration": {
                "Type": "S3_VECTORS",
                "S3VectorsConfiguration": {
                    "IndexArn": {"Fn::GetAtt": [Match.any_value(), "IndexArn"]}
                },
            },
        },
    )
    (kb,) = built.defaults.find_resources("AWS::Bedrock::KnowledgeBase").values()
    arn = json.dumps(kb["Properties"]["KnowledgeBaseConfiguration"])
    assert ":us-east-1::foundation-model/amazon.titan-embed-text-v2:0" in arn


def test_index_marks_bedrock_keys_non_filterable_with_the_model_dimension(built: Built) -> None:
    built.defaults.has_resource_properties(
        "AWS::S3Vectors::Index",
        {
            "DataType": "float32",
            "Dimension": 1024,
            "DistanceMetric": "cosine",
            "MetadataConfiguration": {
                "NonFilterableMetadataKeys": ["AMAZON_BEDROCK_TEXT", "AMAZON_BEDROCK_METADATA"]
            },
            "EncryptionConfiguration": {"SseType": "aws:kms", "KmsKeyArn": Match.any_value()},
        },
    )
    assert list(BEDROCK_NON_FILTERABLE_KEYS) == ["AMAZON_BEDROCK_TEXT", "AMAZON_BEDROCK_METADATA"]
    built.genai.has_resource_properties("AWS::S3Vectors::Index", {"Dimension": 512})


def test_vector_bucket_is_kms_encrypted_and_the_key_admits_s3_vectors_indexing(
    built: Built,
) -> None:
    built.defaults.has_resource_properties(
        "AWS::S3Vectors::VectorBucket",
        {"EncryptionConfiguration": {"SseType": "aws:kms", "KmsKeyArn": Match.any_value()}},
    )
    built.defaults.has_resource_properties(
        "AWS::KMS::Key",
        {
            "EnableKeyRotation": True,
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Principal": {"Service": "indexing.s3vectors.amazonaws.com"},
                                "Action": "kms:Decrypt",
                                "Condition": Match.object_like(
                                    {"StringEquals": {"aws:SourceAccount": GENAI}}
                                ),
                            }
                        )
                    ]
                )
            },
        },
    )


def test_data_sources_name_the_bucket_owner_and_one_prefix_each(built: Built) -> None:
    sources = built.genai.find_resources("AWS::Bedrock::DataSource")
    configs = [
        s["Properties"]["DataSourceConfiguration"]["S3Configuration"] for s in sources.values()
    ]
    assert sorted(c["InclusionPrefixes"] for c in configs) == [["handbook/"], ["policies/"]]
    assert {c["BucketOwnerAccountId"] for c in configs} == {DATA}
    (default_source,) = built.defaults.find_resources("AWS::Bedrock::DataSource").values()
    s3_config = default_source["Properties"]["DataSourceConfiguration"]["S3Configuration"]
    assert "InclusionPrefixes" not in s3_config
    assert s3_config["BucketOwnerAccountId"] == DATA


def test_data_source_chunking_and_parsing_follow_the_props(built: Built) -> None:
    built.defaults.has_resource_properties(
        "AWS::Bedrock::DataSource",
        {
            "DataDeletionPolicy": "DELETE",
            "VectorIngestionConfiguration": {
                "ChunkingConfiguration": {
                    "ChunkingStrategy": "FIXED_SIZE",
                    "FixedSizeChunkingConfiguration": {"MaxTokens": 300, "OverlapPercentage": 20},
                }
            },
        },
    )
    built.genai.has_resource_properties(
        "AWS::Bedrock::DataSource",
        {
            "VectorIngestionConfiguration": {
                "ChunkingConfiguration": Match.object_like(
                    {
                        "ChunkingStrategy": "HIERARCHICAL",
                        "HierarchicalChunkingConfiguration": {
                            "LevelConfigurations": [{"MaxTokens": 1500}, {"MaxTokens": 300}],
                            "OverlapTokens": 60,
                        },
                    }
                ),
                "ParsingConfiguration": {
                    "ParsingStrategy": "BEDROCK_FOUNDATION_MODEL",
                    "BedrockFoundationModelConfiguration": {
                        "ModelArn": Match.any_value(),
                    },
                },
            }
        },
    )


def test_service_role_is_named_and_trusts_bedrock_for_this_accounts_knowledge_bases(
    built: Built,
) -> None:
    built.genai.has_resource_properties(
        "AWS::IAM::Role",
        {
            "RoleName": ROLE_NAME,
            "AssumeRolePolicyDocument": {
                "Statement": [
                    Match.object_like(
                        {
                            "Principal": {"Service": "bedrock.amazonaws.com"},
                            "Condition": {
                                "StringEquals": {"aws:SourceAccount": GENAI},
                                "ArnLike": {"aws:SourceArn": Match.any_value()},
                            },
                        }
                    )
                ]
            },
        },
    )


def _policy_statements(template: Template, description_part: str) -> list[dict[str, Any]]:
    policies = template.find_resources("AWS::IAM::ManagedPolicy")
    return [
        s
        for p in policies.values()
        if description_part in json.dumps(p["Properties"].get("Description", ""))
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_service_role_reads_only_its_prefixes_in_the_owner_account(built: Built) -> None:
    statements = {s.get("Sid"): s for s in _policy_statements(built.genai, "Documents, vectors")}
    listing = statements["ListDocuments"]
    assert listing["Action"] == "s3:ListBucket"
    assert listing["Condition"]["StringEquals"] == {"aws:ResourceAccount": DATA}
    assert listing["Condition"]["StringLike"] == {"s3:prefix": ["handbook/*", "policies/*"]}
    reading = statements["ReadDocuments"]
    assert reading["Action"] == "s3:GetObject"
    assert json.dumps(reading["Resource"]).count("/handbook/*") == 1
    decrypt = statements["DecryptDocumentsThroughS3"]
    assert decrypt["Condition"]["StringEquals"]["kms:ViaService"] == "s3.us-east-1.amazonaws.com"
    vectors = statements["VectorIndex"]
    assert "s3vectors:QueryVectors" in vectors["Action"]
    assert vectors["Resource"]["Fn::GetAtt"][1] == "IndexArn"


def test_embedding_model_is_granted_through_the_catalogue(built: Built) -> None:
    statements = _policy_statements(built.defaults, "Approved Bedrock models")
    embed = [s for s in statements if s.get("Sid") == "InvokeApprovedEmbeddingModels"]
    assert len(embed) == 1
    assert "amazon.titan-embed-text-v2:0" in json.dumps(embed[0]["Resource"])


def test_grant_retrieve_allows_retrieve_on_exactly_this_knowledge_base(built: Built) -> None:
    statements = _policy_statements(built.genai, "Retrieve from the knowledge base")
    assert len(statements) == 1
    (statement,) = statements
    assert statement["Action"] == "bedrock:Retrieve"
    assert statement["Resource"]["Fn::GetAtt"][1] == "KnowledgeBaseArn"
    assert statement["Resource"]["Fn::GetAtt"][0].startswith("Handbook")


def test_owned_and_imported_knowledge_bases_implement_the_interface(stack: cdk.Stack) -> None:
    kb = KnowledgeBase(
        stack,
        "Kb",
        model_catalog=_catalog(stack),
        embedding_model="embed",
        documents_bucket=_documents(stack),
    )
    imported = KnowledgeBase.from_knowledge_base_attributes(
        stack, "Imported", knowledge_base_id="ABCDEFGHIJ", alias="handbook"
    )
    assert isinstance(kb, IKnowledgeBase) and isinstance(imported, IKnowledgeBase)
    assert stack.resolve(imported.knowledge_base_arn) == {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":bedrock:us-east-1:222222222222:knowledge-base/ABCDEFGHIJ",
            ],
        ]
    }
    metric = imported.metric("IngestionJobsFailed")
    assert (metric.namespace, metric.dimensions) == ("GenAiPlatform", {"KnowledgeBase": "handbook"})
    assert kb.metric_ingestion_jobs_started().metric_name == "IngestionJobsStarted"


# --------------------------------------------------------------------------- data account


def _bucket_statements(template: Template) -> list[dict[str, Any]]:
    return [
        s
        for p in template.find_resources("AWS::S3::BucketPolicy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]


def _key_statements(template: Template) -> list[dict[str, Any]]:
    return [
        s
        for k in template.find_resources("AWS::KMS::Key").values()
        for s in k["Properties"]["KeyPolicy"]["Statement"]
    ]


def test_bucket_policy_admits_the_role_by_name_to_list_and_read_its_prefixes(
    built: Built,
) -> None:
    by_sid = {s.get("Sid"): s for s in _bucket_statements(built.data)}
    for sid in ("HandbookList", "HandbookRead"):
        assert by_sid[sid]["Condition"]["ArnEquals"] == {"aws:PrincipalArn": ROLE_ARN}
        assert GENAI in json.dumps(by_sid[sid]["Principal"])
    assert by_sid["HandbookList"]["Action"] == "s3:ListBucket"
    assert by_sid["HandbookList"]["Condition"]["StringLike"] == {
        "s3:prefix": ["handbook/*", "policies/*"]
    }
    assert by_sid["HandbookRead"]["Action"] == "s3:GetObject"


def test_key_policy_admits_the_role_only_through_s3_for_this_bucket(built: Built) -> None:
    (statement,) = [
        s
        for s in _key_statements(built.data)
        if s.get("Sid") == "HandbookDecryptDocumentsThroughS3"
    ]
    assert statement["Action"] == "kms:Decrypt"
    assert statement["Condition"]["ArnEquals"] == {"aws:PrincipalArn": ROLE_ARN}
    assert statement["Condition"]["StringEquals"]["kms:ViaService"] == "s3.us-east-1.amazonaws.com"
    assert statement["Condition"]["StringEquals"]["kms:EncryptionContext:aws:s3:arn"] == {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":s3:::{BUCKET}"]]
    }


def test_nothing_else_of_the_genai_account_is_admitted(built: Built) -> None:
    # GIVEN every bucket- and key-policy statement of the data account naming the genai account
    naming = [
        s
        for s in _bucket_statements(built.data) + _key_statements(built.data)
        if GENAI in json.dumps(s.get("Principal", ""))
    ]
    # THEN each is an Allow pinned to the knowledge base's role
    assert len(naming) == 3
    assert all(s["Effect"] == "Allow" for s in naming)
    assert all(s["Condition"]["ArnEquals"] == {"aws:PrincipalArn": ROLE_ARN} for s in naming)


def test_bucket_sends_events_and_changes_are_forwarded_to_the_genai_bus(built: Built) -> None:
    built.data.has_resource_properties(
        "AWS::S3::Bucket",
        {"NotificationConfiguration": {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}},
    )
    built.data.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["aws.s3"],
                "detail-type": ["Object Created", "Object Deleted"],
                "detail": {
                    "bucket": {"name": [Match.any_value()]},
                    "object": {"key": [{"prefix": "handbook/"}, {"prefix": "policies/"}]},
                },
            },
            "Targets": [Match.object_like({"Arn": BUS_ARN, "RoleArn": Match.any_value()})],
        },
    )
    statements = _policy_statements(built.data, "ingestion bus only")
    assert statements == [{"Action": "events:PutEvents", "Effect": "Allow", "Resource": BUS_ARN}]


# --------------------------------------------------------------------------- ingestion


def test_bus_policy_admits_only_the_data_account(built: Built) -> None:
    built.genai.has_resource_properties("AWS::Events::EventBus", {"Name": BUS_NAME})
    (policy,) = built.genai.find_resources("AWS::Events::EventBusPolicy").values()
    statement = policy["Properties"]["Statement"]
    assert statement["Action"] == "events:PutEvents"
    assert json.dumps(statement["Principal"]).count(f":iam::{DATA}:root") == 1
    assert GENAI not in json.dumps(statement["Principal"])


def test_changes_of_the_data_account_reach_the_queue_with_a_dead_letter_queue(built: Built) -> None:
    built.genai.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventBusName": Match.any_value(),
            "EventPattern": Match.object_like({"account": [DATA], "source": ["aws.s3"]}),
            "Targets": [
                Match.object_like(
                    {"Arn": Match.any_value(), "DeadLetterConfig": {"Arn": Match.any_value()}}
                )
            ],
        },
    )
    built.genai.has_resource_properties(
        "AWS::SQS::Queue",
        {
            "QueueName": "genai-handbook-changes",
            "VisibilityTimeout": 900,
            "KmsMasterKeyId": Match.any_value(),
            "RedrivePolicy": {"deadLetterTargetArn": Match.any_value(), "maxReceiveCount": 96},
        },
    )
    built.genai.has_resource_properties("AWS::Events::Rule", {"ScheduleExpression": "rate(1 day)"})


def test_queues_admit_only_this_knowledge_bases_rules(built: Built) -> None:
    for policy in built.genai.find_resources("AWS::SQS::QueuePolicy").values():
        allows = [
            s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"
        ]
        assert len(allows) == 1
        assert allows[0]["Principal"] == {"Service": "events.amazonaws.com"}
        assert len(allows[0]["Condition"]["ArnEquals"]["aws:SourceArn"]) == 2


def test_starter_reads_the_queue_in_debounced_batches_and_may_only_ingest_this_kb(
    built: Built,
) -> None:
    built.genai.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "BatchSize": 10000,
            "MaximumBatchingWindowInSeconds": 300,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "ScalingConfig": {"MaximumConcurrency": 2},
        },
    )
    built.genai.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "ingestion_app.lambda_handler",
            "Environment": {
                "Variables": {
                    "KNOWLEDGE_BASE_ID": Match.any_value(),
                    "KNOWLEDGE_BASE_ALIAS": "handbook",
                    "DATA_SOURCES": Match.any_value(),
                }
            },
        },
    )
    statements = [
        s
        for s in _policy_statements(built.genai, "Ingestion starter")
        if s.get("Sid") == "IngestionJobs"
    ]
    assert len(statements) == 1
    assert statements[0]["Action"] == ["bedrock:StartIngestionJob", "bedrock:ListIngestionJobs"]
    assert statements[0]["Resource"]["Fn::GetAtt"][1] == "KnowledgeBaseArn"


# --------------------------------------------------------------------------- bad input


def _kb(stack: cdk.Stack, **props: Any) -> KnowledgeBase:
    base: dict[str, Any] = {
        "model_catalog": _catalog(stack),
        "embedding_model": "embed",
        "documents_bucket": _documents(stack),
    }
    return KnowledgeBase(stack, "Kb", **{**base, **props})


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        (
            {"embedding_model": "cohere.embed-english-v3"},
            (
                r"embedding_model: 'cohere.embed-english-v3' is neither an ali"
                r"as nor an approved model.*approved embedding models: \['amaz"
                r"on.titan-embed-text-v2:0'\]"
            ),
        ),
        (
            {"embedding_model": "pro"},
            (
                r"embedding_model: 'pro' \(us.amazon.nova-pro-v1:0\) is a mult"
                r"imodal model, not an embedding model"
            ),
        ),
        (
            {"dimensions": 768},
            (
                r"dimensions: 768 is not an output size of amazon.titan-embed-"
                r"text-v2:0; allowed: \[256, 512, 1024\]"
            ),
        ),
        (
            {"distance_metric": "dotproduct"},
            (
                r"distance_metric: 'dotproduct' is not allowed; S3 Vectors off"
                r"ers 'cosine' and 'euclidean'"
            ),
        ),
        (
            {"chunking": Chunking.fixed_size(overlap_percentage=0)},
            r"chunking.overlap_percentage: 0 is not allowed; give 1 to 99",
        ),
        (
            {"chunking": Chunking.hierarchical(parent_max_tokens=300, child_max_tokens=300)},
            r"chunking.child_max_tokens: 300 is not smaller than parent_max_tokens 300",
        ),
        (
            {"chunking": Chunking.semantic(breakpoint_percentile_threshold=10)},
            r"chunking.breakpoint_percentile_threshold: 10 is not allowed; give 50 to 99",
        ),
        (
            {"parsing": Parsing.foundation_model("amazon.nova-micro-v1:0")},
            (
                r"parsing: model 'amazon.nova-micro-v1:0' \(amazon.nova-micro-"
                r"v1:0\) is a text model; Bedrock parses documents with multim"
                r"odal models only"
            ),
        ),
        (
            {"parsing": Parsing.foundation_model("nope")},
            r"parsing: model 'nope' is neither an alias nor an approved model",
        ),
        (
            {"inclusion_prefixes": ["docs/", "docs/hr/"]},
            r"inclusion_prefixes: 'docs/hr/' lies inside 'docs/'",
        ),
        (
            {"inclusion_prefixes": ["/docs"]},
            (
                r"inclusion_prefixes: '/docs' is not a key prefix; give 1 to 3"
                r"00 characters without a leading '/'"
            ),
        ),
        (
            {"inclusion_prefixes": ["a/", "a/"]},
            r"inclusion_prefixes: \['a/', 'a/'\] lists a prefix twice",
        ),
        (
            {"inclusion_prefixes": "docs/"},
            r"inclusion_prefixes: 'docs/' is not a list of key prefixes",
        ),
        (
            {"knowledge_base_name": "my kb!"},
            r"knowledge_base_name: 'my kb!' is not allowed; 1-100 letters and digits",
        ),
        ({"role_name": "r" * 65}, r"role_name: 'r{65}' is not an IAM role name; 1-64 letters"),
        (
            {"bucket_owner_account": "12345"},
            r"bucket_owner_account: '12345' is not a 12-digit AWS account id",
        ),
        (
            {"alias": "1st"},
            (
                r"alias: '1st' is not allowed; 1-63 letters, digits and hyphen"
                r"s, starting with a letter"
            ),
        ),
    ],
)
def test_fails_when_a_prop_is_bad(stack: cdk.Stack, props: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValueError, match=expected):
        _kb(stack, **props)


def test_fails_with_every_problem_at_once_and_builds_nothing(stack: cdk.Stack) -> None:
    with pytest.raises(ValueError, match=r"invalid props \(3 problems\)"):
        _kb(stack, dimensions=100, distance_metric="dot", inclusion_prefixes=["/x"])
    assert stack.node.try_find_child("Kb") is None


def test_fails_when_the_embedding_model_has_no_verified_dimensions(stack: cdk.Stack) -> None:
    catalog = ModelCatalog(stack, "Other", models=["cohere.embed-v4:0"])
    with pytest.raises(
        ValueError,
        match=(
            r"embedding_model: 'cohere.embed-v4:0' has no verified output "
            r"dimensions; supported: "
        ),
    ):
        KnowledgeBase(
            stack,
            "Kb",
            model_catalog=catalog,
            embedding_model="cohere.embed-v4:0",
            documents_bucket=_documents(stack),
        )


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"max_receive_count": 0}, r"max_receive_count: 0 is not allowed; 1 to 1000"),
        (
            {"batching_window": cdk.Duration.minutes(10)},
            r"batching_window: 600 seconds is not allowed; 1 to 300",
        ),
        (
            {"retry_interval": cdk.Duration.minutes(1)},
            r"retry_interval: 60 seconds is not allowed; 360",
        ),
        (
            {"source_account": "33333333333", "event_bus_name": "x"},
            r"source_account: '33333333333' is not a 12-digit AWS account id",
        ),
        (
            {"source_account": DATA, "event_bus_name": "default"},
            r"event_bus_name: 'default' is not allowed",
        ),
        (
            {"source_account": DATA, "organization_id": "org-1"},
            r"organization_id: 'org-1' is not an AWS Organizations id",
        ),
    ],
)
def test_ingestion_fails_when_a_prop_is_bad(
    stack: cdk.Stack, props: dict[str, Any], expected: str
) -> None:
    kb = _kb(stack)
    with pytest.raises(ValueError, match=expected):
        KnowledgeBaseIngestion(stack, "Ingestion", knowledge_base=kb, **props)


def test_import_fails_on_a_malformed_id_or_account(stack: cdk.Stack) -> None:
    with pytest.raises(
        ValueError,
        match=(
            r"knowledge_base_id: 'kb-1' is not a knowledge base id; 10 let"
            r"ters and digits; account: '1' is not a 12-digit AWS account "
            r"id"
        ),
    ):
        KnowledgeBase.from_knowledge_base_attributes(
            stack, "Kb", knowledge_base_id="kb-1", account="1"
        )


def test_admission_fails_on_something_that_is_not_a_role_arn(stack: cdk.Stack) -> None:
    bucket = s3.Bucket(stack, "Bucket")
    with pytest.raises(
        ValueError, match=r"role_arn: 'arn:aws:iam::222222222222:user/x' is not an IAM role ARN"
    ):
        admit_knowledge_base(bucket, role_arn="arn:aws:iam::222222222222:user/x")


def test_forwarding_fails_on_an_imported_bucket_or_a_bad_bus_arn(stack: cdk.Stack) -> None:
    with pytest.raises(
        ValueError,
        match=(
            r"bucket: 'Test/Documents' is not a bucket of this stack.*targ"
            r"et_event_bus_arn: 'arn:aws:sqs:us-east-1:222222222222:q' is "
            r"not an event bus ARN"
        ),
    ):
        DocumentEventForwarding(
            stack,
            "Forwarding",
            bucket=_documents(stack),
            target_event_bus_arn="arn:aws:sqs:us-east-1:222222222222:q",
        )


def test_fails_in_a_region_without_knowledge_bases() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Test", env=cdk.Environment(account=GENAI, region="us-west-1"))
    with pytest.raises(
        ValueError, match=r"scope: region 'us-west-1' has no Bedrock knowledge bases"
    ):
        _kb(stack)


def test_bus_admits_the_data_account_only_within_the_organization_when_one_is_given(
    stack: cdk.Stack,
) -> None:
    # GIVEN ingestion with an organization id and the full sync switched off
    KnowledgeBaseIngestion(
        stack,
        "Ingestion",
        knowledge_base=_kb(stack),
        source_account=DATA,
        event_bus_name=BUS_NAME,
        organization_id="o-exampleorg1",
        full_sync=False,
    )
    template = Template.from_stack(stack)
    # THEN the bus policy also requires the organization, and no schedule is created
    template.has_resource_properties(
        "AWS::Events::EventBusPolicy",
        {
            "Statement": Match.object_like(
                {"Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-exampleorg1"}}}
            )
        },
    )
    assert (
        template.find_resources(
            "AWS::Events::Rule", {"Properties": {"ScheduleExpression": Match.any_value()}}
        )
        == {}
    )


def test_without_a_source_account_only_the_scheduled_sync_starts_jobs(stack: cdk.Stack) -> None:
    KnowledgeBaseIngestion(stack, "Ingestion", knowledge_base=_kb(stack))
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::Events::EventBus", 0)
    template.has_resource_properties("AWS::Events::Rule", {"ScheduleExpression": "rate(1 day)"})
