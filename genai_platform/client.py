"""Call the guarded inference API: SigV4 signing for ``httpx``, and the ``openai`` client.

The API authorizes every request with AWS_IAM (SigV4 for the service ``execute-api``) and
selects the tenant's usage plan by its API key (``x-api-key``). :class:`SigV4Signer` signs a
request with botocore (a runtime dependency); :func:`sigv4_auth` turns it into an ``httpx.Auth``
and :func:`openai_http_client` into an ``httpx.Client`` for the official ``openai`` client::

    import openai
    from genai_platform.client import openai_http_client

    base_url = "https://<api id>.execute-api.us-east-1.amazonaws.com/prod/v1"
    client = openai.OpenAI(
        base_url=base_url,
        api_key="unused",  # the SigV4 signature replaces the bearer token
        http_client=openai_http_client(base_url, api_key=tenant_api_key),
    )
    answer = client.chat.completions.create(
        model="chat", messages=[{"role": "user", "content": "Hello"}]
    )

``openai`` and its HTTP library (``httpx2`` in newer releases, ``httpx`` before) are not
dependencies of this library (install them in the calling application); they are imported
when these functions are called. The signature covers the
host, the body's hash, ``content-type`` and ``x-api-key``; other headers a client adds are left
unsigned, which SigV4 allows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

__all__ = ["SigV4Signer", "openai_http_client", "region_of", "sigv4_auth"]

_REGION_IN_HOST = re.compile(r"\.execute-api\.([a-z0-9-]+)\.(?:vpce\.)?amazonaws\.com(?:\.cn)?$")
_SIGNED = ("content-type", "x-api-key")


class CredentialSource(Protocol):
    """A ``boto3.Session`` or a ``botocore.session.Session``."""

    def get_credentials(self) -> Any: ...


def region_of(url: str) -> str:
    """The region in an ``execute-api`` URL's host name (ValueError when it has none)."""
    host = urlsplit(url).hostname or ""
    match = _REGION_IN_HOST.search(host)
    if match is None:
        raise ValueError(f"url: cannot tell the region from host {host!r}; pass region=")
    return match.group(1)


class SigV4Signer:
    """Signs requests for ``execute-api`` with the credentials of a session.

    ``session`` defaults to botocore's default session (the environment's credentials, e.g. the
    workload role's). Credentials are read on every request, so refreshed ones are used.
    """

    def __init__(
        self,
        *,
        region: str,
        session: CredentialSource | None = None,
        service: str = "execute-api",
    ) -> None:
        if not isinstance(region, str) or not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", region):
            raise ValueError(f"region: {region!r} is not an AWS region name such as 'us-east-1'")
        self.region = region
        self.service = service
        self._session = session

    def _credentials(self) -> Any:
        import botocore.session

        session = self._session or botocore.session.get_session()
        credentials = session.get_credentials()
        if credentials is None:
            raise RuntimeError("no AWS credentials found: run with the workload role's credentials")
        return credentials.get_frozen_credentials()

    def headers_for(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> dict[str, str]:
        """The headers to add to a request: ``Authorization``, ``X-Amz-Date``,
        ``X-Amz-Content-Sha256`` and, with temporary credentials, ``X-Amz-Security-Token``."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        signed = {k: v for k, v in headers.items() if k.lower() in _SIGNED}
        request = AWSRequest(method=method.upper(), url=url, data=body, headers=signed)
        request.headers["X-Amz-Content-Sha256"] = _sha256(body)
        SigV4Auth(self._credentials(), self.service, self.region).add_auth(request)
        return {
            name: str(request.headers[name])
            for name in (
                "Authorization",
                "X-Amz-Date",
                "X-Amz-Content-Sha256",
                "X-Amz-Security-Token",
            )
            if name in request.headers
        }


def _httpx() -> Any:
    """The HTTP library the installed ``openai`` client is built on, imported on use: ``httpx2``
    (newer ``openai`` releases) or ``httpx``. A dependency of the calling application, not of
    this library."""
    import importlib
    import importlib.util

    for name in ("httpx2", "httpx"):
        if importlib.util.find_spec(name) is not None:
            return importlib.import_module(name)
    raise ImportError(
        "genai_platform.client needs httpx2 or httpx: pip install openai (which brings the "
        "one it uses), or pip install httpx"
    )


def _sha256(body: bytes) -> str:
    import hashlib

    return hashlib.sha256(body).hexdigest()


def sigv4_auth(signer: SigV4Signer) -> Any:
    """An ``httpx.Auth`` that signs every request with ``signer`` (imports ``httpx``)."""
    auth_base: Any = _httpx().Auth

    class _SigV4Auth(auth_base):  # type: ignore[misc]
        requires_request_body = True

        def auth_flow(self, request: Any) -> Any:
            headers = signer.headers_for(
                request.method, str(request.url), request.headers, request.content
            )
            request.headers.update(headers)
            yield request

    return _SigV4Auth()


def openai_http_client(
    base_url: str,
    *,
    api_key: str,
    region: str | None = None,
    session: CredentialSource | None = None,
    timeout_seconds: float = 30.0,
) -> Any:
    """An ``httpx.Client`` that sends the tenant's ``api_key`` as ``x-api-key`` and signs every
    request; pass it as ``openai.OpenAI(http_client=...)``. The region defaults to the one in
    ``base_url``'s host. Imports ``httpx``."""
    httpx = _httpx()

    signer = SigV4Signer(region=region or region_of(base_url), session=session)
    return httpx.Client(
        auth=sigv4_auth(signer),
        headers={"x-api-key": api_key},
        timeout=timeout_seconds,
    )
