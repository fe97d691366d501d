"""The Bedrock guardrail every model call goes through, and its account-level enforcement.

:class:`Guardrail` builds an ``AWS::Bedrock::Guardrail`` from a strict default a team can start
from and override:

- **content filters** for SEXUAL, VIOLENCE, HATE, INSULTS and MISCONDUCT on inputs and outputs,
  and PROMPT_ATTACK on inputs (prompt attacks are only detected in prompts, so its output
  strength is always NONE), all HIGH (:data:`STRICT_CONTENT_FILTERS`);
- **sensitive information**: credentials and secrets are blocked in both directions, common
  personal data is anonymized in model outputs (:data:`STRICT_PII_ENTITIES`), plus any custom
  regular expressions;
- **denied topics**, **denied words** and the managed **profanity** list;
- optional **contextual grounding** and **relevance** thresholds for answers built on retrieved
  sources;
- optional **KMS key**, the **CLASSIC or STANDARD tier** (STANDARD needs a cross-Region guardrail
  profile).

It also publishes a numbered **version** (``AWS::Bedrock::GuardrailVersion``) whose logical id
carries a hash of the rendered guardrail definition: a changed definition creates a new version
and an unchanged one keeps the current version. Callers and the enforcement pin that version,
never DRAFT. :attr:`Guardrail.guardrail_version_arn` is the value the
``bedrock:GuardrailIdentifier`` IAM condition key compares against.

:class:`GuardrailEnforcement` switches on account-level enforcement
(``AWS::Bedrock::EnforcedGuardrailConfiguration``): every Bedrock model invocation in the
account and Region then goes through the published version, for all models or a chosen subset.

Example::

    guardrail = Guardrail(stack, "Guardrail", denied_topics=[
        DeniedTopic(name="Investment advice", definition="Recommendations about investing."),
    ])
    GuardrailEnforcement(stack, "Enforcement", guardrail=guardrail)
    guardrail.grant_apply(gateway_function)
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeGuard

import aws_cdk as cdk
import jsii
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct, IConstruct

from genai_platform import regions
from genai_platform.constructs.grants import managed_policy_grantee
from genai_platform.constructs.interfaces import IGuardrail

__all__ = [
    "CREDENTIAL_PII_TYPES",
    "DEFAULT_BLOCKED_INPUT_MESSAGE",
    "DEFAULT_BLOCKED_OUTPUT_MESSAGE",
    "IMPORTED_KEY_WARNING_ID",
    "MAX_GROUNDING_THRESHOLD",
    "METRICS_NAMESPACE",
    "PERSONAL_PII_TYPES",
    "STRICT_CONTENT_FILTERS",
    "STRICT_PII_ENTITIES",
    "ContentFilter",
    "DeniedTopic",
    "Guardrail",
    "GuardrailEnforcement",
    "PiiEntity",
    "RegexFilter",
]

#: CloudWatch namespace of the guardrail runtime metrics.
METRICS_NAMESPACE = "AWS/Bedrock/Guardrails"

#: Returned instead of the prompt when the guardrail blocks an input.
DEFAULT_BLOCKED_INPUT_MESSAGE = (
    "Sorry, this request can't be processed because it conflicts with our usage policy. "
    "Please rephrase it and remove any personal data, credentials or harmful content."
)
#: Returned instead of the model's answer when the guardrail blocks an output.
DEFAULT_BLOCKED_OUTPUT_MESSAGE = (
    "Sorry, the answer to this request was withheld because it conflicts with our usage "
    "policy. Please try a different request."
)

#: Contextual grounding and relevance thresholds the service accepts (0 turns a check off
#: in effect; 0.99 blocks almost everything).
MAX_GROUNDING_THRESHOLD = 0.99

#: The filter type whose output strength must be NONE.
PROMPT_ATTACK = "PROMPT_ATTACK"
#: The tier that needs a cross-Region guardrail profile.
STANDARD_TIER = "STANDARD"

_STRENGTH_NONE = "NONE"
#: Actions ordered from weakest to strongest (for the PII entity's legacy ``action`` field).
_ACTION_ORDER = ("NONE", "ANONYMIZE", "BLOCK")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")
_PROFILE_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):bedrock:(?P<region>[a-z0-9-]{1,20}):(?P<account>\d{12}):"
    r"guardrail-profile/(?P<id>.+)"
)

#: Warning id this module may add (``cdk.Annotations``).
IMPORTED_KEY_WARNING_ID = "genai-platform:guardrail-imported-key"


# --------------------------------------------------------------------------- structured props


@dataclass(frozen=True, kw_only=True)
class ContentFilter:
    """One harmful-content filter.

    ``type`` is one of SEXUAL, VIOLENCE, HATE, INSULTS, MISCONDUCT, PROMPT_ATTACK; strengths are
    NONE, LOW, MEDIUM or HIGH. ``output_strength`` defaults to ``input_strength``, and for
    PROMPT_ATTACK to NONE, the only strength it allows (prompt attacks are detected in inputs).
    """

    type: str
    input_strength: str = "HIGH"
    output_strength: str | None = None

    @property
    def effective_output_strength(self) -> str:
        """The output strength rendered into the template."""
        if self.output_strength is not None:
            return self.output_strength
        return _STRENGTH_NONE if self.type == PROMPT_ATTACK else self.input_strength


@dataclass(frozen=True, kw_only=True)
class DeniedTopic:
    """A topic the guardrail refuses, in prompts and in answers.

    ``name`` (1-100 letters, digits, spaces and ``-_!?.``), ``definition`` (1-200 characters,
    say what the topic is, not what to do) and up to five ``examples`` of prompts on the topic
    (each 1-100 characters).
    """

    name: str
    definition: str
    examples: Sequence[str] = ()


@dataclass(frozen=True, kw_only=True)
class PiiEntity:
    """What to do when a type of personal or secret data is found.

    ``type`` is a Bedrock PII entity type (EMAIL, AWS_SECRET_KEY...); each action is BLOCK
    (replace the whole message by the blocked message), ANONYMIZE (replace the value by a
    ``{TYPE}`` tag) or NONE (only report it in the trace).
    """

    type: str
    input_action: str = "BLOCK"
    output_action: str = "BLOCK"


@dataclass(frozen=True, kw_only=True)
class RegexFilter:
    """A custom sensitive-data pattern, such as an internal account number.

    ``name`` (1-100 characters, unique), ``pattern`` (1-500 characters, evaluated by the
    service's regular-expression engine), ``action`` BLOCK, ANONYMIZE or NONE, and an optional
    ``description`` (1-1000 characters).
    """

    name: str
    pattern: str
    action: str = "BLOCK"
    description: str | None = None


#: Every content filter at HIGH; PROMPT_ATTACK on inputs only.
STRICT_CONTENT_FILTERS: tuple[ContentFilter, ...] = (
    ContentFilter(type="SEXUAL"),
    ContentFilter(type="VIOLENCE"),
    ContentFilter(type="HATE"),
    ContentFilter(type="INSULTS"),
    ContentFilter(type="MISCONDUCT"),
    ContentFilter(type=PROMPT_ATTACK),
)

#: Credentials and secrets: blocked in prompts and in answers.
CREDENTIAL_PII_TYPES: tuple[str, ...] = (
    "AWS_ACCESS_KEY",
    "AWS_SECRET_KEY",
    "PASSWORD",
    "PIN",
    "CREDIT_DEBIT_CARD_CVV",
)
#: Common personal data: let through in prompts (reported in the trace), anonymized in answers.
PERSONAL_PII_TYPES: tuple[str, ...] = (
    "NAME",
    "EMAIL",
    "PHONE",
    "ADDRESS",
    "USERNAME",
    "IP_ADDRESS",
    "DRIVER_ID",
    "CREDIT_DEBIT_CARD_NUMBER",
    "CREDIT_DEBIT_CARD_EXPIRY",
    "US_SOCIAL_SECURITY_NUMBER",
    "US_PASSPORT_NUMBER",
    "US_BANK_ACCOUNT_NUMBER",
    "INTERNATIONAL_BANK_ACCOUNT_NUMBER",
)
#: Credentials blocked both ways, personal data anonymized in outputs.
STRICT_PII_ENTITIES: tuple[PiiEntity, ...] = (
    *(PiiEntity(type=t, input_action="BLOCK", output_action="BLOCK") for t in CREDENTIAL_PII_TYPES),
    *(
        PiiEntity(type=t, input_action="NONE", output_action="ANONYMIZE")
        for t in PERSONAL_PII_TYPES
    ),
)


class _GuardrailMetrics:
    """The ``metric_*`` methods of a guardrail at one version, owned or imported."""

    @property
    def guardrail_arn(self) -> str:
        raise NotImplementedError

    @property
    def guardrail_version(self) -> str:
        raise NotImplementedError

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
        """A metric of namespace ``AWS/Bedrock/Guardrails`` for the published version.

        Dimensions GuardrailArn and GuardrailVersion, as Bedrock publishes them; entries of
        ``dimensions_map`` are added to (or replace) them, such as ``GuardrailContentSource``
        (Input / Output) or ``GuardrailPolicyType`` (ContentPolicy, TopicPolicy...). Default:
        statistic Sum over 5 minutes.
        """
        if not metric_name or not isinstance(metric_name, str):
            raise ValueError(f"metric_name: {metric_name!r} is not a metric name")
        return cloudwatch.Metric(
            namespace=METRICS_NAMESPACE,
            metric_name=metric_name,
            dimensions_map={
                "GuardrailArn": self.guardrail_arn,
                "GuardrailVersion": self.guardrail_version,
                **(dimensions_map or {}),
            },
            statistic=statistic or cloudwatch.Stats.SUM,
            period=period or cdk.Duration.minutes(5),
            label=label,
            unit=unit,
        )

    def metric_invocations(
        self, *, statistic: str | None = None, period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``Invocations``: requests evaluated by the guardrail. Default: Sum over 5 minutes."""
        return self.metric("Invocations", statistic=statistic, period=period)

    def metric_interventions(
        self, *, statistic: str | None = None, period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``InvocationsIntervened``: requests the guardrail blocked or masked. Default: Sum."""
        return self.metric("InvocationsIntervened", statistic=statistic, period=period)

    def metric_latency(
        self, *, statistic: str | None = None, period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``InvocationLatency`` in milliseconds. Default: p99 over 5 minutes."""
        return self.metric(
            "InvocationLatency",
            statistic=statistic or cloudwatch.Stats.percentile(99),
            period=period,
            unit=cloudwatch.Unit.MILLISECONDS,
        )

    def metric_text_units(
        self, *, statistic: str | None = None, period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``TextUnitCount``: text units consumed by the policies (what is billed). Sum."""
        return self.metric("TextUnitCount", statistic=statistic, period=period)

    def metric_throttles(
        self, *, statistic: str | None = None, period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``InvocationThrottles``: requests the service throttled. Default: Sum."""
        return self.metric("InvocationThrottles", statistic=statistic, period=period)


# --------------------------------------------------------------------------- the guardrail


class Guardrail(Construct, _GuardrailMetrics):
    """A Bedrock guardrail with a published, pinned version.

    Callers pin :attr:`guardrail_version` (with :attr:`guardrail_id` or :attr:`guardrail_arn`)
    in Converse / InvokeModel / ApplyGuardrail requests; IAM policies that make the guardrail
    mandatory compare the ``bedrock:GuardrailIdentifier`` condition key with
    :attr:`guardrail_version_arn` (``arn:<partition>:bedrock:<region>:<account>:guardrail/<id>:
    <version>``). Use :meth:`grant_apply` for the ``bedrock:ApplyGuardrail`` permission every
    caller needs, and the ``metric_*`` methods for dashboards and alarms.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        guardrail_name: str | None = None,
        description: str | None = None,
        content_filters: Sequence[ContentFilter] = STRICT_CONTENT_FILTERS,
        denied_topics: Sequence[DeniedTopic] = (),
        denied_words: Sequence[str] = (),
        profanity_filter: bool = True,
        pii_entities: Sequence[PiiEntity] = STRICT_PII_ENTITIES,
        regex_filters: Sequence[RegexFilter] = (),
        grounding_threshold: float | None = None,
        relevance_threshold: float | None = None,
        blocked_input_message: str = DEFAULT_BLOCKED_INPUT_MESSAGE,
        blocked_output_message: str = DEFAULT_BLOCKED_OUTPUT_MESSAGE,
        kms_key: kms.IKey | None = None,
        tier: str = "CLASSIC",
        cross_region_profile: str | None = None,
        cross_region_profile_regions: Sequence[str] = (),
        version_removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.DESTROY,
    ) -> None:
        """Create the guardrail and publish a version of it.

        Args:
            scope: Parent construct.
            id: Construct id.
            guardrail_name: Name, unique in the account and Region (1-50 letters, digits,
                ``-`` and ``_``). Default: a name made of the stack name, the construct path
                and a hash of both.
            description: What the guardrail is for (1-200 characters). Default: a sentence
                naming the construct path.
            content_filters: Harmful-content filters (at most one per type). Default:
                :data:`STRICT_CONTENT_FILTERS`, every type at HIGH; pass ``[]`` for none.
            denied_topics: Topics to refuse (at most 30). Default: no topic is denied.
            denied_words: Words or phrases to block in prompts and answers (1-100 characters
                each, at most 10,000, compared case-insensitively). Default: no custom word is
                blocked.
            profanity_filter: Whether to block the AWS-managed profanity list. Default: on.
            pii_entities: Actions per PII entity type (at most one per type). Default:
                :data:`STRICT_PII_ENTITIES`; pass ``[]`` for none.
            regex_filters: Custom sensitive-data patterns (at most 30). Default: no custom
                pattern.
            grounding_threshold: Block answers whose grounding score in the supplied source is
                below this (0 to 0.99); used only when a request marks a grounding source.
                Default: no grounding check.
            relevance_threshold: Block answers whose relevance to the query scores below this
                (0 to 0.99); used only when a request marks a query. Default: no relevance
                check.
            blocked_input_message: Returned instead of a blocked prompt (1-500 characters).
                Default: :data:`DEFAULT_BLOCKED_INPUT_MESSAGE`.
            blocked_output_message: Returned instead of a blocked answer (1-500 characters).
                Default: :data:`DEFAULT_BLOCKED_OUTPUT_MESSAGE`.
            kms_key: Customer-managed KMS key that encrypts the guardrail. A key-policy
                statement lets this account's principals use it through Bedrock in this Region
                (an imported key's policy cannot be changed: a warning then says what to add),
                and :meth:`grant_apply` also grants ``kms:Decrypt`` on it. Default: encrypted
                with a key Bedrock owns.
            tier: Safeguard tier of the content filters and denied topics, CLASSIC or STANDARD
                (better accuracy, more languages; needs ``cross_region_profile``). Default:
                CLASSIC.
            cross_region_profile: System-defined guardrail profile that spreads evaluation
                over the Regions of its geography: its id (``us.guardrail.v1:0``) or its ARN
                in this account and Region. Default: no cross-Region inference (evaluated in
                this Region only); required with tier STANDARD.
            cross_region_profile_regions: The Regions the profile routes to (for example
                ``["us-east-1", "us-east-2", "us-west-2"]``); :meth:`grant_apply` allows the
                profile in each. Only with ``cross_region_profile``. Default: the profile in
                every Region of this account (``bedrock:*``), which identity-policy checkers
                such as cdk-nag report as a wildcard on the grantee's policy.
            version_removal_policy: What happens to a published version when a definition
                change replaces it or the stack is deleted: DESTROY or RETAIN. Default:
                DESTROY (once everything in the stack pins the new version); RETAIN keeps
                old versions for callers outside the stack and for audits.

        Raises:
            ValueError: listing every invalid prop, its value and what is allowed.
        """
        stack = cdk.Stack.of(scope)
        _raise_problems(
            "Guardrail",
            _child_path(scope, id),
            _validate_guardrail(
                stack=stack,
                guardrail_name=guardrail_name,
                description=description,
                content_filters=content_filters,
                denied_topics=denied_topics,
                denied_words=denied_words,
                profanity_filter=profanity_filter,
                pii_entities=pii_entities,
                regex_filters=regex_filters,
                grounding_threshold=grounding_threshold,
                relevance_threshold=relevance_threshold,
                blocked_input_message=blocked_input_message,
                blocked_output_message=blocked_output_message,
                tier=tier,
                cross_region_profile=cross_region_profile,
                cross_region_profile_regions=cross_region_profile_regions,
                version_removal_policy=version_removal_policy,
            ),
        )
        super().__init__(scope, id)

        self._kms_key = kms_key
        self._tier = tier
        self._profile_id = _profile_id(cross_region_profile) if cross_region_profile else None
        self._profile_regions = tuple(cross_region_profile_regions)
        self._guardrail_name = guardrail_name or cdk.Names.unique_resource_name(
            self, max_length=50, separator="-"
        )
        if kms_key is not None:
            self._let_bedrock_use_key(kms_key)

        self._resource = bedrock.CfnGuardrail(
            self,
            "Resource",
            name=self._guardrail_name,
            description=description or _default_description(self.node.path),
            blocked_input_messaging=blocked_input_message,
            blocked_outputs_messaging=blocked_output_message,
            content_policy_config=_content_policy(content_filters, tier),
            topic_policy_config=_topic_policy(denied_topics, tier),
            word_policy_config=_word_policy(denied_words, profanity_filter),
            sensitive_information_policy_config=_sensitive_information_policy(
                pii_entities, regex_filters
            ),
            contextual_grounding_policy_config=_grounding_policy(
                grounding_threshold, relevance_threshold
            ),
            cross_region_config=(
                bedrock.CfnGuardrail.GuardrailCrossRegionConfigProperty(
                    guardrail_profile_arn=self._profile_arn(stack.region)
                )
                if self._profile_id
                else None
            ),
            kms_key_arn=kms_key.key_arn if kms_key else None,
        )

        # The version's logical id (and description) end in a hash of the rendered definition,
        # computed at synthesis: a new definition is a new resource, hence a new version number.
        definition_hash = _DefinitionHash(self._resource)
        self._version = bedrock.CfnGuardrailVersion(
            self,
            "Version",
            guardrail_identifier=self._resource.attr_guardrail_id,
            description=cdk.Lazy.uncached_string(_Prefixed("Definition sha256:", definition_hash)),
        )
        base_logical_id = stack.resolve(self._version.logical_id)
        self._version.override_logical_id(
            cdk.Lazy.uncached_string(_Prefixed(base_logical_id, definition_hash))
        )
        self._version.apply_removal_policy(version_removal_policy)

    # --------------------------------------------------------------------- attributes

    @property
    def resource(self) -> bedrock.CfnGuardrail:
        """The ``AWS::Bedrock::Guardrail`` (the DRAFT the versions are published from)."""
        return self._resource

    @property
    def version(self) -> bedrock.CfnGuardrailVersion:
        """The ``AWS::Bedrock::GuardrailVersion`` of the current definition."""
        return self._version

    @property
    def guardrail_name(self) -> str:
        """The guardrail's name."""
        return self._guardrail_name

    @property
    def guardrail_id(self) -> str:
        """The guardrail's id (``abcd1234efgh``)."""
        return self._resource.attr_guardrail_id

    @property
    def guardrail_arn(self) -> str:
        """``arn:<partition>:bedrock:<region>:<account>:guardrail/<id>``, no version."""
        return self._resource.attr_guardrail_arn

    @property
    def guardrail_version(self) -> str:
        """The published version number (``"1"``, ``"2"``...): pin this, never DRAFT."""
        return self._version.attr_version

    @property
    def guardrail_version_arn(self) -> str:
        """``<guardrail_arn>:<guardrail_version>``.

        The value of the ``bedrock:GuardrailIdentifier`` condition key when a request names
        this guardrail at the published version, so an IAM policy that allows model
        invocation only with ``StringEquals`` on it makes the pinned guardrail mandatory.
        """
        return f"{self.guardrail_arn}:{self.guardrail_version}"

    @property
    def kms_key(self) -> kms.IKey | None:
        """The customer-managed key that encrypts the guardrail; None for a Bedrock-owned key."""
        return self._kms_key

    @property
    def tier(self) -> str:
        """CLASSIC or STANDARD."""
        return self._tier

    @property
    def account(self) -> str:
        """The account the guardrail lives in (its stack's)."""
        return cdk.Stack.of(self).account

    @property
    def region(self) -> str:
        """The Region the guardrail lives in (its stack's)."""
        return cdk.Stack.of(self).region

    # --------------------------------------------------------------------- import

    @staticmethod
    def from_guardrail_attributes(
        scope: Construct,
        id: str,
        *,
        guardrail_arn: str,
        version: str | int,
        encryption_key: kms.IKey | None = None,
        cross_region_profile_arns: Sequence[str] = (),
    ) -> IGuardrail:
        """Reference a guardrail this stack does not own, at one published version.

        Nothing is created: the returned object carries the ARNs it was given, and its
        :meth:`~IGuardrail.grant_apply` grants ``bedrock:ApplyGuardrail`` on exactly
        ``guardrail_arn`` and ``cross_region_profile_arns`` (and ``kms:Decrypt`` on
        ``encryption_key``). A guardrail of another account can only be applied once its
        owner attaches a resource-based policy that lets the grantee apply it (Amazon Bedrock
        User Guide, "Using resource-based policies for guardrails"); an info annotation says
        so.

        Args:
            scope: Parent construct.
            id: Construct id.
            guardrail_arn: ``arn:<partition>:bedrock:<region>:<account>:guardrail/<id>``
                (no version), or a deploy-time token such as an SSM parameter's value.
            version: The published version to pin, a number from 1 to 99999999 (``"3"`` or
                ``3``) or a token; never DRAFT, which IAM cannot make mandatory.
            encryption_key: The customer-managed key that encrypts the guardrail. Default: the
                guardrail uses a key Bedrock owns, and no KMS permission is granted.
            cross_region_profile_arns: The guardrail profile's ARN in each Region it routes
                to (``arn:<partition>:bedrock:<region>:<account>:guardrail-profile/<id>``),
                for a guardrail with cross-Region inference (STANDARD tier). Default: none;
                the guardrail is evaluated in its own Region.

        Raises:
            ValueError: listing every invalid attribute, its value and what is allowed.
        """
        _raise_problems(
            "Guardrail.from_guardrail_attributes",
            _child_path(scope, id),
            _validate_import(guardrail_arn, version, encryption_key, cross_region_profile_arns),
        )
        return _ImportedGuardrail(
            scope,
            id,
            guardrail_arn=guardrail_arn,
            version=str(version),
            encryption_key=encryption_key,
            profile_arns=tuple(cross_region_profile_arns),
        )

    # --------------------------------------------------------------------- grants

    def grant_apply(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` evaluate content with this guardrail.

        Grants ``bedrock:ApplyGuardrail`` on the guardrail, which both the ApplyGuardrail API
        and model invocations that name the guardrail need; with a cross-Region profile also
        on the profile in its Regions (see ``cross_region_profile_regions``); with a
        customer-managed key also ``kms:Decrypt`` on the key.
        """
        resources = [self.guardrail_arn]
        if self._profile_id:
            regions = self._profile_regions or ("*",)
            resources.extend(self._profile_arn(region) for region in regions)
        # A role, user or group gets the statements in a customer-managed policy (no inline
        # policy on someone else's role: NIST/HIPAA IAMNoInlinePolicy).
        grantee = managed_policy_grantee(self, grantee, description="Apply the guardrail")
        grant = iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["bedrock:ApplyGuardrail"],
            resource_arns=resources,
        )
        if self._kms_key is not None:
            self._kms_key.grant_decrypt(grantee)
        return grant

    # --------------------------------------------------------------------- helpers

    def _profile_arn(self, region: str) -> str:
        stack = cdk.Stack.of(self)
        return stack.format_arn(
            service="bedrock",
            region=region,
            resource="guardrail-profile",
            resource_name=self._profile_id,
        )

    def _let_bedrock_use_key(self, key: kms.IKey) -> None:
        """Key policy: this account's principals may use the key through Bedrock here only."""
        stack = cdk.Stack.of(self)
        added = key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowBedrockGuardrailsInThisAccount",
                principals=[iam.AccountRootPrincipal()],
                actions=[
                    "kms:Decrypt",
                    "kms:GenerateDataKey",
                    "kms:DescribeKey",
                    "kms:CreateGrant",
                ],
                resources=["*"],
                conditions={
                    "StringEquals": {
                        "kms:ViaService": f"bedrock.{stack.region}.{stack.url_suffix}",
                        "kms:CallerAccount": stack.account,
                    }
                },
            )
        )
        if not added.statement_added:
            cdk.Annotations.of(self).add_warning_v2(
                IMPORTED_KEY_WARNING_ID,
                "kms_key is imported, so its key policy was not changed: let the principals "
                "that deploy and call the guardrail use kms:Decrypt, kms:GenerateDataKey, "
                "kms:DescribeKey and kms:CreateGrant through bedrock (kms:ViaService), or "
                "creating the guardrail fails",
            )


class _ImportedGuardrail(Construct, _GuardrailMetrics):
    """A guardrail referenced by its attributes (:meth:`Guardrail.from_guardrail_attributes`)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        guardrail_arn: str,
        version: str,
        encryption_key: kms.IKey | None,
        profile_arns: tuple[str, ...],
    ) -> None:
        super().__init__(scope, id)
        self._arn = guardrail_arn
        self._version = version
        self._key = encryption_key
        self._profile_arns = profile_arns
        parts = cdk.Arn.split(guardrail_arn, cdk.ArnFormat.SLASH_RESOURCE_NAME)
        self._id = parts.resource_name or ""
        self._account = parts.account or ""
        self._region = parts.region or ""

    @property
    def account(self) -> str:
        """The account of the guardrail's ARN."""
        return self._account

    @property
    def region(self) -> str:
        """The Region of the guardrail's ARN."""
        return self._region

    @property
    def guardrail_arn(self) -> str:
        """The ARN given."""
        return self._arn

    @property
    def guardrail_id(self) -> str:
        """The id, the last part of the ARN."""
        return self._id

    @property
    def guardrail_version(self) -> str:
        """The version given."""
        return self._version

    @property
    def guardrail_version_arn(self) -> str:
        """``<guardrail_arn>:<version>``."""
        return f"{self._arn}:{self._version}"

    @property
    def kms_key(self) -> kms.IKey | None:
        """The key given; None when none was."""
        return self._key

    def grant_apply(self, grantee: iam.IGrantable) -> iam.Grant:
        """``bedrock:ApplyGuardrail`` on the guardrail ARN and the profile ARNs given, and
        ``kms:Decrypt`` on the key given."""
        account = self._account
        here = cdk.Stack.of(self).account
        if not (
            cdk.Token.is_unresolved(account) or cdk.Token.is_unresolved(here) or account == here
        ):
            cdk.Annotations.of(self).add_info(
                f"The guardrail belongs to account {account}: its owner must attach a "
                "resource-based policy that lets the grantee call bedrock:ApplyGuardrail on it "
                "(and on its guardrail profiles), or every call that names it is denied"
            )
        grantee = managed_policy_grantee(self, grantee, description="Apply the guardrail")
        grant = iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["bedrock:ApplyGuardrail"],
            resource_arns=[self._arn, *self._profile_arns],
        )
        if self._key is not None:
            self._key.grant_decrypt(grantee)
        return grant


# --------------------------------------------------------------------------- the enforcement


class GuardrailEnforcement(Construct):
    """Account-level enforcement of a guardrail's published version.

    Every Bedrock model invocation in the stack's account and Region is then evaluated by
    ``guardrail`` at :attr:`Guardrail.guardrail_version`, in addition to any guardrail the
    request names (the stricter control wins). An account has one enforced configuration per
    Region: put one ``GuardrailEnforcement`` in one stack per account and Region.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        guardrail: Guardrail,
        included_models: Sequence[str] | None = None,
        excluded_models: Sequence[str] = (),
        system_prompt_guarding: str = "COMPREHENSIVE",
        message_guarding: str = "COMPREHENSIVE",
    ) -> None:
        """Enforce ``guardrail`` for the account.

        Args:
            scope: Parent construct.
            id: Construct id.
            guardrail: The guardrail whose published version is enforced.
            included_models: Base model ids to enforce on (``anthropic.claude-3-haiku-
                20240307-v1:0``), or ``["ALL"]``. Default: all models (with
                ``excluded_models``: all models but those).
            excluded_models: Base model ids to leave out, such as embedding models. Not also
                in ``included_models``. Default: no model is left out.
            system_prompt_guarding: COMPREHENSIVE (evaluate every system prompt) or SELECTIVE
                (only the parts a request tags for guarding). Default: COMPREHENSIVE.
            message_guarding: COMPREHENSIVE or SELECTIVE, for user and assistant messages.
                Default: COMPREHENSIVE.

        Raises:
            ValueError: listing every invalid prop, its value and what is allowed.
        """
        _raise_problems(
            "GuardrailEnforcement",
            _child_path(scope, id),
            _validate_enforcement(
                scope=scope,
                guardrail=guardrail,
                included_models=included_models,
                excluded_models=excluded_models,
                system_prompt_guarding=system_prompt_guarding,
                message_guarding=message_guarding,
            ),
        )
        super().__init__(scope, id)
        self._guardrail = guardrail
        model_enforcement = None
        if included_models is not None or excluded_models:
            model_enforcement = bedrock.CfnEnforcedGuardrailConfiguration.ModelEnforcementProperty(
                included_models=list(included_models) if included_models is not None else ["ALL"],
                excluded_models=list(excluded_models),
            )
        self._resource = bedrock.CfnEnforcedGuardrailConfiguration(
            self,
            "Resource",
            guardrail_identifier=guardrail.guardrail_arn,
            guardrail_version=guardrail.guardrail_version,
            model_enforcement=model_enforcement,
            selective_content_guarding=(
                bedrock.CfnEnforcedGuardrailConfiguration.SelectiveContentGuardingProperty(
                    system=system_prompt_guarding, messages=message_guarding
                )
            ),
        )

    @property
    def resource(self) -> bedrock.CfnEnforcedGuardrailConfiguration:
        """The ``AWS::Bedrock::EnforcedGuardrailConfiguration``."""
        return self._resource

    @property
    def guardrail(self) -> Guardrail:
        """The enforced guardrail."""
        return self._guardrail

    @property
    def config_id(self) -> str:
        """The id of the account's enforced guardrail configuration."""
        return self._resource.attr_config_id


# --------------------------------------------------------------------------- rendering


def _content_policy(
    filters: Sequence[ContentFilter], tier: str
) -> bedrock.CfnGuardrail.ContentPolicyConfigProperty | None:
    if not filters:
        return None
    return bedrock.CfnGuardrail.ContentPolicyConfigProperty(
        filters_config=[
            bedrock.CfnGuardrail.ContentFilterConfigProperty(
                type=f.type,
                input_strength=f.input_strength,
                # Prompt attacks are detected in inputs only: the service requires NONE.
                output_strength=_STRENGTH_NONE
                if f.type == PROMPT_ATTACK
                else f.effective_output_strength,
            )
            for f in filters
        ],
        content_filters_tier_config=bedrock.CfnGuardrail.ContentFiltersTierConfigProperty(
            tier_name=tier
        ),
    )


def _topic_policy(
    topics: Sequence[DeniedTopic], tier: str
) -> bedrock.CfnGuardrail.TopicPolicyConfigProperty | None:
    if not topics:
        return None
    return bedrock.CfnGuardrail.TopicPolicyConfigProperty(
        topics_config=[
            bedrock.CfnGuardrail.TopicConfigProperty(
                name=t.name,
                definition=t.definition,
                type="DENY",
                examples=list(t.examples) or None,
            )
            for t in topics
        ],
        topics_tier_config=bedrock.CfnGuardrail.TopicsTierConfigProperty(tier_name=tier),
    )


def _word_policy(
    words: Sequence[str], profanity: bool
) -> bedrock.CfnGuardrail.WordPolicyConfigProperty | None:
    if not words and not profanity:
        return None
    return bedrock.CfnGuardrail.WordPolicyConfigProperty(
        words_config=[bedrock.CfnGuardrail.WordConfigProperty(text=w) for w in words] or None,
        managed_word_lists_config=(
            [bedrock.CfnGuardrail.ManagedWordsConfigProperty(type="PROFANITY")]
            if profanity
            else None
        ),
    )


def _sensitive_information_policy(
    entities: Sequence[PiiEntity], regexes: Sequence[RegexFilter]
) -> bedrock.CfnGuardrail.SensitiveInformationPolicyConfigProperty | None:
    if not entities and not regexes:
        return None
    return bedrock.CfnGuardrail.SensitiveInformationPolicyConfigProperty(
        pii_entities_config=[
            bedrock.CfnGuardrail.PiiEntityConfigProperty(
                type=e.type,
                # The required legacy field: the stronger of the two directions.
                action=max(e.input_action, e.output_action, key=_ACTION_ORDER.index),
                input_action=e.input_action,
                output_action=e.output_action,
            )
            for e in entities
        ]
        or None,
        regexes_config=[
            bedrock.CfnGuardrail.RegexConfigProperty(
                name=r.name, pattern=r.pattern, action=r.action, description=r.description
            )
            for r in regexes
        ]
        or None,
    )


def _grounding_policy(
    grounding: float | None, relevance: float | None
) -> bedrock.CfnGuardrail.ContextualGroundingPolicyConfigProperty | None:
    filters = [
        bedrock.CfnGuardrail.ContextualGroundingFilterConfigProperty(type=kind, threshold=value)
        for kind, value in (("GROUNDING", grounding), ("RELEVANCE", relevance))
        if value is not None
    ]
    if not filters:
        return None
    return bedrock.CfnGuardrail.ContextualGroundingPolicyConfigProperty(filters_config=filters)


@jsii.implements(cdk.IStringProducer)
class _DefinitionHash:
    """The first 16 hex digits of the SHA-256 of the guardrail's rendered properties.

    Tags are left out (they are not part of a version). Raw overrides made with
    ``add_property_override`` are not seen by this hash: change the definition through props.
    """

    def __init__(self, resource: bedrock.CfnGuardrail) -> None:
        self._resource = resource

    def produce(self, context: cdk.IResolveContext) -> str:
        stack = cdk.Stack.of(self._resource)
        rendered = stack.resolve(self._resource._render_properties(self._resource._cfn_properties))
        definition = {k: v for k, v in rendered.items() if k != "Tags"}
        digest = hashlib.sha256(
            json.dumps(definition, sort_keys=True, separators=(",", ":")).encode("utf-8")
        )
        return digest.hexdigest()[:16]


@jsii.implements(cdk.IStringProducer)
class _Prefixed:
    def __init__(self, prefix: str, inner: _DefinitionHash) -> None:
        self._prefix = prefix
        self._inner = inner

    def produce(self, context: cdk.IResolveContext) -> str:
        return f"{self._prefix}{self._inner.produce(context)}"


def _default_description(path: str) -> str:
    text = f"Guardrail {path}, managed by genai-platform"
    _, high = _bounds("GuardrailDescription")
    return text if len(text) <= high else text[: high - 3] + "..."


def _profile_id(identifier: str) -> str:
    match = _PROFILE_ARN.fullmatch(identifier)
    return match.group("id") if match else identifier


# --------------------------------------------------------------------------- service model


@functools.cache
def _shape_metadata(shape: str) -> Mapping[str, Any]:
    """Enum, min, max and pattern of one shape of the Bedrock API model botocore ships."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("bedrock")
    found = model.shape_for(shape)
    metadata: dict[str, Any] = dict(found.metadata)
    return metadata


def _enum(shape: str) -> tuple[str, ...]:
    return tuple(_shape_metadata(shape)["enum"])


def _bounds(shape: str) -> tuple[int, int]:
    metadata = _shape_metadata(shape)
    return int(metadata.get("min", 0)), int(metadata["max"])


def _pattern(shape: str) -> re.Pattern[str]:
    return re.compile(str(_shape_metadata(shape)["pattern"]))


# --------------------------------------------------------------------------- validation


def _child_path(scope: IConstruct, id: str) -> str:
    return "/".join(p for p in (scope.node.path, id) if p)


def _raise_problems(kind: str, path: str, problems: list[str]) -> None:
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise ValueError(f"{kind} {path!r}: invalid props ({len(problems)} problems):\n{lines}")


def _is_token(value: object) -> bool:
    """A deploy-time value. Only strings and finite numbers are asked (jsii cannot send NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return isinstance(value, (str, int, float)) and cdk.Token.is_unresolved(value)


def _is_number(value: object) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _allowed(values: Sequence[str]) -> str:
    return ", ".join(values)


def _check_text(prop: str, value: object, shape: str, *, optional: bool = False) -> list[str]:
    """A string within the service's length limits (and pattern, when the shape has one)."""
    if (optional and value is None) or _is_token(value):
        return []
    low, high = _bounds(shape)
    pattern = _shape_metadata(shape).get("pattern")
    if isinstance(value, str) and low <= len(value) <= high:
        if pattern is None or re.fullmatch(pattern, value):
            return []
        return [f"{prop}: {value!r} has characters the service does not allow ({pattern})"]
    shown = value if not isinstance(value, str) or len(value) <= 80 else value[:77] + "..."
    size = f" ({len(value)} characters)" if isinstance(value, str) else ""
    return [f"{prop}: {shown!r}{size} is not allowed; give {low}-{high} characters"]


def _check_choice(prop: str, value: object, shape: str, what: str) -> list[str]:
    allowed = _enum(shape)
    if _is_token(value) or value in allowed:
        return []
    return [f"{prop}: {value!r} is not a {what}; allowed: {_allowed(allowed)}"]


def _items(prop: str, value: object, cls: type) -> tuple[list[Any], list[str]]:
    """The items of a sequence prop that are instances of ``cls``, and a problem per other."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        return [], [f"{prop}: {value!r} is not a list of {cls.__name__}"]
    good, problems = [], []
    for i, item in enumerate(value):
        if isinstance(item, cls):
            good.append(item)
        else:
            problems.append(f"{prop}[{i}]: {item!r} is not a {cls.__name__}")
    return good, problems


def _duplicates(values: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    for v in values:
        key = v.casefold()
        seen[key] = seen.get(key, 0) + 1
    return sorted({v for v in values if seen[v.casefold()] > 1})


def _check_content_filters(filters: object) -> list[str]:
    good, problems = _items("content_filters", filters, ContentFilter)
    types, strengths = _enum("GuardrailContentFilterType"), _enum("GuardrailFilterStrength")
    for i, f in enumerate(good):
        where = f"content_filters[{i}]"
        if f.type not in types:
            problems.append(
                f"{where}.type: {f.type!r} is not a content filter type; allowed: {_allowed(types)}"
            )
        for field, value in (
            ("input_strength", f.input_strength),
            ("output_strength", f.output_strength),
        ):
            if value is not None and value not in strengths:
                problems.append(
                    f"{where}.{field}: {value!r} is not a filter strength; allowed: "
                    f"{_allowed(strengths)}"
                )
        if f.type == PROMPT_ATTACK and f.output_strength not in (None, _STRENGTH_NONE):
            problems.append(
                f"{where}.output_strength: {f.output_strength!r} is not allowed for "
                "PROMPT_ATTACK; prompt attacks are only detected in inputs, so it must be "
                "'NONE' (or left out)"
            )
        elif f.input_strength == _STRENGTH_NONE and f.effective_output_strength == _STRENGTH_NONE:
            problems.append(
                f"{where}: {f.type} with both strengths 'NONE' filters nothing; leave the "
                "filter out instead"
            )
    repeated = _duplicates([f.type for f in good if isinstance(f.type, str)])
    if repeated:
        problems.append(
            f"content_filters: {repeated!r} listed more than once; give each filter type once"
        )
    return problems


def _check_denied_topics(topics: object) -> list[str]:
    good, problems = _items("denied_topics", topics, DeniedTopic)
    _, max_topics = _bounds("GuardrailTopicsConfig")
    if len(good) > max_topics:
        problems.append(
            f"denied_topics: {len(good)} topics ({[t.name for t in good]!r}); at most {max_topics}"
        )
    _, max_examples = _bounds("GuardrailTopicExamples")
    for i, t in enumerate(good):
        where = f"denied_topics[{i}]"
        problems += _check_text(f"{where}.name", t.name, "GuardrailTopicName")
        problems += _check_text(f"{where}.definition", t.definition, "GuardrailTopicDefinition")
        examples = t.examples
        if isinstance(examples, str) or not isinstance(examples, Sequence):
            problems.append(f"{where}.examples: {examples!r} is not a list of example prompts")
            continue
        if len(examples) > max_examples:
            problems.append(f"{where}.examples: {len(examples)} examples; at most {max_examples}")
        for j, example in enumerate(examples):
            problems += _check_text(f"{where}.examples[{j}]", example, "GuardrailTopicExample")
    repeated = _duplicates([t.name for t in good if isinstance(t.name, str)])
    if repeated:
        problems.append(f"denied_topics: names {repeated!r} used more than once; name each once")
    return problems


def _check_denied_words(words: object) -> list[str]:
    if isinstance(words, str) or not isinstance(words, Sequence):
        return [f"denied_words: {words!r} is not a list of words"]
    problems = []
    _, max_words = _bounds("GuardrailWordsConfig")
    if len(words) > max_words:
        problems.append(f"denied_words: {len(words)} words; at most {max_words}")
    low, high = _bounds("GuardrailWordConfigTextString")
    bad = [
        w
        for w in words
        if not _is_token(w) and not (isinstance(w, str) and w.strip() and low <= len(w) <= high)
    ]
    if bad:
        problems.append(
            f"denied_words: {bad!r} are not allowed; each word or phrase has {low}-{high} "
            "characters, not only spaces"
        )
    repeated = _duplicates([w for w in words if isinstance(w, str) and not _is_token(w)])
    if repeated:
        problems.append(
            f"denied_words: {repeated!r} listed more than once (case-insensitive); list each once"
        )
    return problems


def _check_pii_entities(entities: object) -> list[str]:
    good, problems = _items("pii_entities", entities, PiiEntity)
    for i, e in enumerate(good):
        where = f"pii_entities[{i}]"
        problems += _check_choice(
            f"{where}.type", e.type, "GuardrailPiiEntityType", "PII entity type"
        )
        for field in ("input_action", "output_action"):
            problems += _check_choice(
                f"{where}.{field}",
                getattr(e, field),
                "GuardrailSensitiveInformationAction",
                "sensitive-information action",
            )
    repeated = _duplicates([e.type for e in good if isinstance(e.type, str)])
    if repeated:
        problems.append(f"pii_entities: {repeated!r} listed more than once; give each type once")
    return problems


def _check_regex_filters(regexes: object) -> list[str]:
    good, problems = _items("regex_filters", regexes, RegexFilter)
    _, max_regexes = _bounds("GuardrailRegexesConfig")
    if len(good) > max_regexes:
        problems.append(f"regex_filters: {len(good)} patterns; at most {max_regexes}")
    for i, r in enumerate(good):
        where = f"regex_filters[{i}]"
        problems += _check_text(f"{where}.name", r.name, "GuardrailRegexConfigNameString")
        problems += _check_text(f"{where}.pattern", r.pattern, "GuardrailRegexConfigPatternString")
        problems += _check_text(
            f"{where}.description",
            r.description,
            "GuardrailRegexConfigDescriptionString",
            optional=True,
        )
        problems += _check_choice(
            f"{where}.action",
            r.action,
            "GuardrailSensitiveInformationAction",
            "sensitive-information action",
        )
    repeated = _duplicates([r.name for r in good if isinstance(r.name, str)])
    if repeated:
        problems.append(f"regex_filters: names {repeated!r} used more than once; name each once")
    return problems


def _check_threshold(prop: str, value: object) -> list[str]:
    if value is None or _is_token(value):
        return []
    if _is_number(value) and 0 <= value <= MAX_GROUNDING_THRESHOLD:
        return []
    return [
        f"{prop}: {value!r} is not allowed; give a number from 0 to {MAX_GROUNDING_THRESHOLD}, "
        "or None for no check"
    ]


def _check_profile(stack: cdk.Stack, tier: str, profile: object, regions: object) -> list[str]:
    problems = []
    if profile is None:
        if tier == STANDARD_TIER:
            problems.append(
                "cross_region_profile: None is not allowed with tier 'STANDARD'; the STANDARD "
                "tier needs cross-Region inference: give a guardrail profile such as "
                "'us.guardrail.v1:0' or its ARN, or use tier 'CLASSIC'"
            )
        if regions:
            problems.append(
                f"cross_region_profile_regions: {regions!r} given without "
                "cross_region_profile; give the profile too, or leave the regions out"
            )
        return problems
    if not _is_token(profile):
        if not (
            isinstance(profile, str)
            and _pattern("GuardrailCrossRegionGuardrailProfileIdentifier").fullmatch(profile)
        ):
            problems.append(
                f"cross_region_profile: {profile!r} is not a guardrail profile; give its id "
                "('us.guardrail.v1:0') or ARN (arn:aws:bedrock:<region>:<account>:"
                "guardrail-profile/<id>)"
            )
        else:
            match = _PROFILE_ARN.fullmatch(profile)
            for part, expected in (("region", stack.region), ("account", stack.account)):
                if match and not cdk.Token.is_unresolved(expected) and match[part] != expected:
                    problems.append(
                        f"cross_region_profile: {profile!r} is in {part} {match[part]!r}, "
                        f"but the stack's {part} is {expected!r}; give the profile of the "
                        "stack's account and Region, or its id"
                    )
    if isinstance(regions, str) or not isinstance(regions, Sequence):
        problems.append(f"cross_region_profile_regions: {regions!r} is not a list of Regions")
    else:
        bad = [
            r
            for r in regions
            if not _is_token(r) and not (isinstance(r, str) and _REGION.fullmatch(r))
        ]
        if bad:
            problems.append(
                f"cross_region_profile_regions: {bad!r} are not Region names (like 'us-east-2')"
            )
    return problems


def _validate_guardrail(
    *,
    stack: cdk.Stack,
    guardrail_name: object,
    description: object,
    content_filters: object,
    denied_topics: object,
    denied_words: object,
    profanity_filter: object,
    pii_entities: object,
    regex_filters: object,
    grounding_threshold: object,
    relevance_threshold: object,
    blocked_input_message: object,
    blocked_output_message: object,
    tier: object,
    cross_region_profile: object,
    cross_region_profile_regions: object,
    version_removal_policy: object,
) -> list[str]:
    """Every problem with the guardrail's props, in prop order."""
    problems = [
        *_check_text("guardrail_name", guardrail_name, "GuardrailName", optional=True),
        *_check_text("description", description, "GuardrailDescription", optional=True),
        *_check_content_filters(content_filters),
        *_check_denied_topics(denied_topics),
        *_check_denied_words(denied_words),
        *_check_pii_entities(pii_entities),
        *_check_regex_filters(regex_filters),
        *_check_threshold("grounding_threshold", grounding_threshold),
        *_check_threshold("relevance_threshold", relevance_threshold),
        *_check_text("blocked_input_message", blocked_input_message, "GuardrailBlockedMessaging"),
        *_check_text("blocked_output_message", blocked_output_message, "GuardrailBlockedMessaging"),
        *_check_choice("tier", tier, "GuardrailContentFiltersTierName", "guardrail tier"),
        *_check_profile(stack, str(tier), cross_region_profile, cross_region_profile_regions),
    ]
    problems += _region_problems(stack, regions.GUARDRAILS)
    if not isinstance(profanity_filter, bool):
        problems.append(f"profanity_filter: {profanity_filter!r} is not True or False")
    if version_removal_policy not in (cdk.RemovalPolicy.DESTROY, cdk.RemovalPolicy.RETAIN):
        problems.append(
            f"version_removal_policy: {version_removal_policy!r} is not allowed; give "
            "RemovalPolicy.DESTROY or RemovalPolicy.RETAIN"
        )
    has_policy = (
        _non_empty(content_filters)
        or _non_empty(denied_topics)
        or _non_empty(denied_words)
        or profanity_filter is True
        or _non_empty(pii_entities)
        or _non_empty(regex_filters)
        or grounding_threshold is not None
        or relevance_threshold is not None
    )
    if not has_policy:
        problems.append(
            "content_filters, denied_topics, denied_words, profanity_filter, pii_entities, "
            "regex_filters, grounding_threshold, relevance_threshold: all empty or off, so the "
            "guardrail has no policy at all; configure at least one"
        )
    return problems


def _non_empty(value: object) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str) and len(value) > 0


def _check_models(prop: str, models: object, shape: str) -> tuple[list[str], list[str]]:
    """The resolved model ids of a list prop, and its problems."""
    if isinstance(models, str) or not isinstance(models, Sequence):
        return [], [f"{prop}: {models!r} is not a list of model ids"]
    pattern = _pattern(shape)
    resolved = [m for m in models if not _is_token(m)]
    problems = []
    bad = [m for m in resolved if not (isinstance(m, str) and pattern.fullmatch(m))]
    if bad:
        problems.append(
            f"{prop}: {bad!r} are not base model ids (provider.model-name[:version], such as "
            "'anthropic.claude-3-haiku-20240307-v1:0'; inference profiles are not accepted)"
        )
    repeated = sorted({str(m) for m in resolved if resolved.count(m) > 1})
    if repeated:
        problems.append(f"{prop}: {repeated!r} listed more than once; list each once")
    return [m for m in resolved if isinstance(m, str)], problems


def _region_problems(stack: cdk.Stack, feature: regions.RegionalFeature) -> list[str]:
    """The stack's region must offer ``feature`` (see :mod:`genai_platform.regions`)."""
    if cdk.Token.is_unresolved(stack.region):
        return []
    problem = regions.feature_problem(feature, stack.region, prop="scope")
    return [problem] if problem else []


def _validate_enforcement(
    *,
    scope: Construct,
    guardrail: object,
    included_models: object,
    excluded_models: object,
    system_prompt_guarding: object,
    message_guarding: object,
) -> list[str]:
    """Every problem with the enforcement's props."""
    problems = []
    if not isinstance(guardrail, Guardrail):
        problems.append(
            f"guardrail: {guardrail!r} is not a Guardrail; enforcement pins a version this "
            "library publishes"
        )
    included: list[str] = []
    if included_models is not None:
        included, found = _check_models("included_models", included_models, "IncludedModelId")
        problems += found
        if isinstance(included_models, Sequence) and not included_models:
            problems.append(
                "included_models: [] would enforce the guardrail on no model; leave it out (or "
                "give ['ALL']) to enforce on all models"
            )
        if "ALL" in included and len(included) > 1:
            problems.append(
                f"included_models: {included!r} mixes 'ALL' with model ids; give ['ALL'] alone "
                "or only model ids"
            )
    excluded, found = _check_models("excluded_models", excluded_models, "ExcludedModelId")
    problems += found
    both = sorted(set(included) & set(excluded))
    if both:
        problems.append(
            f"excluded_models: {both!r} also in included_models; the service would exclude "
            "them, so remove them from one of the lists"
        )
    modes = ("SELECTIVE", "COMPREHENSIVE")
    for prop, value in (
        ("system_prompt_guarding", system_prompt_guarding),
        ("message_guarding", message_guarding),
    ):
        if not _is_token(value) and value not in _enum("SelectiveGuardingMode"):
            problems.append(f"{prop}: {value!r} is not a guarding mode; allowed: {_allowed(modes)}")
    stack = cdk.Stack.of(scope)
    problems += _region_problems(stack, regions.GUARDRAIL_ENFORCEMENT)
    if isinstance(guardrail, Guardrail):
        home = cdk.Stack.of(guardrail)
        for part, here, there in (
            ("account", stack.account, home.account),
            ("region", stack.region, home.region),
        ):
            if not (cdk.Token.is_unresolved(here) or cdk.Token.is_unresolved(there)) and (
                here != there
            ):
                problems.append(
                    f"guardrail: {guardrail.node.path!r} is in {part} {there!r}, but the "
                    f"enforcement's stack is in {part} {here!r}; enforce a guardrail of the "
                    "same account and Region"
                )
    existing = [c.node.path for c in stack.node.find_all() if isinstance(c, GuardrailEnforcement)]
    if existing:
        problems.append(
            f"guardrail: the stack already enforces a guardrail at {existing[0]!r}; an account "
            "has one enforced guardrail configuration per Region"
        )
    return problems


_GUARDRAIL_ARN = re.compile(
    r"arn:aws[a-z-]*:bedrock:[a-z]{2}(?:-[a-z]+)+-\d{1,2}:\d{12}:guardrail/[a-z0-9]+"
)
_VERSION = re.compile(r"[1-9][0-9]{0,7}")


def _validate_import(
    guardrail_arn: object, version: object, key: object, profile_arns: object
) -> list[str]:
    """Every problem with the attributes of an imported guardrail."""
    problems = []
    if not _is_token(guardrail_arn) and not (
        isinstance(guardrail_arn, str) and _GUARDRAIL_ARN.fullmatch(guardrail_arn)
    ):
        problems.append(
            f"guardrail_arn: {guardrail_arn!r} is not a guardrail ARN; give "
            "arn:<partition>:bedrock:<region>:<12-digit account>:guardrail/<id> (lowercase id, "
            "no version: pass the version as version)"
        )
    if isinstance(version, bool) or not (
        (isinstance(version, int) and 1 <= version <= 99_999_999)
        or _is_token(version)
        or (isinstance(version, str) and _VERSION.fullmatch(version))
    ):
        problems.append(
            f"version: {version!r} is not a published guardrail version; give a number from 1 "
            "to 99999999 (DRAFT cannot be made mandatory by IAM)"
        )
    if key is not None and not hasattr(key, "grant_decrypt"):
        problems.append(f"encryption_key: {key!r} is not a KMS key (kms.IKey)")
    if isinstance(profile_arns, str) or not isinstance(profile_arns, Sequence):
        problems.append(
            f"cross_region_profile_arns: {profile_arns!r} is not a list; give a list of "
            "guardrail profile ARNs"
        )
    else:
        for arn in profile_arns:
            match = _PROFILE_ARN.fullmatch(arn) if isinstance(arn, str) else None
            if not _is_token(arn) and not (match and _REGION.fullmatch(match.group("region"))):
                problems.append(
                    f"cross_region_profile_arns: {arn!r} is not a guardrail profile ARN; give "
                    "arn:<partition>:bedrock:<region>:<12-digit account>:guardrail-profile/<id>"
                )
    return problems


if TYPE_CHECKING:  # both implement the interface (checked by mypy)
    _OWNED: type[IGuardrail] = Guardrail
    _IMPORTED: type[IGuardrail] = _ImportedGuardrail
