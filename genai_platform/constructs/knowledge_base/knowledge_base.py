"""The :class:`KnowledgeBase` construct: a Bedrock knowledge base on S3 Vectors over an S3
documents bucket that may live in another account, and its import.

What it builds, in the generative-AI account:

* the S3 Vectors bucket and index (:mod:`.vector_store`), KMS-encrypted;
* ``AWS::Bedrock::KnowledgeBase`` (type ``VECTOR``, storage ``S3_VECTORS``) embedding with an
  approved model of the :class:`~genai_platform.constructs.model_catalog.ModelCatalog`
  (``grant_embed``), at the dimension the model produces;
* one ``AWS::Bedrock::DataSource`` per inclusion prefix (Bedrock takes exactly one prefix per
  S3 data source: ``S3DataSourceConfiguration.inclusionPrefixes``, "Array Members: Fixed
  number of 1 item"), or one for the whole bucket; each names the bucket owner's account
  (``bucketOwnerAccountId``) when the bucket lives in another account, and carries the
  chunking and parsing strategy; transient ingestion data is encrypted with the platform key;
* the service role Bedrock assumes, **named** (``role_name``) so that the data account can
  admit exactly it: trusted by ``bedrock.amazonaws.com`` only for knowledge bases of this
  account (``aws:SourceAccount``, ``aws:SourceArn``; Bedrock user guide, "Create a service role
  for Amazon Bedrock Knowledge Bases"), with, in customer-managed policies: the embedding
  model (through the catalogue), ``s3:ListBucket`` on the bucket (only the prefixes) and
  ``s3:GetObject`` on the prefixes, both only in the owner's account (``aws:ResourceAccount``),
  ``kms:Decrypt`` of the documents only through S3 for this bucket, the S3 Vectors data actions
  on this index, and the platform key.

The bucket owner must also admit the role: :func:`~genai_platform.constructs.knowledge_base.
access.admit_knowledge_base` writes that bucket- and key-policy side in the data account.

Retrieval filters: a knowledge base on S3 Vectors evaluates the ``RetrievalFilter`` operators
listed in :data:`~genai_platform.constructs.knowledge_base.props.FILTER_OPERATORS` (``equals``,
``notEquals``, ``greaterThan``, ``greaterThanOrEquals``, ``lessThan``, ``lessThanOrEquals``,
``in``, ``notIn``, ``andAll``, ``orAll``): those with an S3 Vectors counterpart (S3 user guide,
"Metadata filtering": ``$eq $ne $gt $gte $lt $lte $in $nin $and $or``, ``$exists``). Not
usable: ``startsWith`` (the Retrieve API documents it for OpenSearch Serverless only),
``stringContains`` (no counterpart) and ``listContains`` (no documented translation); "a list
attribute contains X" is ``equals`` (S3 Vectors' ``$eq`` matches any member of an array).
Whether Bedrock maps each operator exactly like this could not be verified without a
deployment.
"""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3vectors as s3vectors
from constructs import Construct

from genai_platform.compliance import acknowledge, nag_value
from genai_platform.constructs.grants import managed_policy_grantee
from genai_platform.constructs.interfaces import IKnowledgeBase
from genai_platform.constructs.knowledge_base.metrics import (
    DIMENSION,
    INGESTION_DOCUMENTS_FAILED,
    INGESTION_JOBS_FAILED,
    INGESTION_JOBS_STARTED,
    NAMESPACE,
)
from genai_platform.constructs.knowledge_base.props import Chunking, DistanceMetric, Parsing
from genai_platform.constructs.knowledge_base.validation import Resolved, validate
from genai_platform.constructs.knowledge_base.vector_store import build_vector_store
from genai_platform.constructs.model_catalog import (
    ModelCatalog,
    foundation_model_arn,
    inference_profile_arn,
    parse_model_id,
)

__all__ = ["RETRIEVE_ACTIONS", "S3_VECTORS_ACTIONS", "DataSource", "KnowledgeBase"]

#: What :meth:`KnowledgeBase.grant_retrieve` allows.
RETRIEVE_ACTIONS: tuple[str, ...] = ("bedrock:Retrieve",)
#: What the service role may do on its index (Bedrock user guide, "Create a service role for
#: Amazon Bedrock Knowledge Bases", S3 Vectors permissions).
S3_VECTORS_ACTIONS: tuple[str, ...] = (
    "s3vectors:GetIndex",
    "s3vectors:QueryVectors",
    "s3vectors:PutVectors",
    "s3vectors:GetVectors",
    "s3vectors:DeleteVectors",
)
_KB_ID = r"[0-9a-zA-Z]{10}"


class DataSource:
    """One S3 data source of a knowledge base: its resource and the prefix it ingests."""

    def __init__(self, resource: bedrock.CfnDataSource, prefix: str) -> None:
        self.resource = resource
        self.prefix = prefix

    @property
    def data_source_id(self) -> str:
        """The data source's id (``StartIngestionJob`` takes it)."""
        return self.resource.attr_data_source_id


class _KnowledgeBaseBase(cdk.Resource):
    """What an owned and an imported knowledge base share: grants and metrics."""

    _alias: str

    @property
    def knowledge_base_id(self) -> str:
        raise NotImplementedError

    @property
    def knowledge_base_arn(self) -> str:
        raise NotImplementedError

    @property
    def account(self) -> str:
        """The account the knowledge base lives in."""
        return self.env.account

    @property
    def region(self) -> str:
        """The Region the knowledge base lives in."""
        return self.env.region

    @property
    def alias(self) -> str:
        """The name the platform's metrics (dimension ``KnowledgeBase``) use for it."""
        return self._alias

    def grant_retrieve(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow ``bedrock:Retrieve`` on exactly this knowledge base, and nothing else.

        For a role, user or group of this app the statement goes into a customer-managed
        policy (never an inline one; see :mod:`genai_platform.constructs.grants`).
        """
        return iam.Grant.add_to_principal(
            grantee=managed_policy_grantee(
                self, grantee, description=f"Retrieve from the knowledge base {self.node.path}"
            ),
            actions=list(RETRIEVE_ACTIONS),
            resource_arns=[self.knowledge_base_arn],
        )

    def metric(
        self,
        metric_name: str,
        *,
        statistic: str = "Sum",
        period: cdk.Duration | None = None,
    ) -> cloudwatch.Metric:
        """A metric of namespace ``GenAiPlatform`` with the dimension ``KnowledgeBase`` =
        :attr:`alias` (the ingestion starter's metrics, see
        :mod:`genai_platform.constructs.knowledge_base.metrics`). Default: Sum over 5 minutes."""
        return cloudwatch.Metric(
            namespace=NAMESPACE,
            metric_name=metric_name,
            dimensions_map={DIMENSION: self._alias},
            statistic=statistic,
            period=period or cdk.Duration.minutes(5),
        )

    def metric_ingestion_jobs_started(
        self, *, statistic: str = "Sum", period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``IngestionJobsStarted``. Default: Sum over 5 minutes."""
        return self.metric(INGESTION_JOBS_STARTED, statistic=statistic, period=period)

    def metric_ingestion_jobs_failed(
        self, *, statistic: str = "Sum", period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``IngestionJobsFailed``. Default: Sum over 5 minutes."""
        return self.metric(INGESTION_JOBS_FAILED, statistic=statistic, period=period)

    def metric_ingestion_documents_failed(
        self, *, statistic: str = "Sum", period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        """``IngestionDocumentsFailed``. Default: Sum over 5 minutes."""
        return self.metric(INGESTION_DOCUMENTS_FAILED, statistic=statistic, period=period)


class _ImportedKnowledgeBase(_KnowledgeBaseBase):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        knowledge_base_id: str,
        account: str,
        region: str,
        alias: str,
    ) -> None:
        super().__init__(scope, id, account=account, region=region)
        self._id = knowledge_base_id
        self._alias = alias
        stack = cdk.Stack.of(self)
        self._arn = (
            f"arn:{stack.partition}:bedrock:{region}:{account}:knowledge-base/{knowledge_base_id}"
        )

    @property
    def knowledge_base_id(self) -> str:
        return self._id

    @property
    def knowledge_base_arn(self) -> str:
        return self._arn


class KnowledgeBase(_KnowledgeBaseBase):
    """A Bedrock knowledge base on an S3 Vectors index over an S3 documents bucket.

    Implements :class:`~genai_platform.constructs.interfaces.IKnowledgeBase`. See the module
    notes for what is built and the retrieval-filter operators it supports.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        model_catalog: ModelCatalog,
        embedding_model: str,
        documents_bucket: s3.IBucket,
        documents_key: kms.IKey | None = None,
        bucket_owner_account: str | None = None,
        inclusion_prefixes: Sequence[str] = (),
        dimensions: int | None = None,
        distance_metric: DistanceMetric = "cosine",
        chunking: Chunking | None = None,
        parsing: Parsing | None = None,
        knowledge_base_name: str | None = None,
        role_name: str | None = None,
        alias: str | None = None,
        encryption_key: kms.IKey | None = None,
        description: str | None = None,
    ) -> None:
        """Validate every prop, then build the vector store, the role, the knowledge base and
        its data sources.

        Args:
            model_catalog: The approved models; the embedding (and parsing) model must be one.
            embedding_model: An alias or approved id of an embedding model with known output
                dimensions (``EMBEDDING_DIMENSIONS``: Titan Text Embeddings V2 and G1, Cohere
                Embed English and Multilingual v3).
            documents_bucket: The bucket holding the documents; in another account, import it
                with ``s3.Bucket.from_bucket_attributes(..., account=<owner>)``.
            documents_key: The key that encrypts the documents. Default: any key of the
                bucket owner's account, usable only through S3 for objects of this bucket
                (``kms:ViaService``, ``kms:EncryptionContext:aws:s3:arn``): the owner's key ARN
                is usually not known in this account.
            bucket_owner_account: The account that owns the bucket (Bedrock's
                ``bucketOwnerAccountId``). Default: the bucket's own account when it is known
                and differs from this stack's; none otherwise.
            inclusion_prefixes: Key prefixes to ingest, one data source each (no prefix inside
                another). Default: the whole bucket, one data source.
            dimensions: Vector dimensions; one the model produces. Default: the model's largest
                (1,024 for Titan Text Embeddings V2).
            distance_metric: ``"cosine"`` or ``"euclidean"``. Default: cosine.
            chunking: How documents are split. Default: ``Chunking.fixed_size()`` (300 tokens,
                20 percent overlap).
            parsing: How files become text. Default: ``Parsing.default()`` (Bedrock's built-in
                parser).
            knowledge_base_name: Name of the knowledge base. Default: generated from the
                construct path.
            role_name: Name of the service role (give one the data account can admit). Default:
                ``<knowledge_base_name>-role``, cut to 64 characters.
            alias: The name metrics and the gateway use. Default: the construct id.
            encryption_key: Customer-managed key of the vector bucket, index and transient
                ingestion data. Default: a new key with yearly rotation.
            description: Description of the knowledge base. Default: names the bucket.

        Raises:
            ValueError: listing every invalid prop, its value and what is allowed, and a stack
                region without Bedrock knowledge bases or S3 Vectors
                (:data:`genai_platform.regions.KNOWLEDGE_BASES`, :data:`~genai_platform.
                regions.S3_VECTORS`).
        """
        path = "/".join(p for p in (scope.node.path, id) if p)
        chunking = chunking if chunking is not None else Chunking.fixed_size()
        parsing = parsing if parsing is not None else Parsing.default()
        resolved = validate(
            path=path,
            catalog=model_catalog,
            embedding_model=embedding_model,
            dimensions=dimensions,
            distance_metric=distance_metric,
            chunking=chunking,
            parsing=parsing,
            prefixes=inclusion_prefixes,
            knowledge_base_name=knowledge_base_name,
            role_name=role_name,
            alias=alias,
            owner=bucket_owner_account,
            region=cdk.Stack.of(scope).region,
        )
        super().__init__(scope, id)
        stack = cdk.Stack.of(self)
        self._alias = alias or id
        self._name = knowledge_base_name or cdk.Names.unique_resource_name(
            self, max_length=100, separator="-"
        )
        self._bucket = documents_bucket
        self._owner = bucket_owner_account or _foreign_account(documents_bucket, stack)
        self._prefixes = tuple(inclusion_prefixes)
        self._dimensions = resolved.dimensions
        self._embedding_model_id = resolved.embedding_model_id
        self._key = encryption_key or kms.Key(
            self,
            "Key",
            description=f"Encrypts the vectors of the knowledge base {self.node.path}",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self._vector_bucket, self._index = build_vector_store(
            self, key=self._key, dimensions=resolved.dimensions, distance_metric=distance_metric
        )
        self._role = self._build_role(role_name or f"{self._name}-role"[:64])
        self._policy = iam.ManagedPolicy(
            self,
            "RolePolicy",
            description=f"Documents, vectors and key of the knowledge base {self._name}",
            roles=[self._role],
        )
        self._grant_role(documents_key, resolved.parsing_model_id, model_catalog)
        embed = model_catalog.grant_embed(self._role)
        self._resource = bedrock.CfnKnowledgeBase(
            self,
            "Resource",
            name=self._name,
            description=description or f"Documents of {documents_bucket.bucket_name}",
            role_arn=self._role.role_arn,
            knowledge_base_configuration=bedrock.CfnKnowledgeBase.KnowledgeBaseConfigurationProperty(
                type="VECTOR",
                vector_knowledge_base_configuration=bedrock.CfnKnowledgeBase.VectorKnowledgeBaseConfigurationProperty(
                    embedding_model_arn=foundation_model_arn(
                        resolved.embedding_model_id, partition=stack.partition, region=stack.region
                    ),
                    embedding_model_configuration=bedrock.CfnKnowledgeBase.EmbeddingModelConfigurationProperty(
                        bedrock_embedding_model_configuration=bedrock.CfnKnowledgeBase.BedrockEmbeddingModelConfigurationProperty(
                            dimensions=resolved.dimensions, embedding_data_type="FLOAT32"
                        )
                    ),
                ),
            ),
            storage_configuration=bedrock.CfnKnowledgeBase.StorageConfigurationProperty(
                type="S3_VECTORS",
                s3_vectors_configuration=bedrock.CfnKnowledgeBase.S3VectorsConfigurationProperty(
                    index_arn=self._index.attr_index_arn
                ),
            ),
        )
        # Bedrock checks the role's permissions when it creates the knowledge base.
        self._resource.node.add_dependency(self._policy)
        embed.apply_before(self._resource)
        self._data_sources = [
            DataSource(self._build_data_source(n, prefix, chunking, resolved), prefix)
            for n, prefix in enumerate(self._prefixes or ("",))
        ]

    # --------------------------------------------------------------------- import

    @staticmethod
    def from_knowledge_base_attributes(
        scope: Construct,
        id: str,
        *,
        knowledge_base_id: str,
        account: str | None = None,
        region: str | None = None,
        alias: str | None = None,
    ) -> IKnowledgeBase:
        """A knowledge base created elsewhere, as :class:`IKnowledgeBase`.

        Args:
            knowledge_base_id: Its id (10 letters and digits).
            account: Its account. Default: the scope's stack account.
            region: Its Region. Default: the scope's stack Region.
            alias: The name its metrics use. Default: ``id``.

        Raises:
            ValueError: naming the bad value and what is allowed.
        """
        import re

        stack = cdk.Stack.of(scope)
        problems = []
        if not isinstance(knowledge_base_id, str) or (
            not cdk.Token.is_unresolved(knowledge_base_id)
            and not re.fullmatch(_KB_ID, knowledge_base_id)
        ):
            problems.append(
                f"knowledge_base_id: {knowledge_base_id!r} is not a knowledge base id; 10 "
                "letters and digits"
            )
        if account is not None and (
            not isinstance(account, str)
            or (not cdk.Token.is_unresolved(account) and not re.fullmatch(r"\d{12}", account))
        ):
            problems.append(f"account: {account!r} is not a 12-digit AWS account id")
        if problems:
            raise ValueError("; ".join(problems))
        return _ImportedKnowledgeBase(
            scope,
            id,
            knowledge_base_id=knowledge_base_id,
            account=account or stack.account,
            region=region or stack.region,
            alias=alias or id,
        )

    # --------------------------------------------------------------------- attributes

    @property
    def knowledge_base_id(self) -> str:
        """The knowledge base's id."""
        return self._resource.attr_knowledge_base_id

    @property
    def knowledge_base_arn(self) -> str:
        """``arn:<partition>:bedrock:<region>:<account>:knowledge-base/<id>``."""
        return self._resource.attr_knowledge_base_arn

    @property
    def knowledge_base_name(self) -> str:
        """The knowledge base's name."""
        return self._name

    @property
    def role(self) -> iam.IRole:
        """The service role Bedrock assumes (the data account admits it by name)."""
        return self._role

    @property
    def role_name(self) -> str:
        """The service role's name."""
        return self._role_name

    @property
    def data_sources(self) -> list[DataSource]:
        """The data sources, one per inclusion prefix (``""``: the whole bucket)."""
        return list(self._data_sources)

    @property
    def documents_bucket(self) -> s3.IBucket:
        """The documents bucket."""
        return self._bucket

    @property
    def bucket_owner_account(self) -> str | None:
        """The bucket's owner account when it is another account; None otherwise."""
        return self._owner

    @property
    def vector_bucket(self) -> s3vectors.CfnVectorBucket:
        """The S3 Vectors bucket."""
        return self._vector_bucket

    @property
    def vector_index(self) -> s3vectors.CfnIndex:
        """The S3 Vectors index."""
        return self._index

    @property
    def dimensions(self) -> int:
        """The vectors' dimension."""
        return self._dimensions

    @property
    def encryption_key(self) -> kms.IKey:
        """The key of the vectors and the transient ingestion data."""
        return self._key

    # --------------------------------------------------------------------- building

    def _build_role(self, name: str) -> iam.Role:
        stack = cdk.Stack.of(self)
        self._role_name = name
        return iam.Role(
            self,
            "ServiceRole",
            role_name=name,
            description=f"Assumed by Bedrock for the knowledge base {self._name}",
            assumed_by=iam.ServicePrincipal(
                "bedrock.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {
                        "aws:SourceArn": (
                            f"arn:{stack.partition}:bedrock:{stack.region}:{stack.account}:"
                            "knowledge-base/*"
                        )
                    },
                },
            ),
        )

    def _grant_role(
        self, documents_key: kms.IKey | None, parsing_model: str | None, catalog: ModelCatalog
    ) -> None:
        stack = cdk.Stack.of(self)
        policy = self._policy
        bucket = self._bucket
        owner = self._owner or stack.account
        in_owner: dict[str, object] = {"StringEquals": {"aws:ResourceAccount": owner}}
        list_conditions: dict[str, object] = dict(in_owner)
        if self._prefixes:
            list_conditions["StringLike"] = {"s3:prefix": [f"{p}*" for p in self._prefixes]}
        policy.add_statements(
            iam.PolicyStatement(
                sid="ListDocuments",
                actions=["s3:ListBucket"],
                resources=[bucket.bucket_arn],
                conditions=list_conditions,
            ),
            iam.PolicyStatement(
                sid="ReadDocuments",
                actions=["s3:GetObject"],
                resources=[bucket.arn_for_objects(f"{p}*") for p in self._prefixes or ("",)],
                conditions=in_owner,
            ),
            iam.PolicyStatement(
                sid="DecryptDocumentsThroughS3",
                actions=["kms:Decrypt"],
                resources=[
                    documents_key.key_arn
                    if documents_key is not None
                    else f"arn:{stack.partition}:kms:{stack.region}:{owner}:key/*"
                ],
                conditions={
                    "StringEquals": {
                        "kms:ViaService": f"s3.{stack.region}.amazonaws.com",
                        "kms:EncryptionContext:aws:s3:arn": bucket.bucket_arn,
                    }
                },
            ),
            iam.PolicyStatement(
                sid="VectorIndex",
                actions=list(S3_VECTORS_ACTIONS),
                resources=[self._index.attr_index_arn],
            ),
            iam.PolicyStatement(
                sid="VectorAndIngestionKey",
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=[self._key.key_arn],
            ),
        )
        if parsing_model is not None:
            policy.add_statements(
                iam.PolicyStatement(
                    sid="ParsingModel",
                    actions=["bedrock:InvokeModel"],
                    resources=catalog.model_arns(parsing_model),
                )
            )
        if documents_key is None:
            any_key = f"arn:{stack.partition}:kms:{stack.region}:{owner}:key/*"
            acknowledge(
                policy,
                f"AwsSolutions-IAM5[Resource::{nag_value(stack, any_key)}]",
                "The documents key lives in the bucket owner's account and its ARN is not known "
                "here; decryption is limited to requests S3 makes for objects of this one "
                "bucket (kms:ViaService and the aws:s3:arn encryption context)",
            )
        for pattern in [f"{p}*" for p in self._prefixes] or ["*"]:
            objects = nag_value(stack, bucket.arn_for_objects(pattern))
            acknowledge(
                policy,
                f"AwsSolutions-IAM5[Resource::{objects}]",
                "Bedrock reads every document under the data source's prefix; the objects are "
                "named by their authors, so the grant is on the prefix, read-only, and only "
                "in the bucket owner's account",
            )

    def _build_data_source(
        self, n: int, prefix: str, chunking: Chunking, resolved: Resolved
    ) -> bedrock.CfnDataSource:
        stack = cdk.Stack.of(self)
        s3_config = bedrock.CfnDataSource.S3DataSourceConfigurationProperty(
            bucket_arn=self._bucket.bucket_arn,
            bucket_owner_account_id=self._owner,
            inclusion_prefixes=[prefix] if prefix else None,
        )
        parsing_config = None
        if resolved.parsing_model_id is not None:
            parsing_config = bedrock.CfnDataSource.ParsingConfigurationProperty(
                parsing_strategy="BEDROCK_FOUNDATION_MODEL",
                bedrock_foundation_model_configuration=bedrock.CfnDataSource.BedrockFoundationModelConfigurationProperty(
                    model_arn=_model_arn(resolved.parsing_model_id, stack),
                ),
            )
        return bedrock.CfnDataSource(
            self,
            "DataSource" if n == 0 else f"DataSource{n + 1}",
            knowledge_base_id=self._resource.attr_knowledge_base_id,
            name=f"documents-{n + 1}",
            description=f"s3://{self._bucket.bucket_name}/{prefix}",
            data_deletion_policy="DELETE",
            data_source_configuration=bedrock.CfnDataSource.DataSourceConfigurationProperty(
                type="S3", s3_configuration=s3_config
            ),
            server_side_encryption_configuration=bedrock.CfnDataSource.ServerSideEncryptionConfigurationProperty(
                kms_key_arn=self._key.key_arn
            ),
            vector_ingestion_configuration=bedrock.CfnDataSource.VectorIngestionConfigurationProperty(
                chunking_configuration=_chunking(chunking),
                parsing_configuration=parsing_config,
            ),
        )


def _implements_the_interface(knowledge_base: KnowledgeBase) -> IKnowledgeBase:
    """Never called: mypy checks here that :class:`KnowledgeBase` satisfies
    :class:`IKnowledgeBase` (the import's return type checks the imported one)."""
    return knowledge_base


def _chunking(chunking: Chunking) -> bedrock.CfnDataSource.ChunkingConfigurationProperty:
    cfn = bedrock.CfnDataSource
    if chunking.strategy == "FIXED_SIZE":
        return cfn.ChunkingConfigurationProperty(
            chunking_strategy="FIXED_SIZE",
            fixed_size_chunking_configuration=cfn.FixedSizeChunkingConfigurationProperty(
                max_tokens=chunking.max_tokens or 300,
                overlap_percentage=chunking.overlap_percentage or 20,
            ),
        )
    if chunking.strategy == "HIERARCHICAL":
        return cfn.ChunkingConfigurationProperty(
            chunking_strategy="HIERARCHICAL",
            hierarchical_chunking_configuration=cfn.HierarchicalChunkingConfigurationProperty(
                level_configurations=[
                    cfn.HierarchicalChunkingLevelConfigurationProperty(
                        max_tokens=chunking.parent_max_tokens or 1500
                    ),
                    cfn.HierarchicalChunkingLevelConfigurationProperty(
                        max_tokens=chunking.child_max_tokens or 300
                    ),
                ],
                overlap_tokens=chunking.overlap_tokens or 60,
            ),
        )
    if chunking.strategy == "SEMANTIC":
        return cfn.ChunkingConfigurationProperty(
            chunking_strategy="SEMANTIC",
            semantic_chunking_configuration=cfn.SemanticChunkingConfigurationProperty(
                max_tokens=chunking.max_tokens or 300,
                buffer_size=chunking.buffer_size or 0,
                breakpoint_percentile_threshold=chunking.breakpoint_percentile_threshold or 95,
            ),
        )
    return cfn.ChunkingConfigurationProperty(chunking_strategy="NONE")


def _model_arn(model_id: str, stack: cdk.Stack) -> str:
    """The ARN Bedrock is given for a model: the inference profile's, or the foundation
    model's in the stack's region."""
    parsed = parse_model_id(model_id)
    if parsed is not None and parsed[0] is not None:
        return inference_profile_arn(
            model_id, partition=stack.partition, region=stack.region, account=stack.account
        )
    return foundation_model_arn(model_id, partition=stack.partition, region=stack.region)


def _foreign_account(bucket: s3.IBucket, stack: cdk.Stack) -> str | None:
    """The bucket's account when it is a literal account other than the stack's."""
    account = bucket.env.account
    if cdk.Token.is_unresolved(account) or account == stack.account:
        return None
    return account
