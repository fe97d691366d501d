"""The delivery pipeline: CDK Pipelines across the platform's accounts, gated by the check.

``DeliveryPipeline`` is a stack for a tooling account. It builds on
``aws_cdk.pipelines.CodePipeline`` (the CDK's own engine):

* **source**: a GitHub repository and branch through a CodeConnections connection, or a zipped
  source tree in S3 for air-gapped teams;
* **synth**: installs the project (``make setup``), runs ``genai-platform check --strict`` on
  every environment's platform config (nag packs, cfn-lint, and whatever the check grows), then
  synthesizes and checks the pipeline app itself; any finding fails the pipeline. Self-mutation
  is on, so a change to the pipeline is applied by the pipeline;
* **one wave per environment** in the delivery file's order: a :class:`PlatformStage` with the
  data, generative-AI and application account stacks, deployed in that order (explicit stack
  dependencies); cross-account keys on (the artifact bucket's KMS key admits the target
  accounts' bootstrap roles); a manual approval before production;
* **after each environment** a smoke test (:mod:`genai_platform.delivery.smoke_test`) assumes a
  tenant's caller role and calls ``GET /v1/models`` signed with SigV4; anything but 200 fails
  the wave, so later waves never start (CloudFormation rolls back a failed stack itself);
* **notifications**: pipeline and approval events go to a KMS-encrypted topic in the tooling
  account (CodeStar Notifications may use the key: Amazon SNS developer guide, "Key management",
  compatibility with AWS service event sources).

Least privilege: the pipeline deploys through the target accounts' CDK bootstrap roles
(``cdk-hnb659fds-deploy-role-<account>-<region>`` and the asset publishing roles), which must
trust the tooling account (``cdk bootstrap --trust <tooling account>``, see README). The only
other cross-account permission is the smoke-test role's ``sts:AssumeRole`` on each environment's
smoke tenant caller role (its trust names that role; ``load_delivery_config`` checks it).

Sources and what was not verified: ``cdk bootstrap --trust`` and the bootstrap role names
follow the AWS CDK Developer Guide ("Bootstrapping"; cross-checked only against secondary
sources here). The smoke test reads the tenant's API key from the generative-AI account by a
partial ARN (no random suffix): the Secrets Manager API reference (GetSecretValue,
``SecretId``) requires an ARN for another account's secret and matches a partial ARN when it
names one secret. The CodeBuild image (``BUILD_IMAGE``) is assumed to carry Python 3.11+,
``make`` and ``python3 -m venv``; not verified against the image's package list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codestarnotifications as notifications
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import pipelines
from constructs import Construct

from genai_platform.config import PlatformConfig
from genai_platform.constructs.buckets import access_log_bucket, log_accesses
from genai_platform.delivery.config import (
    DeliveryConfig,
    DeliveryEnvironmentConfig,
    smoke_test_role_name,
    smoke_test_tenant,
)
from genai_platform.patterns.guarded_inference_api import api_key_secret_name, caller_role_name
from genai_platform.reference_app import PlatformStacks, build_platform
from genai_platform.stacks.pipeline_findings import acknowledge_generated_findings
from genai_platform.stacks.version_outputs import INFERENCE_API_URL_OUTPUT

__all__ = ["DeliveryPipeline", "PlatformStage"]

#: Build image of every CodeBuild step (Amazon Linux 2023 standard 5.0: Python 3.11+, Node).
BUILD_IMAGE = codebuild.LinuxBuildImage.AMAZON_LINUX_2023_5


class PlatformStage(cdk.Stage):
    """One environment of the platform: its data, generative-AI and application account stacks.

    The stacks are those of :func:`build_platform` for ``config``; the generative-AI stack
    depends on the data stack and the application stack on the generative-AI stack, so a
    pipeline deploys them in that order. ``platform`` holds the stacks.
    """

    def __init__(self, scope: Construct, id: str, *, config: PlatformConfig) -> None:
        super().__init__(scope, id)
        self.config = config
        self.platform: PlatformStacks = build_platform(self, config)
        self.platform.genai.node.add_dependency(self.platform.data)
        self.platform.application.node.add_dependency(self.platform.genai)

    @property
    def api_url_output(self) -> cdk.CfnOutput | None:
        """The generative-AI stack's ``InferenceApiUrl`` output (None without an API)."""
        return self.platform.genai.version_outputs.get(INFERENCE_API_URL_OUTPUT)


class DeliveryPipeline(cdk.Stack):
    """The platform's delivery pipeline, in the tooling account of ``delivery``.

    Attributes: ``pipeline`` (the ``pipelines.CodePipeline``), ``stages`` (a
    :class:`PlatformStage` per environment name, in order), ``topic`` (the notification topic),
    ``smoke_test_role`` (the role the smoke tests run as, ``<name>-smoke-test``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        delivery: DeliveryConfig,
        platforms: Mapping[str, PlatformConfig],
        delivery_file: str = "config/environments/delivery.toml",
        description: str | None = None,
    ) -> None:
        """Build the pipeline.

        Args:
            delivery: The ``[delivery]`` section (``load_delivery_config``).
            platforms: Each environment's platform config, by environment name.
            delivery_file: Path of the delivery file in the repository, for the synth step's
                commands (default ``config/environments/delivery.toml``).
            description: Stack description (default names the pipeline and its environments).
        """
        problems = [
            f"platforms: no platform config for environment {env.name!r}"
            for env in delivery.environments
            if env.name not in platforms
        ]
        if not delivery_file.endswith(".toml") or delivery_file.startswith("/"):
            problems.append(
                f"delivery_file: {delivery_file!r} must be a relative path to a .toml file"
            )
        for env in delivery.environments:
            platform = platforms.get(env.name)
            if platform is not None and platform.accounts.management is not None:
                problems.append(
                    f"platforms[{env.name!r}]: accounts.management is set; the pipeline deploys "
                    "the account stacks only (deploy the organization guardrails apart)"
                )
        if problems:
            raise ValueError("\n".join(problems))
        super().__init__(
            scope,
            id,
            env=cdk.Environment(account=delivery.account, region=delivery.region),
            stack_name=delivery.name,
            description=description
            or f"genai-platform delivery pipeline {delivery.name}: "
            + " -> ".join(e.name for e in delivery.environments),
        )
        self.delivery = delivery
        self.topic = self._topic(delivery)
        self.smoke_test_role = iam.Role(
            self,
            "SmokeTestRole",
            role_name=smoke_test_role_name(delivery),
            assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"),
            description="Runs the smoke test after each environment: assumes a caller role",
        )
        self._smoke_test_policy = iam.ManagedPolicy(
            self,
            "SmokeTestPolicy",
            description="Assume each environment's smoke-test caller role, nothing else",
            roles=[self.smoke_test_role],
        )
        source = self._source(delivery)
        self.pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            pipeline_name=delivery.name,
            pipeline_type=codepipeline.PipelineType.V2,
            cross_account_keys=True,
            enable_key_rotation=True,
            self_mutation=True,
            publish_assets_in_parallel=False,
            code_build_defaults=pipelines.CodeBuildOptions(
                build_environment=codebuild.BuildEnvironment(build_image=BUILD_IMAGE),
                timeout=cdk.Duration.minutes(60),
            ),
            synth=pipelines.ShellStep(
                "Synth",
                input=source,
                install_commands=["make setup"],
                commands=synth_commands(delivery, delivery_file),
                primary_output_directory="cdk.out",
            ),
        )
        self.stages: dict[str, PlatformStage] = {}
        for env in delivery.environments:
            self._wave(env, platforms[env.name], source)
        self.pipeline.build_pipeline()
        self._harden()
        self._notify()
        self._execution_role_arns_as_sub()
        acknowledge_generated_findings(self.pipeline, self.pipeline.pipeline.artifact_bucket)
        acknowledge_generated_findings(self.smoke_test_role, self.pipeline.pipeline.artifact_bucket)

    # ------------------------------------------------------------------ children

    def _topic(self, delivery: DeliveryConfig) -> sns.Topic:
        key = kms.Key(
            self,
            "NotificationKey",
            enable_key_rotation=True,
            description=f"{delivery.name}: pipeline notification topic",
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CodeStarNotificationsPublish",
                principals=[iam.ServicePrincipal("codestar-notifications.amazonaws.com")],
                actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": delivery.account}},
            )
        )
        topic = sns.Topic(
            self,
            "Notifications",
            master_key=key,
            enforce_ssl=True,
            display_name=f"{delivery.name} pipeline",
        )
        for email in delivery.alert_emails:
            topic.add_subscription(subscriptions.EmailSubscription(email))
        return topic

    def _source(self, delivery: DeliveryConfig) -> pipelines.CodePipelineSource:
        source = delivery.source
        if source.connection_arn is not None and source.repository is not None:
            return pipelines.CodePipelineSource.connection(
                source.repository,
                source.branch,
                connection_arn=source.connection_arn,
                trigger_on_push=True,
            )
        assert source.bucket is not None and source.object_key is not None
        bucket = s3.Bucket.from_bucket_name(self, "SourceBucket", source.bucket)
        return pipelines.CodePipelineSource.s3(bucket, source.object_key)

    def _wave(
        self,
        env: DeliveryEnvironmentConfig,
        platform: PlatformConfig,
        source: pipelines.CodePipelineSource,
    ) -> None:
        stage = PlatformStage(self, _pascal(env.name), config=platform)
        self.stages[env.name] = stage
        pre: list[pipelines.Step] = []
        if self.delivery.needs_approval(env):
            pre.append(
                pipelines.ManualApprovalStep(
                    f"Approve{_pascal(env.name)}",
                    comment=f"Deploy the platform to {env.name}? The previous waves passed "
                    "their smoke tests.",
                    notification_topic=self.topic,
                )
            )
        wave = self.pipeline.add_wave(env.name, pre=pre)
        wave.add_stage(stage, post=[self._smoke_test(env, platform, stage, source)])

    def _smoke_test(
        self,
        env: DeliveryEnvironmentConfig,
        platform: PlatformConfig,
        stage: PlatformStage,
        source: pipelines.CodePipelineSource,
    ) -> pipelines.CodeBuildStep:
        tenant = smoke_test_tenant(env, platform)
        role_arn = (
            f"arn:{self.partition}:iam::{platform.accounts.application}:role/"
            f"{caller_role_name(platform.name, tenant)}"
        )
        secret_arn = (
            f"arn:{self.partition}:secretsmanager:{platform.region}:{platform.accounts.genai}:"
            f"secret:{api_key_secret_name(platform.name, tenant)}"
        )
        self._smoke_test_policy.add_statements(
            iam.PolicyStatement(actions=["sts:AssumeRole"], resources=[role_arn])
        )
        url_output = stage.api_url_output
        if url_output is None:
            raise ValueError(
                f"platforms[{env.name!r}]: builds no inference API ([api] enabled and "
                "[[tenants]] needed), so there is nothing for the smoke test to call"
            )
        return pipelines.CodeBuildStep(
            f"SmokeTest{_pascal(env.name)}",
            input=source,
            role=self.smoke_test_role,
            env_from_cfn_outputs={"API_URL": url_output},
            # The script needs botocore only; run from the source tree, the package's lazy
            # __init__ imports nothing else.
            install_commands=["python3 -m pip install --quiet 'botocore>=1.40'"],
            commands=[
                'python3 -m genai_platform.delivery.smoke_test --url "$API_URL" '
                f"--role-arn {role_arn} --api-key-secret {secret_arn}"
            ],
            timeout=cdk.Duration.minutes(15),
        )

    def _notify(self) -> None:
        self.pipeline.pipeline.notify_on(
            "Notifications",
            self.topic,
            events=[
                codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_FAILED,
                codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_SUCCEEDED,
                codepipeline.PipelineNotificationEvents.MANUAL_APPROVAL_NEEDED,
                codepipeline.PipelineNotificationEvents.MANUAL_APPROVAL_FAILED,
            ],
            detail_type=notifications.DetailType.FULL,
        )

    def _harden(self) -> None:
        """Access logs and versioning on the artifact bucket CDK Pipelines creates."""
        artifacts = self.pipeline.pipeline.artifact_bucket
        logs_bucket = access_log_bucket(
            self, "ArtifactAccessLogs", source="the pipeline's artifact bucket"
        )
        assert isinstance(artifacts, s3.Bucket)
        log_accesses(artifacts, to=logs_bucket, prefix="artifacts/")
        resource = artifacts.node.default_child
        assert isinstance(resource, s3.CfnBucket)
        resource.versioning_configuration = s3.CfnBucket.VersioningConfigurationProperty(
            status="Enabled"
        )

    def _execution_role_arns_as_sub(self) -> None:
        """The deploy actions' ``Configuration.RoleArn`` (each target account's CloudFormation
        execution role) as ``Fn::Sub``: CDK Pipelines writes an ``Fn::Join`` with an empty
        delimiter there, which cfn-lint reports as an error (E3703)."""
        cfn = self.pipeline.pipeline.node.default_child
        assert isinstance(cfn, codepipeline.CfnPipeline)
        for i, stage in enumerate(self.resolve(cfn.stages)):
            for j, action in enumerate(stage.get("actions", [])):
                arn = (action.get("configuration") or {}).get("RoleArn")
                if isinstance(arn, dict) and "Fn::Join" in arn and arn["Fn::Join"][0] == "":
                    cfn.add_property_override(
                        f"Stages.{i}.Actions.{j}.Configuration.RoleArn",
                        {"Fn::Sub": _as_sub(arn["Fn::Join"][1])},
                    )


def _as_sub(parts: list[Any]) -> str:
    """``Fn::Join`` parts (strings and ``Ref``s) as one ``Fn::Sub`` template."""
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part.replace("${", "${!"))
        elif isinstance(part, dict) and set(part) == {"Ref"}:
            out.append("${" + part["Ref"] + "}")
        else:
            raise ValueError(f"cannot express {part!r} in Fn::Sub")
    return "".join(out)


def synth_commands(delivery: DeliveryConfig, delivery_file: str) -> list[str]:
    """The synth step: check every environment's platform, then synthesize and check the
    pipeline app into ``cdk.out`` (its primary output). ``--strict``: warnings fail too."""
    base = delivery_file.rsplit("/", 1)[0] if "/" in delivery_file else "."
    check = ".venv/bin/genai-platform check --strict"
    commands = [
        f"{check} --config {base}/{env.config} --out cdk.check/{env.name}"
        for env in delivery.environments
    ]
    commands.append(
        f"{check} --app '.venv/bin/python -m genai_platform.delivery.app {delivery_file}' "
        "--out cdk.out"
    )
    return commands


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))
