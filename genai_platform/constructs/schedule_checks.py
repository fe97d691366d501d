"""Checks of scheduled-scaling cron expressions and time zones, at synth rather than at deploy.

Application Auto Scaling takes a six-field cron expression ``Minutes Hours Day-of-month Month
Day-of-week Year`` and a time zone; CloudFormation accepts any string and the scheduled action
fails when it is created. Source: Application Auto Scaling User Guide, "Schedule recurring
scaling actions using Application Auto Scaling" (six fields; time zones are the canonical IANA
names supported by Joda-Time), which refers to the Amazon EventBridge "Cron expressions
reference" for the fields: minutes 0-59, hours 0-23, day-of-month 1-31 (also ``? L W``), month
1-12 or JAN-DEC, day-of-week 1-7 or SUN-SAT (also ``? L #``), year 1970-2199; ``, - * /`` in
every field; day-of-month and day-of-week cannot both be given: one of them must be ``?``.

Time zones are checked against the IANA database of the standard library's ``zoneinfo`` (with
the ``tzdata`` package where the system has none). Not verified: zones Joda-Time lacks that a
newer IANA release added (rare; such a zone would still fail at deploy).
"""

from __future__ import annotations

import functools
import re

__all__ = ["cron_problems", "time_zone_problems"]

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


@functools.cache
def _time_zones() -> frozenset[str]:
    import zoneinfo

    return frozenset(zoneinfo.available_timezones())


def time_zone_problems(prop: str, name: object) -> list[str]:
    """Why ``name`` is no IANA time zone (``Europe/Berlin``, ``UTC``), or nothing; messages
    start with ``prop`` (``"schedules['Morning']: time_zone"``)."""
    zones = _time_zones()
    if not zones:  # no time-zone database on this machine: nothing to check against
        return []
    if isinstance(name, str) and name in zones:
        return []
    return [
        f"{prop} {name!r} is not an IANA time zone; give a canonical name such as "
        "'Europe/Berlin', 'America/New_York' or 'UTC'"
    ]


def _value(text: str, low: int, high: int, names: tuple[str, ...], offset: int) -> bool:
    if text.isdigit():
        return low <= int(text) <= high
    return text.upper() in names and low <= names.index(text.upper()) + offset <= high


def _field_ok(
    text: str, low: int, high: int, *, names: tuple[str, ...] = (), offset: int = 0, extra: str = ""
) -> bool:
    """One field: ``*``, values, ranges and steps joined by commas (and the field's extras)."""
    for part in text.split(","):
        base, slash, step = part.partition("/")
        if slash and not (step.isdigit() and int(step) >= 1):
            return False
        if base == "*":
            continue
        if "L" in extra and re.fullmatch(r"L|\d{0,2}L|L-\d{1,2}", base, re.IGNORECASE):
            continue
        if "W" in extra and re.fullmatch(r"\d{1,2}W|LW", base, re.IGNORECASE):
            digits = base[:-1]
            if digits.upper() == "L" or (digits.isdigit() and low <= int(digits) <= high):
                continue
            return False
        if "#" in extra and "#" in base:
            day, _, nth = base.partition("#")
            if _value(day, low, high, names, offset) and nth.isdigit() and 1 <= int(nth) <= 5:
                continue
            return False
        first, dash, last = base.partition("-")
        if not _value(first, low, high, names, offset):
            return False
        if dash and not _value(last, low, high, names, offset):
            return False
    return True


def cron_problems(prop: str, expression: object) -> list[str]:
    """Why ``expression`` is no Application Auto Scaling cron expression, or nothing; messages
    start with ``prop`` (``"schedules['Morning']: cron"``)."""
    if not isinstance(expression, str):
        return [f"{prop} {expression!r} is not a cron expression string"]
    fields = expression.split()
    if len(fields) != 6 or expression.strip().startswith("cron("):
        return [
            f"{prop} {expression!r} is not allowed; give six fields (minutes hours "
            "day-of-month month day-of-week year) without 'cron( )', e.g. '0 8 ? * MON-FRI *'"
        ]
    minutes, hours, day_of_month, month, day_of_week, year = fields
    problems = []
    checks = (
        ("minutes", minutes, _field_ok(minutes, 0, 59), "0-59"),
        ("hours", hours, _field_ok(hours, 0, 23), "0-23"),
        (
            "day-of-month",
            day_of_month,
            day_of_month == "?" or _field_ok(day_of_month, 1, 31, extra="LW"),
            "1-31, L, W or ?",
        ),
        ("month", month, _field_ok(month, 1, 12, names=_MONTHS, offset=1), "1-12 or JAN-DEC"),
        (
            "day-of-week",
            day_of_week,
            day_of_week == "?" or _field_ok(day_of_week, 1, 7, names=_DAYS, offset=1, extra="L#"),
            "1-7 or SUN-SAT, L, # or ?",
        ),
        ("year", year, _field_ok(year, 1970, 2199), "1970-2199"),
    )
    for name, text, ok, allowed in checks:
        if not ok:
            problems.append(
                f"{prop} {expression!r} has {name} {text!r} out of range; allowed: {allowed} "
                "(with , - * /)"
            )
    if (day_of_month == "?") == (day_of_week == "?"):
        problems.append(
            f"{prop} {expression!r} gives both day-of-month {day_of_month!r} and day-of-week "
            f"{day_of_week!r} (or neither as '?'); exactly one of them must be '?', e.g. "
            "'0 8 ? * MON-FRI *' or '0 8 1 * ? *'"
        )
    return problems
