"""Checks of pipeline definitions against the two references the project is held to.

1. botocore's SageMaker service model: every step's ``Arguments`` walked against the API request
   shape of its job (unknown keys, enum values, types, lengths and ranges of literals, required
   members). ``Get`` / ``Std:Join`` / ``Std:JsonGet`` expressions are accepted wherever a value goes;
   the names a pipeline generates for its jobs (``TrainingJobName``...) may be absent.
2. The official pipeline definition JSON schema (not copied here: its licence is unstated), read
   from ``$PIPELINE_SCHEMA``, else from ``../shared/schemas`` beside the repository; without either
   (a user's clone), the tests that need it are skipped with the reason (``schema_source``), and a
   ``PIPELINE_SCHEMA`` naming no file is an error (``.ci/run`` sets it: CI never skips). That schema
   (commit b4012b0) predates or contradicts parts of the format SageMaker runs;
   ``SCHEMA_CORRECTIONS`` lists each difference with its source, and
   ``tests/constructs_lib/pipeline/test_contract.py`` proves that the pristine schema rejects each
   corrected construct and accepts everything else unchanged.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from constructs_lib.training.pipeline import _service_model
from tests.conftest import SHARED

SCHEMA_NAME = "sagemaker-pipeline-definition.schema.json"
#: Where the schema is when the repository sits in the project's workspace (``../shared``).
DEFAULT_SCHEMA_PATH: Path = SHARED / "schemas" / SCHEMA_NAME
#: The environment variable that names the schema file (``.ci/run`` sets it).
SCHEMA_VARIABLE = "PIPELINE_SCHEMA"


class SchemaMissing(Exception):
    """``PIPELINE_SCHEMA`` names a file that does not exist."""


def schema_source() -> tuple[Path | None, str]:
    """The schema file the tests validate against, and where it comes from (or why there is none).

    ``$PIPELINE_SCHEMA`` when set (a missing file raises ``SchemaMissing``: whoever set it expects
    validation), else ``../shared/schemas/<name>`` when present, else none: schema checks are skipped."""
    configured = os.environ.get(SCHEMA_VARIABLE)
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise SchemaMissing(
                f"{SCHEMA_VARIABLE}={configured} is not a file: the pipeline definition schema "
                "checks cannot run (unset it to skip them)"
            )
        return path, f"{path} (from {SCHEMA_VARIABLE})"
    if DEFAULT_SCHEMA_PATH.is_file():
        return DEFAULT_SCHEMA_PATH, f"{DEFAULT_SCHEMA_PATH} (../shared beside the repository)"
    return None, (
        f"none: {SCHEMA_VARIABLE} is not set and {DEFAULT_SCHEMA_PATH} does not exist, so the checks "
        f"against the official pipeline definition schema are skipped (botocore's still run); set "
        f"{SCHEMA_VARIABLE} to the schema file to run them"
    )


#: Request shape of each step type, and the members the pipeline fills in itself.
REQUEST_SHAPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "Training": ("CreateTrainingJobRequest", ("TrainingJobName",)),
    "Processing": ("CreateProcessingJobRequest", ("ProcessingJobName",)),
    "Transform": ("CreateTransformJobRequest", ("TransformJobName",)),
    "Tuning": ("CreateHyperParameterTuningJobRequest", ("HyperParameterTuningJobName",)),
    "Model": ("CreateModelInput", ("ModelName",)),
    "RegisterModel": ("CreateModelPackageInput", ()),
    "EndpointConfig": ("CreateEndpointConfigInput", ()),
    "AutoML": ("CreateAutoMLJobRequest", ("AutoMLJobName",)),
    "Endpoint": ("CreateEndpointInput", ()),
    "QualityCheck": ("CreateProcessingJobRequest", ("ProcessingJobName",)),
    "ClarifyCheck": ("CreateProcessingJobRequest", ("ProcessingJobName",)),
}

#: EMR steps: each member of ``Arguments`` against its EMR shape; SageMaker names the step and the
#: cluster (the SDK's EMRStep sends neither ``StepConfig.Name`` nor ``ClusterConfig.Name``).
EMR_ARGUMENT_SHAPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "StepConfig": ("emr:StepConfig", ("Name",)),
    "ClusterConfig": ("emr:RunJobFlowInput", ("Name",)),
    "ClusterId": ("emr:XmlStringMaxLen256", ()),
    "ExecutionRoleArn": ("emr:ArnType", ()),
}

_EXPRESSION_KEYS = {"Get", "Std:Join", "Std:JsonGet"}


def is_expression(value: Any) -> bool:
    if not isinstance(value, dict) or len(value) != 1:
        return False
    ((key, body),) = value.items()
    if key == "Get":
        return isinstance(body, str) and bool(re.match(r"^(Parameters|Steps|Execution)\.", body))
    if key == "Std:Join":
        return isinstance(body, dict) and set(body) <= {"On", "Values"} and isinstance(body.get("Values"), list)
    if key == "Std:JsonGet":
        return isinstance(body, dict) and set(body) == {"PropertyFile", "Path"} and is_expression(body["PropertyFile"])
    return False


def _is_token(value: Any) -> bool:
    return isinstance(value, str) and ("${Token[" in value or "<resolved:" in value)


def shape_problems(value: Any, shape_name: str, path: str, generated: tuple[str, ...] = ()) -> list[str]:
    """Problems of ``value`` against botocore shape ``shape_name`` (``"emr:StepConfig"``: another
    service's shape)."""
    shape = _service_model.shape(shape_name)
    kind = shape["type"]
    problems: list[str] = []
    if kind in ("string", "integer", "long", "float", "double", "boolean", "timestamp") and is_expression(value):
        return []
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path}: expected an object ({shape_name}), got {value!r}"]
        members = shape["members"]
        for key, item in value.items():
            if key not in members:
                problems.append(f"{path}.{key}: unknown member of {shape_name} (members: {', '.join(members)})")
            else:
                problems += shape_problems(
                    item, _service_model.child(shape_name, members[key]["shape"]), f"{path}.{key}"
                )
        for required in shape.get("required", []):
            if required not in value and required not in generated:
                problems.append(f"{path}.{required}: required by {shape_name}")
        return problems
    if kind == "list":
        if not isinstance(value, list):
            return [f"{path}: expected a list ({shape_name}), got {value!r}"]
        problems += _bounds(len(value), shape, path, "items")
        for index, item in enumerate(value):
            problems += shape_problems(
                item, _service_model.child(shape_name, shape["member"]["shape"]), f"{path}[{index}]"
            )
        return problems
    if kind == "map":
        if not isinstance(value, dict):
            return [f"{path}: expected a map ({shape_name}), got {value!r}"]
        problems += _bounds(len(value), shape, path, "entries")
        for key, item in value.items():
            problems += shape_problems(
                key, _service_model.child(shape_name, shape["key"]["shape"]), f"{path}<key {key!r}>"
            )
            problems += shape_problems(
                item, _service_model.child(shape_name, shape["value"]["shape"]), f"{path}[{key!r}]"
            )
        return problems
    if kind in ("string", "timestamp"):
        if not isinstance(value, str):
            return [f"{path}: expected a string ({shape_name}), got {value!r}"]
        if _is_token(value):
            return []
        if "enum" in shape and value not in shape["enum"]:
            problems.append(f"{path}: {value!r} is not one of {shape_name}'s values")
        problems += _bounds(len(value), shape, path, "characters")
        return problems
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            return [f"{path}: expected an integer ({shape_name}), got {value!r}"]
        return _bounds(value, shape, path, "")
    if kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return [f"{path}: expected a number ({shape_name}), got {value!r}"]
        return _bounds(value, shape, path, "")
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{path}: expected a boolean ({shape_name}), got {value!r}"]
    return [f"{path}: unchecked shape type {kind}"]


def _bounds(number: float, shape: dict[str, Any], path: str, unit: str) -> list[str]:
    low, high = shape.get("min"), shape.get("max")
    if low is not None and number < low:
        return [f"{path}: {number} {unit} is below the minimum {low}".replace("  ", " ")]
    if high is not None and number > high:
        return [f"{path}: {number} {unit} is above the maximum {high}".replace("  ", " ")]
    return []


def definition_api_problems(definition: dict[str, Any]) -> list[str]:
    """Every step's Arguments (condition branches included) against its botocore request shape."""
    problems: list[str] = []

    def visit(step: dict[str, Any]) -> None:
        where = f"Steps[{step.get('Name')!r}].Arguments"
        if step["Type"] in REQUEST_SHAPES:
            shape_name, generated = REQUEST_SHAPES[step["Type"]]
            problems.extend(shape_problems(step.get("Arguments", {}), shape_name, where, generated))
        elif step["Type"] == "EMR":
            for key, value in step.get("Arguments", {}).items():
                if key not in EMR_ARGUMENT_SHAPES:
                    problems.append(f"{where}.{key}: not an EMR step argument ({', '.join(EMR_ARGUMENT_SHAPES)})")
                    continue
                shape_name, generated = EMR_ARGUMENT_SHAPES[key]
                problems.extend(shape_problems(value, shape_name, f"{where}.{key}", generated))
        elif step["Type"] == "Condition":
            for branch in ("IfSteps", "ElseSteps"):
                for child in step["Arguments"].get(branch, []):
                    visit(child)

    for step in definition["Steps"]:
        visit(step)
    return problems


# --- the official JSON schema -------------------------------------------------------------------------


def _schema_path() -> Path:
    """The schema file; skips the calling test (with the reason) where there is none."""
    import pytest

    path, reason = schema_source()
    if path is None:
        pytest.skip(f"pipeline definition schema: {reason}")
    return path


@functools.cache
def _read_schema(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def official_schema() -> dict[str, Any]:
    return _read_schema(_schema_path())


def _correct_expressions(schema: dict[str, Any]) -> None:
    d = schema["definitions"]
    value = {
        "anyOf": [
            {"type": ["string", "number", "boolean"]},
            {"$ref": "#/definitions/GetFunction"},
            {"$ref": "#/definitions/JsonGetFunction"},
        ]
    }
    d["JoinFunction"] = {
        "type": "object",
        "properties": {
            "Std:Join": {
                "type": "object",
                "properties": {"On": {"type": "string"}, "Values": {"type": "array", "items": value}},
                "required": ["Values"],
                "additionalProperties": False,
            }
        },
        "required": ["Std:Join"],
        "additionalProperties": False,
    }
    d["JsonGetFunction"] = {
        "type": "object",
        "properties": {
            "Std:JsonGet": {
                "type": "object",
                "properties": {"PropertyFile": {"$ref": "#/definitions/GetFunction"}, "Path": {"type": "string"}},
                "required": ["PropertyFile", "Path"],
                "additionalProperties": False,
            }
        },
        "required": ["Std:JsonGet"],
        "additionalProperties": False,
    }
    d["StringArgumentValue"]["oneOf"] += [
        {"$ref": "#/definitions/JoinFunction"},
        {"$ref": "#/definitions/JsonGetFunction"},
    ]
    for name in ("IntegerArgumentValue", "FloatArgumentValue", "BooleanArgumentValue"):
        d[name]["oneOf"].append({"$ref": "#/definitions/JsonGetFunction"})


def _correct_property_files(schema: dict[str, Any]) -> None:
    schema["definitions"]["ProcessingStep"]["properties"]["PropertyFiles"] = {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "PropertyFileName": {"type": "string"},
                "OutputName": {"type": "string"},
                "FilePath": {"type": "string"},
            },
            "required": ["PropertyFileName", "OutputName", "FilePath"],
            "additionalProperties": False,
        },
    }


def _correct_retry_policy(schema: dict[str, Any]) -> None:
    exception_type = schema["definitions"]["RetryPolicy"]["properties"]["ExceptionType"]
    schema["definitions"]["RetryPolicy"]["properties"]["ExceptionType"] = {
        "type": "array",
        "minItems": 1,
        "items": {"type": "string", "enum": exception_type["enum"]},
    }


def _correct_model_data_url(schema: dict[str, Any]) -> None:
    container = schema["definitions"]["ContainerDefinition"]["properties"]
    container["ModelDataUrl"] = {
        "oneOf": [
            container["ModelDataUrl"],
            {"$ref": "#/definitions/GetFunction"},
            {"$ref": "#/definitions/JoinFunction"},
        ]
    }


def _correct_conditions(schema: dict[str, Any]) -> None:
    d = schema["definitions"]
    any_value = {
        "anyOf": [{"$ref": f"#/definitions/{n}ArgumentValue"} for n in ("String", "Boolean", "Integer", "Float")]
    }
    d["InCondition"] = {
        "type": "object",
        "properties": {
            "Type": {"type": "string", "enum": ["In"]},
            "QueryValue": any_value,
            "Values": {"type": "array", "items": any_value},
        },
        "required": ["Type", "QueryValue", "Values"],
        "additionalProperties": False,
    }
    condition = {
        "oneOf": [
            {"$ref": f"#/definitions/{n}"} for n in ("BinaryCondition", "InCondition", "OrCondition", "NotCondition")
        ]
    }
    d["NotCondition"] = {
        "type": "object",
        "properties": {"Type": {"type": "string", "enum": ["Not"]}, "Expression": condition},
        "required": ["Type", "Expression"],
        "additionalProperties": False,
    }
    d["OrCondition"]["properties"]["Conditions"]["items"] = condition
    d["ConditionStep"]["properties"]["Arguments"]["properties"]["Conditions"]["items"] = condition


def _correct_tuning(schema: dict[str, Any]) -> None:
    config = schema["definitions"]["TuningStep"]["properties"]["Arguments"]["properties"]
    job_config = config["HyperParameterTuningJobConfig"]["properties"]
    job_config["Strategy"]["enum"] = ["Bayesian", "Random", "Hyperband", "Grid"]
    job_config["StrategyConfig"] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "HyperbandStrategyConfig": {
                "type": "object",
                "additionalProperties": False,
                "properties": {"MinResource": {"type": "integer"}, "MaxResource": {"type": "integer"}},
            }
        },
    }
    limits = job_config["ResourceLimits"]
    limits["required"] = ["MaxParallelTrainingJobs"]
    limits["properties"]["MaxRuntimeInSeconds"] = {"type": "integer"}
    config["WarmStartConfig"]["required"] = ["ParentHyperParameterTuningJobs", "WarmStartType"]


def _correct_register_model(schema: dict[str, Any]) -> None:
    arguments = schema["definitions"]["RegisterModelStep"]["properties"]["Arguments"]["properties"]
    arguments["ModelApprovalStatus"] = {
        "oneOf": [
            {"type": "string", "enum": ["Approved", "Rejected", "PendingManualApproval"]},
            {"$ref": "#/definitions/GetFunction"},
        ]
    }
    arguments["CustomerMetadataProperties"] = {
        "type": "object",
        "additionalProperties": {"$ref": "#/definitions/StringArgumentValue"},
    }
    container = arguments["InferenceSpecification"]["properties"]["Containers"]["items"]["properties"]
    container["Environment"] = {"type": "object", "additionalProperties": {"$ref": "#/definitions/StringArgumentValue"}}
    container["Framework"] = {"$ref": "#/definitions/StringArgumentValue"}
    container["FrameworkVersion"] = {"$ref": "#/definitions/StringArgumentValue"}


def _correct_large_models(schema: dict[str, Any]) -> None:
    d = schema["definitions"]
    arguments = d["TrainingStep"]["properties"]["Arguments"]["properties"]
    resources = arguments["ResourceConfig"]["properties"]
    resources["KeepAlivePeriodInSeconds"] = {"$ref": "#/definitions/IntegerArgumentValue"}
    resources["InstanceGroups"] = {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "InstanceType": {"$ref": "#/definitions/StringArgumentValue"},
                "InstanceCount": {"$ref": "#/definitions/IntegerArgumentValue"},
                "InstanceGroupName": {"$ref": "#/definitions/StringArgumentValue"},
            },
            "required": ["InstanceType", "InstanceCount", "InstanceGroupName"],
            "additionalProperties": False,
        },
    }
    source = arguments["InputDataConfig"]["items"]["properties"]["DataSource"]["properties"]["S3DataSource"]
    source["properties"]["InstanceGroupNames"] = {
        "type": "array",
        "items": {"$ref": "#/definitions/StringArgumentValue"},
    }
    string_map = {"type": "object", "additionalProperties": {"$ref": "#/definitions/StringArgumentValue"}}
    arguments["ProfilerConfig"] = {
        "type": "object",
        "properties": {
            "S3OutputPath": {"$ref": "#/definitions/StringArgumentValue"},
            "ProfilingIntervalInMilliseconds": {"$ref": "#/definitions/IntegerArgumentValue"},
            "ProfilingParameters": string_map,
            "DisableProfiler": {"$ref": "#/definitions/BooleanArgumentValue"},
        },
        "additionalProperties": False,
    }
    arguments["ProfilerRuleConfigurations"] = copy.deepcopy(arguments["DebugRuleConfigurations"])
    arguments["RemoteDebugConfig"] = {
        "type": "object",
        "properties": {"EnableRemoteDebug": {"$ref": "#/definitions/BooleanArgumentValue"}},
        "additionalProperties": False,
    }


def _correct_experiment_config(schema: dict[str, Any]) -> None:
    schema["properties"]["PipelineExperimentConfig"] = {
        "type": "object",
        "properties": {
            "ExperimentName": {"$ref": "#/definitions/StringArgumentValue"},
            "TrialName": {"$ref": "#/definitions/StringArgumentValue"},
        },
        "additionalProperties": False,
    }


def _correct_emr(schema: dict[str, Any]) -> None:
    arguments = schema["definitions"]["EMRStep"]["properties"]["Arguments"]
    arguments["properties"]["ClusterConfig"] = {"type": "object"}
    arguments["properties"]["ExecutionRoleArn"] = {"$ref": "#/definitions/StringArgumentValue"}
    arguments["required"] = ["StepConfig"]
    arguments["oneOf"] = [{"required": ["ClusterId"]}, {"required": ["ClusterConfig"]}]
    arguments["properties"]["StepConfig"]["required"] = ["HadoopJarStep"]


def _correct_endpoint_config(schema: dict[str, Any]) -> None:
    step = schema["definitions"]["EndpointConfigStep"]["properties"]
    step["Type"] = {"type": "string", "enum": ["EndpointConfig"]}
    step["RetryPolicies"] = {"type": "array", "items": {"$ref": "#/definitions/RetryPolicy"}}
    step["CacheConfig"] = {"$ref": "#/definitions/CacheConfig"}
    schema["definitions"]["EndpointStep"]["properties"]["CacheConfig"] = {"$ref": "#/definitions/CacheConfig"}


def _correct_automl(schema: dict[str, Any]) -> None:
    objective = schema["definitions"]["AutoMLStep"]["properties"]["Arguments"]["properties"]["AutoMLJobObjective"]
    objective["properties"]["MetricName"]["enum"] = list(_service_model.enum("AutoMLMetricEnum"))


def _correct_training_environment(schema: dict[str, Any]) -> None:
    arguments = schema["definitions"]["TrainingStep"]["properties"]["Arguments"]["properties"]
    arguments["Environment"] = {"type": "object", "additionalProperties": {"$ref": "#/definitions/StringArgumentValue"}}


def _correct_check_steps(schema: dict[str, Any]) -> None:
    for name in ("QualityCheckStep", "ClarifyCheckStep"):
        schema["definitions"][name]["properties"]["FailOnViolation"] = {"$ref": "#/definitions/BooleanArgumentValue"}


def _correct_drift_check_baselines(schema: dict[str, Any]) -> None:
    arguments = schema["definitions"]["RegisterModelStep"]["properties"]["Arguments"]["properties"]
    source = arguments["ModelMetrics"]["properties"]["Bias"]["properties"]["Report"]
    bias = arguments["ModelMetrics"]["properties"]["Bias"]["properties"]
    bias["PreTrainingReport"] = source
    bias["PostTrainingReport"] = source

    def group(*members: str) -> dict[str, Any]:
        return {"type": "object", "properties": dict.fromkeys(members, source), "additionalProperties": False}

    arguments["DriftCheckBaselines"] = {
        "type": "object",
        "properties": {
            "Bias": group("ConfigFile", "PreTrainingConstraints", "PostTrainingConstraints"),
            "Explainability": group("Constraints", "ConfigFile"),
            "ModelQuality": group("Statistics", "Constraints"),
            "ModelDataQuality": group("Statistics", "Constraints"),
        },
        "additionalProperties": False,
    }


#: Where the official schema (commit b4012b0) differs from the format SageMaker runs, with sources.
SCHEMA_CORRECTIONS: dict[str, tuple[str, Callable[[dict[str, Any]], None]]] = {
    "expressions": (
        "Std:Join is defined (malformed) but never referenced, and Std:JsonGet is missing; the SageMaker "
        "Python SDK emits both wherever a value goes (workflow/functions.py Join.expr, JsonGet.expr)",
        _correct_expressions,
    ),
    "property_files": (
        "ProcessingStep.PropertyFiles (what JsonGet reads) is missing; SDK workflow/steps.py "
        "ProcessingStep.to_request, developer guide 'Property files and JsonGet'",
        _correct_property_files,
    ),
    "retry_policy": (
        "RetryPolicy.ExceptionType is a String Array per the developer guide 'Retry Policy for Pipeline "
        "Steps' (and the SDK's StepRetryPolicy.to_request), not a string",
        _correct_retry_policy,
    ),
    "model_data_url": (
        "ContainerDefinition.ModelDataUrl only takes a literal URL; a CreateModel step takes a training "
        "step's ModelArtifacts.S3ModelArtifacts (SDK workflow/model_step.py)",
        _correct_model_data_url,
    ),
    "conditions": (
        "InCondition uses Value/In and NotIn; the SDK (workflow/conditions.py) emits In as "
        "QueryValue/Values and has Not {Expression} (missing here)",
        _correct_conditions,
    ),
    "register_model": (
        "RegisterModel Arguments lack ModelApprovalStatus and CustomerMetadataProperties, and containers lack "
        "Environment/Framework/FrameworkVersion: all CreateModelPackage members (botocore CreateModelPackageInput) "
        "that the SDK's RegisterModel step passes through (workflow/_utils.py _RegisterModelStep)",
        _correct_register_model,
    ),
    "tuning": (
        "Strategy lacks Hyperband and Grid and StrategyConfig (botocore HyperParameterTuningJobConfig); "
        "ResourceLimits requires MaxNumberOfTrainingJobs (Grid leaves it out); WarmStartConfig requires "
        "a TargetObjectiveMetricValue it does not define, so no warm start could ever validate",
        _correct_tuning,
    ),
    "large_models": (
        "TrainingStep lacks ProfilerConfig, ProfilerRuleConfigurations and RemoteDebugConfig, ResourceConfig lacks "
        "InstanceGroups and KeepAlivePeriodInSeconds, S3DataSource lacks InstanceGroupNames: all CreateTrainingJob "
        "members (botocore CreateTrainingJobRequest) that the SDK's estimators send (estimator.py _get_train_args: "
        "profiler_config, profiler_rule_configs, remote_debug_config, instance_groups, keep_alive_period_in_seconds; "
        "inputs.TrainingInput instance_groups)",
        _correct_large_models,
    ),
    "experiment_config": (
        "The top level has no PipelineExperimentConfig; the SDK's Pipeline.definition() writes one "
        "(workflow/pipeline.py, pipeline_experiment_config.py) and the developer guide 'Amazon SageMaker "
        "Experiments Integration' shows it in the definition file",
        _correct_experiment_config,
    ),
    "emr": (
        "EMRStep requires ClusterId and StepConfig.Name; the SDK's EMRStep (workflow/emr_step.py) sends "
        "ClusterId or ClusterConfig (a RunJobFlow request), ExecutionRoleArn with ClusterId, and no step "
        "Name ('set during runtime')",
        _correct_emr,
    ),
    "endpoint_config": (
        "EndpointConfigStep's Type is 'Endpoint' (the EndpointStep's), so no configuration step validates; the "
        "SDK's StepTypeEnum.ENDPOINT_CONFIG is 'EndpointConfig' (workflow/steps.py), and its EndpointConfigStep "
        "takes retry policies and a cache config, its EndpointStep a cache config (workflow/endpoint_step.py)",
        _correct_endpoint_config,
    ),
    "automl": (
        "AutoMLJobObjective.MetricName lists Accuracy, MSE, F1, F1macro and AUC only; CreateAutoMLJob takes every "
        "botocore AutoMLMetricEnum value (RMSE, R2, MAE, BalancedAccuracy, Precision, Recall...; Autopilot "
        "'Metrics and validation')",
        _correct_automl,
    ),
    "training_environment": (
        "TrainingStep Arguments lack Environment, a CreateTrainingJob member (botocore CreateTrainingJobRequest) "
        "that the SDK's estimators pass through (environment=...)",
        _correct_training_environment,
    ),
    "check_steps": (
        "QualityCheck and ClarifyCheck steps lack FailOnViolation, which the SDK writes (workflow/"
        "quality_check_step.py, clarify_check_step.py: fail_on_violation, default True)",
        _correct_check_steps,
    ),
    "drift_check_baselines": (
        "RegisterModel Arguments lack DriftCheckBaselines and ModelMetrics.Bias lacks PreTrainingReport and "
        "PostTrainingReport: CreateModelPackage members (botocore CreateModelPackageInput.DriftCheckBaselines, "
        "Bias) that the SDK's RegisterModel step passes through (workflow/_utils.py, DriftCheckBaselines)",
        _correct_drift_check_baselines,
    ),
}


def corrected_schema() -> dict[str, Any]:
    return _corrected(_schema_path())


@functools.cache
def _corrected(path: Path) -> dict[str, Any]:
    schema = copy.deepcopy(_read_schema(path))
    for _, correct in SCHEMA_CORRECTIONS.values():
        correct(schema)
    return schema


#: The schema definition of each step type, and the types a condition branch may hold.
STEP_DEFINITIONS = {
    "Condition": "ConditionStep",
    "Training": "TrainingStep",
    "Processing": "ProcessingStep",
    "Transform": "TransformStep",
    "Model": "CreateModelStep",
    "RegisterModel": "RegisterModelStep",
    "Lambda": "LambdaStep",
    "Callback": "CallbackStep",
    "Tuning": "TuningStep",
    "Fail": "FailStep",
    "EMR": "EMRStep",
    "EndpointConfig": "EndpointConfigStep",
    "Endpoint": "EndpointStep",
    "AutoML": "AutoMLStep",
    "QualityCheck": "QualityCheckStep",
    "ClarifyCheck": "ClarifyCheckStep",
}


def schema_errors(definition: dict[str, Any], *, corrected: bool = True) -> list[str]:
    """Validation errors of ``definition`` against the official schema (with the corrections).

    The whole document is validated; each step is also validated against its own type's definition
    so that errors name the step and key instead of "not valid under any of the given schemas"."""
    from jsonschema import Draft7Validator

    schema = corrected_schema() if corrected else official_schema()
    precise: list[str] = []

    def check(step: dict[str, Any], where: str, branch_types: list[str] | None) -> None:
        definition_name = STEP_DEFINITIONS.get(step.get("Type"))
        if definition_name is None:
            precise.append(f"{where}: unknown step type {step.get('Type')!r}")
            return
        if branch_types is not None and definition_name not in branch_types:
            precise.append(f"{where}: a {step['Type']} step is not allowed in a condition branch by the schema")
        shallow = step
        if step["Type"] == "Condition":
            shallow = copy.deepcopy(step)
            for branch in ("IfSteps", "ElseSteps"):
                shallow.get("Arguments", {}).pop(branch, None)
        validator = Draft7Validator({"$ref": f"#/definitions/{definition_name}", "definitions": schema["definitions"]})
        for error in validator.iter_errors(shallow):
            best = error
            while best.context:
                best = max(best.context, key=lambda e: len(list(e.absolute_path)))
            location = "/".join(map(str, best.absolute_path)) or "/".join(map(str, error.absolute_path))
            precise.append(f"{where}/{location}: {best.message}")
        if step["Type"] == "Condition":
            branch_schema = schema["definitions"]["ConditionStep"]["properties"]["Arguments"]["properties"]
            allowed = [ref["$ref"].rsplit("/", 1)[-1] for ref in branch_schema["IfSteps"]["items"]["oneOf"]]
            for branch in ("IfSteps", "ElseSteps"):
                for index, child in enumerate(step.get("Arguments", {}).get(branch, [])):
                    check(child, f"{where}/Arguments/{branch}/{index}({child.get('Name')})", allowed)

    top = {key: value for key, value in definition.items() if key != "Steps"}
    top["Steps"] = []
    for error in Draft7Validator(schema).iter_errors(top):
        precise.append(f"/{'/'.join(map(str, error.absolute_path))}: {error.message}")
    for index, step in enumerate(definition.get("Steps", [])):
        check(step, f"Steps/{index}({step.get('Name')})", None)
    if not precise:
        # The whole document must validate too (the per-step checks are only for the messages).
        precise = [
            f"/{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in Draft7Validator(schema).iter_errors(definition)
        ]
    return precise


def definition_from_template(body: Any) -> dict[str, Any]:
    """A definition as deployed: CloudFormation's ``PipelineDefinitionBody`` with each intrinsic
    (``Ref``, ``Fn::GetAtt``, cross-stack outputs) replaced by a placeholder string."""
    if isinstance(body, str):
        return json.loads(body)
    delimiter, parts = body["Fn::Join"]
    text = delimiter.join(part if isinstance(part, str) else f"<resolved:{_name(part)}>" for part in parts)
    return json.loads(text)


def _name(intrinsic: dict[str, Any]) -> str:
    return re.sub(r"[^A-Za-z0-9.:-]", "", json.dumps(intrinsic))[:60]
