"""Typed SageMaker Pipelines in Python, without the SageMaker SDK.

Build a ``PipelineDefinition`` from parameters and steps; steps reference each other through Python
attributes (``training.model_artifacts``, ``processing.outputs["train"]``, ``step.properties...``)
that render as ``{"Get": "Steps.<name>..."}``. ``render()`` validates the whole pipeline and
returns the definition JSON (``Version`` 2020-12-01) that ``MlPipeline`` deploys.
"""

from constructs_lib.training.pipeline.conditions import (
    Condition,
    ConditionEquals,
    ConditionGreaterThan,
    ConditionGreaterThanOrEqualTo,
    ConditionIn,
    ConditionLessThan,
    ConditionLessThanOrEqualTo,
    ConditionNot,
    ConditionNotEquals,
    ConditionOr,
)
from constructs_lib.training.pipeline.definition import VERSION, PipelineDefinition
from constructs_lib.training.pipeline.expressions import (
    ExecutionVariable,
    ExecutionVariables,
    Expression,
    Join,
    JsonGet,
    Parameter,
    ParameterBoolean,
    ParameterFloat,
    ParameterInteger,
    ParameterString,
    Property,
    PropertyFile,
    S3Join,
)
from constructs_lib.training.pipeline.lineage import LineageOptions
from constructs_lib.training.pipeline.per_run import (
    PER_EXECUTION_VARIABLES,
    RunState,
    run_state,
    shared_state,
    varies_per_execution,
)
from constructs_lib.training.pipeline.step import CacheConfig, JobNetwork, RetryPolicy, Step
from constructs_lib.training.pipeline.steps.callbacks import (
    CallbackOutputs,
    CallbackStep,
    LambdaStep,
    OutputParameter,
    StepOutput,
)
from constructs_lib.training.pipeline.steps.control import ConditionStep, FailStep
from constructs_lib.training.pipeline.steps.model import (
    CreateModelStep,
    ModelContainer,
    ModelMetrics,
    RegisterModelStep,
)
from constructs_lib.training.pipeline.steps.processing import (
    ProcessingInput,
    ProcessingOutput,
    ProcessingOutputs,
    ProcessingStep,
)
from constructs_lib.training.pipeline.steps.training import (
    FileSystemSource,
    MetricDefinition,
    TrainingChannel,
    TrainingJob,
    TrainingStep,
)
from constructs_lib.training.pipeline.steps.transform import TransformStep
from constructs_lib.training.pipeline.steps.tuning import (
    CategoricalRange,
    ContinuousRange,
    IntegerRange,
    TuningObjective,
    TuningStep,
    WarmStart,
)

__all__ = [
    "CacheConfig",
    "CallbackOutputs",
    "CallbackStep",
    "CategoricalRange",
    "Condition",
    "ConditionEquals",
    "ConditionGreaterThan",
    "ConditionGreaterThanOrEqualTo",
    "ConditionIn",
    "ConditionLessThan",
    "ConditionLessThanOrEqualTo",
    "ConditionNot",
    "ConditionNotEquals",
    "ConditionOr",
    "ConditionStep",
    "ContinuousRange",
    "CreateModelStep",
    "ExecutionVariable",
    "ExecutionVariables",
    "Expression",
    "FailStep",
    "FileSystemSource",
    "IntegerRange",
    "JobNetwork",
    "Join",
    "JsonGet",
    "LambdaStep",
    "LineageOptions",
    "MetricDefinition",
    "ModelContainer",
    "ModelMetrics",
    "OutputParameter",
    "Parameter",
    "ParameterBoolean",
    "ParameterFloat",
    "ParameterInteger",
    "ParameterString",
    "PER_EXECUTION_VARIABLES",
    "PipelineDefinition",
    "ProcessingInput",
    "ProcessingOutput",
    "ProcessingOutputs",
    "ProcessingStep",
    "Property",
    "PropertyFile",
    "RegisterModelStep",
    "RetryPolicy",
    "run_state",
    "RunState",
    "S3Join",
    "shared_state",
    "Step",
    "StepOutput",
    "TrainingChannel",
    "TrainingJob",
    "TrainingStep",
    "TransformStep",
    "TuningObjective",
    "TuningStep",
    "varies_per_execution",
    "VERSION",
    "WarmStart",
]
