"""How :class:`GuardedInferenceApi` builds the parts its ``__init__`` delegates: the functions'
interface endpoints, retrieval, the functions' grants, the routes and gateway responses, and the
nag acknowledgements (a mixin of the construct)."""

from __future__ import annotations

from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs

from genai_platform.compliance import acknowledge, nag_value
from genai_platform.constructs.interfaces import IGuardrail
from genai_platform.constructs.model_catalog import ModelCatalog
from genai_platform.constructs.private_network import PrivateNetwork
from genai_platform.patterns.guarded_inference_api.attributes import _ApiAttributes
from genai_platform.patterns.guarded_inference_api.edge import (
    _GATEWAY_RESPONSES,
    _chat_schema,
    _feedback_schema,
    _openai_chat_schema,
)
from genai_platform.patterns.guarded_inference_api.functions import (
    _FunctionRole,
    _grant_table_key,
    interface_endpoint_for,
)
from genai_platform.patterns.guarded_inference_api.identity_keys import IssuerKeySets
from genai_platform.patterns.guarded_inference_api.profiles import GATEWAY_TAG_KEY
from genai_platform.patterns.guarded_inference_api.retrieval import (
    grant_retrieval,
    retrieve_schema,
)
from genai_platform.patterns.guarded_inference_api.validation import _Plan


class _ApiBuilder(_ApiAttributes):
    """The building steps of the API (the base of :class:`GuardedInferenceApi`, whose
    ``__init__`` calls them and sets these attributes)."""

    _guardrail: IGuardrail
    _invoke_role: _FunctionRole
    _feedback_role: _FunctionRole

    # ------------------------------------------------------------------ building

    def _add_function_endpoints(self, network: PrivateNetwork, *, tracing: bool) -> None:
        """The interface endpoints the functions need, added to the network when it lacks them:
        AppConfig Data (the routing config), SSM (the kill switch), KMS (the response-id key),
        Bedrock runtime (Converse, ApplyGuardrail), SageMaker runtime (self-hosted models) and,
        with tracing, X-Ray. The isolated subnets have no other route out, so without them those
        calls fail (and traces are silently lost)."""
        account = iam.AccountPrincipal(self._stack.account)
        interface_endpoint_for(
            self,
            network,
            service="appconfigdata",
            id="AppConfigDataEndpoint",
            statement=iam.PolicyStatement(
                sid="GatewayFunctionsReadTheRoutingConfig",
                principals=[account],
                actions=[
                    "appconfig:StartConfigurationSession",
                    "appconfig:GetLatestConfiguration",
                ],
                resources=[self._routing_config.configuration_arn],
            ),
        )
        # What the functions call on every cold start or request: the kill switch (SSM), the
        # response-id key (KMS), and the models. Reused when the network has them already.
        needed = [
            ("ssm", "SsmEndpoint", ["ssm:GetParameter"], [self._kill_switch.parameter_arn]),
            ("kms", "KmsEndpoint", ["kms:GenerateMac"], [self._response_id_key.key_arn]),
        ]
        if self._plan.bedrock_aliases or self._plan.self_hosted:
            needed.append(
                (
                    "bedrock-runtime",
                    "BedrockRuntimeEndpoint",
                    [
                        "bedrock:InvokeModel",
                        "bedrock:InvokeModelWithResponseStream",
                        "bedrock:ApplyGuardrail",
                    ],
                    ["*"],
                )
            )
        if self._plan.self_hosted:
            needed.append(
                (
                    "sagemaker.runtime",
                    "SageMakerRuntimeEndpoint",
                    ["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"],
                    ["*"],
                )
            )
        for service, endpoint_id, actions, resources in needed:
            interface_endpoint_for(
                self,
                network,
                service=service,
                id=endpoint_id,
                statement=iam.PolicyStatement(
                    sid=f"GatewayFunctionsCall{endpoint_id.removesuffix('Endpoint')}",
                    principals=[account],
                    actions=actions,
                    resources=resources,
                ),
            )
        if tracing:
            interface_endpoint_for(
                self,
                network,
                service="xray",
                id="XRayEndpoint",
                statement=iam.PolicyStatement(
                    sid="GatewayFunctionsSendTraces",
                    principals=[account],
                    actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                    resources=["*"],
                ),
            )

    def _add_retrieval(
        self, network: PrivateNetwork | None, key: kms.IKey, retention: logs.RetentionDays
    ) -> IssuerKeySets | None:
        """Retrieve on exactly the configured knowledge bases, the key-set copier, and the
        endpoints the invoke function needs for them in the private network."""
        plan = self._plan.retrieval
        if plan is None:
            return None
        key_sets = None
        if plan.identities:
            key_sets = IssuerKeySets(
                self,
                "IssuerKeySets",
                identities=plan.identities,
                name_prefix=self._name_prefix,
                key=key,
                log_retention=retention,
            )
        parameter_arns = [p.parameter_arn for p in key_sets.parameters.values()] if key_sets else []
        grant_retrieval(self._invoke_role, plan, parameter_arns)
        if network is not None:
            account = iam.AccountPrincipal(self._stack.account)
            interface_endpoint_for(
                self,
                network,
                service="bedrock-agent-runtime",
                id="BedrockAgentRuntimeEndpoint",
                statement=iam.PolicyStatement(
                    sid="GatewayFunctionsRetrieve",
                    principals=[account],
                    actions=["bedrock:Retrieve"],
                    resources=[kb.knowledge_base_arn for kb in plan.knowledge_bases.values()],
                ),
            )
            ssm_endpoint = network.interface_endpoints.get("ssm") or self.node.try_find_child(
                "SsmEndpoint"
            )
            if parameter_arns and isinstance(ssm_endpoint, ec2.InterfaceVpcEndpoint):
                ssm_endpoint.add_to_policy(
                    iam.PolicyStatement(
                        sid="GatewayFunctionsReadIssuerKeySets",
                        principals=[account],
                        actions=["ssm:GetParameter"],
                        resources=parameter_arns,
                    )
                )
        return key_sets

    def _grant_invoke_function(self, catalog: ModelCatalog) -> None:
        fn = self._invoke_function
        if self._plan.bedrock_aliases:
            # Approved text models and the tenants' application inference profiles, only with
            # the guardrail, and ApplyGuardrail.
            catalog.grant_invoke_application_profiles(
                fn, self._guardrail, tag_key=GATEWAY_TAG_KEY, tag_value=self._name_prefix
            )
            self._acknowledge_profile_wildcard(catalog)
        if self._plan.self_hosted:
            self._guardrail.grant_apply(fn)
            for endpoint in self._plan.self_hosted.values():
                endpoint.grant_invoke(fn)
        iam.Grant.add_to_principal(
            grantee=fn,
            actions=["dynamodb:GetItem", "dynamodb:UpdateItem"],
            resource_arns=[self._quota_table.table_arn],
        )
        _grant_table_key(fn, self._encryption_key, self._stack)
        self._kill_switch.grant_read(fn)

    def _grant_feedback_function(self) -> None:
        fn = self._feedback_function
        iam.Grant.add_to_principal(
            grantee=fn,
            actions=["dynamodb:PutItem"],
            resource_arns=[self._feedback_table.table_arn],
        )
        _grant_table_key(fn, self._encryption_key, self._stack)

    def _add_routes(self, plan: _Plan) -> None:
        api = self._api
        validator = api.add_request_validator(
            "BodyValidator",
            request_validator_name="body-and-parameters",
            validate_request_body=True,
            validate_request_parameters=True,
        )
        chat_model = api.add_model(
            "ChatRequestModel",
            content_type="application/json",
            model_name="ChatRequest",
            description="POST /v1/chat body",
            schema=_chat_schema(plan.limits),
        )
        feedback_model = api.add_model(
            "FeedbackRequestModel",
            content_type="application/json",
            model_name="FeedbackRequest",
            description="POST /v1/feedback body",
            schema=_feedback_schema(),
        )
        openai_model = api.add_model(
            "ChatCompletionsRequestModel",
            content_type="application/json",
            model_name="ChatCompletionsRequest",
            description="POST /v1/chat/completions body (OpenAI chat-completions shape)",
            schema=_openai_chat_schema(plan.limits),
        )
        v1 = api.root.add_resource("v1")
        invoke = apigateway.LambdaIntegration(self._invoke_function, allow_test_invoke=False)
        feedback = apigateway.LambdaIntegration(self._feedback_function, allow_test_invoke=False)
        chat = v1.add_resource("chat")
        self._methods = {
            ("POST", "/v1/chat"): chat.add_method(
                "POST",
                invoke,
                request_validator=validator,
                # Every content type is validated: "$default" catches bodies sent as another.
                request_models={"application/json": chat_model, "$default": chat_model},
            ),
            # The same chat path in OpenAI's shape (the invoke function translates both ways).
            ("POST", "/v1/chat/completions"): chat.add_resource("completions").add_method(
                "POST",
                invoke,
                request_validator=validator,
                request_models={"application/json": openai_model, "$default": openai_model},
            ),
            ("GET", "/v1/models"): v1.add_resource("models").add_method("GET", invoke),
            ("POST", "/v1/feedback"): v1.add_resource("feedback").add_method(
                "POST",
                feedback,
                request_validator=validator,
                request_models={"application/json": feedback_model, "$default": feedback_model},
            ),
        }

        if plan.retrieval is not None:
            retrieve_model = api.add_model(
                "RetrieveRequestModel",
                content_type="application/json",
                model_name="RetrieveRequest",
                description="POST /v1/retrieve body",
                schema=retrieve_schema(),
            )
            self._methods[("POST", "/v1/retrieve")] = v1.add_resource("retrieve").add_method(
                "POST",
                invoke,
                request_validator=validator,
                request_models={"application/json": retrieve_model, "$default": retrieve_model},
            )

    def _add_gateway_responses(self) -> None:
        """Errors API Gateway answers itself, shaped like the functions' errors."""
        for response_type, code, template in _GATEWAY_RESPONSES:
            self._api.add_gateway_response(
                f"{code}Response",
                type=response_type,
                templates={"application/json": template.replace("__CODE__", code)},
            )

    # ------------------------------------------------------------------ acknowledgements

    def _acknowledge_profile_wildcard(self, catalog: ModelCatalog) -> None:
        policy = catalog.policy_of(self._invoke_function)
        pattern = catalog.application_profile_pattern
        if policy is None or pattern is None:
            return
        acknowledge(
            policy,
            f"AwsSolutions-IAM5[Resource::{nag_value(self._stack, pattern)}]",
            "Bedrock generates the ids of the tenants' application inference profiles; the "
            f"statement admits only profiles tagged {GATEWAY_TAG_KEY}={self._name_prefix} "
            "(aws:ResourceTag), only with the platform guardrail, so the policy does not grow "
            "with the tenants",
        )

    def _acknowledge_api(self) -> None:
        stage = self._api.deployment_stage.node.default_child or self._api.deployment_stage
        for pack in ("NIST.800.53.R5", "HIPAA.Security"):
            acknowledge(
                stage,
                f"{pack}-APIGWCacheEnabledAndEncrypted",
                "Responses are model outputs for one caller's prompt; a stage cache would serve "
                "one tenant's answer to another, so caching stays off",
            )
            acknowledge(
                stage,
                f"{pack}-APIGWSSLEnabled",
                "Every integration is a Lambda proxy invoked by API Gateway through the signed "
                "Lambda API; stage client certificates only authenticate API Gateway to HTTP "
                "backends, and this API has none",
            )
        for method in self._methods.values():
            acknowledge(
                method.node.default_child or method,
                "AwsSolutions-COG4",
                "Callers are IAM roles of application accounts authenticated by SigV4 "
                "(AWS_IAM authorization plus the resource policy); there are no end users "
                "that a Cognito user pool would hold",
            )
