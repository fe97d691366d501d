"""An independent SigV4 verifier (stdlib only) for tests: what API Gateway checks, written from
the AWS Signature Version 4 specification, not from botocore's signer."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import quote, urlsplit


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def verify(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    secret_key: str,
    region: str,
    service: str = "execute-api",
) -> list[str]:
    """Why the request's SigV4 signature is wrong (nothing: valid)."""
    lower = {k.lower(): v for k, v in headers.items()}
    auth = lower.get("authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return ["no AWS4-HMAC-SHA256 Authorization header"]
    fields = dict(
        part.strip().split("=", 1) for part in auth[len("AWS4-HMAC-SHA256 ") :].split(",")
    )
    access_key, date, scope_region, scope_service, terminal = fields["Credential"].split("/")
    problems = []
    if (scope_region, scope_service, terminal) != (region, service, "aws4_request"):
        problems.append(f"scope {fields['Credential']!r} is not {region}/{service}")
    amz_date = lower.get("x-amz-date", "")
    if not amz_date.startswith(date):
        problems.append("x-amz-date does not match the credential scope's date")
    signed_headers = fields["SignedHeaders"].split(";")
    if "host" not in signed_headers:
        problems.append("host is not signed")
    parts = urlsplit(url)
    host = parts.netloc
    values = {**lower, "host": lower.get("host", host)}
    canonical_headers = "".join(f"{h}:{' '.join(values[h].split())}\n" for h in signed_headers)
    query = "&".join(
        sorted(
            f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
            for k, _, v in (p.partition("=") for p in parts.query.split("&") if p)
        )
    )
    canonical = "\n".join(
        [
            method.upper(),
            quote(parts.path or "/", safe="/-_.~"),
            query,
            canonical_headers,
            fields["SignedHeaders"],
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = _hmac(f"AWS4{secret_key}".encode(), date)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, fields["Signature"]):
        problems.append("signature does not match")
    del access_key
    return problems
