"""The smoke test a delivery pipeline runs after each environment: is the gateway answering?

``python -m genai_platform.delivery.smoke_test --url URL --role-arn ARN [--api-key-secret ARN]``
assumes a tenant's caller role (STS ``AssumeRole``), optionally reads the tenant's API key with
those credentials (Secrets Manager ``GetSecretValue``), sends ``GET <url>/v1/models`` signed with
SigV4 for ``execute-api`` and exits 0 only when the answer is HTTP 200; any other status, a
network error or a refused role exits 1, with one line saying why. Bad arguments exit 2.

Stdlib and botocore only (the pipeline's build image has them after installing the project);
every outbound call has a timeout. ``run`` takes its STS and Secrets Manager clients as
arguments, so tests drive it with botocore's ``Stubber`` and a local server, without AWS.
"""

from __future__ import annotations

import argparse
import re
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

__all__ = ["SmokeTestError", "main", "models_url", "run"]

#: Seconds for each outbound call (STS, Secrets Manager, the gateway).
DEFAULT_TIMEOUT_SECONDS = 30.0
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}")
_SECRET_ARN = re.compile(r"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:\S+")
_REGION_IN_HOST = re.compile(r"\.execute-api\.([a-z0-9-]+)\.(?:vpce\.)?amazonaws\.com$")


class SmokeTestError(Exception):
    """The gateway did not answer ``GET /v1/models`` with 200 (or could not be asked)."""


def models_url(url: str) -> str:
    """``<stage URL>/v1/models``: ``url`` is the stage URL (``https://.../prod/``)."""
    return url.rstrip("/") + "/v1/models"


def _argument_problems(
    url: str, role_arn: str, secret: str | None, region: str | None
) -> list[str]:
    problems = []
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        problems.append(f"--url: {url!r} is not an http(s) URL of the API's stage")
    elif parts.scheme == "http" and parts.hostname != "127.0.0.1":
        problems.append(f"--url: {url!r} uses http; only https is allowed (http only on 127.0.0.1)")
    if not _ROLE_ARN.fullmatch(role_arn):
        problems.append(f"--role-arn: {role_arn!r} is not an IAM role ARN")
    if secret is not None and not _SECRET_ARN.fullmatch(secret):
        problems.append(f"--api-key-secret: {secret!r} is not a Secrets Manager secret ARN")
    if region is None and not _REGION_IN_HOST.search(parts.hostname or ""):
        problems.append(f"--region: required, the region cannot be read from {url!r}")
    return problems


def run(
    *,
    url: str,
    role_arn: str,
    sts: Any,
    secrets_factory: Callable[[dict[str, str]], Any] | None = None,
    api_key_secret: str | None = None,
    region: str | None = None,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    session_name: str = "genai-platform-smoke-test",
) -> int:
    """Assume ``role_arn`` with ``sts``, call ``GET /v1/models`` signed, return the status (200).

    ``secrets_factory`` builds a Secrets Manager client from the assumed credentials (keys
    ``aws_access_key_id``, ``aws_secret_access_key``, ``aws_session_token``); it is needed only
    with ``api_key_secret``. Raises :class:`SmokeTestError` for anything but 200 and
    ``ValueError`` for bad arguments.
    """
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    from botocore.exceptions import BotoCoreError, ClientError

    problems = _argument_problems(url, role_arn, api_key_secret, region)
    if problems:
        raise ValueError("; ".join(problems))
    try:
        assumed = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name)["Credentials"]
    except (ClientError, BotoCoreError) as exc:
        raise SmokeTestError(f"cannot assume {role_arn}: {exc}") from None
    keys = {
        "aws_access_key_id": assumed["AccessKeyId"],
        "aws_secret_access_key": assumed["SecretAccessKey"],
        "aws_session_token": assumed["SessionToken"],
    }
    headers = {"Accept": "application/json"}
    if api_key_secret is not None:
        if secrets_factory is None:
            raise ValueError("secrets_factory: required with api_key_secret")
        try:
            secret = secrets_factory(keys).get_secret_value(SecretId=api_key_secret)
        except (ClientError, BotoCoreError) as exc:
            raise SmokeTestError(f"cannot read the API key {api_key_secret}: {exc}") from None
        headers["x-api-key"] = secret["SecretString"]
    target = models_url(url)
    match = _REGION_IN_HOST.search(urlsplit(url).hostname or "")
    signing_region = region or (match.group(1) if match else "")
    request = AWSRequest(method="GET", url=target, headers=headers)
    credentials = Credentials(keys["aws_access_key_id"], keys["aws_secret_access_key"])
    credentials.token = keys["aws_session_token"]
    SigV4Auth(credentials, "execute-api", signing_region).add_auth(request)
    prepared = request.prepare()
    outbound = urllib.request.Request(target, headers=dict(prepared.headers), method="GET")
    try:
        with urllib.request.urlopen(outbound, timeout=timeout_seconds) as response:
            status = int(response.status)
    except urllib.error.HTTPError as error:
        status = error.code
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise SmokeTestError(f"GET {target} failed: {exc}") from None
    if status != 200:
        raise SmokeTestError(f"GET {target} answered {status}; the smoke test needs 200")
    return status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m genai_platform.delivery.smoke_test",
        description="Assume a caller role and check that GET /v1/models answers 200.",
    )
    parser.add_argument("--url", required=True, help="the API's stage URL (https://.../prod/)")
    parser.add_argument("--role-arn", required=True, help="the tenant's caller role to assume")
    parser.add_argument(
        "--api-key-secret", default=None, help="ARN of the tenant's API key secret (x-api-key)"
    )
    parser.add_argument("--region", default=None, help="default: read from the URL's host")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_SECONDS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Exit status: 0 on 200, 1 on any other answer or failure, 2 on bad arguments."""
    import botocore.config
    import botocore.session

    args = _parser().parse_args(argv)
    config = botocore.config.Config(
        connect_timeout=args.timeout, read_timeout=args.timeout, retries={"max_attempts": 3}
    )
    session = botocore.session.get_session()
    region = args.region
    match = _REGION_IN_HOST.search(urlsplit(args.url).hostname or "")
    client_region = region or (match.group(1) if match else None) or "us-east-1"

    def secrets(keys: dict[str, str]) -> Any:
        return session.create_client(
            "secretsmanager", region_name=client_region, config=config, **keys
        )

    try:
        status = run(
            url=args.url,
            role_arn=args.role_arn,
            sts=session.create_client("sts", region_name=client_region, config=config),
            secrets_factory=secrets,
            api_key_secret=args.api_key_secret,
            region=region,
            timeout_seconds=args.timeout,
        )
    except ValueError as exc:
        print(f"smoke test: {exc}", file=sys.stderr)
        return 2
    except SmokeTestError as exc:
        print(f"smoke test FAILED: {exc}", file=sys.stderr)
        return 1
    print(f"smoke test passed: GET {models_url(args.url)} answered {status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
