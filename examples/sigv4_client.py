"""Call the platform's guarded inference API with a SigV4-signed request (botocore + stdlib).

The API authorizes callers with AWS_IAM: sign every request with the workload role's
credentials for the service ``execute-api``, and send the tenant's API key (``x-api-key``),
which selects its usage plan. Run it with the workload role's credentials in the environment:

    python sigv4_client.py https://<api-id>.execute-api.us-east-1.amazonaws.com/prod/v1/chat \\
        '{"messages": [{"role": "user", "content": "Hello"}], "feature": "search"}' \\
        --api-key "$GATEWAY_API_KEY"

A PRIVATE API answers only inside the VPC, through the execute-api endpoint's private DNS.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import urllib.error
import urllib.request
from typing import Any, Protocol
from urllib.parse import urlsplit

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

_REGION_IN_HOST = re.compile(r"\.execute-api\.([a-z0-9-]+)\.(?:vpce\.)?amazonaws\.com$")


class CredentialSource(Protocol):
    """A ``boto3.Session`` or a ``botocore.session.Session``."""

    def get_credentials(self) -> Any: ...


def region_of(url: str) -> str:
    """The region in an ``execute-api`` URL's host name."""
    host = urlsplit(url).hostname or ""
    match = _REGION_IN_HOST.search(host)
    if match is None:
        raise ValueError(f"cannot tell the region from {host!r}; pass region=")
    return match.group(1)


def sign_request(
    url: str,
    body: dict[str, Any] | None = None,
    *,
    api_key: str,
    credentials: Any,
    region: str | None = None,
    method: str = "POST",
) -> AWSRequest:
    """A request signed with SigV4 for ``execute-api``; sending it is :func:`call_gateway`'s job."""
    headers = {"Accept": "application/json", "x-api-key": api_key}
    data = b""
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode("utf-8")
    request = AWSRequest(method=method, url=url, data=data, headers=headers)
    SigV4Auth(credentials, "execute-api", region or region_of(url)).add_auth(request)
    return request


def call_gateway(
    url: str,
    body: dict[str, Any] | None = None,
    *,
    api_key: str,
    session: CredentialSource | None = None,
    method: str = "POST",
    region: str | None = None,
    timeout_seconds: float = 30.0,
) -> tuple[int, dict[str, Any]]:
    """Send a signed request; returns the HTTP status and the decoded JSON body."""
    credentials = (session or botocore.session.get_session()).get_credentials()
    if credentials is None:
        raise RuntimeError("no AWS credentials found: run with the workload role's credentials")
    signed = sign_request(
        url,
        body,
        api_key=api_key,
        credentials=credentials.get_frozen_credentials(),
        region=region,
        method=method,
    ).prepare()
    request = urllib.request.Request(
        signed.url, data=signed.body or None, headers=dict(signed.headers), method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_seconds) as response:
            status, text = response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode("utf-8")
    try:
        return status, json.loads(text or "{}")
    except json.JSONDecodeError:
        return status, {"message": text}


def main() -> None:
    parser = argparse.ArgumentParser(description="Call the guarded inference API.")
    parser.add_argument("url", help="full URL, stage included: https://.../prod/v1/chat")
    parser.add_argument("body", nargs="?", help="JSON request body (omit for GET)")
    parser.add_argument("--api-key", default=os.environ.get("GATEWAY_API_KEY", ""))
    parser.add_argument("--method", default=None, help="POST with a body, GET without")
    args = parser.parse_args()
    body = json.loads(args.body) if args.body else None
    method = args.method or ("POST" if body is not None else "GET")
    status, answer = call_gateway(args.url, body, api_key=args.api_key, method=method)
    print(status, json.dumps(answer, indent=2))


if __name__ == "__main__":
    main()
