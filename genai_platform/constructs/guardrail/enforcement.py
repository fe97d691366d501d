""":class:`GuardrailEnforcement`: account-level enforcement of a guardrail's published version,
and the checks of its props."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_bedrock as bedrock
from constructs import Construct

from genai_platform import regions
from genai_platform.constructs.guardrail.construct import Guardrail
from genai_platform.constructs.guardrail.service_model import _enum, _pattern
from genai_platform.constructs.guardrail.validation import (
    _allowed,
    _child_path,
    _is_token,
    _raise_problems,
    _region_problems,
)


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
