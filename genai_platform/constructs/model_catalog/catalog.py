"""The :class:`ModelCatalog` construct: the approved models and their aliases, lookups and the
grants that let a principal run them (with the platform's guardrail); its metrics come from
:mod:`.metrics`."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import Construct

from genai_platform.constructs.grants import grantee_writing_to
from genai_platform.constructs.interfaces import IGuardrail
from genai_platform.constructs.model_catalog.arns import (
    _destination_arns,
    _invoked_arns,
    _Resources,
    _resources,
    _unique,
)
from genai_platform.constructs.model_catalog.metrics import _CatalogMetrics
from genai_platform.constructs.model_catalog.models import ApprovedModel, ModelSpec
from genai_platform.constructs.model_catalog.policy import (
    _SID_INVOKE_APP_PROFILE_DESTINATIONS,
    _SID_INVOKE_APP_PROFILES,
    INFERENCE_PROFILE_CONDITION_KEY,
    INVOKE_ACTIONS,
    MAX_MANAGED_POLICY_CHARACTERS,
    _embed_statements,
    _guarded,
    _invoke_statements,
    _policy_size,
)
from genai_platform.constructs.model_catalog.principals import (
    _identity_kind,
    _PolicyGrantee,
    _principal_key,
)
from genai_platform.constructs.model_catalog.region_checks import (
    region_problems,
    resolve_region_independent,
)
from genai_platform.constructs.model_catalog.validation import _check_aliases, approve_models

__all__ = ["GuardrailReference", "ModelCatalog"]

_GUARDRAIL_VERSION_ARN = re.compile(
    r"arn:aws[a-z-]*:bedrock:[a-z0-9-]{1,20}:\d{12}:guardrail/[a-z0-9]+:[1-9][0-9]{0,7}"
)


#: Former name of :class:`~genai_platform.constructs.interfaces.IGuardrail`, what
#: :meth:`ModelCatalog.grant_invoke` needs from a guardrail (owned or imported).
GuardrailReference = IGuardrail


class ModelCatalog(_CatalogMetrics):
    """The approved foundation models and inference profiles, their aliases and their IAM.

    Creates no AWS resource by itself: :meth:`grant_invoke` and :meth:`grant_embed` add one
    customer-managed policy per grantee, and the ``metric_*`` methods return CloudWatch metrics
    of the approved models (namespace ``AWS/Bedrock``, dimension ``ModelId``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        models: Sequence[str],
        aliases: Mapping[str, str] | None = None,
        default_alias: str | None = None,
        additional_models: Mapping[str, ModelSpec] | None = None,
    ) -> None:
        """Check and record the approved models.

        Args:
            models: Approved model ids: foundation model ids (``amazon.titan-embed-text-v2:0``)
                and cross-region inference profile ids (``us.``, ``eu.``, ``apac.``, ``jp.``,
                ``au.`` or ``global.`` + a foundation model id offered in that geography), or
                region-independent ``geo.`` ids, resolved here to the profile of the stack
                region's own geography (:func:`resolve_region_independent`).
                Each must be in :data:`KNOWN_MODELS` or ``additional_models``; at least one;
                no repeats; plain strings (not tokens: the IAM written depends on the id).
                Each must be invocable from the stack's region (:func:`region_problems`): a
                geographic profile from its geography, a foundation model where Bedrock
                offers it in-region.
            aliases: Short names callers may use instead of an id, each mapping to one of
                ``models`` (a ``geo.`` target is resolved like the model), e.g.
                ``{"chat": "us.anthropic.claude-sonnet-4-5-20250929-v1:0"}``.
                Names are 1-64 letters, digits, ``_``, ``.`` or ``-`` and must not be an
                approved id themselves. Default: no aliases; callers name approved ids.
            default_alias: The alias :meth:`resolve` answers when asked for no model; one of
                ``aliases``. Default: none; :meth:`resolve` then needs a name.
            additional_models: Foundation model ids (without a geography prefix) the table does
                not know yet, or whose entry should be replaced (say, when AWS adds a profile
                geography), with their :class:`ModelSpec`. Default: only
                :data:`KNOWN_MODELS` is used.

        Raises:
            ValueError: listing every invalid prop, its value and what is allowed.
        """
        path = "/".join(p for p in (scope.node.path, id) if p)
        region = cdk.Stack.of(scope).region
        models, aliases, problems = resolve_region_independent(
            models, aliases, region, additional_models
        )
        approved, approval_problems = approve_models(models, additional_models)
        problems += approval_problems
        listed = models if isinstance(models, Sequence) and not isinstance(models, str) else []
        problems += _check_aliases(aliases, listed, default_alias)
        problems += region_problems(approved, region, additional_models)
        if problems:
            lines = "\n".join(f"  - {p}" for p in problems)
            raise ValueError(
                f"ModelCatalog {path!r}: invalid props ({len(problems)} problems):\n{lines}"
            )
        super().__init__(scope, id)
        stack = cdk.Stack.of(self)
        self._stack = stack
        self._models: tuple[str, ...] = tuple(models)
        self._aliases: Mapping[str, str] = MappingProxyType(dict(aliases or {}))
        self._default_alias = default_alias
        self._approved: Mapping[str, ApprovedModel] = MappingProxyType(
            {m.model_id: m for m in approved}
        )
        self._policies: dict[str, iam.ManagedPolicy] = {}
        self._guardrails: dict[str, str] = {}
        self._invoke_grants: dict[str, iam.Grant] = {}
        self._embed_grants: dict[str, iam.Grant] = {}
        self._profile_grants: dict[str, iam.Grant] = {}
        self._profile_resource: str | None = None

    # ------------------------------------------------------------------ attributes

    @property
    def models(self) -> tuple[str, ...]:
        """The approved ids, in the order given."""
        return self._models

    @property
    def aliases(self) -> Mapping[str, str]:
        """Alias to approved id (read-only)."""
        return self._aliases

    @property
    def default_alias(self) -> str | None:
        """The alias :meth:`resolve` answers for no name, if any."""
        return self._default_alias

    @property
    def text_models(self) -> tuple[str, ...]:
        """The approved ids of text-generating models (granted by :meth:`grant_invoke`)."""
        return tuple(m for m, a in self._approved.items() if a.spec.supports_guardrails)

    @property
    def embedding_models(self) -> tuple[str, ...]:
        """The approved ids of embedding models (granted by :meth:`grant_embed`)."""
        return tuple(m for m, a in self._approved.items() if not a.spec.supports_guardrails)

    # ------------------------------------------------------------------ lookups

    def resolve(self, alias_or_id: str | None = None) -> str:
        """The approved id an alias (or approved id) stands for.

        ``None`` resolves :attr:`default_alias`. Raises ValueError naming the allowed aliases
        and ids for anything else.
        """
        name = alias_or_id if alias_or_id is not None else self._default_alias
        if name is None:
            raise ValueError(
                "alias_or_id: None, and the catalogue has no default_alias; name one of "
                f"the aliases {sorted(self._aliases)} or approved models {list(self._models)}"
            )
        if name in self._aliases:
            return self._aliases[name]
        if name in self._approved:
            return name
        raise ValueError(
            f"alias_or_id: {name!r} is neither an alias nor an approved model; allowed "
            f"aliases: {sorted(self._aliases)}; approved models: {list(self._models)}"
        )

    def model(self, alias_or_id: str | None = None) -> ApprovedModel:
        """The parsed :class:`ApprovedModel` of an alias or approved id (see :meth:`resolve`)."""
        return self._approved[self.resolve(alias_or_id)]

    def model_arns(self, alias_or_id: str | None = None) -> list[str]:
        """Every ARN IAM checks when this model is invoked from the stack's region and account.

        A foundation model: its regional ARN. A geographic profile: the profile ARN, then the
        foundation model in each destination region. A ``global.`` profile: the profile ARN,
        the foundation model in the stack's region and the region-less foundation model.
        """
        model = self.model(alias_or_id)
        return self._invoked(model) + self._destinations(model)

    def all_model_arns(self) -> list[str]:
        """The union of :meth:`model_arns` over every approved model, without repeats."""
        return _unique(arn for m in self._models for arn in self.model_arns(m))

    # ------------------------------------------------------------------ grants

    # ------------------------------------------------------------------ grants

    def grant_invoke(self, grantee: iam.IGrantable, guardrail: IGuardrail) -> iam.Grant:
        """Let ``grantee`` run the approved text models, only with ``guardrail``.

        Adds to a customer-managed policy attached to the grantee's role (or user, or group):

        * Allow ``bedrock:InvokeModel`` and ``bedrock:InvokeModelWithResponseStream`` (so
          Converse and ConverseStream too) on :meth:`model_arns` of every approved text model,
          with ``StringLike bedrock:GuardrailIdentifier = <guardrail.guardrail_arn>:*`` (any
          version of this guardrail, so a guardrail edit denies no call; see the module
          notes); a profile's destination foundation models additionally only through the
          approved profiles (``ArnEquals bedrock:InferenceProfileArn``);
        * Deny both actions on every resource but the approved embedding models when
          ``bedrock:GuardrailIdentifier`` is absent (``Null``), is another guardrail
          (``StringNotLike <guardrail_arn>:*``) or is the guardrail's DRAFT
          (``StringEqualsIgnoreCase <guardrail_arn>:DRAFT``), whatever else the principal is
          allowed;

        and calls ``guardrail.grant_apply`` for the grantee (``bedrock:ApplyGuardrail`` and the
        guardrail's KMS key; foundation models have no key of their own) with its statements
        going into the same customer-managed policy, so the grantee gets no inline policy
        (which the NIST and HIPAA IAMNoInlinePolicy rules flag). Returns the
        combined grant. Granting the same principal again with the same guardrail returns the
        first grant; with another guardrail is an error, because each guardrail's Deny would
        block the other.

        ``guardrail`` is any :class:`IGuardrail`: a :class:`Guardrail` of this app or one
        referenced with ``Guardrail.from_guardrail_attributes``, whose grant covers exactly
        the ARNs it was given.

        Raises:
            ValueError: the grantee is not an IAM role, user or group of this account, the
                guardrail's version ARN is not a numbered guardrail version, the catalogue
                has no text model, or the policy would exceed IAM's size limit.
        """
        principal = grantee.grant_principal
        version_arn = guardrail.guardrail_version_arn
        guardrail_arn = guardrail.guardrail_arn
        problems = self._check_principal(principal)
        if not cdk.Token.is_unresolved(version_arn) and not (
            isinstance(version_arn, str) and _GUARDRAIL_VERSION_ARN.fullmatch(version_arn)
        ):
            problems.append(
                f"guardrail: guardrail_version_arn {version_arn!r} is not the ARN of a numbered "
                "guardrail version (arn:<partition>:bedrock:<region>:<account>:guardrail/<id>:"
                "<version 1-99999999>; DRAFT cannot be enforced)"
            )
        elif (
            isinstance(version_arn, str)
            and isinstance(guardrail_arn, str)
            and not cdk.Token.is_unresolved(version_arn)
            and not cdk.Token.is_unresolved(guardrail_arn)
            and not version_arn.startswith(f"{guardrail_arn}:")
        ):
            problems.append(
                f"guardrail: guardrail_version_arn {version_arn!r} is not a version of "
                f"guardrail_arn {guardrail_arn!r}; both must name the same guardrail"
            )
        if not self.text_models:
            problems.append(
                f"models: {list(self._models)!r} has no text-generating model to invoke with a "
                "guardrail; use grant_embed for embedding models"
            )
        key = _principal_key(principal)
        bound = self._guardrails.get(key) if key else None
        if bound is not None and bound != guardrail_arn:
            problems.append(
                f"guardrail: {guardrail_arn!r} differs from {bound!r}, which this principal was "
                "already granted with; a principal is bound to one guardrail (the Deny written "
                "for each would block the other)"
            )
        if not problems and key not in self._invoke_grants:
            problems += self._check_size(key, invoke=True, guardrail_arn=guardrail_arn)
        self._raise_if("grant_invoke", problems)
        assert key is not None
        if key in self._invoke_grants:
            return self._invoke_grants[key]

        policy = self._policy_for(key, principal)
        text = self._text_resources()
        grant: iam.Grant | None = None
        for statement in _invoke_statements(text, self._embedding_resources().all, guardrail_arn):
            if statement.effect == iam.Effect.DENY:
                policy.add_statements(statement)
                continue
            # Through Grant.add_to_principal, so the grant lists the statement and
            # grant.apply_before() waits for the policy.
            added = iam.Grant.add_to_principal(
                grantee=_PolicyGrantee(principal, policy, statement.sid or ""),
                actions=statement.actions,
                resource_arns=statement.resources,
                conditions=statement.conditions,
            )
            grant = added if grant is None else grant.combine(added)
        assert grant is not None
        # The guardrail's grant (ApplyGuardrail, and kms:Decrypt on its key) goes into the same
        # customer-managed policy: never an inline policy on someone else's role.
        grant = grant.combine(guardrail.grant_apply(grantee_writing_to(principal, policy)))
        self._guardrails[key] = guardrail_arn
        self._invoke_grants[key] = grant
        return grant

    def grant_invoke_application_profiles(
        self,
        grantee: iam.IGrantable,
        guardrail: IGuardrail,
        *,
        tag_key: str,
        tag_value: str,
    ) -> iam.Grant:
        """Let ``grantee`` invoke this account's application inference profiles tagged
        ``tag_key = tag_value`` (copies of the approved text models), only with ``guardrail``.

        Calls :meth:`grant_invoke` first (the approved models, the guardrail Denies, which
        cover every resource and so the profiles too, and ``ApplyGuardrail``), then adds to
        the same customer-managed policy:

        * Allow both invoke actions on ``arn:<partition>:bedrock:<region>:<account>:
          application-inference-profile/*`` only when the profile carries the tag
          (``aws:ResourceTag/<tag_key>``) and the request names the guardrail;
        * Allow both actions on the foundation models the approved cross-region profiles route
          to (every destination region), only through an application inference profile of
          this account (``ArnLike bedrock:InferenceProfileArn``) and with the guardrail.

        Why both: invoking an application inference profile is authorized against the profile
        AND the foundation model in each region it routes to (Amazon Bedrock user guide,
        "Prerequisites for inference profiles": when a policy names an inference profile it
        "must also specify the foundation model in each Region associated with it"); a
        profile copied from a foundation model routes to that model in this region, already
        allowed by :meth:`grant_invoke`. The profiles are matched by tag rather than listed
        so that the policy does not grow with the tenants (IAM's 6,144-character limit):
        ``aws:ResourceTag`` is a condition key of the ``application-inference-profile``
        resource type (Service Authorization Reference, Amazon Bedrock). An unapproved model
        stays denied: its foundation model is in no Allow. Granting the same principal again
        returns the first grant.

        Raises:
            ValueError: what :meth:`grant_invoke` raises, or a tag key or value that is empty,
                longer than IAM/Bedrock allow (128/256 characters) or starts with ``aws:``.
        """
        problems = []
        for name, value, longest in (("tag_key", tag_key, 128), ("tag_value", tag_value, 256)):
            if (
                not isinstance(value, str)
                or not value
                or len(value) > longest
                or value.lower().startswith("aws:")
                or cdk.Token.is_unresolved(value)
            ):
                problems.append(
                    f"{name}: {value!r} is not allowed; give 1-{longest} characters, not a "
                    "token, not starting with 'aws:'"
                )
        if not problems and _principal_key(grantee.grant_principal) not in self._profile_grants:
            problems += self._check_profile_size(grantee, guardrail)
        self._raise_if("grant_invoke_application_profiles", problems)
        grant = self.grant_invoke(grantee, guardrail)
        key = _principal_key(grantee.grant_principal)
        assert key is not None  # grant_invoke checked the principal
        if key in self._profile_grants:
            return self._profile_grants[key]
        policy = self._policy_for(key, grantee.grant_principal)
        stack = self._stack
        profiles = stack.format_arn(
            service="bedrock",
            resource="application-inference-profile",
            resource_name="*",
            arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
        )
        guarded = _guarded(guardrail.guardrail_arn)
        statements = [
            iam.PolicyStatement(
                sid=_SID_INVOKE_APP_PROFILES,
                actions=list(INVOKE_ACTIONS),
                resources=[profiles],
                conditions={
                    **guarded,
                    "StringEquals": {f"aws:ResourceTag/{tag_key}": tag_value},
                },
            )
        ]
        destinations = self._text_resources().destinations
        if destinations:
            statements.append(
                iam.PolicyStatement(
                    sid=_SID_INVOKE_APP_PROFILE_DESTINATIONS,
                    actions=list(INVOKE_ACTIONS),
                    resources=destinations,
                    conditions={
                        **guarded,
                        "ArnLike": {INFERENCE_PROFILE_CONDITION_KEY: profiles},
                    },
                )
            )
        for statement in statements:
            added = iam.Grant.add_to_principal(
                grantee=_PolicyGrantee(grantee.grant_principal, policy, statement.sid or ""),
                actions=statement.actions,
                resource_arns=statement.resources,
                conditions=statement.conditions,
            )
            grant = grant.combine(added)
        self._profile_grants[key] = grant
        self._profile_resource = profiles
        return grant

    @property
    def application_profile_pattern(self) -> str | None:
        """The ARN pattern :meth:`grant_invoke_application_profiles` allowed, once granted."""
        return self._profile_resource

    def grant_embed(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` run the approved embedding models (``bedrock:InvokeModel``).

        Without a guardrail condition: Bedrock accepts no guardrail for embedding models.
        Goes in the same customer-managed policy as :meth:`grant_invoke`, whose Deny leaves
        exactly these models out. Granting the same principal again returns the first grant.

        Raises:
            ValueError: the grantee is not an IAM role, user or group of this account, or the
                catalogue has no embedding model.
        """
        principal = grantee.grant_principal
        problems = self._check_principal(principal)
        if not self.embedding_models:
            problems.append(
                f"models: {list(self._models)!r} has no embedding model; approve one (such as "
                "amazon.titan-embed-text-v2:0) or use grant_invoke for text models"
            )
        key = _principal_key(principal)
        if not problems and key not in self._embed_grants:
            problems += self._check_size(key, invoke=False)
        self._raise_if("grant_embed", problems)
        assert key is not None
        if key in self._embed_grants:
            return self._embed_grants[key]
        policy = self._policy_for(key, principal)
        grant: iam.Grant | None = None
        for statement in _embed_statements(self._embedding_resources()):
            added = iam.Grant.add_to_principal(
                grantee=_PolicyGrantee(principal, policy, statement.sid or ""),
                actions=statement.actions,
                resource_arns=statement.resources,
                conditions=statement.conditions or None,
            )
            grant = added if grant is None else grant.combine(added)
        assert grant is not None
        self._embed_grants[key] = grant
        return grant

    def policy_of(self, grantee: iam.IGrantable) -> iam.ManagedPolicy | None:
        """The customer-managed policy the grants of ``grantee`` went into, if any."""
        key = _principal_key(grantee.grant_principal)
        return self._policies.get(key) if key is not None else None

    # ------------------------------------------------------------------ internals

    def _invoked(self, model: ApprovedModel) -> list[str]:
        stack = self._stack
        return _invoked_arns(
            model, partition=stack.partition, region=stack.region, account=stack.account
        )

    def _destinations(self, model: ApprovedModel) -> list[str]:
        return _destination_arns(model, partition=self._stack.partition, region=self._stack.region)

    def _text_resources(self, **literal: str) -> _Resources:
        return self._resources_of(self.text_models, **literal)

    def _embedding_resources(self, **literal: str) -> _Resources:
        return self._resources_of(self.embedding_models, **literal)

    def _resources_of(self, model_ids: Sequence[str], **literal: str) -> _Resources:
        stack = self._stack
        arns = {
            "partition": stack.partition,
            "region": stack.region,
            "account": stack.account,
            **literal,
        }
        return _resources((self._approved[m] for m in model_ids), **arns)

    def _check_size(self, key: str | None, *, invoke: bool, guardrail_arn: str = "") -> list[str]:
        """The policy of ``key`` after this grant, with tokens replaced by the longest values
        they can take, must fit IAM's managed-policy size limit."""
        stack = self._stack
        literal = {
            "partition": "aws-us-gov" if cdk.Token.is_unresolved(stack.partition) else "",
            "region": "ap-southeast-5" if cdk.Token.is_unresolved(stack.region) else "",
            "account": "0" * 12 if cdk.Token.is_unresolved(stack.account) else "",
        }
        literal = {k: v or getattr(stack, k) for k, v in literal.items()}
        placeholder = (
            f"arn:{literal['partition']}:bedrock:{literal['region']}:{literal['account']}"
            f":guardrail/{'x' * 12}"
        )
        statements: list[iam.PolicyStatement] = []
        if invoke or key in self._invoke_grants:
            bound = self._guardrails.get(key or "", guardrail_arn)
            guard = placeholder if not bound or cdk.Token.is_unresolved(bound) else bound
            statements += _invoke_statements(
                self._text_resources(**literal), self._embedding_resources(**literal).all, guard
            )
        if not invoke or key in self._embed_grants:
            statements += _embed_statements(self._embedding_resources(**literal))
        size = _policy_size(statements)
        if size <= MAX_MANAGED_POLICY_CHARACTERS:
            return []
        return [
            f"models: {list(self._models)!r} need about {size} characters of IAM policy for one "
            f"principal, over the {MAX_MANAGED_POLICY_CHARACTERS} IAM allows in a managed "
            "policy; approve fewer models or fewer profile geographies"
        ]

    def _check_profile_size(self, grantee: iam.IGrantable, guardrail: IGuardrail) -> list[str]:
        """The invoke policy plus the two profile statements, with tokens at their longest,
        must fit IAM's managed-policy size limit."""
        stack = self._stack
        unresolved = cdk.Token.is_unresolved
        partition = "aws-us-gov" if unresolved(stack.partition) else stack.partition
        region = "ap-southeast-5" if unresolved(stack.region) else stack.region
        account = "0" * 12 if unresolved(stack.account) else stack.account
        guard = f"arn:{partition}:bedrock:{region}:{account}:guardrail/{'x' * 12}"
        if not unresolved(guardrail.guardrail_arn):
            guard = guardrail.guardrail_arn
        literal = {"partition": partition, "region": region, "account": account}
        text = self._text_resources(**literal)
        profiles = f"arn:{partition}:bedrock:{region}:{account}:application-inference-profile/*"
        statements = _invoke_statements(text, self._embedding_resources(**literal).all, guard)
        statements += _embed_statements(self._embedding_resources(**literal))
        statements.append(iam.PolicyStatement(actions=list(INVOKE_ACTIONS), resources=[profiles]))
        statements.append(
            iam.PolicyStatement(
                actions=list(INVOKE_ACTIONS),
                resources=text.destinations or [profiles],
                conditions={
                    **_guarded(guard),
                    "StringEquals": {"aws:ResourceTag/" + "x" * 128: "x" * 256},
                    "ArnLike": {INFERENCE_PROFILE_CONDITION_KEY: profiles},
                },
            )
        )
        size = _policy_size(statements)
        if size <= MAX_MANAGED_POLICY_CHARACTERS:
            return []
        return [
            f"models: {list(self._models)!r} need about {size} characters of IAM policy for one "
            "principal with the application inference profile statements, over the "
            f"{MAX_MANAGED_POLICY_CHARACTERS} IAM allows in a managed policy; approve fewer "
            "models or fewer profile geographies"
        ]

    def _check_principal(self, principal: iam.IPrincipal) -> list[str]:
        kind = _identity_kind(principal)
        if kind is None:
            return [
                f"grantee: {principal!r} is not an IAM role, user or group; model invocation "
                "is granted to identities only (pass a function's role, for example)"
            ]
        node = principal.node  # type: ignore[attr-defined]
        arn = getattr(principal, f"{kind}_arn")
        account = (
            arn.split(":")[4]
            if not cdk.Token.is_unresolved(arn)
            else cdk.Stack.of(principal).account  # type: ignore[arg-type]
        )
        own = self._stack.account
        if cdk.Token.is_unresolved(account) or cdk.Token.is_unresolved(own) or account == own:
            return []
        return [
            f"grantee: {kind} {node.path!r} is in account {account}, not in {own}, the "
            "catalogue's account; models are invoked from the catalogue's account (callers in "
            "other accounts go through the platform's inference API)"
        ]

    def _policy_for(self, key: str, principal: iam.IPrincipal) -> iam.ManagedPolicy:
        """The principal's customer-managed policy, created and attached on first use."""
        policy = self._policies.get(key)
        if policy is not None:
            return policy
        node = principal.node  # type: ignore[attr-defined]
        policy = iam.ManagedPolicy(
            self,
            f"Policy{cdk.Names.node_unique_id(node)}",
            description=f"Approved Bedrock models for {node.path}, guardrail enforced",
        )
        kind = _identity_kind(principal)
        if kind == "role":
            policy.attach_to_role(principal)  # type: ignore[arg-type]
        elif kind == "user":
            policy.attach_to_user(principal)  # type: ignore[arg-type]
        else:
            policy.attach_to_group(principal)  # type: ignore[arg-type]
        self._policies[key] = policy
        return policy

    def _raise_if(self, method: str, problems: list[str]) -> None:
        if problems:
            lines = "\n".join(f"  - {p}" for p in problems)
            raise ValueError(
                f"ModelCatalog {self.node.path!r}: {method}: invalid arguments "
                f"({len(problems)} problems):\n{lines}"
            )
