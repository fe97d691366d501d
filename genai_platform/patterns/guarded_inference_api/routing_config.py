"""Where the gateway's routing config lives: an AWS AppConfig hosted configuration.

The routing config (guardrail, model aliases, tenants with their principal keys
``<account>:role:<name>``, features, limits, timeouts, retry, circuit breaker, blocked message)
is one JSON document rendered from the props. It is stored as an **AppConfig hosted
configuration** (application ``<prefix>-gateway``, environment = the stage, profile
``routing``), checked by a JSON-schema validator before AppConfig accepts a version, and
deployed all at once (no bake time) by a deployment CloudFormation creates whenever the
document changes. Both functions read it through the AppConfig Data API
(``StartConfigurationSession`` / ``GetLatestConfiguration``) at cold start and poll it every
``GATEWAY_CONFIG_POLL_SECONDS`` (45 s by default; AppConfig's minimum is 15 s), keeping the last
good document when a poll fails; see ``lambda/shared/python/gw_common.py``.

Why AppConfig, rather than the function environment (4 KB: about 15 tenants), a file in the
function's code (every tenant change a code deploy), an S3 object or a DynamoDB item: the hosted
store takes documents of up to 1 MB (hundreds of tenants and aliases) at no charge, validates
them before they are served, rolls a bad deployment back, and a changed tenant list reaches every
execution environment within one poll interval without touching the functions. The price is one
interface endpoint (``appconfigdata``) when the functions run in the private network, and one
priced ``GetLatestConfiguration`` call per execution environment per poll.

Sources: AWS CloudFormation template reference, ``AWS::AppConfig::HostedConfigurationVersion``
("Configurations must be 1 MB or smaller"); AWS AppConfig Data API reference,
``StartConfigurationSession`` (``RequiredMinimumPollIntervalInSeconds``, minimum 15);
the AWS PrivateLink list of services (``com.amazonaws.<region>.appconfigdata``). The hosted
configuration is encrypted at rest by AppConfig with an AWS owned key; it holds ids, ARNs and
limits, no secrets. Whether a customer managed key (``KmsKeyIdentifier``) would also require
``kms:Decrypt`` for the readers could not be verified from the documentation, so none is set.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_appconfig as appconfig
from aws_cdk import aws_iam as iam
from constructs import Construct

from genai_platform.constructs.interfaces import IGuardrail
from genai_platform.patterns.guarded_inference_api.profiles import LONGEST_PROFILE_ARN

if TYPE_CHECKING:
    from genai_platform.patterns.guarded_inference_api.validation import _Plan

__all__ = ["DEFAULT_CONFIG_POLL_SECONDS", "RoutingConfigStore", "config_size_bytes"]

#: How often each execution environment asks AppConfig for a newer routing config.
DEFAULT_CONFIG_POLL_SECONDS = 45
#: AppConfig refuses poll intervals below 15 seconds.
MIN_CONFIG_POLL_SECONDS = 15
_PROFILE_NAME = "routing"


def _gateway_config(
    plan: _Plan,
    guardrail: IGuardrail,
    *,
    placeholders: bool = False,
) -> dict[str, Any]:
    """The functions' whole routing config (see ``lambda/invoke/gw_config.py``).

    With ``placeholders``, every value only known at deploy time is replaced by the longest
    value it can take, to measure the document against the hosted store's limit.
    """

    def value(actual: str, longest: str) -> str:
        return longest if placeholders and cdk.Token.is_unresolved(actual) else actual

    models: dict[str, dict[str, Any]] = {}
    for alias, spec in plan.models.items():
        rendered = {
            k: value(v, "x" * 63) if isinstance(v, str) and k != "kind" else v
            for k, v in spec.items()
        }
        if alias in plan.fallbacks:
            rendered["fallback"] = plan.fallbacks[alias]
        if alias in plan.prices:
            rendered["price"] = dict(plan.prices[alias])
        models[alias] = rendered

    def tenant(t: Any) -> dict[str, Any]:
        rendered: dict[str, Any] = {
            "id": t.id,
            "principals": plan.principal_keys[t.id],
            "aliases": list(dict.fromkeys(t.aliases)),
            "monthly_token_quota": t.monthly_token_quota,
            "log_content": t.log_content,
        }
        arns = plan.profile_arns.get(t.id, {})
        profiled = plan.profiled.get(t.id, [])
        if profiled and (arns or placeholders):
            rendered["profiles"] = {
                a: value(arns.get(a, LONGEST_PROFILE_ARN), LONGEST_PROFILE_ARN) for a in profiled
            }
        if t.monthly_budget_usd is not None:
            rendered["monthly_budget_usd"] = t.monthly_budget_usd
        return rendered

    document: dict[str, Any] = {
        "guardrail": {
            "identifier": value(guardrail.guardrail_id, "x" * 12),
            "version": value(guardrail.guardrail_version, "9" * 8),
            "arn": value(
                guardrail.guardrail_arn,
                "arn:aws-us-gov:bedrock:ap-southeast-5:000000000000:guardrail/" + "x" * 12,
            ),
        },
        "models": models,
        "default_alias": plan.default_alias,
        "tenants": [tenant(t) for t in plan.tenants],
        "features": plan.features,
        "limits": {
            "max_body_bytes": plan.limits.max_body_bytes,
            "max_messages": plan.limits.max_messages,
            "max_message_chars": plan.limits.max_message_chars,
            "max_system_chars": plan.limits.max_system_chars,
            "max_output_tokens": plan.limits.max_output_tokens,
        },
        "timeouts": {
            "connect_seconds": plan.timeouts.connect_seconds,
            "read_seconds": plan.timeouts.read_seconds,
            "deadline_seconds": plan.timeouts.deadline_seconds,
        },
        "retry": {
            "max_attempts": plan.retry.max_attempts,
            "base_delay_seconds": plan.retry.base_delay_seconds,
            "max_delay_seconds": plan.retry.max_delay_seconds,
        },
        "breaker": {
            "failure_threshold": plan.breaker.failure_threshold,
            "open_seconds": plan.breaker.open_seconds,
        },
        "blocked_message": plan.blocked_message,
    }
    if plan.retrieval is not None:
        from genai_platform.patterns.guarded_inference_api.retrieval import retrieval_document

        document["retrieval"] = retrieval_document(plan.retrieval, placeholders=placeholders)
    return document


def config_size_bytes(plan: _Plan, guardrail: IGuardrail) -> int:
    """Bytes of the routing config with every deploy-time value at its longest."""
    document = _gateway_config(plan, guardrail, placeholders=True)
    return len(json.dumps(document, separators=(",", ":")).encode("utf-8"))


def _config_schema() -> dict[str, Any]:
    """The JSON schema AppConfig checks every version against before serving it: the shape of
    the document (the functions check the values and the references between its parts)."""
    obj = {"type": "object"}
    return {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": "Gateway routing config",
        "type": "object",
        "required": [
            "guardrail",
            "models",
            "default_alias",
            "tenants",
            "limits",
            "timeouts",
            "retry",
            "breaker",
        ],
        "properties": {
            "guardrail": {
                "type": "object",
                "required": ["identifier", "version", "arn"],
                "properties": {
                    "identifier": {"type": "string", "minLength": 1},
                    "version": {"type": "string", "minLength": 1},
                    "arn": {"type": "string", "minLength": 1},
                },
            },
            "models": {"type": "object", "minProperties": 1},
            "default_alias": {"type": "string", "minLength": 1},
            "tenants": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["id", "principals", "aliases", "monthly_token_quota"],
                    "properties": {
                        "id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,63}$"},
                        "principals": {
                            "type": "array",
                            "minItems": 1,
                            "items": {"type": "string"},
                        },
                        "aliases": {"type": "array", "minItems": 1, "items": {"type": "string"}},
                        "monthly_token_quota": {"type": "integer", "minimum": 1},
                        "profiles": {
                            "type": "object",
                            "additionalProperties": {"type": "string", "minLength": 1},
                        },
                        "monthly_budget_usd": {
                            "type": "number",
                            "minimum": 0,
                            "exclusiveMinimum": True,
                        },
                    },
                },
            },
            "features": {"type": "array", "items": {"type": "string"}},
            "limits": obj,
            "timeouts": obj,
            "retry": obj,
            "breaker": obj,
            "blocked_message": {"type": "string", "minLength": 1},
        },
    }


class RoutingConfigStore(Construct):
    """The AppConfig application, environment, validated hosted configuration and deployment
    that hold one gateway's routing config (see the module documentation).

    Not exported from ``genai_platform``: :class:`GuardedInferenceApi` builds it.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        document: dict[str, Any],
        name_prefix: str,
        stage_name: str,
    ) -> None:
        super().__init__(scope, id)
        stack = cdk.Stack.of(self)
        self._application = appconfig.Application(
            self,
            "Application",
            application_name=f"{name_prefix}-gateway",
            description="Routing config of the guarded inference API (tenants, aliases, limits)",
        )
        self._environment = appconfig.Environment(
            self,
            "Environment",
            application=self._application,
            environment_name=stage_name,
            description=f"The API's {stage_name} stage",
        )
        strategy = appconfig.DeploymentStrategy(
            self,
            "AllAtOnce",
            description="Routing config changes reach every execution environment at once",
            rollout_strategy=appconfig.RolloutStrategy.linear(
                growth_factor=100,
                deployment_duration=cdk.Duration.minutes(0),
                final_bake_time=cdk.Duration.minutes(0),
            ),
        )
        self._configuration = appconfig.HostedConfiguration(
            self,
            "Routing",
            application=self._application,
            name=_PROFILE_NAME,
            description="Guardrail, model aliases, tenants, limits, timeouts, retry and breaker",
            content=appconfig.ConfigurationContent.from_inline_json(stack.to_json_string(document)),
            validators=[
                appconfig.JsonSchemaValidator.from_inline(
                    json.dumps(_config_schema(), separators=(",", ":"))
                )
            ],
            deploy_to=[self._environment],
            deployment_strategy=strategy,
        )
        self._configuration_arn = stack.format_arn(
            service="appconfig",
            resource="application",
            resource_name=(
                f"{self._application.application_id}/environment/"
                f"{self._environment.environment_id}/configuration/"
                f"{self._configuration.configuration_profile_id}"
            ),
        )

    @property
    def locator(self) -> str:
        """``<application id>/<environment id>/<profile id>``: the functions'
        ``GATEWAY_CONFIG_APPCONFIG``."""
        return (
            f"{self._application.application_id}/{self._environment.environment_id}/"
            f"{self._configuration.configuration_profile_id}"
        )

    @property
    def configuration_arn(self) -> str:
        """ARN of the configuration the functions read (what ``grant_read`` allows)."""
        return self._configuration_arn

    @property
    def application(self) -> appconfig.IApplication:
        """The AppConfig application."""
        return self._application

    @property
    def environment(self) -> appconfig.IEnvironment:
        """The AppConfig environment (named after the stage)."""
        return self._environment

    @property
    def configuration(self) -> appconfig.HostedConfiguration:
        """The hosted configuration (profile ``routing``)."""
        return self._configuration

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """``appconfig:StartConfigurationSession`` and ``appconfig:GetLatestConfiguration`` on
        exactly this configuration."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["appconfig:StartConfigurationSession", "appconfig:GetLatestConfiguration"],
            resource_arns=[self._configuration_arn],
        )
