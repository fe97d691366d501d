"""Bedrock batch inference: JSONL records in S3 in, a model invocation job, results in S3 out.

For workloads that tolerate hours (back-fills, nightly classification, evaluation runs),
:class:`BatchInference` runs Amazon Bedrock *batch inference* (``CreateModelInvocationJob``),
which AWS prices below on-demand invocation ("50% cost savings vs on-demand", Bedrock user
guide, "Capacity, Limits, and Cost Optimization"; the per-model batch prices are on the Bedrock
pricing page, which could not be read here): the platform's cost estimator should price batch
traffic with the batch price. What it builds:

* **A service role Bedrock assumes** for the job, trusted by ``bedrock.amazonaws.com`` only
  with ``aws:SourceAccount`` (this account) and ``aws:SourceArn`` (this account's
  ``model-invocation-job/*``), which may read exactly the objects under the input prefix, write
  exactly under the output prefix, list those prefixes only, use the KMS key(s) through S3 only,
  and, for a cross-region inference profile, invoke that one approved model (AWS user guide,
  "Create a custom service role for batch inference"). CloudFormation has no resource type for
  a model invocation job (a job is a run, not infrastructure), so jobs are started by the state
  machine below.
* **A Step Functions state machine** (standard workflow) that a caller starts with
  ``{"input": "<path under the input prefix>"}`` (anything else ends the execution in the
  ``InvalidInput`` failure before Bedrock is called) and an execution name that becomes the job
  name (1-63 letters, digits and hyphens). It calls ``bedrock:createModelInvocationJob`` through the
  Step Functions AWS SDK integration with the one approved model, the input
  ``s3://<bucket>/<input prefix><input>``, the output ``s3://<bucket>/<output prefix><execution
  name>/`` encrypted with the KMS key, the private network's subnets when given, and a timeout;
  then waits and polls ``bedrock:getModelInvocationJob`` with back-off (the wait doubles from
  ``poll_interval`` up to ``max_poll_interval``) until the job is ``Completed`` or
  ``PartiallyCompleted`` (success) or ``Failed``, ``Stopped`` or ``Expired`` (failure), and
  records the outcome as metrics. A submission Bedrock refuses (validation, quota) takes the
  failure path too. Executions are logged (ALL events, KMS-encrypted group) and traced.
* **Metrics** in the ``GenAiPlatform/BatchInference`` namespace with dimension
  ``BatchInference=<name>``: ``JobsSucceeded``, ``JobsFailed``, ``RecordsProcessed``,
  ``RecordsFailed`` (the job's ``processedRecordCount`` and ``errorRecordCount``).
* **Storage**: by default one new bucket (KMS, versioned, TLS-only, access-logged) holding
  both prefixes; or an existing bucket, e.g. the data account's documents bucket (then its
  bucket policy and key policy must admit this account's service role; the construct sets
  ``s3BucketOwner`` from the bucket's account so Bedrock checks the owner).

The input format (one JSON object per line, ``{"recordId": "...", "modelInput": {...}}`` with
the model's own request body) is described in the Bedrock user guide, "Format and upload your
batch inference data"; ``examples/batch_inference_input.jsonl`` is a sample for an Anthropic
model. Bedrock's job quotas (such as the minimum and maximum records per job and file) are
account- and model-specific and are not checked here.

Only models of the :class:`~genai_platform.constructs.model_catalog.ModelCatalog` run: the
``model`` prop must be an approved id or alias, and both roles name only that model. Not
verified (nothing can be deployed): whether batch jobs honour the account-level enforced
guardrail (Bedrock applies no per-request guardrail to batch records); that the Step Functions
AWS SDK integration's SDK already knows ``bedrock:createModelInvocationJob`` and
``getModelInvocationJob`` in every region (no integration-specific documentation was found); the
state machine follows Step Functions' conventions for SDK integrations: PascalCase request and
response fields (``JobArn``, ``Status``, ``ProcessedRecordCount``) and ``Bedrock.<Exception>``
error names for the retries. Request field names and limits come from botocore's Bedrock
service model (``CreateModelInvocationJob``: job name 1-63 characters, timeout 24-168 hours, 1-16
subnets, 1-5 security groups; ``GetModelInvocationJob`` statuses).
"""

from genai_platform.constructs.batch_inference.construct import BatchInference
from genai_platform.constructs.batch_inference.workflow import METRIC_NAMESPACE

__all__ = ["METRIC_NAMESPACE", "BatchInference"]
