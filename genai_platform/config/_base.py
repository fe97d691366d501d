"""Shared pieces of the config models: the error type, value checks and the model base."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
)

#: Cost-allocation tags every platform must declare in ``[tags]``.
REQUIRED_COST_ALLOCATION_TAGS: tuple[str, ...] = ("CostCenter", "Owner")

#: Retention periods CloudWatch Logs accepts, in days.
LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip

#: AWS Budgets allows five notifications per budget; one is the forecast alert.
MAX_ACTUAL_THRESHOLDS = 4


class ConfigError(ValueError):
    """A platform config is invalid. ``problems`` holds one line per problem."""

    def __init__(self, problems: Sequence[str], *, source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        where = f" in {source}" if source else ""
        lines = "\n".join(f"  - {p}" for p in self.problems)
        count = f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}"
        super().__init__(f"invalid platform config{where} ({count}):\n{lines}")


# --------------------------------------------------------------------------- field types


def _check_account_id(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(
            f"{value!r} is a number; write the account id as a quoted 12-digit string "
            "(leading zeros matter)"
        )
    if not isinstance(value, str) or not re.fullmatch(r"\d{12}", value):
        raise ValueError(f"{value!r} is not a 12-digit AWS account id")
    return value


def _check_org_id(value: str) -> str:
    if not re.fullmatch(r"o-[a-z0-9]{10,32}", value):
        raise ValueError(
            f"{value!r} is not an AWS Organizations id (o- followed by 10 to 32 lowercase "
            "letters or digits)"
        )
    return value


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")


def _check_email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError(f"{value!r} is not an e-mail address")
    return value


def _check_retention(value: int) -> int:
    if value not in LOG_RETENTION_DAYS:
        raise ValueError(
            f"{value!r} is not a CloudWatch Logs retention; allowed: "
            f"{', '.join(map(str, LOG_RETENTION_DAYS))}"
        )
    return value


AccountId = Annotated[str, BeforeValidator(_check_account_id)]
OrganizationId = Annotated[str, AfterValidator(_check_org_id)]
Email = Annotated[str, AfterValidator(_check_email)]


@lru_cache(maxsize=1)
def known_regions() -> frozenset[str]:
    """Every region botocore's offline endpoint data knows, across partitions."""
    import botocore.session

    session = botocore.session.get_session()
    regions: set[str] = set()
    for partition in session.get_available_partitions():
        regions.update(session.get_available_regions("ec2", partition_name=partition))
    return frozenset(regions)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)
