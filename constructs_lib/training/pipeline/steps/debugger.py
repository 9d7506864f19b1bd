"""SageMaker Debugger and profiler of a training step: built-in rules, the hook's tensor collections,
the profiler, and TensorBoard output.

Built-in rules run in SageMaker's rule evaluator image (``sagemaker-debugger-rules:latest`` of an
AWS account per region, ``DEBUGGER_RULE_REGISTRIES``), as processing jobs beside the training job,
with the training job's role: that role writes the hook's tensors, the rules' and the profiler's
output, and the TensorBoard data, so ``MlPipeline`` lets a ``JobRole`` write each ``S3Location`` given
here. Rule names and parameters follow the SageMaker Python SDK (``Rule.sagemaker``,
``ProfilerRule.sagemaker``) and ``smdebug_rulesconfig``: ``RuleParameters`` carry
``rule_to_invoke``, and a rule's built-in tensor collection is added to the hook.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from aws_cdk import Duration

from constructs_lib._core.durations import in_milliseconds
from constructs_lib.foundation.s3_location import S3Location
from constructs_lib.training.pipeline.expressions import Expression
from constructs_lib.training.pipeline.serializer import as_api_string

__all__ = [
    "DEBUGGER_RULE_REGISTRIES",
    "CollectionConfig",
    "DebuggerConfig",
    "DebuggerRule",
    "DebuggerRuleName",
    "ProfilerConfig",
    "ProfilerRule",
    "ProfilerRuleName",
    "TensorBoardOutput",
    "rule_evaluator_image",
]

#: The AWS account of the Debugger rule evaluator image (``sagemaker-debugger-rules``) per region.
#: Source: the developer guide, "Use Debugger Docker images for built-in or custom rules" (the
#: registry IDs table); cross-checked in the tests against the SageMaker Python SDK's
#: ``image_uri_config/debugger.json``, region by region. Regions not listed have no Debugger (the
#: SDK's ``DEBUGGER_UNSUPPORTED_REGIONS``: ap-southeast-3, eu-central-2, me-central-1...).
DEBUGGER_RULE_REGISTRIES: dict[str, str] = {
    "af-south-1": "314341159256",
    "ap-east-1": "199566480951",
    "ap-northeast-1": "430734990657",
    "ap-northeast-2": "578805364391",
    "ap-northeast-3": "479947661362",
    "ap-south-1": "904829902805",
    "ap-southeast-1": "972752614525",
    "ap-southeast-2": "184798709955",
    "ca-central-1": "519511493484",
    "cn-north-1": "618459771430",
    "cn-northwest-1": "658757709296",
    "eu-central-1": "482524230118",
    "eu-north-1": "314864569078",
    "eu-south-1": "563282790590",
    "eu-west-1": "929884845733",
    "eu-west-2": "250201462417",
    "eu-west-3": "447278800020",
    "me-south-1": "986000313247",
    "sa-east-1": "818342061345",
    "us-east-1": "503895931360",
    "us-east-2": "915447279597",
    "us-gov-west-1": "515509971035",
    "us-west-1": "685455198987",
    "us-west-2": "895741380848",
}
RULE_REPOSITORY = "sagemaker-debugger-rules"


def rule_evaluator_image(region: str) -> str:
    """The built-in rule evaluator image of ``region`` (raises ``KeyError`` where Debugger is absent)."""
    account = DEBUGGER_RULE_REGISTRIES[region]
    domain = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"{account}.dkr.ecr.{region}.{domain}/{RULE_REPOSITORY}:latest"


class DebuggerRuleName(StrEnum):
    """Debugger's built-in rules (``smdebug_rulesconfig`` ``ruleConfigs.json``; the developer guide's
    "List of Debugger built-in rules"). ``TREE_DEPTH`` and ``FEATURE_IMPORTANCE_OVERWEIGHT`` are for
    XGBoost only."""

    VANISHING_GRADIENT = "VanishingGradient"
    LOSS_NOT_DECREASING = "LossNotDecreasing"
    WEIGHT_UPDATE_RATIO = "WeightUpdateRatio"
    CHECK_INPUT_IMAGES = "CheckInputImages"
    DEAD_RELU = "DeadRelu"
    ALL_ZERO = "AllZero"
    EXPLODING_TENSOR = "ExplodingTensor"
    UNCHANGED_TENSOR = "UnchangedTensor"
    SIMILAR_ACROSS_RUNS = "SimilarAcrossRuns"
    TREE_DEPTH = "TreeDepth"
    CLASS_IMBALANCE = "ClassImbalance"
    CONFUSION = "Confusion"
    OVERFIT = "Overfit"
    TENSOR_VARIANCE = "TensorVariance"
    OVERTRAINING = "Overtraining"
    POOR_WEIGHT_INITIALIZATION = "PoorWeightInitialization"
    SATURATED_ACTIVATION = "SaturatedActivation"
    NLP_SEQUENCE_RATIO = "NLPSequenceRatio"
    STALLED_TRAINING_RULE = "StalledTrainingRule"
    FEATURE_IMPORTANCE_OVERWEIGHT = "FeatureImportanceOverweight"


class ProfilerRuleName(StrEnum):
    """The profiler's built-in rules (``smdebug_rulesconfig.profiler_rules``; the developer guide's
    "List of Debugger built-in profiler rules"). ``PROFILER_REPORT`` runs them all and writes a report."""

    PROFILER_REPORT = "ProfilerReport"
    BATCH_SIZE = "BatchSize"
    CPU_BOTTLENECK = "CPUBottleneck"
    DATALOADER = "Dataloader"
    GPU_MEMORY_INCREASE = "GPUMemoryIncrease"
    IO_BOTTLENECK = "IOBottleneck"
    LOAD_BALANCING = "LoadBalancing"
    LOW_GPU_UTILIZATION = "LowGPUUtilization"
    MAX_INITIALIZATION_TIME = "MaxInitializationTime"
    OVERALL_SYSTEM_USAGE = "OverallSystemUsage"
    STEP_OUTLIER = "StepOutlier"


@dataclass(frozen=True)
class CollectionConfig:
    """A tensor collection the Debugger hook saves (``CollectionConfiguration``).

    :param name: e.g. ``gradients``, ``weights``, ``losses``.
    :param parameters: default none; e.g. ``{"save_interval": "100"}``.
    """

    name: str
    parameters: Mapping[str, str | int | float | bool] = field(default_factory=dict[str, Any])

    def request(self) -> dict[str, Any]:
        return {
            "CollectionName": self.name,
            "CollectionParameters": {key: as_api_string(value) for key, value in self.parameters.items()} or None,
        }


#: The tensor collection each built-in rule reads (``smdebug_rulesconfig`` ``ruleConfigs.json``),
#: added to the hook as ``Rule.sagemaker`` does.
RULE_COLLECTIONS: dict[DebuggerRuleName, CollectionConfig] = {
    DebuggerRuleName.VANISHING_GRADIENT: CollectionConfig("gradients", {"save_interval": "500"}),
    DebuggerRuleName.LOSS_NOT_DECREASING: CollectionConfig("losses", {"save_interval": "500"}),
    DebuggerRuleName.WEIGHT_UPDATE_RATIO: CollectionConfig("weights", {"save_interval": "500"}),
    DebuggerRuleName.CHECK_INPUT_IMAGES: CollectionConfig(
        "input_image", {"include_regex": ".*hybridsequential0_input_0", "save_interval": "500"}
    ),
    DebuggerRuleName.DEAD_RELU: CollectionConfig(
        "relu_output", {"include_regex": ".*relu_output", "save_interval": "500"}
    ),
    DebuggerRuleName.POOR_WEIGHT_INITIALIZATION: CollectionConfig(
        "relu_input", {"include_regex": ".*relu_input", "save_interval": "500"}
    ),
    DebuggerRuleName.NLP_SEQUENCE_RATIO: CollectionConfig(
        "input_sequence", {"include_regex": ".*embedding0_input_0", "save_interval": "500"}
    ),
    DebuggerRuleName.FEATURE_IMPORTANCE_OVERWEIGHT: CollectionConfig("feature_importance", {"save_interval": "500"}),
}


@dataclass(frozen=True)
class _BuiltInRule:
    """What a built-in Debugger rule and a built-in profiler rule share (their ``RuleConfiguration``)."""

    rule: Any
    name: str | None = None
    parameters: Mapping[str, str | int | float | bool] = field(default_factory=dict[str, Any])
    s3_output_path: str | S3Location | Expression | None = None
    local_path: str | None = None

    @property
    def configuration_name(self) -> str:
        return self.name or str(self.rule)

    def _parameter(self, value: Any) -> Any:
        return as_api_string(value)

    def request(self, image: str) -> dict[str, Any]:
        return {
            "RuleConfigurationName": self.configuration_name,
            "RuleEvaluatorImage": image,
            "S3OutputPath": self.s3_output_path,
            "LocalPath": self.local_path,
            "RuleParameters": {
                "rule_to_invoke": str(self.rule),
                **{key: self._parameter(value) for key, value in self.parameters.items()},
            },
        }


@dataclass(frozen=True)
class DebuggerRule(_BuiltInRule):
    """A built-in Debugger rule (``DebugRuleConfiguration``).

    :param rule: which rule.
    :param name: default the rule's own name; the configuration name (unique in the job).
    :param parameters: default none; the rule's parameters (``rule_to_invoke`` is set for you and
        cannot be given), e.g. ``{"threshold": 0.0001}``.
    :param s3_output_path: default none (under the hook's output); where the rule writes.
    :param local_path: default none; the rule container's output path.
    """

    rule: DebuggerRuleName


@dataclass(frozen=True)
class ProfilerRule(_BuiltInRule):
    """A built-in profiler rule (``ProfilerRuleConfiguration``).

    :param rule: which rule.
    :param name: default the rule's own name; the configuration name (unique in the job).
    :param parameters: default none; e.g. ``{"threshold": 50}`` (``ProfilerReport`` takes
        ``<rule>_<parameter>`` keys such as ``CPUBottleneck_threshold``); written as ``str()`` of the
        value, as the SDK's ``ProfilerRule`` does.
    :param s3_output_path: default none (under the profiler's output); where the rule writes.
    :param local_path: default none; the rule container's output path.
    """

    rule: ProfilerRuleName

    def _parameter(self, value: Any) -> Any:
        return value if isinstance(value, Expression) else str(value)


@dataclass(frozen=True, kw_only=True)
class DebuggerConfig:
    """The Debugger hook of a training job and the built-in rules that watch it
    (``DebugHookConfig`` and ``DebugRuleConfigurations``).

    :param region: the stack's region (a literal): the rule evaluator image is per region.
    :param s3_output_path: where the hook writes the saved tensors (the job role writes there).
    :param rules: default none; up to 20 built-in rules.
    :param collections: default none; tensor collections to save besides the rules' own.
    :param hook_parameters: default none; e.g. ``{"save_interval": "100"}``.
    :param local_path: default none (``/opt/ml/output/tensors``); the container's tensor path.
    """

    region: str
    s3_output_path: str | S3Location | Expression
    rules: Sequence[DebuggerRule] = ()
    collections: Sequence[CollectionConfig] = ()
    hook_parameters: Mapping[str, str | int | float | bool] = field(default_factory=dict[str, Any])
    local_path: str | None = None

    def all_collections(self) -> list[CollectionConfig]:
        """The given collections, then each rule's built-in one not named already."""
        found = list(self.collections)
        for rule in self.rules:
            builtin = RULE_COLLECTIONS.get(rule.rule)
            if builtin is not None and all(c.name != builtin.name for c in found):
                found.append(builtin)
        return found

    def hook_request(self) -> dict[str, Any]:
        return {
            "S3OutputPath": self.s3_output_path,
            "LocalPath": self.local_path,
            "HookParameters": {key: as_api_string(value) for key, value in self.hook_parameters.items()} or None,
            "CollectionConfigurations": [c.request() for c in self.all_collections()] or None,
        }


@dataclass(frozen=True, kw_only=True)
class ProfilerConfig:
    """The profiler of a training job and the built-in rules that read its metrics
    (``ProfilerConfig`` and ``ProfilerRuleConfigurations``).

    :param region: the stack's region (a literal), for the rule evaluator image.
    :param s3_output_path: where the profiler writes system and framework metrics.
    :param rules: default none; up to 20 built-in profiler rules (``ProfilerRuleName.PROFILER_REPORT``
        for the report).
    :param interval: default none (500 ms); how often system metrics are sampled.
    :param parameters: default none; ``ProfilingParameters``.
    :param disabled: default False; True turns the profiler off (``DisableProfiler``) and takes no rules.
    """

    region: str
    s3_output_path: str | S3Location | Expression | None = None
    rules: Sequence[ProfilerRule] = ()
    interval: Duration | None = None
    parameters: Mapping[str, str | int | float | bool] = field(default_factory=dict[str, Any])
    disabled: bool = False

    def config_request(self) -> dict[str, Any]:
        interval = in_milliseconds(self.interval) if self.interval is not None else None
        return {
            "S3OutputPath": self.s3_output_path,
            "ProfilingIntervalInMilliseconds": int(interval) if interval is not None else None,
            "ProfilingParameters": {key: as_api_string(value) for key, value in self.parameters.items()} or None,
            "DisableProfiler": True if self.disabled else None,
        }


@dataclass(frozen=True)
class TensorBoardOutput:
    """Where the job's TensorBoard data goes (``TensorBoardOutputConfig``): the container's
    ``local_path`` is synced to ``s3_output_path`` while the job runs.

    :param s3_output_path: the S3 location (the job role writes there).
    :param local_path: default none (``/opt/ml/output/tensorboard``).
    """

    s3_output_path: str | S3Location | Expression
    local_path: str | None = None

    def request(self) -> dict[str, Any]:
        return {"S3OutputPath": self.s3_output_path, "LocalPath": self.local_path}
