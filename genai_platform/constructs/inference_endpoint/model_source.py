"""Where the model comes from (an S3 object or prefix, or a hub id) and what reading it takes."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from genai_platform.constructs.inference_endpoint.props import (
    _S3_URI,
)


@dataclass(frozen=True)
class _ModelSource:
    """Where the model comes from, and what the execution role needs to read it."""

    bucket: s3.IBucket | None
    key: str | None
    encryption_key: kms.IKey | None

    @staticmethod
    def of(
        scope: Construct,
        *,
        model_bucket: s3.IBucket | None,
        model_key: str | None,
        model_data_uri: str | None,
        model_encryption_key: kms.IKey | None,
    ) -> _ModelSource:
        bucket, key = model_bucket, model_key
        if model_data_uri is not None:
            match = _S3_URI.fullmatch(model_data_uri)
            assert match is not None  # validated
            bucket = s3.Bucket.from_bucket_name(scope, "ModelBucket", match.group(1))
            key = match.group(2)
        encryption_key = model_encryption_key or (
            model_bucket.encryption_key if model_bucket is not None else None
        )
        return _ModelSource(bucket, key, encryption_key)

    @property
    def is_prefix(self) -> bool:
        return self.key is not None and self.key.endswith("/")

    def uri(self) -> str:
        assert self.bucket is not None and self.key is not None
        return f"s3://{self.bucket.bucket_name}/{self.key}"

    def data_url(self) -> str | None:
        """``ModelDataUrl`` of a compressed archive (None for a prefix or a hub model)."""
        if self.bucket is None or self.is_prefix:
            return None
        return self.uri()

    def data_source(self) -> sagemaker.CfnModel.ModelDataSourceProperty | None:
        """``ModelDataSource`` of an uncompressed prefix (None otherwise)."""
        if self.bucket is None or not self.is_prefix:
            return None
        return sagemaker.CfnModel.ModelDataSourceProperty(
            s3_data_source=sagemaker.CfnModel.S3DataSourceProperty(
                s3_uri=self.uri(), s3_data_type="S3Prefix", compression_type="None"
            )
        )

    def statements(self) -> list[iam.PolicyStatement]:
        if self.bucket is None or self.key is None:
            return []
        statements = [
            iam.PolicyStatement(
                sid="ReadTheModel",
                actions=["s3:GetObject"],
                resources=[self.bucket.arn_for_objects(self.object_pattern)],
            )
        ]
        if self.is_prefix:
            statements.append(
                iam.PolicyStatement(
                    sid="ListTheModelPrefix",
                    actions=["s3:ListBucket"],
                    resources=[self.bucket.bucket_arn],
                    conditions={"StringLike": {"s3:prefix": [f"{self.key}*"]}},
                )
            )
        if self.encryption_key is not None:
            statements.append(
                iam.PolicyStatement(
                    sid="DecryptTheModel",
                    actions=["kms:Decrypt"],
                    resources=[self.encryption_key.key_arn],
                )
            )
        return statements

    @property
    def object_pattern(self) -> str:
        assert self.key is not None
        return f"{self.key}*" if self.is_prefix else self.key
