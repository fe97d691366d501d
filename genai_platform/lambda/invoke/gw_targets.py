"""Calling the approved models, and what their errors mean to the gateway.

- Bedrock: ``Converse`` with the platform guardrail ALWAYS attached (``guardrailConfig`` with
  identifier, version and trace); stop reason ``guardrail_intervened`` means it blocked.
  The guardrail is named by its ARN (both APIs accept an id or an ARN): the model catalogue's
  IAM policy only allows invocation when ``bedrock:GuardrailIdentifier`` is the guardrail's
  ``<arn>:<version>``, so the request names it the same way.
- SageMaker: ``InvokeEndpoint`` on an inference component with an OpenAI-style chat-completions
  body (what the LMI, vLLM and TGI messages APIs accept). The guardrail is applied around it by
  the gateway with ``ApplyGuardrail`` (see :func:`apply_guardrail`).

:func:`classify_error` maps an exception from either service to what the gateway does next:
retry (``throttled``, ``connection``), count a failure (``timeout``, ``failed``), fall back
without counting (``waking``: an inference component scaled to zero), tell the caller
(``rejected``: the model refused this request as malformed), or treat it as a bug in the
gateway (``unexpected``: not an AWS or model error at all).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, ReadTimeoutError
from botocore.exceptions import ConnectionError as BotoConnectionError
from gw_config import GuardrailRef, ModelTarget
from gw_request import ChatRequest

__all__ = [
    "CONNECTION",
    "FAILED",
    "GUARDRAIL_INTERVENED",
    "REJECTED",
    "THROTTLED",
    "TIMEOUT",
    "UNEXPECTED",
    "WAKING",
    "Completion",
    "MalformedModelResponse",
    "apply_guardrail",
    "bedrock_converse",
    "classify_error",
    "error_code",
    "rejection_message",
    "sagemaker_chat",
]

THROTTLED = "throttled"
CONNECTION = "connection"
TIMEOUT = "timeout"
WAKING = "waking"
REJECTED = "rejected"
FAILED = "failed"
UNEXPECTED = "unexpected"

GUARDRAIL_INTERVENED = "GUARDRAIL_INTERVENED"

_THROTTLING_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "ServiceUnavailableException",
        "ServiceUnavailable",
        "ModelNotReadyException",
        "RequestLimitExceeded",
    }
)
_TIMEOUT_CODES = frozenset({"ModelTimeoutException"})
_REJECTED_CODES = frozenset({"ValidationException", "ValidationError"})
# SageMaker answers InvokeEndpoint on an inference component that has no copies (scaled to
# zero, or still scaling out) with a ValidationError saying so; that failure is also what the
# NoCapacityInvocationFailures metric counts, which the step policy uses to wake the endpoint.
_NO_CAPACITY_MARKER = "has no capacity to process this request"
_SAGEMAKER_STOP_REASONS = {
    "stop": "end_turn",
    "eos_token": "end_turn",
    "length": "max_tokens",
    "content_filter": "content_filtered",
}


class MalformedModelResponse(Exception):
    """The model answered with something that is not a chat completion."""


@dataclass(frozen=True)
class Completion:
    """A model's answer, in the gateway's vocabulary."""

    text: str
    stop_reason: str
    input_tokens: int
    output_tokens: int
    guardrail_intervened: bool = False


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ``ClientError``, else None."""
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None


def classify_error(exc: BaseException, kind: str) -> str:
    """What an exception from a ``kind`` (``bedrock``/``sagemaker``) call means for the gateway."""
    if isinstance(exc, ReadTimeoutError):
        return TIMEOUT
    if isinstance(exc, BotoConnectionError):
        return CONNECTION
    if isinstance(exc, MalformedModelResponse | BotoCoreError):
        return FAILED
    code = error_code(exc)
    if code is None:
        return UNEXPECTED
    assert isinstance(exc, ClientError)
    message = str(exc.response.get("Error", {}).get("Message", ""))
    if kind == "sagemaker" and (
        code == "ModelNotReadyException"
        or (code in _REJECTED_CODES and _NO_CAPACITY_MARKER in message.lower())
    ):
        return WAKING
    if code in _THROTTLING_CODES:
        return THROTTLED
    if code in _TIMEOUT_CODES:
        return TIMEOUT
    if code in _REJECTED_CODES:
        return REJECTED
    if code == "ModelError":
        status = exc.response.get("OriginalStatusCode")
        if isinstance(status, int) and 400 <= status < 500 and status not in (408, 429):
            return REJECTED
        if status == 429:
            return THROTTLED
    return FAILED


def rejection_message(exc: BaseException) -> str:
    """A short, caller-safe description of why the model refused the request."""
    if isinstance(exc, ClientError):
        message = exc.response.get("OriginalMessage") or exc.response.get("Error", {}).get(
            "Message", ""
        )
        text = str(message).strip().replace("\n", " ")
        return text[:300] if text else "the model refused the request"
    return "the model refused the request"


def _converse_messages(request: ChatRequest) -> list[dict[str, Any]]:
    """Converse messages; consecutive turns of one role become one turn with several blocks
    (Converse requires alternating roles, the gateway's API does not)."""
    merged: list[dict[str, Any]] = []
    for message in request.messages:
        block = {"text": message.content}
        if merged and merged[-1]["role"] == message.role:
            merged[-1]["content"].append(block)
        else:
            merged.append({"role": message.role, "content": [block]})
    return merged


def bedrock_converse(
    client: Any,
    target: ModelTarget,
    request: ChatRequest,
    guardrail: GuardrailRef,
    metadata: dict[str, str],
    *,
    messages: list[dict[str, Any]] | None = None,
    on_response: Callable[[Any], None] | None = None,
) -> Completion:
    """One ``Converse`` call with the guardrail attached. ``messages`` replaces the request's
    own (a grounded chat's ``guardContent`` blocks); ``on_response`` sees the raw response (its
    guardrail trace)."""
    inference: dict[str, Any] = {"maxTokens": request.max_tokens}
    if request.temperature is not None:
        inference["temperature"] = request.temperature
    params: dict[str, Any] = {
        "modelId": target.model_id,
        "messages": messages if messages is not None else _converse_messages(request),
        "inferenceConfig": inference,
        "guardrailConfig": {
            "guardrailIdentifier": guardrail.arn,
            "guardrailVersion": guardrail.version,
            "trace": "enabled",
        },
        "requestMetadata": metadata,
    }
    if request.system is not None:
        params["system"] = [{"text": request.system}]
    response = client.converse(**params)
    if on_response is not None:
        on_response(response)
    try:
        blocks = response["output"]["message"]["content"]
        text = "".join(_block_text(block) for block in blocks)
        stop_reason = response["stopReason"]
        usage = response["usage"]
        input_tokens = _token_count(usage["inputTokens"])
        output_tokens = _token_count(usage["outputTokens"])
        if not isinstance(stop_reason, str) or not isinstance(blocks, list):
            raise TypeError("stopReason or content of the wrong type")
    except Exception as exc:
        # Whatever the shape: a 200 that is not a Converse answer is the model's failure.
        raise MalformedModelResponse(f"Converse response unusable ({type(exc).__name__})") from None
    return Completion(
        text=text,
        stop_reason=stop_reason[:64],
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        guardrail_intervened=stop_reason == "guardrail_intervened",
    )


def _block_text(block: Any) -> str:
    if not isinstance(block, dict):
        raise TypeError("content block is not an object")
    text = block.get("text", "")
    if not isinstance(text, str):
        raise TypeError("text is not a string")
    return text


def _token_count(value: Any) -> int:
    """A token count from a model's usage: a non-negative integer below 10**9, else malformed."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 10**9:
        raise ValueError("token count is not a small non-negative integer")
    return value


def sagemaker_chat(client: Any, target: ModelTarget, request: ChatRequest) -> Completion:
    """One ``InvokeEndpoint`` call on the inference component, chat-completions style."""
    messages: list[dict[str, str]] = []
    if request.system is not None:
        messages.append({"role": "system", "content": request.system})
    messages.extend({"role": m.role, "content": m.content} for m in request.messages)
    body: dict[str, Any] = {"messages": messages, "max_tokens": request.max_tokens}
    if request.temperature is not None:
        body["temperature"] = request.temperature
    response = client.invoke_endpoint(
        EndpointName=target.endpoint_name,
        InferenceComponentName=target.inference_component_name,
        ContentType="application/json",
        Accept="application/json",
        Body=json.dumps(body).encode("utf-8"),
    )
    try:
        raw = response["Body"].read()
        data = json.loads(raw)
        choice = data["choices"][0]
        text = choice["message"]["content"]
        if not isinstance(text, str):
            raise TypeError("content is not a string")
        finish = str(choice.get("finish_reason") or "stop")
        usage = data.get("usage") or {}
        input_tokens = _token_count(usage["prompt_tokens"]) if "prompt_tokens" in usage else -1
        output_tokens = (
            _token_count(usage["completion_tokens"]) if "completion_tokens" in usage else -1
        )
    except (BotoCoreError, ClientError):
        raise  # reading the stream failed (timeout, connection): classified as such
    except Exception as exc:
        # A RecursionError from deep JSON, a huge number, a missing key...: the model failed.
        raise MalformedModelResponse(f"not a chat completion ({type(exc).__name__})") from None
    if input_tokens < 0:
        input_tokens = request.input_token_bound
    if output_tokens < 0:
        output_tokens = min(request.max_tokens, len(text.encode("utf-8", "replace")))
    return Completion(
        text=text,
        stop_reason=_SAGEMAKER_STOP_REASONS.get(finish, finish[:32]),
        input_tokens=input_tokens,
        output_tokens=output_tokens,
    )


def apply_guardrail(client: Any, guardrail: GuardrailRef, source: str, texts: list[str]) -> bool:
    """``ApplyGuardrail`` on ``texts`` (``source`` INPUT or OUTPUT); True when it intervened."""
    response = client.apply_guardrail(
        guardrailIdentifier=guardrail.arn,
        guardrailVersion=guardrail.version,
        source=source,
        content=[{"text": {"text": text}} for text in texts],
    )
    if not isinstance(response, dict):
        raise MalformedModelResponse("ApplyGuardrail response is not an object")
    return bool(response.get("action") == GUARDRAIL_INTERVENED)
