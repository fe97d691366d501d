"""Warm windows of scheduled capacity: copy-hours a month that weekly ``cron`` schedules of
``MinCapacity`` keep warm."""

from __future__ import annotations

import re
from typing import Any

from genai_platform.cost.prices import HOURS_PER_MONTH

_WEEKS_PER_MONTH = HOURS_PER_MONTH / (24 * 7)

_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


def _field_values(spec: str, low: int, high: int, names: tuple[str, ...] = ()) -> list[int]:
    def value(text: str) -> int:
        if names and text.upper() in names:
            return names.index(text.upper()) + low
        return int(text)

    out: set[int] = set()
    for part in spec.split(","):
        if part in ("*", "?"):
            out.update(range(low, high + 1))
        elif "-" in part:
            start, end = part.split("-", 1)
            out.update(range(value(start), value(end) + 1))
        else:
            out.add(value(part))
    return sorted(v for v in out if low <= v <= high)


def _weekly_fire_minutes(schedule: str) -> list[int] | None:
    """Minutes of the week (Sunday 00:00 = 0) a ``cron(m h ? * DOW *)`` schedule fires, or
    None for schedules it cannot place in a week (``rate``, ``at``, day-of-month crons)."""
    match = re.fullmatch(r"cron\((\S+) (\S+) (\S+) (\S+) (\S+)(?: (\S+))?\)", schedule.strip())
    if match is None:
        return None
    minute, hour, day_of_month, _month, day_of_week = match.groups()[:5]
    if day_of_month not in ("?", "*"):
        return None
    try:
        minutes = _field_values(minute, 0, 59)
        hours = _field_values(hour, 0, 23)
        days = _field_values(day_of_week, 1, 7, _DAYS)  # AWS cron: 1 = SUN
    except ValueError:
        return None
    return sorted((d - 1) * 1440 + h * 60 + m for d in days for h in hours for m in minutes)


def _scheduled_warm_copy_hours(actions: list[dict[str, Any]]) -> float | None:
    """Copy-hours a month kept warm by scheduled ``MinCapacity`` changes (None: not placeable)."""
    events: list[tuple[int, int]] = []
    for action in actions:
        target = action.get("ScalableTargetAction", {})
        if "MinCapacity" not in target:
            continue
        minutes = _weekly_fire_minutes(str(action.get("Schedule", "")))
        if minutes is None:
            return None
        events.extend((m, int(target["MinCapacity"])) for m in minutes)
    if not events:
        return 0.0
    events.sort()
    week = 7 * 1440
    total = 0.0
    for n, (start, capacity) in enumerate(events):
        end = events[n + 1][0] if n + 1 < len(events) else events[0][0] + week
        total += capacity * (end - start) / 60
    return total * _WEEKS_PER_MONTH
