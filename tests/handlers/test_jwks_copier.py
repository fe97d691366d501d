"""The key-set copier: issuers' JSON Web Key Sets into SSM parameters (moto's SSM, fake fetch)."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from tests.handlers.conftest import LAMBDA_DIR, aws_client
from tests.handlers.rag_support import ec_key, rsa_key

if str(LAMBDA_DIR / "jwks_copier") not in sys.path:
    sys.path.insert(0, str(LAMBDA_DIR / "jwks_copier"))

import jwks_copier_app

PARAMETER = "/genai/gateway/jwks/team-a"
OTHER = "/genai/gateway/jwks/team-b"


@pytest.fixture
def ssm(aws_mock: None) -> Any:
    client = aws_client("ssm")
    for name in (PARAMETER, OTHER):
        client.put_parameter(Name=name, Value='{"keys": []}', Type="String", Tier="Advanced")
    return client


def _issuer(keys: list[dict[str, Any]]) -> dict[str, Any]:
    return {"keys": keys}


def test_copies_only_public_signing_keys_and_their_public_members(ssm: Any) -> None:
    # GIVEN an issuer publishing an RSA and an EC signing key, an encryption key, a symmetric
    # key and (by mistake) a private member
    rsa = {**rsa_key("signing-1")[1], "x5c": ["MIIB..."], "d": None}
    del rsa["d"]
    published = _issuer(
        [
            rsa,
            ec_key("signing-ec")[1],
            {**rsa_key("signing-1")[1], "kid": "enc", "use": "enc"},
            {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
            {**rsa_key("signing-1")[1], "kid": "leaked", "d": "private"},
        ]
    )

    # WHEN the copier runs
    puts: list[dict[str, Any]] = []

    class Recording:
        def get_parameter(self, **kwargs: Any) -> Any:
            return ssm.get_parameter(**kwargs)

        def put_parameter(self, **kwargs: Any) -> Any:
            puts.append(kwargs)
            return ssm.put_parameter(**kwargs)

    outcome = jwks_copier_app.copy_key_sets(
        [{"url": "https://issuer.example/jwks", "parameter": PARAMETER}],
        lambda url: published,
        Recording(),
    )

    # THEN the parameter holds the two public signing keys, public members only
    assert outcome == {PARAMETER: "updated"}
    stored = json.loads(ssm.get_parameter(Name=PARAMETER)["Parameter"]["Value"])
    assert [k["kid"] for k in stored["keys"]] == ["signing-1", "signing-ec"]
    assert all(
        set(k) <= {"kty", "kid", "use", "alg", "n", "e", "crv", "x", "y"} for k in stored["keys"]
    )
    assert [(p["Tier"], p["Overwrite"]) for p in puts] == [("Advanced", True)]


def test_an_unchanged_key_set_is_not_written_again(ssm: Any) -> None:
    published = _issuer([rsa_key("signing-1")[1]])
    sources = [{"url": "https://issuer.example/jwks", "parameter": PARAMETER}]
    jwks_copier_app.copy_key_sets(sources, lambda url: published, ssm)
    version = ssm.get_parameter(Name=PARAMETER)["Parameter"]["Version"]
    assert jwks_copier_app.copy_key_sets(sources, lambda url: published, ssm) == {
        PARAMETER: "unchanged"
    }
    assert ssm.get_parameter(Name=PARAMETER)["Parameter"]["Version"] == version


def test_one_failing_issuer_does_not_stop_the_others_and_fails_the_run(ssm: Any) -> None:
    # GIVEN one issuer down and one that works
    def fetch(url: str) -> Any:
        if "down" in url:
            raise TimeoutError("timed out")
        return _issuer([rsa_key("signing-1")[1]])

    # WHEN copied THEN the working one is written, and the run fails naming the other
    with pytest.raises(jwks_copier_app.CopyFailed, match=OTHER):
        jwks_copier_app.copy_key_sets(
            [
                {"url": "https://down.example/jwks", "parameter": OTHER},
                {"url": "https://up.example/jwks", "parameter": PARAMETER},
            ],
            fetch,
            ssm,
        )
    assert "signing-1" in ssm.get_parameter(Name=PARAMETER)["Parameter"]["Value"]
    assert ssm.get_parameter(Name=OTHER)["Parameter"]["Value"] == '{"keys": []}'


def test_a_key_set_larger_than_a_parameter_keeps_the_last_good_one(ssm: Any) -> None:
    # GIVEN an issuer with 40 RSA keys (over the 8 KB an advanced parameter holds)
    many = [{**rsa_key("signing-1")[1], "kid": f"k{i}"} for i in range(40)]

    # WHEN copied THEN nothing is written and the run fails
    with pytest.raises(jwks_copier_app.CopyFailed):
        jwks_copier_app.copy_key_sets(
            [{"url": "https://issuer.example/jwks", "parameter": PARAMETER}],
            lambda url: _issuer(many),
            ssm,
        )
    assert ssm.get_parameter(Name=PARAMETER)["Parameter"]["Value"] == '{"keys": []}'


@pytest.mark.parametrize(
    "document", [{"keys": "x"}, [], {"keys": [{"kty": "oct", "k": "x"}]}, "text"]
)
def test_a_document_that_is_not_a_usable_key_set_is_refused(document: Any) -> None:
    with pytest.raises(ValueError):
        jwks_copier_app.trim_key_set(document)


def test_only_https_urls_are_fetched() -> None:
    with pytest.raises(ValueError, match="only https"):
        jwks_copier_app.fetch_https("http://issuer.example/jwks")
