"""The platform config's side of the estimate: its usage profile, aliases and ceilings.

``[cost] idle_ceiling_usd`` / ``usage_ceiling_usd`` (with ``usage_profile``) in the config;
``genai-platform check`` prices the assembly it synthesized with :func:`estimate_platform` and
fails with :func:`ceiling_problems`, which name the three largest cost drivers.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from genai_platform.config import PlatformConfig
from genai_platform.cost.estimate import CostEstimate, CostRow, estimate_assembly
from genai_platform.cost.prices import PriceTable
from genai_platform.cost.usage import UsageProfile, load_usage_profile

__all__ = ["ceiling_problems", "estimate_platform", "usage_profile_path"]


def usage_profile_path(config: PlatformConfig, config_path: str | Path | None) -> Path | None:
    """Where ``[cost] usage_profile`` points: relative to the config file, or to the package
    for the embedded default config (``config_path`` None); None when it names none.

    A relative path missing beside the config file but shipped in the package (a copy of the
    default config names ``profiles/usage.toml``) is the package's file."""
    profile = config.cost.usage_profile
    if profile is None:
        return None
    if Path(profile).is_absolute():
        return Path(profile)
    packaged = Path(str(resources.files("genai_platform").joinpath(profile)))
    if config_path is None:
        return packaged
    beside = Path(config_path).parent / profile
    return packaged if not beside.exists() and packaged.is_file() else beside


def estimate_platform(
    assembly_dir: str | Path,
    config: PlatformConfig,
    *,
    config_path: str | Path | None = None,
    usage: UsageProfile | None = None,
    prices: PriceTable | None = None,
) -> CostEstimate:
    """Price the assembly of ``config``'s platform at ``usage`` (default: the config's usage
    profile), resolving the usage profile's model aliases from ``[models.aliases]``."""
    if usage is None:
        path = usage_profile_path(config, config_path)
        usage = load_usage_profile(path) if path is not None else None
    return estimate_assembly(
        assembly_dir,
        usage=usage,
        prices=prices,
        model_aliases=config.models.aliases,
        self_hosted_aliases=config.api.self_hosted,
    )


def _drivers(rows: list[CostRow], kind: str) -> str:
    return ", ".join(
        f"{r.stack}/{r.logical_id} ({r.resource_type}) "
        f"{(r.idle_usd if kind == 'idle' else r.usage_usd):.2f} USD"
        for r in rows
    )


def ceiling_problems(estimate: CostEstimate, config: PlatformConfig) -> list[str]:
    """One line per ceiling of ``[cost]`` the estimate exceeds, naming the 3 largest drivers."""
    problems = []
    idle_ceiling, usage_ceiling = config.cost.idle_ceiling_usd, config.cost.usage_ceiling_usd
    if idle_ceiling is not None and estimate.idle_usd > idle_ceiling:
        problems.append(
            f"cost.idle_ceiling_usd: idle cost {estimate.idle_usd:.2f} USD a month exceeds "
            f"the ceiling {idle_ceiling:g}; largest drivers: "
            + _drivers(estimate.drivers("idle"), "idle")
        )
    if usage_ceiling is not None and estimate.usage_usd > usage_ceiling:
        problems.append(
            f"cost.usage_ceiling_usd: cost at the usage profile {estimate.usage_usd:.2f} USD a "
            f"month exceeds the ceiling {usage_ceiling:g}; largest drivers: "
            + _drivers(estimate.drivers("usage"), "usage")
        )
    return problems
