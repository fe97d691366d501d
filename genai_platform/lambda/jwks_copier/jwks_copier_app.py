"""Copies each tenant issuer's JSON Web Key Set into an SSM parameter, on a schedule.

The gateway's functions run in isolated subnets without internet access, so they cannot fetch
an identity provider's key set themselves. This function runs outside the VPC every 15 minutes
(EventBridge schedule): for each source in ``JWKS_SOURCES`` (a JSON list of ``{"url",
"parameter"}``) it fetches the key set over HTTPS (``FETCH_TIMEOUT_SECONDS``, at most
``MAX_RESPONSE_BYTES`` read), keeps only public signing keys and their public members, and
writes the result to the parameter when it changed. The invoke function reads the parameter and
caches it (``gw_identity``).

Advanced-tier SSM parameters hold at most 8 KB (standard: 4 KB; AWS Systems Manager User
Guide, "Managing parameter tiers"): a key set that is still larger after trimming is not
written (the last good one stays) and the run fails, so the function's ``Errors`` metric
shows it. A source that fails never stops the others; the run fails at the end if any did.

Stdlib and boto3 only; every outbound call has a timeout.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from typing import Any

FETCH_TIMEOUT_SECONDS = 5.0
MAX_RESPONSE_BYTES = 256 * 1024
#: Advanced-tier parameter values hold at most 8 KB.
MAX_PARAMETER_BYTES = 8 * 1024
_PUBLIC_MEMBERS = ("kty", "kid", "use", "alg", "n", "e", "crv", "x", "y")


class CopyFailed(Exception):
    """At least one key set could not be copied (the message lists which)."""


def trim_key_set(document: Any) -> str:
    """The key set with only public signing keys (RSA or EC) and their public members, as
    compact JSON; ValueError when it is not a key set or none is left."""
    keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(keys, list):
        raise ValueError("not a JSON Web Key Set (no 'keys' list)")
    kept = []
    for key in keys:
        if not isinstance(key, dict) or key.get("kty") not in ("RSA", "EC"):
            continue
        if key.get("use", "sig") != "sig" or "d" in key:
            continue
        kept.append({m: key[m] for m in _PUBLIC_MEMBERS if isinstance(key.get(m), str)})
    if not kept:
        raise ValueError("the key set holds no public RSA or EC signing key")
    return json.dumps({"keys": kept}, separators=(",", ":"), sort_keys=True)


def fetch_https(url: str) -> Any:
    """GET ``url`` (https only) and parse its JSON body."""
    if not url.startswith("https://"):
        raise ValueError("only https:// key set URLs are fetched")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:
        body = response.read(MAX_RESPONSE_BYTES + 1)
    if len(body) > MAX_RESPONSE_BYTES:
        raise ValueError(f"the key set is larger than {MAX_RESPONSE_BYTES} bytes")
    return json.loads(body)


def copy_key_sets(
    sources: Sequence[Mapping[str, str]], fetch: Callable[[str], Any], ssm: Any
) -> dict[str, str]:
    """Copy every source; the outcome per parameter (``updated``, ``unchanged`` or the error).
    Raises :class:`CopyFailed` after trying all of them when any failed."""
    outcomes: dict[str, str] = {}
    for source in sources:
        parameter = source["parameter"]
        try:
            value = trim_key_set(fetch(source["url"]))
            if len(value.encode("utf-8")) > MAX_PARAMETER_BYTES:
                raise ValueError(
                    f"the trimmed key set has {len(value)} bytes; an SSM parameter holds at "
                    f"most {MAX_PARAMETER_BYTES}"
                )
            current = ssm.get_parameter(Name=parameter)["Parameter"]["Value"]
            if current == value:
                outcomes[parameter] = "unchanged"
                continue
            ssm.put_parameter(
                Name=parameter, Value=value, Type="String", Tier="Advanced", Overwrite=True
            )
            outcomes[parameter] = "updated"
        except Exception as exc:
            outcomes[parameter] = f"failed: {type(exc).__name__}: {str(exc)[:200]}"
    print(json.dumps({"message": "key sets copied", "outcomes": outcomes}))
    failed = sorted(p for p, outcome in outcomes.items() if outcome.startswith("failed"))
    if failed:
        raise CopyFailed(f"key sets not copied: {', '.join(failed)}")
    return outcomes


def _sources(environ: Mapping[str, str]) -> list[dict[str, str]]:
    data = json.loads(environ["JWKS_SOURCES"])
    if not isinstance(data, list) or not all(
        isinstance(s, dict)
        and isinstance(s.get("url"), str)
        and isinstance(s.get("parameter"), str)
        for s in data
    ):
        raise ValueError("JWKS_SOURCES must be a JSON list of {url, parameter}")
    return [{"url": s["url"], "parameter": s["parameter"]} for s in data]


def lambda_handler(event: Any, context: Any) -> dict[str, str]:
    """The scheduled entry point."""
    import boto3
    from botocore.config import Config

    ssm = boto3.client(
        "ssm",
        config=Config(connect_timeout=2, read_timeout=5, retries={"total_max_attempts": 3}),
    )
    return copy_key_sets(_sources(os.environ), fetch_https, ssm)
