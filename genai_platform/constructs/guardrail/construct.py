"""The :class:`Guardrail` construct: the guardrail, its published version, imports and grants."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from genai_platform.constructs.grants import managed_policy_grantee
from genai_platform.constructs.guardrail.imported import _ImportedGuardrail, _validate_import
from genai_platform.constructs.guardrail.metrics import _GuardrailMetrics
from genai_platform.constructs.guardrail.props import (
    DEFAULT_BLOCKED_INPUT_MESSAGE,
    DEFAULT_BLOCKED_OUTPUT_MESSAGE,
    IMPORTED_KEY_WARNING_ID,
    STRICT_CONTENT_FILTERS,
    STRICT_PII_ENTITIES,
    ContentFilter,
    DeniedTopic,
    PiiEntity,
    RegexFilter,
)
from genai_platform.constructs.guardrail.rendering import (
    _content_policy,
    _default_description,
    _DefinitionHash,
    _grounding_policy,
    _Prefixed,
    _profile_id,
    _sensitive_information_policy,
    _topic_policy,
    _word_policy,
)
from genai_platform.constructs.guardrail.validation import (
    _child_path,
    _raise_problems,
    _validate_guardrail,
)
from genai_platform.constructs.interfaces import IGuardrail


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


if TYPE_CHECKING:  # both implement the interface (checked by mypy)
    _OWNED: type[IGuardrail] = Guardrail
    _IMPORTED: type[IGuardrail] = _ImportedGuardrail
