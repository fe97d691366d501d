"""An endpoint owned elsewhere, referenced by its ARNs
(:meth:`InferenceEndpoint.from_endpoint_attributes`)."""

from __future__ import annotations

import re

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import Construct

from genai_platform.constructs.inference_endpoint.metrics import _ModelMetrics
from genai_platform.constructs.inference_endpoint.props import (
    VARIANT_NAME,
)


class _ImportedEndpoint(_ModelMetrics):
    """A SageMaker endpoint referenced by its ARNs (:meth:`InferenceEndpoint.
    from_endpoint_attributes`)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        endpoint_arn: str,
        inference_component_arn: str | None,
    ) -> None:
        super().__init__(scope, id)
        self._endpoint_arn = endpoint_arn
        self._component_arn = inference_component_arn
        parts = cdk.Arn.split(endpoint_arn, cdk.ArnFormat.SLASH_RESOURCE_NAME)
        self._endpoint_name = parts.resource_name or ""
        self._account = parts.account or ""
        self._region = parts.region or ""
        self._component_name = (
            cdk.Arn.split(inference_component_arn, cdk.ArnFormat.SLASH_RESOURCE_NAME).resource_name
            or ""
            if inference_component_arn is not None
            else None
        )

    @property
    def account(self) -> str:
        """The account of the endpoint's ARN."""
        return self._account

    @property
    def region(self) -> str:
        """The Region of the endpoint's ARN."""
        return self._region

    @property
    def endpoint_name(self) -> str:
        """The last part of the endpoint's ARN."""
        return self._endpoint_name

    @property
    def endpoint_arn(self) -> str:
        """The ARN given."""
        return self._endpoint_arn

    @property
    def inference_component_name(self) -> str | None:
        """The last part of the component's ARN; None without one."""
        return self._component_name

    @property
    def inference_component_arn(self) -> str | None:
        """The component ARN given; None without one."""
        return self._component_arn

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """``sagemaker:InvokeEndpoint`` and ``sagemaker:InvokeEndpointWithResponseStream`` on
        the endpoint ARN and the component ARN given."""
        arns = [self._endpoint_arn]
        if self._component_arn is not None:
            arns.append(self._component_arn)
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"],
            resource_arns=arns,
        )

    def _dimensions(self) -> dict[str, str]:
        if self._component_name is not None:
            return {"InferenceComponentName": self._component_name}
        return {"EndpointName": self._endpoint_name, "VariantName": VARIANT_NAME}


_ARN_NAME = r"[a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62}"
_ENDPOINT_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):sagemaker:(?P<region>[a-z]{2}(?:-[a-z]+)+-\d{1,2}):"
    rf"(?P<account>\d{{12}}):endpoint/{_ARN_NAME}"
)
_COMPONENT_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):sagemaker:(?P<region>[a-z]{2}(?:-[a-z]+)+-\d{1,2}):"
    rf"(?P<account>\d{{12}}):inference-component/{_ARN_NAME}"
)


def _validate_import(endpoint_arn: object, component_arn: object) -> list[str]:
    """Every problem with the attributes of an imported endpoint."""
    problems = []
    token = isinstance(endpoint_arn, str) and cdk.Token.is_unresolved(endpoint_arn)
    endpoint = _ENDPOINT_ARN.fullmatch(endpoint_arn) if isinstance(endpoint_arn, str) else None
    if not token and endpoint is None:
        problems.append(
            f"endpoint_arn: {endpoint_arn!r} is not a SageMaker endpoint ARN; give "
            "arn:<partition>:sagemaker:<region>:<12-digit account>:endpoint/<name> (name: 1-63 "
            "letters, digits and hyphens)"
        )
    if component_arn is None:
        return problems
    if isinstance(component_arn, str) and cdk.Token.is_unresolved(component_arn):
        return problems
    component = _COMPONENT_ARN.fullmatch(component_arn) if isinstance(component_arn, str) else None
    if component is None:
        problems.append(
            f"inference_component_arn: {component_arn!r} is not an inference component ARN; "
            "give arn:<partition>:sagemaker:<region>:<12-digit account>:inference-component/"
            "<name> (name: 1-63 letters, digits and hyphens)"
        )
    elif endpoint is not None:
        for part in ("partition", "region", "account"):
            if component.group(part) != endpoint.group(part):
                problems.append(
                    f"inference_component_arn: {component_arn!r} is in {part} "
                    f"{component.group(part)!r} but endpoint_arn in {endpoint.group(part)!r}; a "
                    "component lives on an endpoint of its own account and Region"
                )
    return problems
