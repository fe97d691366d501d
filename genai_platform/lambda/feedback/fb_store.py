"""Feedback items in DynamoDB: one per (response id, caller), written once, expired by TTL.

Table: partition key ``response_id`` (S), sort key ``caller`` (S, the caller's principal key),
TTL attribute ``expires_at`` (epoch seconds). Item attributes: ``tenant``, ``rating``,
``comment`` (only when one was given), ``created_at`` (ISO 8601, UTC), ``request_id`` (the
API Gateway request that stored it).

Idempotency: the put is conditional on the item not existing (or having expired but not yet
been deleted by TTL, which can lag by days). A repeat by the same caller is a duplicate and does
not overwrite the first rating: the first answer is the one the product recorded, and a caller
cannot flip ratings to game the feedback metric. When the condition fails on an item written by
the same API Gateway request (the SDK retried a put whose response was lost), the feedback counts
as stored, not as a duplicate.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError
from fb_request import Feedback

__all__ = ["DynamoDbClient", "FeedbackStore", "StoreUnavailable"]

_THROTTLE_CODES = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
)
_SECONDS_PER_DAY = 86_400


class DynamoDbClient(Protocol):
    """The one DynamoDB client operation the store uses."""

    def put_item(self, **kwargs: Any) -> dict[str, Any]: ...


class StoreUnavailable(Exception):
    """DynamoDB did not store the feedback: throttled, timed out or failed.

    ``reason`` is an error code or exception class name, safe to log (never an item value).
    """

    def __init__(self, reason: str, *, throttled: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.throttled = throttled


class FeedbackStore:
    """Writes feedback items to the feedback table, once per (response id, caller)."""

    def __init__(
        self,
        client: DynamoDbClient,
        table_name: str,
        *,
        ttl_days: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._table_name = table_name
        self._ttl_seconds = ttl_days * _SECONDS_PER_DAY
        self._clock = clock

    def put(self, feedback: Feedback, *, caller: str, tenant: str, request_id: str) -> bool:
        """Store ``feedback`` by ``caller``; True when stored, False when it is a duplicate.

        Raises :class:`StoreUnavailable` when DynamoDB throttles, times out or fails.
        """
        now = int(self._clock())
        item: dict[str, dict[str, str]] = {
            "response_id": {"S": feedback.response_id},
            "caller": {"S": caller},
            "tenant": {"S": tenant},
            "rating": {"S": feedback.rating},
            "created_at": {"S": datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")},
            "expires_at": {"N": str(now + self._ttl_seconds)},
            "request_id": {"S": request_id},
        }
        if feedback.comment is not None:
            item["comment"] = {"S": feedback.comment}
        try:
            self._client.put_item(
                TableName=self._table_name,
                Item=item,
                ConditionExpression="attribute_not_exists(response_id) OR expires_at < :now",
                ExpressionAttributeValues={":now": {"N": str(now)}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", "Unknown"))
            if code == "ConditionalCheckFailedException":
                existing = exc.response.get("Item") or {}
                return bool(existing.get("request_id", {}).get("S") == request_id)
            raise StoreUnavailable(code, throttled=code in _THROTTLE_CODES) from None
        except BotoCoreError as exc:
            # The class name only: some botocore messages quote parameter values.
            raise StoreUnavailable(type(exc).__name__, throttled=False) from None
        return True
