"""What an estimate gives: one :class:`CostRow` per resource (or model's tokens) and the
:class:`CostEstimate` with totals, per-stack sums and the assumptions made."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["CostEstimate", "CostRow", "Status"]

Status = Literal["priced", "no charge", "not priced"]


@dataclass(frozen=True)
class CostRow:
    """One resource (or one model's tokens) with its monthly USD figures."""

    stack: str
    logical_id: str
    resource_type: str
    status: Status
    idle_usd: float
    usage_usd: float
    always_on_usd: float
    note: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {
            "stack": self.stack,
            "logical_id": self.logical_id,
            "type": self.resource_type,
            "status": self.status,
            "idle_usd": round(self.idle_usd, 2),
            "usage_usd": round(self.usage_usd, 2),
            "always_on_usd": round(self.always_on_usd, 2),
            "note": self.note,
        }


@dataclass(frozen=True)
class CostEstimate:
    """Every row of an assembly, with totals, per-stack sums and the assumptions made."""

    rows: tuple[CostRow, ...]
    assumptions: tuple[str, ...]
    price_date: str
    unconfirmed: tuple[str, ...] = ()
    usage_profile: bool = False

    @property
    def idle_usd(self) -> float:
        """Monthly USD with no traffic."""
        return sum(r.idle_usd for r in self.rows)

    @property
    def usage_usd(self) -> float:
        """Monthly USD at the usage profile (equal to idle without a profile)."""
        return sum(r.usage_usd for r in self.rows)

    @property
    def always_on_usd(self) -> float:
        """Monthly USD with every endpoint at one instance and a NAT gateway per zone."""
        return sum(r.always_on_usd for r in self.rows)

    @property
    def idle_share_of_always_on(self) -> float:
        """Idle cost as a fraction of the always-on cost (0 when always on costs nothing)."""
        return self.idle_usd / self.always_on_usd if self.always_on_usd else 0.0

    def stacks(self) -> dict[str, tuple[float, float, float]]:
        """Per stack: (idle, usage, always on) USD."""
        out: dict[str, tuple[float, float, float]] = {}
        for r in self.rows:
            i, u, a = out.get(r.stack, (0.0, 0.0, 0.0))
            out[r.stack] = (i + r.idle_usd, u + r.usage_usd, a + r.always_on_usd)
        return out

    def drivers(self, kind: Literal["idle", "usage"], count: int = 3) -> list[CostRow]:
        """The ``count`` rows costing the most, idle or at usage."""

        def key(row: CostRow) -> float:
            return row.idle_usd if kind == "idle" else row.usage_usd

        return sorted((r for r in self.rows if key(r) > 0), key=key, reverse=True)[:count]

    def types(self) -> dict[str, Status]:
        """Each resource type in the assembly and how it was treated."""
        return {r.resource_type: r.status for r in self.rows}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (``genai-platform cost --format json``)."""
        return {
            "price_table_date": self.price_date,
            "usage_profile": self.usage_profile,
            "totals": {
                "idle_usd": round(self.idle_usd, 2),
                "usage_usd": round(self.usage_usd, 2),
                "always_on_usd": round(self.always_on_usd, 2),
                "idle_share_of_always_on": round(self.idle_share_of_always_on, 4),
            },
            "stacks": [
                {
                    "stack": name,
                    "idle_usd": round(i, 2),
                    "usage_usd": round(u, 2),
                    "always_on_usd": round(a, 2),
                }
                for name, (i, u, a) in self.stacks().items()
            ],
            "rows": [r.to_dict() for r in self.rows],
            "not_priced": sorted({r.resource_type for r in self.rows if r.status == "not priced"}),
            "assumptions": list(self.assumptions),
            "unconfirmed_prices": list(self.unconfirmed),
        }
