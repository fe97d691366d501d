"""The gateway's side of retrieval: the request's view of the gateway handed to
``gw_retrieval`` (:func:`_retrieval_call`: config, clients, the deadline and read timeouts from
what is left of it, metrics and log fields), used by grounded chat and by the
``POST /v1/retrieve`` route (:func:`_retrieve`).
"""

from __future__ import annotations

from typing import Any

from gw_common import HttpError, parse_json_body
from gw_config import Tenant
from gw_deadline import MIN_CALL_SECONDS, read_timeout_for
from gw_kill_switch import KILL_SWITCH_RETRY_AFTER_SECONDS, kill_switch_engaged
from gw_retrieval import RetrievalCall, handle_retrieve
from gw_retry import DeadlineExceeded
from gw_runtime import Runtime, _RequestState

__all__: list[str] = []


def _retrieval_call(runtime: Runtime, state: _RequestState) -> RetrievalCall:
    """The request's view of the gateway for ``gw_retrieval``."""
    if runtime.config.retrieval is None:
        raise HttpError(
            403,
            "RetrievalNotAllowed",
            "this gateway serves no knowledge base",
            field="knowledge_base",
        )
    if runtime.retrieval is None:
        raise HttpError(
            503, "RetrievalUnavailable", "this gateway has no knowledge-base client configured"
        )

    def timeout(cap: float) -> float:
        left = state.deadline - runtime.clock()
        if left < MIN_CALL_SECONDS:
            raise DeadlineExceeded("no time left for the call")
        return read_timeout_for(left, cap, runtime.config.timeouts.connect_seconds)

    return RetrievalCall(
        config=runtime.config,
        runtime=runtime.retrieval,
        clock=runtime.clock,
        sleep=runtime.sleep,
        uniform=runtime.uniform,
        deadline=state.deadline,
        timeout=timeout,
        recorder=state.recorder,
        log=state.log,
        logger=runtime.logger,
        request_id=state.request_id,
    )


def _retrieve(
    event: dict[str, Any], tenant: Tenant, runtime: Runtime, state: _RequestState
) -> dict[str, Any]:
    """``POST /v1/retrieve`` (see ``gw_retrieval``); the kill switch applies, as for chat."""
    body = parse_json_body(event, max_bytes=runtime.config.limits.max_body_bytes)
    call = _retrieval_call(runtime, state)
    if kill_switch_engaged(runtime, state):
        raise HttpError(
            503,
            "ServiceDisabled",
            "the inference gateway is switched off by the platform's cost controls",
            headers={"Retry-After": str(KILL_SWITCH_RETRY_AFTER_SECONDS)},
        )
    return handle_retrieve(event, body, tenant, call)
