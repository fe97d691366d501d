"""Serving options of an inference endpoint, mapped to each serving container's environment.

:class:`ServingOptions` says how the model server should use the hardware (continuous batching
and its batch size, the longest sequence, quantization, tensor parallelism, the weights' data
type) without knowing which environment variables a container reads. :func:`render` turns the
options into the environment of the container family the image catalogue resolved, and
refuses, before anything is built, what that container or the instance cannot honour.

Container families and their variable names (each looked up in that container's own
documentation; nothing here was deployed):

* **LMI with vLLM** (catalogue framework ``djl-lmi``) and **LMI with TensorRT-LLM**
  (``djl-tensorrtllm``): the DJL Serving LMI configuration keys ``option.<key>`` are read from
  ``OPTION_<KEY>`` variables (djl-serving ``serving/docs/lmi/deployment_guide/
  configurations.md``, "Environment Variable Configurations"): ``OPTION_ROLLING_BATCH``
  (``vllm``, ``trtllm``; ``disable`` turns continuous batching off),
  ``OPTION_MAX_ROLLING_BATCH_SIZE``, ``OPTION_TENSOR_PARALLEL_DEGREE``, ``OPTION_DTYPE``
  (``fp16``, ``bf16``, ``fp32``) and ``OPTION_QUANTIZE``. The longest sequence is
  ``OPTION_MAX_MODEL_LEN`` with vLLM (a vLLM pass-through, ``user_guides/vllm_user_guide.md``)
  and ``OPTION_MAX_OUTPUT_LEN`` with TensorRT-LLM ("now maps to max_seq_len in TRTLLM",
  ``user_guides/trt_llm_user_guide.md``). Quantization: vLLM ``awq``, ``gptq`` (pre-quantized
  weights) and ``fp8``; TensorRT-LLM ``awq``, ``smoothquant`` and ``fp8`` (same guides).
  TensorRT-LLM in LMI only serves with rolling batches, so ``continuous_batching=False`` is
  refused there.
* **Hugging Face TGI** (``huggingface-llm``): the launcher reads ``MAX_BATCH_SIZE``,
  ``MAX_TOTAL_TOKENS``, ``QUANTIZE``, ``NUM_SHARD`` and ``DTYPE`` (``float16``,
  ``bfloat16``) from the environment (text-generation-inference docs, "Text-generation-launcher
  arguments", each option's ``[env: ...]``); ``QUANTIZE`` values ``awq``, ``eetq``, ``exl2``,
  ``gptq``, ``marlin``, ``bitsandbytes``, ``bitsandbytes-nf4``, ``bitsandbytes-fp4``, ``fp8``.
  TGI always batches continuously. ``SM_NUM_GPUS``, which AWS's SageMaker samples set for the
  TGI image (not in the launcher documentation), counts as a conflict with the shard count.
* **vLLM** (``vllm``, the AWS vLLM SageMaker image): every ``SM_VLLM_<FLAG>`` variable becomes
  the ``--<flag>`` argument of ``vllm serve`` (AWS Deep Learning Containers docs, "vLLM
  Configuration", Amazon SageMaker AI; vLLM's ``examples/deployment/sagemaker-entrypoint.sh``):
  ``SM_VLLM_MAX_NUM_SEQS``, ``SM_VLLM_MAX_MODEL_LEN``, ``SM_VLLM_QUANTIZATION``,
  ``SM_VLLM_TENSOR_PARALLEL_SIZE``, ``SM_VLLM_DTYPE`` (``auto``, ``float16``, ``bfloat16``,
  ``float32``). vLLM always batches continuously.
* **LMI on Neuron with Transformers NeuronX** (``djl-neuronx``): ``OPTION_ROLLING_BATCH=auto``,
  ``OPTION_MAX_ROLLING_BATCH_SIZE``, ``OPTION_N_POSITIONS`` (total sequence length, input plus
  output), ``OPTION_TENSOR_PARALLEL_DEGREE`` (in NeuronCores), ``OPTION_DTYPE`` and
  ``OPTION_QUANTIZE``, whose only value is ``static_int8`` (djl-serving
  ``user_guides/tnx_user_guide.md``). ``fp32`` is not offered on Neuron here.

Not mapped (``serving_options`` is refused with them; set ``environment`` yourself):
``huggingface-llm-neuronx`` (Optimum Neuron TGI), ``huggingface-vllm``, ``huggingface-tei``,
``sglang`` and explicit ``image_uri`` images, whose variable names could not be verified.

Not verified: whether each container version the catalogue resolves still honours every name
(the LMI names are stable across the 0.2x-0.3x documentation read); per-model limits such as a
maximum length above the model's own context window fail only when the container starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from genai_platform.constructs.accelerators import AcceleratorKind, InstanceSpec

__all__ = [
    "ContainerFamily",
    "ServingOptions",
    "container_family",
    "managed_variables",
    "render",
]


class ContainerFamily(StrEnum):
    """The serving containers whose environment :func:`render` knows."""

    LMI_VLLM = "djl-lmi"
    """DJL Serving LMI container with the vLLM backend (GPU)."""
    LMI_TENSORRT_LLM = "djl-tensorrtllm"
    """DJL Serving LMI container with the TensorRT-LLM backend (GPU)."""
    TGI = "huggingface-llm"
    """Hugging Face Text Generation Inference (GPU)."""
    VLLM = "vllm"
    """The AWS vLLM image for SageMaker (GPU)."""
    LMI_NEURON = "djl-neuronx"
    """DJL Serving LMI container with Transformers NeuronX (Inferentia2 / Trainium)."""


@dataclass(frozen=True)
class ServingOptions:
    """How the model server uses the accelerator, whatever container serves the model.

    Every option left at None keeps the container's own default; the defaults below turn
    continuous batching on and shard one copy over all of its devices.
    """

    continuous_batching: bool = True
    """Batch requests at the token level (rolling / continuous batching). Default: on. Off is
    possible with the LMI containers only (``OPTION_ROLLING_BATCH=disable``); TGI, vLLM and
    TensorRT-LLM always batch continuously and refuse False."""
    max_batch_size: int | None = None
    """Most sequences served at once by one copy (1-1024). Default: the container's default
    (256 in LMI, vLLM's own default)."""
    max_model_length_tokens: int | None = None
    """Longest sequence (prompt plus generated tokens) a request may have (16-1,048,576).
    Default: the model's own context length (LMI/vLLM), or the container's default."""
    quantization: str | None = None
    """Weight quantization, one of what the container accepts (see :data:`QUANTIZATIONS`),
    e.g. ``"awq"``, ``"gptq"``, ``"fp8"``. Default: none (the weights as stored)."""
    tensor_parallel_degree: int | None = None
    """GPUs (or NeuronCores on Neuron) one copy is sharded over; at most what one copy has.
    Default: all of them (the copy's ``devices_per_copy`` GPUs, or its NeuronCores)."""
    dtype: str | None = None
    """Data type of the weights, in the container's spelling (see :data:`DTYPES`), e.g.
    ``"bf16"`` for LMI, ``"bfloat16"`` for TGI and vLLM. Default: the container's default."""


#: Quantization values each container family accepts (see the module notes for sources).
QUANTIZATIONS: Mapping[ContainerFamily, tuple[str, ...]] = MappingProxyType(
    {
        ContainerFamily.LMI_VLLM: ("awq", "gptq", "fp8"),
        ContainerFamily.LMI_TENSORRT_LLM: ("awq", "smoothquant", "fp8"),
        ContainerFamily.TGI: (
            "awq",
            "eetq",
            "exl2",
            "gptq",
            "marlin",
            "bitsandbytes",
            "bitsandbytes-nf4",
            "bitsandbytes-fp4",
            "fp8",
        ),
        ContainerFamily.VLLM: ("awq", "gptq", "fp8"),
        ContainerFamily.LMI_NEURON: ("static_int8",),
    }
)
#: Data types each container family accepts, in its own spelling.
DTYPES: Mapping[ContainerFamily, tuple[str, ...]] = MappingProxyType(
    {
        ContainerFamily.LMI_VLLM: ("fp16", "bf16", "fp32"),
        ContainerFamily.LMI_TENSORRT_LLM: ("fp16", "bf16", "fp32"),
        ContainerFamily.TGI: ("float16", "bfloat16"),
        ContainerFamily.VLLM: ("auto", "float16", "bfloat16", "float32"),
        ContainerFamily.LMI_NEURON: ("fp16", "bf16"),
    }
)
#: Bounds of the numeric options.
MAX_BATCH_SIZE_RANGE = (1, 1024)
MAX_MODEL_LENGTH_RANGE = (16, 1_048_576)


@dataclass(frozen=True)
class _Names:
    """The variables of one family, per option (None: the family has no such variable)."""

    batching: str | None
    batching_on: str | None
    batching_off: str | None
    batch_size: str
    length: str
    quantization: str
    parallel: str
    dtype: str
    aliases: tuple[str, ...] = ()
    """Other names the container reads for the same settings (conflicts too)."""


_NAMES: Mapping[ContainerFamily, _Names] = MappingProxyType(
    {
        ContainerFamily.LMI_VLLM: _Names(
            batching="OPTION_ROLLING_BATCH",
            batching_on="vllm",
            batching_off="disable",
            batch_size="OPTION_MAX_ROLLING_BATCH_SIZE",
            length="OPTION_MAX_MODEL_LEN",
            quantization="OPTION_QUANTIZE",
            parallel="OPTION_TENSOR_PARALLEL_DEGREE",
            dtype="OPTION_DTYPE",
            aliases=("TENSOR_PARALLEL_DEGREE",),
        ),
        ContainerFamily.LMI_TENSORRT_LLM: _Names(
            batching="OPTION_ROLLING_BATCH",
            batching_on="trtllm",
            batching_off=None,
            batch_size="OPTION_MAX_ROLLING_BATCH_SIZE",
            length="OPTION_MAX_OUTPUT_LEN",
            quantization="OPTION_QUANTIZE",
            parallel="OPTION_TENSOR_PARALLEL_DEGREE",
            dtype="OPTION_DTYPE",
            aliases=("TENSOR_PARALLEL_DEGREE",),
        ),
        ContainerFamily.TGI: _Names(
            batching=None,
            batching_on=None,
            batching_off=None,
            batch_size="MAX_BATCH_SIZE",
            length="MAX_TOTAL_TOKENS",
            quantization="QUANTIZE",
            parallel="NUM_SHARD",
            dtype="DTYPE",
            aliases=("SM_NUM_GPUS",),
        ),
        ContainerFamily.VLLM: _Names(
            batching=None,
            batching_on=None,
            batching_off=None,
            batch_size="SM_VLLM_MAX_NUM_SEQS",
            length="SM_VLLM_MAX_MODEL_LEN",
            quantization="SM_VLLM_QUANTIZATION",
            parallel="SM_VLLM_TENSOR_PARALLEL_SIZE",
            dtype="SM_VLLM_DTYPE",
        ),
        ContainerFamily.LMI_NEURON: _Names(
            batching="OPTION_ROLLING_BATCH",
            batching_on="auto",
            batching_off="disable",
            batch_size="OPTION_MAX_ROLLING_BATCH_SIZE",
            length="OPTION_N_POSITIONS",
            quantization="OPTION_QUANTIZE",
            parallel="OPTION_TENSOR_PARALLEL_DEGREE",
            dtype="OPTION_DTYPE",
            aliases=("TENSOR_PARALLEL_DEGREE",),
        ),
    }
)


def container_family(framework: str | None) -> ContainerFamily | None:
    """The family of a catalogue framework; None for an unmapped framework or an explicit
    image (``framework`` None)."""
    if framework is None:
        return None
    try:
        return ContainerFamily(framework)
    except ValueError:
        return None


def managed_variables(family: ContainerFamily) -> tuple[str, ...]:
    """Every variable :func:`render` may set for ``family`` (and the aliases the container
    reads for the same settings): none of them may also be given in ``environment``."""
    names = _NAMES[family]
    fixed = (
        names.batching,
        names.batch_size,
        names.length,
        names.quantization,
        names.parallel,
        names.dtype,
    )
    return tuple(n for n in (*fixed, *names.aliases) if n is not None)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def render(
    options: ServingOptions,
    *,
    framework: str | None,
    spec: InstanceSpec,
    devices_per_copy: int,
    environment: Mapping[str, str],
    problems: list[str],
) -> dict[str, str]:
    """The environment ``options`` stand for in ``framework``'s container on ``spec``.

    Appends to ``problems`` (one line each naming the option, the value and what the
    container accepts) and returns what could be rendered. ``devices_per_copy`` is the
    accelerator devices of one model copy; ``environment`` the explicit entries, which may not
    set any variable the options manage.
    """
    if not isinstance(options, ServingOptions):
        problems.append(f"serving_options: {options!r} is not a ServingOptions")
        return {}
    family = container_family(framework)
    if family is None:
        shown = framework if framework is not None else "an explicit image_uri"
        problems.append(
            f"serving_options: not mapped for {shown!r}; serving options are rendered for the "
            f"catalogue frameworks {', '.join(f.value for f in ContainerFamily)}; use one of "
            "them, or set the container's variables in environment and drop serving_options"
        )
        return {}
    names = _NAMES[family]
    label = family.value
    env: dict[str, str] = {}

    conflicts = sorted(k for k in environment if k in managed_variables(family))
    for key in conflicts:
        problems.append(
            f"environment: {key!r} is managed by serving_options for {label}; set it through "
            "ServingOptions (or drop serving_options), not both"
        )

    # ---- continuous batching
    if not isinstance(options.continuous_batching, bool):
        problems.append(
            f"serving_options.continuous_batching: {options.continuous_batching!r} is not "
            "allowed; give True or False"
        )
    elif options.continuous_batching:
        if names.batching is not None and names.batching_on is not None:
            env[names.batching] = names.batching_on
    elif names.batching is None or names.batching_off is None:
        problems.append(
            f"serving_options.continuous_batching: False is not possible with {label}, which "
            "always batches continuously; leave it True (tune max_batch_size instead)"
        )
    else:
        env[names.batching] = names.batching_off

    # ---- numbers
    for attr, variable, (low, high) in (
        ("max_batch_size", names.batch_size, MAX_BATCH_SIZE_RANGE),
        ("max_model_length_tokens", names.length, MAX_MODEL_LENGTH_RANGE),
    ):
        value = getattr(options, attr)
        if value is None:
            continue
        if not _is_int(value) or not low <= value <= high:
            problems.append(
                f"serving_options.{attr}: {value!r} is not allowed; give an integer from "
                f"{low} to {high:,}"
            )
            continue
        env[variable] = str(value)
    if options.max_batch_size is not None and options.continuous_batching is False:
        problems.append(
            f"serving_options.max_batch_size: {options.max_batch_size!r} needs continuous "
            "batching; set continuous_batching=True or drop max_batch_size"
        )
        env.pop(names.batch_size, None)

    # ---- quantization and dtype
    for attr, variable, allowed in (
        ("quantization", names.quantization, QUANTIZATIONS[family]),
        ("dtype", names.dtype, DTYPES[family]),
    ):
        value = getattr(options, attr)
        if value is None:
            continue
        if not isinstance(value, str) or value not in allowed:
            problems.append(
                f"serving_options.{attr}: {value!r} is not supported by {label} on "
                f"{spec.instance_type}; {label} accepts {', '.join(allowed)}"
            )
            continue
        env[variable] = value

    # ---- tensor parallelism
    neuron = spec.kind is AcceleratorKind.NEURON
    units = devices_per_copy * spec.cores_per_device if neuron else devices_per_copy
    unit_name = "NeuronCores" if neuron else "GPUs"
    degree = options.tensor_parallel_degree
    if degree is None:
        env[names.parallel] = str(units)
    elif not _is_int(degree) or not 1 <= degree <= units:
        problems.append(
            f"serving_options.tensor_parallel_degree: {degree!r} is not allowed on "
            f"{spec.instance_type}: one copy has {units} {unit_name} ({devices_per_copy} "
            f"device(s)); give an integer from 1 to {units}, or raise devices_per_copy"
        )
    else:
        env[names.parallel] = str(degree)
    return env
