"""Training for large models: each distribution mode and its bad inputs, heterogeneous clusters,
warm pools, Debugger and profiler rules per region, TensorBoard output, remote debugging."""

from __future__ import annotations

import importlib.metadata
import json
from functools import cache
from typing import Any

import pytest
from aws_cdk import Duration

from constructs_lib import ConstructValidationError, S3Location
from constructs_lib._core.service_model import enum
from constructs_lib.foundation.instance_type import GPU_FAMILIES, InstanceType
from constructs_lib.training.pipeline import (
    DEBUGGER_RULE_REGISTRIES,
    INSTANCE_GPUS,
    CategoricalRange,
    CollectionConfig,
    DebuggerConfig,
    DebuggerRule,
    DebuggerRuleName,
    FileSystemSource,
    FileSystemType,
    InstanceGroup,
    Mpi,
    ParameterServer,
    ParameterString,
    PipelineDefinition,
    ProfilerConfig,
    ProfilerRule,
    ProfilerRuleName,
    SmdDataParallel,
    SmdModelParallel,
    TensorBoardOutput,
    TorchDistributed,
    TrainingChannel,
    TrainingStep,
    TuningObjective,
    TuningStep,
    rule_evaluator_image,
)
from tests.constructs_lib.fakes import FakeNetwork
from tests.constructs_lib.pipeline.conftest import assert_valid, training_job

P4D = "ml.p4d.24xlarge"


def _sdk_config(name: str) -> dict[str, Any]:
    """A file of the SageMaker SDK's image-URI configuration (the dev-only reference)."""
    files = importlib.metadata.files("sagemaker-core") or []
    path = next(f for f in files if f.name == name and "image_uri_config" in str(f))
    return json.loads(path.read_text())


def _args(role: Any, parameters: tuple[Any, ...] = (), **job: Any) -> dict[str, Any]:
    rendered = PipelineDefinition(
        parameters=list(parameters), steps=[TrainingStep("Train", job=training_job(role, **job))]
    ).render()
    assert_valid(rendered)
    return rendered["Steps"][0]["Arguments"]


def _error(role: Any, **job: Any) -> str:
    with pytest.raises(ConstructValidationError) as error:
        PipelineDefinition(steps=[TrainingStep("Train", job=training_job(role, **job))]).render()
    return str(error.value)


def _distributed(distribution: Any) -> dict[str, str]:
    hyperparameters = dict(distribution)
    return {k: v for k, v in hyperparameters.items() if k not in ("num_round", "objective")}


# --- distribution modes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("distribution", "count", "expected"),
    [
        (
            TorchDistributed(),
            2,
            {"sagemaker_torch_distributed_enabled": "true", "sagemaker_instance_type": '"ml.p4d.24xlarge"'},
        ),
        (
            SmdDataParallel(),
            2,
            {
                "sagemaker_distributed_dataparallel_enabled": "true",
                "sagemaker_instance_type": '"ml.p4d.24xlarge"',
                "sagemaker_distributed_dataparallel_custom_mpi_options": '""',
            },
        ),
        (
            Mpi(processes_per_host=8, custom_mpi_options="-verbose"),
            2,
            {
                "sagemaker_mpi_enabled": "true",
                "sagemaker_mpi_num_of_processes_per_host": "8",
                "sagemaker_mpi_custom_mpi_options": '"-verbose"',
            },
        ),
        (ParameterServer(), 2, {"sagemaker_parameter_server_enabled": "true"}),
        (
            SmdModelParallel(parameters={"hybrid_shard_degree": 8}),
            2,
            {
                "mp_parameters": '{"hybrid_shard_degree": 8}',
                "sagemaker_distributed_dataparallel_enabled": "false",
                "sagemaker_instance_type": '"ml.p4d.24xlarge"',
                "sagemaker_torch_distributed_enabled": "true",
            },
        ),
        (
            SmdModelParallel(
                parameters={"partitions": 2, "microbatches": 4, "ddp": True}, launcher=Mpi(processes_per_host=8)
            ),
            1,
            {
                "sagemaker_mpi_enabled": "true",
                "sagemaker_mpi_num_of_processes_per_host": "8",
                "sagemaker_mpi_custom_mpi_options": '""',
                "mp_parameters": '{"partitions": 2, "microbatches": 4, "ddp": true}',
                "sagemaker_distributed_dataparallel_enabled": "false",
                "sagemaker_instance_type": '"ml.p4d.24xlarge"',
            },
        ),
    ],
    ids=["torch_distributed", "smddp", "mpi", "parameter_server", "smp-v2", "smp-v1-mpi"],
)
def test_each_distribution_sets_the_sdk_hyperparameters(role, distribution, count, expected):
    """Keys and JSON encoding as the SDK's framework estimators write them (estimator.py
    _distribution_configuration, pytorch/estimator.py _pytorch_distribution_configuration)."""
    args = _args(role, instance_type=P4D, instance_count=count, distribution=distribution)
    assert _distributed(args["HyperParameters"]) == expected
    assert args["HyperParameters"]["num_round"] == "50"  # the user's own stay as they were


def test_a_parameterized_instance_type_is_written_as_its_string_and_not_checked(role):
    instance_type = ParameterString("TrainingInstanceType", default_value=P4D)
    args = _args(role, (instance_type,), instance_type=instance_type, instance_count=2, distribution=TorchDistributed())
    assert args["HyperParameters"]["sagemaker_instance_type"] == {"Get": "Parameters.TrainingInstanceType"}
    assert args["ResourceConfig"]["InstanceType"] == {"Get": "Parameters.TrainingInstanceType"}


def test_an_instance_type_value_class_is_written_by_name(role):
    args = _args(role, instance_type=InstanceType.of(P4D), instance_count=2, distribution=SmdDataParallel())
    assert args["HyperParameters"]["sagemaker_instance_type"] == '"ml.p4d.24xlarge"'


@pytest.mark.parametrize(
    ("job", "expected"),
    [
        (
            {"instance_type": "ml.m5.xlarge", "instance_count": 2, "distribution": SmdDataParallel()},
            "job.instance_type='ml.m5.xlarge': must be a GPU instance type for smdistributed dataparallel",
        ),
        (
            {"instance_type": "ml.m5.xlarge", "instance_count": 2, "distribution": SmdDataParallel()},
            "must be one of the instance types the SMDDP library supports: ml.p3.16xlarge",
        ),
        (
            {"instance_type": "ml.g5.48xlarge", "instance_count": 2, "distribution": SmdDataParallel()},
            "job.instance_type='ml.g5.48xlarge': must be one of the instance types the SMDDP library supports",
        ),
        (
            {"instance_type": P4D, "instance_count": 1, "distribution": SmdDataParallel()},
            "job.instance_count=1: must be at least 2 for smdistributed dataparallel",
        ),
        (
            {"instance_type": P4D, "distribution": SmdDataParallel()},
            "job.instance_count=1: must be at least 2",
        ),
        (
            {"instance_type": P4D, "distribution": Mpi(processes_per_host=16)},
            "job.distribution processes_per_host=16: must be at most the 8 GPU(s) of ml.p4d.24xlarge",
        ),
        (
            {"instance_type": "ml.g5.12xlarge", "distribution": SmdModelParallel(launcher=Mpi(processes_per_host=8))},
            "job.distribution processes_per_host=8: must be at most the 4 GPU(s) of ml.g5.12xlarge",
        ),
        (
            {"instance_type": P4D, "distribution": Mpi(processes_per_host=0)},
            "job.distribution.processes_per_host=0: must be at least 1",
        ),
        (
            {"instance_type": "ml.c5.4xlarge", "distribution": TorchDistributed()},
            "job.instance_type='ml.c5.4xlarge': must be a GPU instance type for torch_distributed (or Trainium)",
        ),
        (
            {"instance_type": "ml.m5.xlarge", "distribution": SmdModelParallel()},
            "must be a GPU instance type for smdistributed modelparallel",
        ),
        (
            {"instance_type": "ml.trn1.32xlarge", "distribution": Mpi()},
            "job.instance_type='ml.trn1.32xlarge': is a Trainium instance: mpi is not supported there",
        ),
        (
            {"instance_type": P4D, "distribution": SmdModelParallel(parameters={"pipeline": "fast", "partitions": 0})},
            "job.distribution.parameters['pipeline']='fast': must be one of ('simple', 'interleaved', '_only_forward')",
        ),
        (
            {"instance_type": P4D, "distribution": SmdModelParallel(parameters={"partitions": 0})},
            "job.distribution.parameters['partitions']=0: must be a positive integer",
        ),
        (
            {"instance_type": P4D, "distribution": SmdModelParallel(parameters={"ddp": True, "horovod": True})},
            "'ddp' and 'horovod' cannot both be enabled",
        ),
        (
            {
                "instance_type": P4D,
                "distribution": TorchDistributed(),
                "hyperparameters": {"sagemaker_torch_distributed_enabled": "false"},
            },
            "job.hyperparameters=['sagemaker_torch_distributed_enabled']: are set by distribution (torch_distributed)",
        ),
        (
            {
                "instance_type": P4D,
                "distribution": SmdModelParallel(parameters={"layers": "x" * 2500}),
            },
            "job.distribution (mp_parameters)=",
        ),
        (
            {
                "instance_type": P4D,
                "distribution": SmdDataParallel(),
                "instance_count": 2,
                "hyperparameters": {f"h{i}": i for i in range(98)},
            },
            "job.hyperparameters (with the distribution's)=",
        ),
        (
            {"instance_type": P4D, "distribution": TorchDistributed(instance_group="train")},
            "job.distribution.instance_group='train': only applies with instance_groups",
        ),
        (
            {"instance_type": P4D, "distribution": {"torch_distributed": {"enabled": True}}},
            "job.distribution={'torch_distributed': {'enabled': True}}: must be TorchDistributed, SmdDataParallel",
        ),
    ],
    ids=[
        "cpu-for-smddp",
        "cpu-for-smddp-types",
        "gpu-not-smddp",
        "one-instance-smddp",
        "default-count-smddp",
        "mpi-processes-above-gpus",
        "smp-processes-above-gpus",
        "mpi-zero-processes",
        "torch-on-cpu",
        "smp-on-cpu",
        "mpi-on-trainium",
        "smp-bad-pipeline",
        "smp-zero-partitions",
        "smp-ddp-and-horovod",
        "clash-with-hyperparameters",
        "mp-parameters-too-long",
        "over-100-hyperparameters",
        "group-without-groups",
        "raw-dict",
    ],
)
def test_bad_distribution_inputs_fail_at_synth(role, job, expected):
    message = _error(role, **job)
    assert "steps['Train'] (Training)" in message
    assert expected in message


def test_distribution_values_are_held_to_botocores_hyperparameter_limits(role):
    message = _error(role, instance_type=P4D, distribution=SmdModelParallel(parameters={"layers": "x" * 2500}))
    assert "must be at most 2500 characters long (botocore HyperParameterValue)" in message


def test_torch_distributed_runs_on_trainium(role):
    args = _args(role, instance_type="ml.trn1.32xlarge", instance_count=2, distribution=TorchDistributed())
    assert args["HyperParameters"]["sagemaker_torch_distributed_enabled"] == "true"


def test_mpi_on_cpu_instances_is_not_held_to_gpus(role):
    args = _args(role, instance_type="ml.c5.18xlarge", instance_count=2, distribution=Mpi(processes_per_host=36))
    assert args["HyperParameters"]["sagemaker_mpi_num_of_processes_per_host"] == "36"


@cache
def _sdk_gpus() -> dict[str, int]:
    """The SDK's GPU counts, the same in every region it lists (checked)."""
    counts: dict[str, int] = {}
    for region, types in _sdk_config("instance_gpu_info.json").items():
        for name, info in types.items():
            assert counts.setdefault(name, info["Count"]) == info["Count"], (region, name)
    return counts


def test_the_gpu_table_agrees_with_the_sdk_for_every_type_both_list():
    shared = set(INSTANCE_GPUS) & set(_sdk_gpus())
    assert len(shared) >= 20
    assert {name: INSTANCE_GPUS[name] for name in shared} == {name: _sdk_gpus()[name] for name in shared}


def test_the_gpu_table_covers_every_gpu_training_type_but_the_unsourced_g7():
    gpu_types = [t for t in enum("TrainingInstanceType") if InstanceType(t).family in GPU_FAMILIES]
    missing = sorted(t for t in gpu_types if t not in INSTANCE_GPUS)
    assert missing and all(t.startswith("ml.g7.") for t in missing)
    assert all(t in enum("TrainingInstanceType") for t in INSTANCE_GPUS)


# --- heterogeneous clusters -----------------------------------------------------------------------------

GROUPS = [InstanceGroup("train", P4D, 2), InstanceGroup("data", "ml.c5.18xlarge", 2)]


def test_instance_groups_replace_type_and_count_and_channels_go_to_their_groups(role):
    args = _args(
        role,
        instance_type=None,
        instance_groups=GROUPS,
        channels=[
            TrainingChannel("raw", "s3://data/raw/", instance_groups=["data"]),
            TrainingChannel("train", "s3://data/train/"),
        ],
        distribution=Mpi(instance_group="train", processes_per_host=8),
    )
    resources = args["ResourceConfig"]
    assert "InstanceType" not in resources and "InstanceCount" not in resources
    assert resources["InstanceGroups"] == [
        {"InstanceType": P4D, "InstanceCount": 2, "InstanceGroupName": "train"},
        {"InstanceType": "ml.c5.18xlarge", "InstanceCount": 2, "InstanceGroupName": "data"},
    ]
    assert args["InputDataConfig"][0]["DataSource"]["S3DataSource"]["InstanceGroupNames"] == ["data"]
    assert "InstanceGroupNames" not in args["InputDataConfig"][1]["DataSource"]["S3DataSource"]
    hyperparameters = args["HyperParameters"]
    assert hyperparameters["sagemaker_distribution_instance_groups"] == '["train"]'
    assert hyperparameters["sagemaker_mpi_enabled"] == "true"


def test_one_instance_group_runs_the_distribution_without_naming_it(role):
    args = _args(role, instance_type=None, instance_groups=GROUPS[:1], distribution=SmdDataParallel())
    assert args["HyperParameters"]["sagemaker_distribution_instance_groups"] == '["train"]'
    assert args["HyperParameters"]["sagemaker_instance_type"] == '"ml.p4d.24xlarge"'


def test_the_distribution_group_is_checked_like_a_job(role):
    groups = [InstanceGroup("train", "ml.c5.18xlarge", 1), InstanceGroup("data", "ml.c5.xlarge", 1)]
    message = _error(
        role, instance_type=None, instance_groups=groups, distribution=SmdDataParallel(instance_group="train")
    )
    assert "job.instance_groups['train'].instance_type='ml.c5.18xlarge': must be a GPU instance type" in message
    assert "job.instance_groups['train'].instance_count=1: must be at least 2" in message


@pytest.mark.parametrize(
    ("job", "expected"),
    [
        (
            {"instance_type": P4D, "instance_groups": GROUPS},
            "job.instance_type/instance_count=['ml.p4d.24xlarge', None]: must be None with instance_groups",
        ),
        (
            {"instance_type": None, "instance_count": 2, "instance_groups": GROUPS},
            "job.instance_type/instance_count=[None, 2]: must be None with instance_groups",
        ),
        (
            {"instance_type": None, "instance_groups": [GROUPS[0], GROUPS[0]]},
            "job.instance_groups=['train', 'train']: names must be unique in the job",
        ),
        (
            {"instance_type": None, "instance_groups": [InstanceGroup(f"g{i}", P4D, 1) for i in range(6)]},
            "must hold at most 5 items (botocore InstanceGroups)",
        ),
        (
            {"instance_type": None, "instance_groups": [InstanceGroup("g" * 65, P4D, 1)]},
            "must be from 1 to 64 characters long (botocore InstanceGroupName)",
        ),
        (
            {"instance_type": None, "instance_groups": [InstanceGroup("train", "ml.p9.huge", 0)]},
            "job.instance_groups['train'].instance_type='ml.p9.huge': must be one of the",
        ),
        (
            {"instance_type": None, "instance_groups": [InstanceGroup("train", P4D, 0)]},
            "job.instance_groups['train'].instance_count=0: must be at least 1",
        ),
        (
            {
                "instance_type": None,
                "instance_groups": GROUPS,
                "channels": [TrainingChannel("train", "s3://d/", instance_groups=["gpu"])],
            },
            "job.channels['train'].instance_groups=['gpu']: must name instance groups of the job: train, data",
        ),
        (
            {"channels": [TrainingChannel("train", "s3://d/", instance_groups=["gpu"])]},
            "must name instance groups of the job: (the job has no instance_groups)",
        ),
        (
            {
                "instance_type": None,
                "instance_groups": GROUPS,
                "network": FakeNetwork(["subnet-1"], ["sg-1"]),
                "channels": [
                    TrainingChannel(
                        "train",
                        file_system=FileSystemSource("fs-1", FileSystemType.EFS, "/data"),
                        instance_groups=["train"],
                    )
                ],
            },
            "only apply to S3 channels (FileSystemDataSource has no InstanceGroupNames)",
        ),
        (
            {"instance_type": None, "instance_groups": GROUPS, "distribution": Mpi()},
            "job.distribution.instance_group=None: is required with several instance groups",
        ),
        (
            {"instance_type": None, "instance_groups": GROUPS, "distribution": Mpi(instance_group="gpu")},
            "job.distribution.instance_group='gpu': must be one of the job's instance groups: train, data",
        ),
        (
            {"instance_type": None, "instance_groups": GROUPS[:1], "distribution": TorchDistributed()},
            "job.distribution='torch_distributed': cannot run on instance groups",
        ),
    ],
    ids=[
        "type-alongside",
        "count-alongside",
        "duplicate-names",
        "six-groups",
        "long-name",
        "unknown-type",
        "zero-count",
        "channel-unknown-group",
        "channel-group-without-groups",
        "file-system-channel",
        "distribution-group-unnamed",
        "distribution-group-unknown",
        "torchrun-on-groups",
    ],
)
def test_bad_instance_groups_fail_at_synth(role, job, expected):
    assert expected in _error(role, **job)


# --- warm pools ------------------------------------------------------------------------------------------


def test_a_warm_pool_keeps_the_instances_after_the_job(role):
    args = _args(role, keep_alive_period=Duration.minutes(30))
    assert args["ResourceConfig"]["KeepAlivePeriodInSeconds"] == 1800


def test_a_warm_pool_longer_than_botocore_allows_fails(role):
    message = _error(role, keep_alive_period=Duration.hours(7))
    assert (
        "job.keep_alive_period (seconds)=25200: must be an integer from 0 to 21600 (botocore KeepAlivePeriodInSeconds)"
        in message
    )


def test_tuning_takes_distribution_and_warm_pools_but_not_the_training_only_options(role):
    tune = TuningStep(
        "Tune",
        job=training_job(
            role,
            instance_type=P4D,
            instance_count=2,
            distribution=TorchDistributed(),
            keep_alive_period=Duration.minutes(5),
        ),
        objective=TuningObjective("validation:auc"),
        ranges=[CategoricalRange("max_depth", [3, 6])],
    )
    rendered = PipelineDefinition(steps=[tune]).render()
    definition = rendered["Steps"][0]["Arguments"]["TrainingJobDefinition"]
    assert definition["StaticHyperParameters"]["sagemaker_torch_distributed_enabled"] == "true"
    assert definition["ResourceConfig"]["KeepAlivePeriodInSeconds"] == 300
    bad = TuningStep(
        "Tune",
        job=training_job(role, remote_debug=True, tensorboard=TensorBoardOutput("s3://a/tb")),
        objective=TuningObjective("validation:auc"),
        ranges=[CategoricalRange("max_depth", [3, 6])],
    )
    with pytest.raises(ConstructValidationError) as error:
        PipelineDefinition(steps=[bad]).render()
    assert "job.remote_debug=True: is not supported by tuning jobs" in str(error.value)
    assert "job.tensorboard=" in str(error.value)


# --- Debugger and profiler ---------------------------------------------------------------------------------


def test_the_rule_image_table_is_the_sdks_region_for_region():
    sdk = _sdk_config("debugger.json")["versions"]["latest"]
    assert sdk["registries"] == DEBUGGER_RULE_REGISTRIES
    assert sdk["repository"] == "sagemaker-debugger-rules"


@pytest.mark.parametrize("region", sorted(_sdk_config("debugger.json")["versions"]["latest"]["registries"]))
def test_debugger_and_profiler_rules_use_the_regions_rule_image(role, region):
    account = _sdk_config("debugger.json")["versions"]["latest"]["registries"][region]
    domain = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    expected = f"{account}.dkr.ecr.{region}.{domain}/sagemaker-debugger-rules:latest"
    assert rule_evaluator_image(region) == expected
    args = _args(
        role,
        debugger=DebuggerConfig(
            region=region, s3_output_path="s3://a/debug", rules=[DebuggerRule(DebuggerRuleName.OVERFIT)]
        ),
        profiler=ProfilerConfig(region=region, rules=[ProfilerRule(ProfilerRuleName.PROFILER_REPORT)]),
    )
    assert args["DebugRuleConfigurations"][0]["RuleEvaluatorImage"] == expected
    assert args["ProfilerRuleConfigurations"][0]["RuleEvaluatorImage"] == expected


def test_debugger_rules_invoke_the_built_in_rule_and_add_its_collection(role):
    args = _args(
        role,
        debugger=DebuggerConfig(
            region="eu-west-1",
            s3_output_path="s3://a/debug",
            rules=[
                DebuggerRule(DebuggerRuleName.VANISHING_GRADIENT, parameters={"threshold": 0.0001}),
                DebuggerRule(DebuggerRuleName.LOSS_NOT_DECREASING, name="loss", s3_output_path="s3://a/rules/loss"),
            ],
            collections=[CollectionConfig("losses", {"save_interval": 10})],
            hook_parameters={"save_interval": 100},
        ),
        tensorboard=TensorBoardOutput("s3://a/tensorboard", local_path="/opt/ml/output/tensorboard"),
    )
    assert args["DebugHookConfig"] == {
        "S3OutputPath": "s3://a/debug",
        "HookParameters": {"save_interval": "100"},
        "CollectionConfigurations": [
            {"CollectionName": "losses", "CollectionParameters": {"save_interval": "10"}},
            {"CollectionName": "gradients", "CollectionParameters": {"save_interval": "500"}},
        ],
    }
    rules = args["DebugRuleConfigurations"]
    assert rules[0]["RuleConfigurationName"] == "VanishingGradient"
    assert rules[0]["RuleParameters"] == {"rule_to_invoke": "VanishingGradient", "threshold": "0.0001"}
    assert rules[1]["RuleConfigurationName"] == "loss"
    assert rules[1]["S3OutputPath"] == "s3://a/rules/loss"
    assert args["TensorBoardOutputConfig"] == {
        "S3OutputPath": "s3://a/tensorboard",
        "LocalPath": "/opt/ml/output/tensorboard",
    }


def test_profiler_rules_take_string_parameters_and_the_profiler_its_interval(role):
    args = _args(
        role,
        profiler=ProfilerConfig(
            region="eu-west-1",
            s3_output_path="s3://a/profiler",
            interval=Duration.millis(100),
            rules=[ProfilerRule(ProfilerRuleName.CPU_BOTTLENECK, parameters={"threshold": 50, "patience": 100})],
        ),
    )
    assert args["ProfilerConfig"] == {"S3OutputPath": "s3://a/profiler", "ProfilingIntervalInMilliseconds": 100}
    assert args["ProfilerRuleConfigurations"][0]["RuleParameters"] == {
        "rule_to_invoke": "CPUBottleneck",
        "threshold": "50",
        "patience": "100",
    }


def test_a_disabled_profiler_even_where_there_is_no_debugger(role):
    for region in ("eu-west-1", "eu-central-2"):
        args = _args(role, profiler=ProfilerConfig(region=region, disabled=True))
        assert args["ProfilerConfig"] == {"DisableProfiler": True}


@pytest.mark.parametrize(
    ("job", "expected"),
    [
        (
            {
                "debugger": DebuggerConfig(
                    region="ap-southeast-3", s3_output_path="s3://a/d", rules=[DebuggerRule(DebuggerRuleName.OVERFIT)]
                )
            },
            "job.debugger.region='ap-southeast-3': has no SageMaker Debugger",
        ),
        (
            {"debugger": DebuggerConfig(region="me-central-1", s3_output_path="s3://a/d")},
            "job.debugger.region='me-central-1': has no SageMaker Debugger",
        ),
        (
            {"profiler": ProfilerConfig(region="eu-central-2", s3_output_path="s3://a/p")},
            "job.profiler.region='eu-central-2': has no SageMaker Debugger",
        ),
        (
            {"profiler": ProfilerConfig(region="eu-west-1", interval=Duration.millis(300))},
            "job.profiler.interval (ms)=300: must be one of [100, 200, 500, 1000, 5000, 60000] ms",
        ),
        (
            {"debugger": DebuggerConfig(region="${Token[AWS.Region.1]}", s3_output_path="s3://a/d")},
            "must be the stack's region as a literal",
        ),
        (
            {"debugger": DebuggerConfig(region="eu-west-1", s3_output_path="a/d")},
            "job.debugger.s3_output_path='a/d': must be an s3:// URI",
        ),
        (
            {
                "debugger": DebuggerConfig(
                    region="eu-west-1",
                    s3_output_path="s3://a/d",
                    rules=[DebuggerRule(DebuggerRuleName.OVERFIT, parameters={"rule_to_invoke": "Other"})],
                )
            },
            "job.debugger.rules['Overfit'].parameters='rule_to_invoke': is set from the built-in rule",
        ),
        (
            {
                "debugger": DebuggerConfig(
                    region="eu-west-1",
                    s3_output_path="s3://a/d",
                    rules=[DebuggerRule(DebuggerRuleName.OVERFIT), DebuggerRule(DebuggerRuleName.OVERFIT)],
                )
            },
            "job.debugger.rules=['Overfit', 'Overfit']: names must be unique in the job",
        ),
        (
            {
                "debugger": DebuggerConfig(
                    region="eu-west-1",
                    s3_output_path="s3://a/d",
                    rules=[DebuggerRule(DebuggerRuleName.OVERFIT, name=f"r{i}") for i in range(21)],
                )
            },
            "must hold at most 20 items (botocore DebugRuleConfigurations)",
        ),
        (
            {
                "debugger": DebuggerConfig(
                    region="eu-west-1", s3_output_path="s3://a/d", rules=[DebuggerRule("Overfit")]
                )
            },
            "job.debugger.rules['Overfit'].rule='Overfit': must be a DebuggerRuleName",
        ),
        (
            {
                "profiler": ProfilerConfig(
                    region="eu-west-1", rules=[ProfilerRule(ProfilerRuleName.BATCH_SIZE)], disabled=True
                )
            },
            "a disabled profiler takes no rules and no s3_output_path",
        ),
        (
            {
                "debugger": DebuggerConfig(
                    region="eu-west-1",
                    s3_output_path="s3://a/d",
                    collections=[CollectionConfig("weights", {f"p{i}": i for i in range(21)})],
                )
            },
            "job.debugger.collections['weights'].parameters=",
        ),
        ({"tensorboard": TensorBoardOutput("tb/")}, "job.tensorboard.s3_output_path='tb/': must be an s3:// URI"),
        (
            {"remote_debug": "yes", "enable_network_isolation": False},
            "job.remote_debug='yes': must be True or False",
        ),
    ],
    ids=[
        "region-without-debugger",
        "hook-where-no-debugger",
        "profiler-where-no-debugger",
        "profiling-interval",
        "token-region",
        "hook-path",
        "rule-to-invoke",
        "duplicate-rules",
        "21-rules",
        "untyped-rule",
        "disabled-profiler-with-rules",
        "collection-parameters",
        "tensorboard-path",
        "remote-debug-not-bool",
    ],
)
def test_bad_debugger_inputs_fail_at_synth(role, job, expected):
    assert expected in _error(role, **job)


class _JobRole:
    """A role with job kinds (as ``JobRole``) that runs training only."""

    role_arn = "arn:aws:iam::123456789012:role/training-only"
    job_kinds = ("training",)


def test_rules_need_a_job_role_that_may_run_processing_jobs():
    debugger = DebuggerConfig(
        region="eu-west-1", s3_output_path="s3://a/d", rules=[DebuggerRule(DebuggerRuleName.OVERFIT)]
    )
    message = _error(_JobRole(), debugger=debugger)
    assert "job.role=['training']: runs Debugger or profiler rules, which SageMaker runs as processing jobs" in message


def test_output_locations_are_the_s3_locations_the_job_role_writes(role, artifacts_bucket):
    from constructs_lib.training.pipeline.steps import large_models

    hook, tensorboard = S3Location(artifacts_bucket, "debug/"), S3Location(artifacts_bucket, "tensorboard/")
    job = training_job(
        role,
        debugger=DebuggerConfig(
            region="eu-west-1", s3_output_path=hook, rules=[DebuggerRule(DebuggerRuleName.OVERFIT)]
        ),
        tensorboard=TensorBoardOutput(tensorboard),
        profiler=ProfilerConfig(region="eu-west-1", s3_output_path="s3://literal/profiler"),
    )
    assert large_models.output_locations(job) == [hook, tensorboard]
    assert large_models.runs_rules(job)


# --- remote debugging --------------------------------------------------------------------------------------


def test_remote_debugging_is_an_explicit_opt_in(role):
    assert "RemoteDebugConfig" not in _args(role)
    args = _args(role, remote_debug=True, enable_network_isolation=False)
    assert args["RemoteDebugConfig"] == {"EnableRemoteDebug": True}
    assert args["EnableNetworkIsolation"] is False


def test_remote_debugging_of_a_network_isolated_job_fails(role):
    """An isolated container has no network and no credentials: the SSM agent could never connect."""
    message = _error(role, remote_debug=True)
    assert "job.enable_network_isolation=True: must be False with remote_debug=True" in message


@pytest.fixture(scope="module")
def artifacts_bucket():
    from aws_cdk import aws_s3 as s3

    from tests.conftest import new_stack

    return s3.Bucket.from_bucket_name(new_stack(), "Artifacts", "artifacts")
