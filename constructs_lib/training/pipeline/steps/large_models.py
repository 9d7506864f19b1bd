"""The training-job options large models need, written into the request and checked at synth:
distribution, instance groups, warm pools, Debugger, profiler, TensorBoard and remote debugging.

``TrainingJob`` keeps the fields; this module writes them into the ``CreateTrainingJob`` request
(``apply``) and checks them (``validate``), every limit from botocore's shapes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from aws_cdk import Duration

from constructs_lib._core.durations import in_milliseconds
from constructs_lib._core.service_model import shape_problem
from constructs_lib._core.validation import is_unresolved
from constructs_lib.foundation.instance_type import InstanceType
from constructs_lib.foundation.s3_location import S3Location
from constructs_lib.training.pipeline.expressions import INTEGER, STRING, Expression
from constructs_lib.training.pipeline.step import given, seconds_of
from constructs_lib.training.pipeline.steps.debugger import (
    DEBUGGER_RULE_REGISTRIES,
    DebuggerConfig,
    DebuggerRuleName,
    ProfilerConfig,
    ProfilerRuleName,
    TensorBoardOutput,
    rule_evaluator_image,
)
from constructs_lib.training.pipeline.steps.distribution import (
    INSTANCE_GPUS,
    SMDDP_INSTANCE_TYPES,
    Distribution,
    InstanceGroup,
    encoded,
    is_gpu_type,
    is_trainium_type,
)

if TYPE_CHECKING:
    from constructs_lib.training.pipeline.step import StepValidator

__all__: list[str] = []


class TrainingChannel(Protocol):
    """What is read here of a ``training.TrainingChannel`` (which imports this module)."""

    @property
    def name(self) -> str: ...
    @property
    def file_system(self) -> object | None: ...
    @property
    def instance_groups(self) -> Sequence[str]: ...


class TrainingJob(Protocol):
    """What is read here of a ``training.TrainingJob`` (which imports this module)."""

    @property
    def role(self) -> Any: ...
    @property
    def instance_type(self) -> InstanceType | str | Expression | None: ...
    @property
    def instance_count(self) -> int | Expression | None: ...
    @property
    def channels(self) -> Sequence[TrainingChannel]: ...
    @property
    def hyperparameters(self) -> Mapping[str, Any]: ...
    @property
    def distribution(self) -> Distribution | None: ...
    @property
    def instance_groups(self) -> Sequence[InstanceGroup]: ...
    @property
    def keep_alive_period(self) -> Duration | Expression | None: ...
    @property
    def debugger(self) -> DebuggerConfig | None: ...
    @property
    def profiler(self) -> ProfilerConfig | None: ...
    @property
    def tensorboard(self) -> TensorBoardOutput | None: ...
    @property
    def remote_debug(self) -> bool: ...
    @property
    def enable_network_isolation(self) -> bool: ...


_RESOURCE = "CreateTrainingJobRequest.ResourceConfig"
_REQUEST = "CreateTrainingJobRequest"
#: The sampling intervals the profiler takes (API reference, ``ProfilerConfig.ProfilingIntervalInMilliseconds``:
#: "Valid values: 100, 200, 500, 1000 (1 second), 5000 (5 seconds), and 60000 (1 minute)").
PROFILING_INTERVALS_MS = (100, 200, 500, 1000, 5000, 60000)
#: Options only CreateTrainingJob takes (a tuning job's training definition has none of them).
TRAINING_ONLY = ("debugger", "profiler", "tensorboard", "remote_debug")


def _name(value: Any) -> Any:
    return value.name if isinstance(value, InstanceType) else value


def distribution_hyperparameters(job: TrainingJob) -> dict[str, Any]:
    """The hyperparameters of ``job.distribution``, encoded as the SDK's estimators write them."""
    distribution = job.distribution
    if distribution is None:
        return {}
    group = _distribution_group(job)
    instance_type = _name(group.instance_type if group is not None else job.instance_type)
    groups = [group.name] if group is not None else []
    return {key: encoded(value) for key, value in distribution.hyperparameters(instance_type, groups).items()}


def _distribution_group(job: TrainingJob) -> InstanceGroup | None:
    """The instance group that runs the distribution (the one named, or the only one)."""
    groups = list(job.instance_groups)
    if not groups or job.distribution is None:
        return None
    name = job.distribution.instance_group
    if name is None:
        return groups[0] if len(groups) == 1 else None
    return next((g for g in groups if g.name == name), None)


def apply(job: TrainingJob, request: dict[str, Any], *, training: bool) -> None:
    """Write the options into ``request`` (a training job's, or a tuning job's training definition)."""
    resources: dict[str, Any] = request["ResourceConfig"]
    if job.instance_groups:
        resources.pop("InstanceType", None)
        resources.pop("InstanceCount", None)
        resources["InstanceGroups"] = [
            {"InstanceType": g.instance_type, "InstanceCount": g.instance_count, "InstanceGroupName": g.name}
            for g in job.instance_groups
        ]
    if job.keep_alive_period is not None:
        resources["KeepAlivePeriodInSeconds"] = seconds_of(job.keep_alive_period)
    if not training:
        return
    debugger, profiler = job.debugger, job.profiler
    if debugger is not None:
        request["DebugHookConfig"] = debugger.hook_request()
        if debugger.rules and debugger.region in DEBUGGER_RULE_REGISTRIES:
            image = rule_evaluator_image(debugger.region)
            request["DebugRuleConfigurations"] = [rule.request(image) for rule in debugger.rules]
    if profiler is not None:
        request["ProfilerConfig"] = profiler.config_request()
        if profiler.rules and profiler.region in DEBUGGER_RULE_REGISTRIES:
            image = rule_evaluator_image(profiler.region)
            request["ProfilerRuleConfigurations"] = [rule.request(image) for rule in profiler.rules]
    if job.tensorboard is not None:
        request["TensorBoardOutputConfig"] = job.tensorboard.request()
    if job.remote_debug:
        request["RemoteDebugConfig"] = {"EnableRemoteDebug": True}


def output_locations(job: TrainingJob) -> list[S3Location]:
    """The ``S3Location`` outputs of the Debugger hook and rules, the profiler and TensorBoard: the
    job's role writes them."""
    found: list[Any] = []
    if job.debugger is not None:
        found += [job.debugger.s3_output_path, *(rule.s3_output_path for rule in job.debugger.rules)]
    if job.profiler is not None:
        found += [job.profiler.s3_output_path, *(rule.s3_output_path for rule in job.profiler.rules)]
    if job.tensorboard is not None:
        found.append(job.tensorboard.s3_output_path)
    return [location for location in found if isinstance(location, S3Location)]


def rule_image_repositories(job: TrainingJob) -> list[tuple[str, str]]:
    """``(region, AWS account)`` of the rule evaluator repositories the job's rules run from."""
    found: list[tuple[str, str]] = []
    for config in (job.debugger, job.profiler):
        if config is not None and config.rules and config.region in DEBUGGER_RULE_REGISTRIES:
            entry = (config.region, DEBUGGER_RULE_REGISTRIES[config.region])
            if entry not in found:
                found.append(entry)
    return found


def runs_rules(job: TrainingJob) -> bool:
    """Whether the job starts rule evaluation (processing) jobs."""
    return bool((job.debugger is not None and job.debugger.rules) or (job.profiler is not None and job.profiler.rules))


# --- validation -------------------------------------------------------------------------------------


def _shape(v: StepValidator, arg: str, value: Any, path: str) -> bool:
    if isinstance(value, Expression):
        return True
    problem = shape_problem(value, path)
    return v.check(problem is None, arg, value, problem or "")


def validate(job: TrainingJob, v: StepValidator, prefix: str) -> None:
    """Check the options; ``validate_resources`` is done first by ``TrainingJob.validate``."""
    _validate_resources(job, v, prefix)
    _validate_distribution(job, v, prefix)
    _validate_debugger(job, v, prefix)
    if job.remote_debug is not False and v.check(
        job.remote_debug is True, f"{prefix}.remote_debug", job.remote_debug, "must be True or False"
    ):
        v.check(
            not job.enable_network_isolation,
            f"{prefix}.enable_network_isolation",
            True,
            "must be False with remote_debug=True: a network-isolated container gets no network and no AWS "
            "credentials, so the SSM agent SageMaker starts in it can never open a session",
        )


def validate_tuning(job: TrainingJob, v: StepValidator, prefix: str = "job") -> None:
    """A tuning job's training definition (botocore ``HyperParameterTrainingJobDefinition``) has no
    Debugger, profiler, TensorBoard nor remote-debugging members."""
    for option in TRAINING_ONLY:
        value = getattr(job, option)
        v.check(
            value is None or value is False,
            f"{prefix}.{option}",
            value,
            "is not supported by tuning jobs (botocore HyperParameterTrainingJobDefinition has no such member): "
            "use it on a TrainingStep",
        )


def _validate_resources(job: TrainingJob, v: StepValidator, prefix: str) -> None:
    groups = list(job.instance_groups)
    if not groups:
        v.instance_type(f"{prefix}.instance_type", job.instance_type, "TrainingInstanceType")
        if job.instance_count is not None and v.kind(f"{prefix}.instance_count", job.instance_count, INTEGER):
            v.range(f"{prefix}.instance_count", job.instance_count, minimum=1)
    else:
        v.check(
            job.instance_type is None and job.instance_count is None,
            f"{prefix}.instance_type/instance_count",
            [_name(job.instance_type), job.instance_count],
            "must be None with instance_groups: each group has its own type and count "
            "(ResourceConfig takes InstanceGroups or InstanceType/InstanceCount, not both)",
        )
        _shape(v, f"{prefix}.instance_groups", groups, f"{_RESOURCE}.InstanceGroups")
        names = [g.name for g in groups]
        v.check(
            len(names) == len(set(names)),
            f"{prefix}.instance_groups",
            names,
            "names must be unique in the job",
        )
        for group in groups:
            if not v.check(
                isinstance(given(group), InstanceGroup), f"{prefix}.instance_groups", group, "must be InstanceGroup"
            ):
                continue
            arg = f"{prefix}.instance_groups[{group.name!r}]"
            if v.kind(f"{arg}.name", group.name, STRING, required=True):
                _shape(v, f"{arg}.name", group.name, f"{_RESOURCE}.InstanceGroups.member.InstanceGroupName")
            v.instance_type(f"{arg}.instance_type", group.instance_type, "TrainingInstanceType")
            if v.kind(f"{arg}.instance_count", group.instance_count, INTEGER, required=True):
                v.range(f"{arg}.instance_count", group.instance_count, minimum=1)
    for channel in job.channels:
        _validate_channel_groups(channel, groups, v, f"{prefix}.channels[{channel.name!r}]")
    if job.keep_alive_period is not None and v.seconds(f"{prefix}.keep_alive_period", job.keep_alive_period, minimum=0):
        seconds = seconds_of(job.keep_alive_period)
        _shape(v, f"{prefix}.keep_alive_period (seconds)", seconds, f"{_RESOURCE}.KeepAlivePeriodInSeconds")


def _validate_channel_groups(
    channel: TrainingChannel, groups: Sequence[InstanceGroup], v: StepValidator, arg: str
) -> None:
    named = list(channel.instance_groups)
    if not named:
        return
    v.check(
        channel.file_system is None,
        f"{arg}.instance_groups",
        named,
        "only apply to S3 channels (FileSystemDataSource has no InstanceGroupNames)",
    )
    _shape(v, f"{arg}.instance_groups", named, "S3DataSource.InstanceGroupNames")
    known = [g.name for g in groups]
    unknown = [name for name in named if name not in known]
    v.check(
        not unknown,
        f"{arg}.instance_groups",
        unknown,
        f"must name instance groups of the job: {', '.join(known) or '(the job has no instance_groups)'}",
    )


def _validate_distribution(job: TrainingJob, v: StepValidator, prefix: str) -> None:
    distribution = job.distribution
    if distribution is None:
        return
    arg = f"{prefix}.distribution"
    if not v.check(
        isinstance(given(distribution), Distribution),
        arg,
        distribution,
        "must be TorchDistributed, SmdDataParallel, SmdModelParallel, Mpi or ParameterServer",
    ):
        return
    distribution.validate(v, arg)
    groups = list(job.instance_groups)
    if groups:
        if not v.check(
            distribution.supports_instance_groups(),
            f"{arg}",
            distribution.mode,
            "cannot run on instance groups: the SageMaker SDK tells the container which group runs the "
            "distribution (sagemaker_distribution_instance_groups) only when MPI or SMDDP launches the processes "
            "(Mpi, SmdDataParallel, SmdModelParallel(launcher=Mpi(...))); otherwise every group would start it",
        ):
            return
        names = [g.name for g in groups]
        if distribution.instance_group is None:
            if not v.check(
                len(groups) == 1,
                f"{arg}.instance_group",
                None,
                "is required with several instance groups: the one group that runs the distribution "
                f"({', '.join(names)})",
            ):
                return
        elif not v.check(
            distribution.instance_group in names,
            f"{arg}.instance_group",
            distribution.instance_group,
            f"must be one of the job's instance groups: {', '.join(names)}",
        ):
            return
        group = _distribution_group(job)
        assert group is not None
        where, instance_type, count = (
            f"{prefix}.instance_groups[{group.name!r}]",
            group.instance_type,
            group.instance_count,
        )
    else:
        v.check(
            distribution.instance_group is None,
            f"{arg}.instance_group",
            distribution.instance_group,
            "only applies with instance_groups",
        )
        where, instance_type, count = (
            prefix,
            job.instance_type,
            job.instance_count if job.instance_count is not None else 1,
        )
    _check_instances(distribution, v, arg, where, _name(instance_type), count)
    written = distribution_hyperparameters(job)
    for key, value in written.items():
        _shape(v, f"{arg} ({key})", value, "HyperParameters.value")
    total = len(set(written) | set(job.hyperparameters))
    _shape(v, f"{prefix}.hyperparameters (with the distribution's)", dict.fromkeys(range(total)), "HyperParameters")
    clashes = sorted(set(written) & set(job.hyperparameters))
    v.check(
        not clashes,
        f"{prefix}.hyperparameters",
        clashes,
        f"are set by distribution ({distribution.mode}); remove them from hyperparameters",
    )


def _check_instances(distribution: Distribution, v: StepValidator, arg: str, where: str, name: Any, count: Any) -> None:
    if isinstance(name, str) and not is_unresolved(name):
        if is_trainium_type(name):
            v.check(
                distribution.allows_trainium(),
                f"{where}.instance_type",
                name,
                f"is a Trainium instance: {distribution.mode} is not supported there, only TorchDistributed "
                "(the SDK's TRAINIUM_SUPPORTED_DISTRIBUTION_STRATEGIES)",
            )
        elif distribution.needs_gpu():
            v.check(
                is_gpu_type(name),
                f"{where}.instance_type",
                name,
                f"must be a GPU instance type for {distribution.mode}"
                + (" (or Trainium)" if distribution.allows_trainium() else ""),
            )
        if distribution.mode == "smdistributed dataparallel":
            v.check(
                name in SMDDP_INSTANCE_TYPES,
                f"{where}.instance_type",
                name,
                f"must be one of the instance types the SMDDP library supports: {', '.join(SMDDP_INSTANCE_TYPES)}",
            )
        processes, gpus = distribution.processes(), INSTANCE_GPUS.get(name)
        if processes is not None and gpus is not None and not is_unresolved(processes):
            v.check(
                processes <= gpus,
                f"{arg} processes_per_host",
                processes,
                f"must be at most the {gpus} GPU(s) of {name} (one process per GPU)",
            )
    minimum = distribution.minimum_instances()
    if minimum > 1 and isinstance(count, int) and not isinstance(count, bool):
        v.check(
            count >= minimum,
            f"{where}.instance_count",
            count,
            f"must be at least {minimum} for {distribution.mode}: its collectives are not supported for "
            "single-node jobs (on one instance use TorchDistributed)",
        )


def _validate_debugger(job: TrainingJob, v: StepValidator, prefix: str) -> None:
    debugger, profiler, tensorboard = job.debugger, job.profiler, job.tensorboard
    for option, value, kind in (
        ("debugger", debugger, DebuggerConfig),
        ("profiler", profiler, ProfilerConfig),
        ("tensorboard", tensorboard, TensorBoardOutput),
    ):
        if value is not None and not v.check(
            isinstance(given(value), kind), f"{prefix}.{option}", value, f"must be a {kind.__name__}"
        ):
            return
    if debugger is not None:
        arg = f"{prefix}.debugger"
        _region(v, arg, debugger.region, True)
        v.s3_uri(f"{arg}.s3_output_path", debugger.s3_output_path)
        _shape(v, f"{arg}.rules", list(debugger.rules), f"{_REQUEST}.DebugRuleConfigurations")
        _shape(v, f"{arg}.hook_parameters", dict(debugger.hook_parameters), "DebugHookConfig.HookParameters")
        collections = debugger.all_collections()
        _shape(v, f"{arg}.collections", collections, "DebugHookConfig.CollectionConfigurations")
        for collection in collections:
            _shape(
                v,
                f"{arg}.collections[{collection.name!r}].name",
                collection.name,
                "CollectionConfiguration.CollectionName",
            )
            _shape(
                v,
                f"{arg}.collections[{collection.name!r}].parameters",
                dict(collection.parameters),
                "CollectionConfiguration.CollectionParameters",
            )
        _rules(v, arg, debugger.rules, DebuggerRuleName, "DebugRuleConfiguration")
    if profiler is not None:
        arg = f"{prefix}.profiler"
        _region(v, arg, profiler.region, not profiler.disabled)
        if profiler.s3_output_path is not None:
            v.s3_uri(f"{arg}.s3_output_path", profiler.s3_output_path)
        v.check(
            not (profiler.disabled and (profiler.rules or profiler.s3_output_path is not None)),
            f"{arg}.disabled",
            True,
            "a disabled profiler takes no rules and no s3_output_path",
        )
        if profiler.interval is not None and v.check(
            isinstance(given(profiler.interval), Duration),
            f"{arg}.interval",
            profiler.interval,
            "must be an aws_cdk.Duration",
        ):
            millis = in_milliseconds(profiler.interval)
            v.check(
                is_unresolved(millis) or millis in PROFILING_INTERVALS_MS,
                f"{arg}.interval (ms)",
                millis,
                f"must be one of {list(PROFILING_INTERVALS_MS)} ms (API reference, ProfilingIntervalInMilliseconds)",
            )
        _shape(v, f"{arg}.rules", list(profiler.rules), f"{_REQUEST}.ProfilerRuleConfigurations")
        _shape(v, f"{arg}.parameters", dict(profiler.parameters), "ProfilerConfig.ProfilingParameters")
        _rules(v, arg, profiler.rules, ProfilerRuleName, "ProfilerRuleConfiguration")
    if tensorboard is not None:
        v.s3_uri(f"{prefix}.tensorboard.s3_output_path", tensorboard.s3_output_path)
    if runs_rules(job):
        kinds = getattr(job.role, "job_kinds", None)
        v.check(
            kinds is None or "processing" in kinds,
            f"{prefix}.role",
            list(kinds or ()),
            "runs Debugger or profiler rules, which SageMaker runs as processing jobs with the training job's role: "
            "the JobRole needs job_kinds with 'processing' (their logs go to /aws/sagemaker/ProcessingJobs)",
        )


def _region(v: StepValidator, arg: str, region: str, in_use: bool) -> None:
    """A literal region; one with Debugger where it is used (the SDK refuses a hook, rules or an
    enabled profiler in ``DEBUGGER_UNSUPPORTED_REGIONS``/``PROFILER_UNSUPPORTED_REGIONS``, the regions
    without a rule image)."""
    if not v.check(
        isinstance(given(region), str) and not is_unresolved(region),
        f"{arg}.region",
        region,
        "must be the stack's region as a literal (the rule evaluator image is per region)",
    ):
        return
    if in_use:
        v.check(
            region in DEBUGGER_RULE_REGISTRIES,
            f"{arg}.region",
            region,
            "has no SageMaker Debugger (no rule evaluator image; regions with one: "
            + ", ".join(DEBUGGER_RULE_REGISTRIES)
            + ")",
        )


def _rules(v: StepValidator, arg: str, rules: Sequence[Any], names: type[Any], shape_name: str) -> None:
    configured = [rule.configuration_name for rule in rules]
    v.check(len(configured) == len(set(configured)), f"{arg}.rules", configured, "names must be unique in the job")
    for rule in rules:
        where = f"{arg}.rules[{rule.configuration_name!r}]"
        v.check(
            isinstance(given(rule.rule), names),
            f"{where}.rule",
            rule.rule,
            f"must be a {names.__name__} (the built-in rules)",
        )
        _shape(v, f"{where}.name", rule.configuration_name, f"{shape_name}.RuleConfigurationName")
        v.check(
            "rule_to_invoke" not in rule.parameters,
            f"{where}.parameters",
            "rule_to_invoke",
            "is set from the built-in rule and cannot be given",
        )
        _shape(v, f"{where}.parameters", dict(rule.parameters), f"{shape_name}.RuleParameters")
        if rule.s3_output_path is not None:
            v.s3_uri(f"{where}.s3_output_path", rule.s3_output_path)
