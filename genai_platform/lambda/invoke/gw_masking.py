"""Masking of personal data and secrets in text the gateway logs.

Prompts and completions are logged only for tenants that opted in (``log_content``), and then
only through :func:`mask`. A handful of standard-library regular expressions, not a PII
detector: they catch the obvious identifiers (e-mail addresses, phone numbers, payment card
numbers that pass the Luhn check, IPv4/IPv6 addresses, AWS access key ids and secret-looking
40-character keys) so that an opted-in log is not a copy of them. The Bedrock guardrail and
invocation-logging data-protection policy remain the real controls.
"""

from __future__ import annotations

import re

__all__ = ["mask"]

_AWS_ACCESS_KEY = re.compile(
    r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|APKA)[A-Z0-9]{16}\b"
)
_AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])")
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_IPV4 = re.compile(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b")
_IPV6 = re.compile(
    r"(?<![\w:])(?:"
    r"(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}"  # full form
    r"|(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}:){0,5}[0-9A-Fa-f]{0,4}"  # a::b, a::
    r"|::(?:[0-9A-Fa-f]{1,4}:){0,6}[0-9A-Fa-f]{1,4}"  # ::1
    r")(?![\w:])"
)
_PHONE = re.compile(r"(?<![\w+])\+?\(?\d{1,4}\)?(?:[ .-]?\(?\d{2,4}\)?){2,5}(?!\w)")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "[CARD]" if 13 <= len(digits) <= 19 and _luhn_ok(digits) else match.group(0)


def _phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "[PHONE]" if 9 <= len(digits) <= 15 else match.group(0)


def mask(text: str) -> str:
    """``text`` with personal data and credentials replaced by ``[EMAIL]``, ``[CARD]``..."""
    text = _AWS_ACCESS_KEY.sub("[AWS_ACCESS_KEY]", text)
    text = _AWS_SECRET.sub("[AWS_SECRET]", text)
    text = _EMAIL.sub("[EMAIL]", text)
    text = _CARD.sub(_card, text)
    text = _IPV4.sub("[IP]", text)
    text = _IPV6.sub("[IP]", text)
    return _PHONE.sub(_phone, text)
