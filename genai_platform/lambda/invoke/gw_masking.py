"""Masking of personal data and secrets in text the gateway logs.

Prompts and completions are logged only for tenants that opted in (``log_content``), and then
only through :func:`mask`. A handful of standard-library regular expressions, not a PII
detector: they catch the obvious identifiers (e-mail addresses in any script, phone numbers,
payment card numbers that pass the Luhn check, IBANs that pass the ISO 13616 mod-97 check,
IPv4/IPv6 addresses, ``password: ...``-style secrets, AWS access key ids, secret-looking
40-character keys and ``sk-...`` API keys) so that an opted-in log is not a copy of them. The
Bedrock guardrail and the invocation-logging data-protection policy remain the real controls.

Linear time, whatever the text: every text is first cut to :data:`MAX_MASKED_CHARS` (the rest
is replaced by a marker saying how much was cut), and every pattern is built so that Python's
backtracking engine does bounded work per position: fixed or bounded repetitions only, and no
two adjacent repetitions that can match the same characters. E-mail addresses, whose free-form
parts used to make the pattern quadratic (``a.a.a....`` scanned again from every dot), are
found by splitting the text into whitespace-free words (one linear scan) and testing only words
of e-mail size that contain an ``@``. Unpaired surrogates are replaced by U+FFFD, so the
masked text can always be written as UTF-8.
"""

from __future__ import annotations

import re

from gw_common import scrub_text

__all__ = ["MAX_MASKED_CHARS", "mask"]

MAX_MASKED_CHARS = 8192
"""Characters of one text that are masked and logged; the rest is cut."""

_MAX_EMAIL_CHARS = 254  # RFC 5321's limit on a forward path

_AWS_ACCESS_KEY = re.compile(
    r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|APKA)[A-Z0-9]{16}\b"
)
_AWS_SECRET = re.compile(r"[A-Za-z0-9/+=]{40,}")  # whole runs; exactly 40 is secret-shaped
_API_KEY = re.compile(r"(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{20,200}(?![A-Za-z0-9_-])")
_SECRET_ASSIGNMENT = re.compile(
    r"(?i)\b(password|passwd|pwd|passphrase|secret|api[_-]?key|access[_-]?token|token)"
    r"([ \t]{0,3}[:=][ \t]{0,3})([^\s,;]{1,256})"
)
_WORD = re.compile(r"[^\s<>()\[\]{},;\"']+")
_LOCAL_PART = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]{1,64}")
_DOMAIN = re.compile(r"(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.){1,8}[^\W\d_]{2,63}")
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
_IPV4 = re.compile(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b")
_IPV6 = re.compile(
    r"(?<![\w:])(?:"
    r"(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}"  # full form
    r"|(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}:){0,5}[0-9A-Fa-f]{0,4}"  # a::b, a::
    r"|::(?:[0-9A-Fa-f]{1,4}:){0,6}[0-9A-Fa-f]{1,4}"  # ::1
    r")(?![\w:])"
)
_PHONE = re.compile(r"(?<![\w+])\+?\(?\d{1,4}\)?(?:[ .-]?\(?\d{2,4}\)?){2,5}(?!\w)")
_TRAILING = ".:!?"


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


def _iban(match: re.Match[str]) -> str:
    """``[IBAN]`` when the match passes ISO 13616's check (mod 97 of the rearranged number)."""
    compact = match.group(0).replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return match.group(0)
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(char, 36)) for char in rearranged)
    return "[IBAN]" if int(number) % 97 == 1 else match.group(0)


def _aws_secret(match: re.Match[str]) -> str:
    return "[AWS_SECRET]" if len(match.group(0)) == 40 else match.group(0)


def _phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "[PHONE]" if 9 <= len(digits) <= 15 else match.group(0)


def _secret(match: re.Match[str]) -> str:
    return f"{match.group(1)}{match.group(2)}[SECRET]"


def _is_email(word: str) -> bool:
    local, _, domain = word.rpartition("@")
    return (
        bool(local)
        and _LOCAL_PART.fullmatch(local) is not None
        and (_DOMAIN.fullmatch(domain) is not None)
    )


def _email_word(match: re.Match[str]) -> str:
    word = match.group(0)
    if "@" not in word or len(word) > _MAX_EMAIL_CHARS + 4:
        return word
    core = word.rstrip(_TRAILING)
    return "[EMAIL]" + word[len(core) :] if _is_email(core) else word


def mask(text: str) -> str:
    """``text`` (cut to :data:`MAX_MASKED_CHARS`) with personal data and credentials replaced
    by ``[EMAIL]``, ``[CARD]``, ``[IBAN]``, ``[SECRET]``..."""
    cut = len(text) - MAX_MASKED_CHARS
    if cut > 0:
        text = text[:MAX_MASKED_CHARS]
    text = scrub_text(text)
    text = _SECRET_ASSIGNMENT.sub(_secret, text)
    text = _AWS_ACCESS_KEY.sub("[AWS_ACCESS_KEY]", text)
    text = _API_KEY.sub("[API_KEY]", text)
    text = _AWS_SECRET.sub(_aws_secret, text)
    text = _WORD.sub(_email_word, text)
    text = _IBAN.sub(_iban, text)
    text = _CARD.sub(_card, text)
    text = _IPV4.sub("[IP]", text)
    text = _IPV6.sub("[IP]", text)
    text = _PHONE.sub(_phone, text)
    return text + (f" [... {cut} more characters not logged]" if cut > 0 else "")
