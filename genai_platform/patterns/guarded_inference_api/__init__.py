"""The guarded inference API: one SigV4-signed HTTPS API in front of every approved model.

:class:`GuardedInferenceApi` (in the generative-AI account) builds:

* an **API Gateway REST API**, REGIONAL or PRIVATE (reached through an ``execute-api``
  interface VPC endpoint), with ``AWS_IAM`` authorization and an API key on every method and a
  **resource policy** that admits only the tenants' IAM roles and users (and, when configured,
  only principals of the organization, and only through the VPC endpoint);
* with ``knowledge_bases``, ``POST /v1/retrieve`` and grounded chat, filtered by the caller's
  identity only (see :mod:`.retrieval` and :mod:`.identity_keys`);
* three routes: ``POST /v1/chat`` and ``GET /v1/models`` (the invoke function) and
  ``POST /v1/feedback`` (the feedback function), both POSTs checked against a **JSON schema**
  before the function runs, errors always shaped ``{"error": {"code", "message"}}``;
* a stage with **KMS-encrypted access logs** (JSON: request id, caller, status, latency) and
  execution logs (errors only, never bodies) with retention, **X-Ray** tracing and stage-wide
  **throttling**;
* one **usage plan and API key per tenant** (rate, burst, monthly request quota). The key value
  is generated into a Secrets Manager secret named ``<prefix>/gateway/<tenant>/api-key``,
  encrypted with a customer-managed key, that only the tenant's principals may read (from
  their own account); the template carries a dynamic reference to it, never the value;
* a **WAF web ACL** with a per-IP rate-based rule and the AWS managed common and known-bad-inputs
  rule sets, logging
  to a KMS-encrypted ``aws-waf-logs-`` log group with the credential headers redacted;
* the **invoke** and **feedback** Lambda functions (current Python runtime, arm64, Powertools
  layer, the shared ``gw_common`` layer, optional X-Ray tracing and reserved concurrency,
  KMS-encrypted log groups,
  in the private network's isolated subnets when one is given) with least-privilege IAM in
  customer-managed policies: approved Bedrock models only with the guardrail
  (:meth:`ModelCatalog.grant_invoke`), ``ApplyGuardrail``, the self-hosted endpoints, the quota
  table, the kill switch and the feedback table;
* the **quota** table (``pk``) and the **feedback** table (``response_id`` + ``caller``, TTL
  ``expires_at``): on-demand, KMS, point-in-time recovery, kept when the stack is deleted;
* the **kill switch**: the SSM String parameter ``/<prefix>/gateway/kill-switch`` (``off``);
  the cost guard flips it to ``on`` and the invoke function answers 503 within seconds.

The functions' **routing config** (guardrail, model aliases, tenants with their principal keys
``<account>:role:<name>``, features, limits, timeouts, retry, circuit breaker, blocked message)
is rendered from the props as one JSON document and kept in an **AWS AppConfig hosted
configuration**, validated by a JSON schema and deployed with every change; the functions read
it at cold start and poll it every 45 seconds, so a tenant change takes effect within a minute
without touching the functions, and hundreds of tenants fit (the store takes 1 MB; synth checks
it). See :mod:`.routing_config` for the choice and its sources.

:class:`GatewayCallerRole` (in an application account, which cannot see the API's id) is the
role an app team's workload assumes to call the API: ``execute-api:Invoke`` on exactly the three
routes of the gateway's stage in the generative-AI account, and read access to its tenant's API
key secret, nothing else of the AI tier.

Example::

    api = GuardedInferenceApi(
        genai_stack, "InferenceApi",
        guardrail=guardrail, model_catalog=catalog,
        self_hosted_models={"llama": llama_endpoint}, fallbacks={"llama": "chat"},
        tenants=[Tenant(
            id="team-a",
            principals=["arn:aws:iam::111111111111:role/genai-team-a-gateway-caller"],
            aliases=["chat", "llama"], monthly_token_quota=2_000_000,
        )],
        features=["search", "summarize"], private_network=network,
    )
    GatewayCallerRole(
        app_stack, "TeamACaller", tenant_id="team-a", genai_account="222222222222",
        assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
    )

Bring your own: ``guardrail`` and ``self_hosted_models`` take the interfaces
(:class:`~genai_platform.IGuardrail`, :class:`~genai_platform.IInferenceEndpoint`), so a team's
API can use a guardrail and endpoints other stacks own, imported with
``Guardrail.from_guardrail_attributes`` and ``InferenceEndpoint.from_endpoint_attributes``;
:meth:`GuardedInferenceApi.from_api_attributes` gives an application account's stack what
:class:`GatewayCallerRole` ``(api=...)`` needs (an :class:`~genai_platform.IGuardedInferenceApi`).

The package holds one module per concern: :mod:`.props` (props, limits, shared names),
:mod:`.validation` (the plan, with :mod:`.value_checks`, :mod:`.model_checks`,
:mod:`.tenant_checks`, :mod:`.setting_checks` and :mod:`.caller_checks`), :mod:`.routing_config`
(AppConfig), :mod:`.functions` (functions, roles, endpoints), :mod:`.tables` (tables, kill
switch), :mod:`.edge` (resource policy, schemas, WAF, account logging role), :mod:`.api`
(:class:`GuardedInferenceApi`, with :mod:`.attributes`, :mod:`.metrics` and :mod:`.building`),
:mod:`.imported` (the API of :meth:`GuardedInferenceApi.from_api_attributes`) and
:mod:`.caller_role` (:class:`GatewayCallerRole`).
"""

from __future__ import annotations

from genai_platform.patterns.guarded_inference_api.api import GuardedInferenceApi
from genai_platform.patterns.guarded_inference_api.caller_role import GatewayCallerRole
from genai_platform.patterns.guarded_inference_api.identity_keys import JWKS_COPY_MINUTES
from genai_platform.patterns.guarded_inference_api.props import (
    API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS,
    COMMON_RULE_SET_RULES,
    DEFAULT_BLOCKED_MESSAGE,
    DEFAULT_NAME_PREFIX,
    DEFAULT_POWERTOOLS_LAYER_VERSION,
    DEFAULT_STAGE_NAME,
    HOSTED_CONFIGURATION_LIMIT_BYTES,
    IMPORTED_KEY_WARNING_ID,
    KNOWN_BAD_INPUTS_RULE_SET_RULES,
    LAMBDA_ENVIRONMENT_LIMIT_BYTES,
    METRICS_NAMESPACE,
    POWERTOOLS_LAYER_ACCOUNT,
    ROUTES,
    RUNTIME,
    SERVICE_NAME,
    CallTimeouts,
    CircuitBreaker,
    RequestLimits,
    RetryPolicy,
    Tenant,
    api_key_secret_name,
    caller_role_name,
    gateway_route_arns,
    kill_switch_parameter_name,
)
from genai_platform.patterns.guarded_inference_api.retrieval import (
    CLASSIFICATIONS,
    DEFAULT_MAX_CLASSIFICATION,
    DEFAULT_TOKEN_HEADER,
    IDENTITY_ALGORITHMS,
    RETRIEVE_DEFAULT_TOP_K,
    RETRIEVE_MAX_QUERY_CHARS,
    RETRIEVE_MAX_TOP_K,
    IdentityProvider,
    TenantRetrieval,
    jwks_parameter_name,
)

__all__ = [
    "API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS",
    "CLASSIFICATIONS",
    "COMMON_RULE_SET_RULES",
    "DEFAULT_BLOCKED_MESSAGE",
    "DEFAULT_MAX_CLASSIFICATION",
    "DEFAULT_NAME_PREFIX",
    "DEFAULT_POWERTOOLS_LAYER_VERSION",
    "DEFAULT_STAGE_NAME",
    "DEFAULT_TOKEN_HEADER",
    "HOSTED_CONFIGURATION_LIMIT_BYTES",
    "IDENTITY_ALGORITHMS",
    "IMPORTED_KEY_WARNING_ID",
    "JWKS_COPY_MINUTES",
    "KNOWN_BAD_INPUTS_RULE_SET_RULES",
    "LAMBDA_ENVIRONMENT_LIMIT_BYTES",
    "METRICS_NAMESPACE",
    "POWERTOOLS_LAYER_ACCOUNT",
    "RETRIEVE_DEFAULT_TOP_K",
    "RETRIEVE_MAX_QUERY_CHARS",
    "RETRIEVE_MAX_TOP_K",
    "ROUTES",
    "RUNTIME",
    "SERVICE_NAME",
    "CallTimeouts",
    "CircuitBreaker",
    "GatewayCallerRole",
    "GuardedInferenceApi",
    "IdentityProvider",
    "RequestLimits",
    "RetryPolicy",
    "Tenant",
    "TenantRetrieval",
    "api_key_secret_name",
    "caller_role_name",
    "gateway_route_arns",
    "jwks_parameter_name",
    "kill_switch_parameter_name",
]
