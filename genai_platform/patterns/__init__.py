"""Patterns: compositions of the platform's constructs that solve one use case end to end.

- :mod:`genai_platform.patterns.guarded_inference_api`: the guarded inference API an
  application account's workloads call with SigV4 (:class:`GuardedInferenceApi`, in the
  generative-AI account) and the caller role those workloads assume
  (:class:`GatewayCallerRole`, in the application account).
"""

from __future__ import annotations

from genai_platform.patterns.guarded_inference_api import (
    CallTimeouts,
    CircuitBreaker,
    GatewayCallerRole,
    GuardedInferenceApi,
    RequestLimits,
    RetryPolicy,
    Tenant,
    api_key_secret_name,
    caller_role_name,
    gateway_route_arns,
)

__all__ = [
    "CallTimeouts",
    "CircuitBreaker",
    "GatewayCallerRole",
    "GuardedInferenceApi",
    "RequestLimits",
    "RetryPolicy",
    "Tenant",
    "api_key_secret_name",
    "caller_role_name",
    "gateway_route_arns",
]
