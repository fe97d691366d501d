"""A SageMaker inference endpoint on Inferentia2/Trainium or GPUs that scales to zero.

:class:`InferenceEndpoint` serves one model (from S3, or from the Hugging Face hub) on an
accelerated instance type and, by default, costs nothing while nobody calls it:

* **real-time mode** (default): a SageMaker endpoint whose production variant uses managed
  instance scaling (minimum 0 instances) and hosts the model as an *inference component*.
  Application Auto Scaling tracks concurrent requests per model copy and scales the copies
  between ``min_copies`` (0) and ``max_copies``; with no copy left SageMaker releases the
  instances. A request that arrives while there is no copy fails with a
  ``NoCapacityInvocationFailures`` metric point, whose alarm runs a step policy that adds one
  copy: the endpoint wakes in a few minutes (callers retry meanwhile).
* **async mode**: a SageMaker asynchronous endpoint (requests queue, results land in a
  KMS-encrypted S3 bucket and notifications on KMS-encrypted SNS topics) whose instances
  scale on the backlog per instance down to zero, and up from zero on the
  ``HasBacklogWithoutCapacity`` metric.

The serving container is resolved offline from the SageMaker image catalogue for the
framework, version and the stack's region (see :mod:`genai_platform.constructs.accelerators`),
and must fit the instance: a Neuron image on a GPU instance, or a CUDA image on Inferentia2,
is refused before anything is built. Every prop is checked first and all problems are
reported in one ValueError.

Logs: SageMaker writes the endpoint's logs to ``/aws/sagemaker/Endpoints/<endpoint name>``
and, in real-time mode, the model container's logs (model download, loading, crashes) to the
inference component's own group, ``/aws/sagemaker/InferenceComponents/<component name>``. The
construct creates both groups (KMS-encrypted, with a retention) before the endpoint and the
component, and the execution role may write exactly these two groups.

Security: a least-privilege execution role (its model object or prefix, its image
repository, its log groups, its key), network isolation for S3 models, optional VPC placement
with a security group that admits nothing, a customer-managed KMS key for the storage volume
(where the instance type allows one), logs, outputs, captures and notifications.

Example::

    endpoint = InferenceEndpoint(
        stack, "Llama",
        instance_type="ml.inf2.xlarge",
        model_bucket=models, model_key="llama-3-8b/neuron/",   # an uncompressed prefix
        max_instances=2,
        vpc=network.vpc,
    )
    endpoint.grant_invoke(gateway_function)

The package holds one module per concern: :mod:`.props` (props, limits, the validated plan),
:mod:`.validation`, :mod:`.model_source`, :mod:`.endpoint` (:class:`InferenceEndpoint`:
attributes, imports, grants), :mod:`.building` (the resources it creates), :mod:`.metrics`,
:mod:`.imported` (endpoints referenced by ARN) and :mod:`.support` (helpers and nag
acknowledgements).
"""

from __future__ import annotations

from genai_platform.constructs.inference_endpoint.endpoint import InferenceEndpoint
from genai_platform.constructs.inference_endpoint.props import (
    DEFAULT_STARTUP_TIMEOUT,
    VARIANT_NAME,
    CapacitySchedule,
    DataCapture,
    EndpointMode,
)

__all__ = [
    "DEFAULT_STARTUP_TIMEOUT",
    "VARIANT_NAME",
    "CapacitySchedule",
    "DataCapture",
    "EndpointMode",
    "InferenceEndpoint",
]
