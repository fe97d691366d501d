"""What other stacks, apps and accounts consume of the platform's resources: the interfaces.

In a real organization the owner and the user of a resource live in different stacks, apps and
accounts: a governance team owns the guardrail, a platform team owns the self-hosted model
endpoints, an application team builds its own inference API on both. As in aws-cdk-lib
(``s3.IBucket``, ``kms.IKey``), props and grants therefore take an interface, implemented by
the construct that owns the resource and by the object its ``from_*_attributes`` import returns:

* :class:`IGuardrail`: :class:`~genai_platform.constructs.guardrail.Guardrail`, and
  ``Guardrail.from_guardrail_attributes``;
* :class:`IInferenceEndpoint`: :class:`~genai_platform.constructs.inference_endpoint.
  InferenceEndpoint`, and ``InferenceEndpoint.from_endpoint_attributes``;
* :class:`IGuardedInferenceApi`: :class:`~genai_platform.patterns.guarded_inference_api.
  GuardedInferenceApi`, and ``GuardedInferenceApi.from_api_attributes``;
* :class:`IKnowledgeBase`: :class:`~genai_platform.constructs.knowledge_base.KnowledgeBase`,
  and ``KnowledgeBase.from_knowledge_base_attributes``.

The interfaces are structural (:class:`typing.Protocol`, checkable with ``isinstance``): the
constructs are jsii classes, whose metaclass cannot be combined with an abstract base's. Each
also carries ``node``, ``account`` and ``region`` (where the resource lives, as
``aws_cdk.IResource.env`` says), which the patterns use to refuse references that would have to
cross an account boundary as a CloudFormation export: across accounts only names and ARNs
travel.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Node

__all__ = ["IGuardedInferenceApi", "IGuardrail", "IInferenceEndpoint", "IKnowledgeBase"]


class _Placed(Protocol):
    """What every interface carries: the construct's node and where the resource lives."""

    @property
    def node(self) -> Node:
        """The construct's node."""
        ...

    @property
    def account(self) -> str:
        """The account the resource lives in."""
        ...

    @property
    def region(self) -> str:
        """The Region the resource lives in."""
        ...


@runtime_checkable
class IGuardrail(_Placed, Protocol):
    """A Bedrock guardrail at one published (numbered) version."""

    @property
    def guardrail_arn(self) -> str:
        """``arn:<partition>:bedrock:<region>:<account>:guardrail/<id>``, no version."""
        ...

    @property
    def guardrail_id(self) -> str:
        """The guardrail's id (the last part of its ARN)."""
        ...

    @property
    def guardrail_version(self) -> str:
        """The pinned version number (``"1"``, ``"2"``...), never DRAFT."""
        ...

    @property
    def guardrail_version_arn(self) -> str:
        """``<guardrail_arn>:<guardrail_version>``: the value the ``bedrock:GuardrailIdentifier``
        condition key has when a request names this guardrail at that version."""
        ...

    @property
    def kms_key(self) -> kms.IKey | None:
        """The customer-managed key that encrypts the guardrail; None for a Bedrock-owned key."""
        ...

    def grant_apply(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` apply the guardrail (``bedrock:ApplyGuardrail``, and ``kms:Decrypt``
        on its key when it has one)."""
        ...

    def metric(
        self,
        metric_name: str,
        *,
        statistic: str | None = None,
        period: cdk.Duration | None = None,
        label: str | None = None,
        unit: cloudwatch.Unit | None = None,
        dimensions_map: Mapping[str, str] | None = None,
    ) -> cloudwatch.Metric:
        """A metric of namespace ``AWS/Bedrock/Guardrails`` for the pinned version."""
        ...

    def metric_invocations(
        self, *, statistic: str | None = None, period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``Invocations``."""
        ...

    def metric_interventions(
        self, *, statistic: str | None = None, period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``InvocationsIntervened``."""
        ...

    def metric_latency(
        self, *, statistic: str | None = None, period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``InvocationLatency``."""
        ...

    def metric_text_units(
        self, *, statistic: str | None = None, period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``TextUnitCount``."""
        ...

    def metric_throttles(
        self, *, statistic: str | None = None, period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``InvocationThrottles``."""
        ...


@runtime_checkable
class IInferenceEndpoint(_Placed, Protocol):
    """A SageMaker endpoint serving one model, real-time with an inference component (what the
    gateway calls) or without one."""

    @property
    def endpoint_name(self) -> str:
        """The endpoint's name."""
        ...

    @property
    def endpoint_arn(self) -> str:
        """``arn:<partition>:sagemaker:<region>:<account>:endpoint/<name>``."""
        ...

    @property
    def inference_component_name(self) -> str | None:
        """Name of the inference component callers pass to InvokeEndpoint; None without one."""
        ...

    @property
    def inference_component_arn(self) -> str | None:
        """``arn:<partition>:sagemaker:<region>:<account>:inference-component/<name>``; None
        without a component."""
        ...

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` call the model (``sagemaker:InvokeEndpoint*``)."""
        ...

    def metric(
        self,
        metric_name: str,
        *,
        statistic: str = "Average",
        period: cdk.Duration | None = None,
    ) -> cloudwatch.Metric:
        """A metric of namespace ``AWS/SageMaker`` for this model."""
        ...

    def metric_model_latency(
        self, *, statistic: str = "Average", period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``ModelLatency`` (microseconds)."""
        ...

    def metric_invocations(
        self, *, statistic: str = "Sum", period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``Invocations``."""
        ...

    def metric_invocation_4xx_errors(
        self, *, statistic: str = "Sum", period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``Invocation4XXErrors``."""
        ...

    def metric_invocation_5xx_errors(
        self, *, statistic: str = "Sum", period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``Invocation5XXErrors``."""
        ...


@runtime_checkable
class IGuardedInferenceApi(_Placed, Protocol):
    """The guarded inference API, as a caller (an application account's role) needs it."""

    @property
    def api_id(self) -> str:
        """The REST API's id."""
        ...

    @property
    def stage_name(self) -> str:
        """The API's stage."""
        ...

    @property
    def name_prefix(self) -> str:
        """The API's ``name_prefix`` (it names the tenants' API key secrets)."""
        ...

    @property
    def execute_api_arns(self) -> list[str]:
        """``execute-api`` ARNs of the API's routes on its stage, with the API's id."""
        ...

    def api_key_secret_name(self, tenant_id: str) -> str:
        """Name of a tenant's API key secret (``<prefix>/gateway/<tenant>/api-key``)."""
        ...

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` call the API's routes (``execute-api:Invoke`` on
        :attr:`execute_api_arns`)."""
        ...


@runtime_checkable
class IKnowledgeBase(_Placed, Protocol):
    """A Bedrock knowledge base the gateway may retrieve from."""

    @property
    def knowledge_base_id(self) -> str:
        """The knowledge base's id (10 upper-case letters and digits)."""
        ...

    @property
    def knowledge_base_arn(self) -> str:
        """``arn:<partition>:bedrock:<region>:<account>:knowledge-base/<id>``."""
        ...

    def grant_retrieve(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow ``bedrock:Retrieve`` on this knowledge base, and nothing else."""
        ...

    def metric(
        self,
        metric_name: str,
        *,
        statistic: str = "Sum",
        period: cdk.Duration | None = None,
    ) -> cloudwatch.Metric:
        """A CloudWatch metric of this knowledge base."""
        ...
