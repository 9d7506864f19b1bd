"""``MlPipeline``: a SageMaker pipeline (``AWS::SageMaker::Pipeline``) from a typed definition, with
its own least-privilege role."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import jsii
from aws_cdk import Annotations, Names, Resource
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk.interfaces import aws_sagemaker as sagemaker_refs
from constructs import Construct
from typing_extensions import Protocol, runtime_checkable

from constructs_lib._core.arns import name_from_arn, sagemaker_arn
from constructs_lib._core.grants import KMS_DECRYPT, S3_READ
from constructs_lib._core.metrics import metric
from constructs_lib._core.roles import ManagedPolicyRole, add_statements, permissions_policy
from constructs_lib._core.s3_access import objects_arn, objects_statement
from constructs_lib._core.service_role import service_principal
from constructs_lib._core.stack_facts import aws_partition, stack_facts, stack_of
from constructs_lib._core.validation import Problems, given
from constructs_lib._core.wildcards import acknowledge_exact_wildcard, acknowledge_statement_wildcards
from constructs_lib.foundation.s3_location import S3Location
from constructs_lib.training.job_role import JobRole
from constructs_lib.training.model_package_group import IModelPackageGroup
from constructs_lib.training.pipeline.definition import PipelineDefinition
from constructs_lib.training.pipeline.expressions import ExecutionVariable, Expression
from constructs_lib.training.pipeline.per_run import shared_state
from constructs_lib.training.pipeline.step import StepRequirements, api_text_problem
from constructs_lib.training.pipeline.steps import large_models
from constructs_lib.training.pipeline.steps.checks import ClarifyCheckStep
from constructs_lib.training.pipeline.steps.debugger import RULE_REPOSITORY
from constructs_lib.training.pipeline.steps.training import TrainingStep
from constructs_lib.training.pipeline.tracking import tracking_server_of

_PIPELINE_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$")

#: Where SageMaker Pipelines publishes its execution and step metrics (dimension ``PipelineName``,
#: and ``StepName`` for the step metrics).
PIPELINE_METRICS_NAMESPACE = "AWS/Sagemaker/ModelBuildingPipeline"

#: Largest definition SageMaker and CloudFormation accept inline (``PipelineDefinitionBody``).
MAX_DEFINITION_BYTES = 1_000_000
#: Above this, the template risks CloudFormation's 1 MB template limit with everything else in it.
WARN_DEFINITION_BYTES = 400_000

# Jobs a pipeline starts, by step kind: resource type, the name prefix SageMaker Pipelines gives
# them ("pipelines-<execution id>-<step name>-<suffix>"; '*' where the generated name is not
# documented), the calls that create one (with its tags) and the calls on one that exists.
_JOB_PERMISSIONS: dict[str, tuple[str, str, tuple[str, ...], tuple[str, ...]]] = {
    "processing": (
        "processing-job",
        "pipelines-*",
        ("sagemaker:AddTags", "sagemaker:CreateProcessingJob"),
        ("sagemaker:DescribeProcessingJob", "sagemaker:StopProcessingJob"),
    ),
    "training": (
        "training-job",
        "pipelines-*",
        ("sagemaker:AddTags", "sagemaker:CreateTrainingJob"),
        ("sagemaker:DescribeTrainingJob", "sagemaker:StopTrainingJob"),
    ),
    "transform": (
        "transform-job",
        "pipelines-*",
        ("sagemaker:AddTags", "sagemaker:CreateTransformJob"),
        ("sagemaker:DescribeTransformJob", "sagemaker:StopTransformJob"),
    ),
    "tuning": (
        "hyper-parameter-tuning-job",
        "*",
        ("sagemaker:AddTags", "sagemaker:CreateHyperParameterTuningJob"),
        (
            "sagemaker:DescribeHyperParameterTuningJob",
            "sagemaker:ListTrainingJobsForHyperParameterTuningJob",
            "sagemaker:StopHyperParameterTuningJob",
        ),
    ),
    "model": ("model", "*", ("sagemaker:AddTags", "sagemaker:CreateModel"), ("sagemaker:DescribeModel",)),
    "automl": (
        "automl-job",
        "*",
        ("sagemaker:AddTags", "sagemaker:CreateAutoMLJob"),
        ("sagemaker:DescribeAutoMLJob", "sagemaker:ListCandidatesForAutoMLJob", "sagemaker:StopAutoMLJob"),
    ),
}


@runtime_checkable
class IMlPipeline(sagemaker.IPipeline, Protocol):
    """A SageMaker pipeline: made here (``MlPipeline``) or imported (``MlPipeline.from_pipeline_name``
    / ``from_pipeline_arn``). It is an ``aws_sagemaker.IPipeline``, so CDK's scheduler and EventBridge
    targets take it as it is."""

    @property
    def parameter_names(self) -> frozenset[str]:
        """Names of the parameters the pipeline declares (what triggers may pass)."""
        ...

    def grant_start_execution(self, grantee: iam.IGrantable) -> iam.Grant: ...

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant: ...

    def metric(
        self, metric_name: str, options: cloudwatch.MetricOptions | None = None, *, step_name: str | None = None
    ) -> cloudwatch.Metric: ...

    def metric_execution_started(self, options: cloudwatch.MetricOptions | None = None) -> cloudwatch.Metric: ...

    def metric_execution_failed(self, options: cloudwatch.MetricOptions | None = None) -> cloudwatch.Metric: ...

    def metric_execution_succeeded(self, options: cloudwatch.MetricOptions | None = None) -> cloudwatch.Metric: ...

    def metric_execution_stopped(self, options: cloudwatch.MetricOptions | None = None) -> cloudwatch.Metric: ...

    def metric_execution_duration(self, options: cloudwatch.MetricOptions | None = None) -> cloudwatch.Metric: ...

    def metric_step_failed(
        self, step_name: str, options: cloudwatch.MetricOptions | None = None
    ) -> cloudwatch.Metric: ...


@jsii.implements(sagemaker.IPipeline)
class MlPipelineBase(Resource):
    """What every pipeline offers, made here or imported: start and read grants, and its metrics."""

    _parameter_names: frozenset[str] = frozenset()

    @property
    def pipeline_name(self) -> str:
        raise NotImplementedError

    @property
    def pipeline_arn(self) -> str:
        raise NotImplementedError

    @property
    def parameter_names(self) -> frozenset[str]:
        return self._parameter_names

    @property
    def pipeline_ref(self) -> sagemaker_refs.PipelineReference:
        return sagemaker_refs.PipelineReference(pipeline_name=self.pipeline_name)

    @property
    def _executions_arn(self) -> str:
        """ARN pattern of the pipeline's executions (``...:pipeline/<name>/execution/<id>``)."""
        return f"{self.pipeline_arn}/execution/*"

    # --- grants -------------------------------------------------------------------------------------

    def grant_start_execution(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` start executions of this pipeline (and nothing else)."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=["sagemaker:StartPipelineExecution"], resource_arns=[self.pipeline_arn]
        )

    def grant_start_pipeline_execution(self, grantee: iam.IGrantable) -> iam.Grant:
        """``aws_sagemaker.IPipeline``'s name for ``grant_start_execution``."""
        return self.grant_start_execution(grantee)

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Describe the pipeline and list and describe its executions and their steps and parameters
        (what Studio's pipeline view and a deployment's status check read)."""
        pipeline = iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["sagemaker:DescribePipeline", "sagemaker:ListPipelineExecutions"],
            resource_arns=[self.pipeline_arn],
        )
        executions = iam.Grant.add_to_principal(
            grantee=grantee,
            actions=list(_EXECUTION_READ_ACTIONS),
            resource_arns=[self._executions_arn],
        )
        return pipeline.combine(executions)

    # --- metrics ------------------------------------------------------------------------------------

    def metric(
        self, metric_name: str, options: cloudwatch.MetricOptions | None = None, *, step_name: str | None = None
    ) -> cloudwatch.Metric:
        """A metric of ``AWS/Sagemaker/ModelBuildingPipeline`` for this pipeline (and one step with
        ``step_name``); the sum over five minutes unless ``options`` say otherwise."""
        dimensions = {"PipelineName": self.pipeline_name}
        if step_name is not None:
            dimensions["StepName"] = step_name
        return metric(PIPELINE_METRICS_NAMESPACE, metric_name, dimensions, options, statistic="Sum")

    def metric_execution_started(self, options: cloudwatch.MetricOptions | None = None) -> cloudwatch.Metric:
        """Executions started."""
        return self.metric("ExecutionStarted", options)

    def metric_execution_failed(self, options: cloudwatch.MetricOptions | None = None) -> cloudwatch.Metric:
        """Executions that failed."""
        return self.metric("ExecutionFailed", options)

    def metric_execution_succeeded(self, options: cloudwatch.MetricOptions | None = None) -> cloudwatch.Metric:
        """Executions that succeeded."""
        return self.metric("ExecutionSucceeded", options)

    def metric_execution_stopped(self, options: cloudwatch.MetricOptions | None = None) -> cloudwatch.Metric:
        """Executions that were stopped."""
        return self.metric("ExecutionStopped", options)

    def metric_execution_duration(self, options: cloudwatch.MetricOptions | None = None) -> cloudwatch.Metric:
        """How long executions ran, in milliseconds (the average unless ``options`` say otherwise)."""
        return self.metric("ExecutionDuration", options or cloudwatch.MetricOptions(statistic="Average"))

    def metric_step_failed(self, step_name: str, options: cloudwatch.MetricOptions | None = None) -> cloudwatch.Metric:
        """Failures of one step of the pipeline."""
        return self.metric("StepFailed", options, step_name=step_name)


#: Reading a pipeline's executions: all of them have the execution as their resource.
_EXECUTION_READ_ACTIONS = (
    "sagemaker:DescribePipelineDefinitionForExecution",
    "sagemaker:DescribePipelineExecution",
    "sagemaker:ListPipelineExecutionSteps",
    "sagemaker:ListPipelineParametersForExecution",
)


@jsii.implements(iam.IGrantable)
class MlPipeline(MlPipelineBase):
    """Defines a SageMaker pipeline from a ``PipelineDefinition``.

    The definition is validated when this construct is created (every problem at once, naming the
    step and argument) and written as ``PipelineDefinitionBody``; CDK tokens in it (bucket names, role
    and key ARNs) resolve at deploy time. A processing output or batch transform output that is the same
    in every execution is reported as a warning (``constructs_lib:pipelineSharedOutput``; see
    ``constructs_lib.training.pipeline.per_run``). The pipeline's own role may only: pass the job roles its
    steps name (to SageMaker only); start, describe and stop the kinds of job its steps define, named
    as SageMaker Pipelines names them; register into / read the model package groups its steps name;
    read the property files its conditions read; invoke its Lambda steps' functions and send to its
    callback steps' queues.

    With ``scope_tag=(key, value)`` (the app passes ``("environment", <env>)``) every job and model
    a step creates carries that tag, and the role may create them only with it (``aws:RequestTag``;
    ``sagemaker:AddTags`` only with it and never on a resource tagged otherwise) and describe, stop
    and list only the ones that carry it (``aws:ResourceTag``). SageMaker Pipelines names every job
    ``pipelines-<execution id>-...`` whatever the pipeline, so names cannot tell two environments'
    jobs apart in one account; the tag does.

    It is an ``aws_sagemaker.IPipeline`` (CDK's scheduler and EventBridge targets take it) and an
    ``iam.IGrantable`` (its role). An existing pipeline is imported with ``from_pipeline_name``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        definition: PipelineDefinition,
        pipeline_name: str | None = None,
        display_name: str | None = None,
        description: str | None = None,
        max_parallel_steps: int | None = None,
        scope_tag: tuple[str, str] | None = None,
    ) -> None:
        """
        :param definition: the pipeline's parameters and steps.
        :param pipeline_name: default, a name unique to this construct's path (up to 80 characters).
        :param display_name: default none; the name shown in SageMaker Studio.
        :param description: default none.
        :param max_parallel_steps: default none (SageMaker's: 50); ``ParallelismConfiguration`` of every
            execution (at least 1).
        :param scope_tag: default none (the role reaches every job named as SageMaker Pipelines names
            them, in this account and region); ``(key, value)``: the tag every job and model the steps
            create carries and the role's job and model permissions require. Key 1-128 characters, not
            ``aws:``; value 0-256 (botocore ``TagKey``/``TagValue``).
        """
        super().__init__(scope, construct_id, physical_name=pipeline_name)
        name = pipeline_name or Names.unique_resource_name(self, max_length=80, separator="-")
        problems = Problems(self, "MlPipeline")
        problems.check_pattern(
            "pipeline_name",
            name,
            _PIPELINE_NAME,
            "must be 1-256 letters, digits or hyphens, starting with a letter or digit",
        )
        if display_name is not None:
            problems.check_pattern(
                "display_name",
                display_name,
                _PIPELINE_NAME,
                "must be 1-256 letters, digits or hyphens, starting with a letter or digit",
            )
        if description is not None:
            problems.check(len(description) <= 3072, "description", description, "must be at most 3072 characters")
        if max_parallel_steps is not None:
            problems.check_range("max_parallel_steps", max_parallel_steps, minimum=1, integer=True)
        if scope_tag is not None:
            self._check_scope_tag(problems, scope_tag)
        problems.raise_if_any()

        self.scope_tag = scope_tag
        self._bind_images(definition)
        for step in definition.all_steps():  # local code becomes assets of this stack, read by the roles
            step.bind(self)
        rendered = definition.render(self, kind="MlPipeline", job_tags=[scope_tag] if scope_tag else [])
        size = _estimated_size(rendered)
        problems = Problems(self, "MlPipeline")
        problems.check(
            size <= MAX_DEFINITION_BYTES,
            "definition (bytes, estimated)",
            size,
            f"must be at most {MAX_DEFINITION_BYTES} (inline PipelineDefinitionBody); split the pipeline",
        )
        problems.raise_if_any()
        if size > WARN_DEFINITION_BYTES:
            Annotations.of(self).add_warning_v2(
                "constructs_lib:pipelineDefinitionSize",
                f"the pipeline definition is about {size} bytes; CloudFormation templates are limited to 1 MB",
            )
        for state in shared_state(rendered):  # checkpoints were refused by render(): outputs remain
            Annotations.of(self).add_warning_v2(
                "constructs_lib:pipelineSharedOutput",
                f"steps[{state.step!r}] ({state.step_type}) {state.argument}={state.value!r} {state.why}",
            )

        self.definition = definition
        self._warn_untracked_roles()
        self._name = name
        self._parameter_names = definition.parameter_names
        stack = stack_of(self)
        self.role = ManagedPolicyRole(
            self,
            "Role",
            assumed_by=service_principal(self, "sagemaker.amazonaws.com"),
            description=f"Runs the SageMaker pipeline {name}",
        )
        self._grant_what_steps_need()
        self.resource = sagemaker.CfnPipeline(
            self,
            "Resource",
            pipeline_name=name,
            pipeline_display_name=display_name,
            pipeline_description=description,
            role_arn=self.role.role_arn,
            pipeline_definition={"PipelineDefinitionBody": stack.to_json_string(rendered)},
            # Typed as JSON by the L1: the CloudFormation key, not the jsii struct (camelCase).
            parallelism_configuration={"MaxParallelExecutionSteps": max_parallel_steps}
            if max_parallel_steps is not None
            else None,
        )
        # SageMaker checks the role when the pipeline is created: create its permissions first.
        self.resource.node.add_dependency(self.role)
        self._record_model_package_sources()

    # --- attributes ---------------------------------------------------------------------------------

    @property
    def pipeline_name(self) -> str:
        return self._name

    @property
    def pipeline_arn(self) -> str:
        """The pipeline's ARN (SageMaker writes resource names lower case in ARNs)."""
        return sagemaker_arn(self, "pipeline", self._name)

    @property
    def grant_principal(self) -> iam.IPrincipal:
        """The pipeline's role: what its steps' calls run as."""
        return self.role

    # --- imports ------------------------------------------------------------------------------------

    @classmethod
    def from_pipeline_name(
        cls, scope: Construct, construct_id: str, pipeline_name: str, *, parameter_names: Sequence[str] = ()
    ) -> IMlPipeline:
        """An existing pipeline of this stack's account and region, by name.

        :param parameter_names: default none; the parameters it declares, which triggers may pass
            (they refuse others).
        """
        return _ImportedPipeline(
            scope,
            construct_id,
            name=pipeline_name,
            arn=sagemaker_arn(scope, "pipeline", pipeline_name),
            parameter_names=parameter_names,
        )

    @classmethod
    def from_pipeline_arn(
        cls, scope: Construct, construct_id: str, pipeline_arn: str, *, parameter_names: Sequence[str] = ()
    ) -> IMlPipeline:
        """An existing pipeline by ARN (``parameter_names`` as for ``from_pipeline_name``)."""
        return _ImportedPipeline(
            scope,
            construct_id,
            name=name_from_arn(pipeline_arn),
            arn=pipeline_arn,
            parameter_names=parameter_names,
        )

    def _record_model_package_sources(self) -> None:
        """Model steps that create a model from a model package: where the package group keeps its
        versions' artifacts and images (``ModelPackageGroup(sources=...)``), for the run-time contracts."""
        for step in self.definition.all_steps():
            for container in getattr(step, "containers", None) or ():
                group = getattr(container, "model_package_group", None)
                sources = getattr(group, "sources", None)
                if getattr(container, "model_package", None) is not None and sources is not None:
                    sources.record(self.resource, step.name)

    def _bind_images(self, definition: PipelineDefinition) -> None:
        """Each step image's URI in this stack (an asset image is built here, once), before the
        definition is written; a step too malformed to list its images is reported by ``render``."""
        try:
            images = definition.requirements().images
        except (AttributeError, TypeError):
            return
        for image, _ in images:
            image.bind(self)

    # --- the pipeline's role ------------------------------------------------------------------------

    def _grant_what_steps_need(self) -> None:
        need = self.definition.requirements()
        stack = stack_of(self)
        facts = stack_facts(stack)
        base = f"arn:{aws_partition()}:sagemaker:{facts.region}:{facts.account}"
        create_conditions: dict[str, Any] | None = None
        use_conditions: dict[str, Any] | None = None
        if self.scope_tag is not None:
            key, value = self.scope_tag
            # AddTags is authorized with the request's tags both when a job is created with them and
            # on its own: the scope tag must be in every request, and an existing resource tagged
            # otherwise (another environment's) can never be retagged into this scope.
            create_conditions = {
                "StringEquals": {f"aws:RequestTag/{key}": value},
                "StringEqualsIfExists": {f"aws:ResourceTag/{key}": value},
            }
            use_conditions = {"StringEquals": {f"aws:ResourceTag/{key}": value}}
        scoped = f", and only those tagged {self.scope_tag[0]}={self.scope_tag[1]}" if self.scope_tag else ""
        for kind in sorted(need.job_kinds):
            resource_type, name_pattern, creates, uses = _JOB_PERMISSIONS[kind]
            resource = f"{base}:{resource_type}/{name_pattern}"
            if self.scope_tag is None:
                self.role.add_to_policy(iam.PolicyStatement(actions=[*creates, *uses], resources=[resource]))
            else:
                self.role.add_to_policy(
                    iam.PolicyStatement(actions=list(creates), resources=[resource], conditions=create_conditions)
                )
                self.role.add_to_policy(
                    iam.PolicyStatement(actions=list(uses), resources=[resource], conditions=use_conditions)
                )
            reason = (
                f"SageMaker Pipelines names the {resource_type}s it starts 'pipelines-<execution id>-<step>-<suffix>' "
                f"at run time; the pipeline may only start and stop those{scoped}."
                if name_pattern != "*"
                else f"SageMaker Pipelines generates the names of the {resource_type}s it creates at run time "
                f"(no documented prefix); the actions are limited to creating, describing and stopping them{scoped}."
            )
            acknowledge_exact_wildcard(permissions_policy(self.role), reason, resource)
        self._grant_job_networks()
        for image, role in need.images:  # each job or model role pulls exactly its step's images
            if role is not None and hasattr(role, "grant_principal"):
                image.bind(self, role)
        self._grant_large_model_outputs()
        self._grant_clarify_shadow_endpoints()
        for role in need.pass_roles:
            if hasattr(role, "grant_pass_role") and hasattr(role, "job_kinds"):
                role.grant_pass_role(self.role)
            else:
                self.role.add_to_policy(
                    iam.PolicyStatement(
                        actions=["iam:PassRole"],
                        resources=[role.role_arn],
                        conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
                    )
                )
        for group in need.register_into:
            self._grant_group(group, register=True)
        for group in need.read_from:
            if not any(group is g for g in need.register_into):
                self._grant_group(group, register=False)
        for location in need.read_locations:
            self._grant_read(location)
        if need.lists_model_packages:
            self.role.add_to_policy(
                iam.PolicyStatement(
                    sid="FindLatestApprovedBaselines", actions=["sagemaker:ListModelPackages"], resources=["*"]
                )
            )
            acknowledge_statement_wildcards(
                permissions_policy(self.role),
                "sagemaker:ListModelPackages takes no resource; SageMaker Pipelines lists the check steps' group "
                "for its latest approved version, whose DriftCheckBaselines (DescribeModelPackage: that group only) "
                "the checks compare with.",
                "FindLatestApprovedBaselines",
            )
        for function in need.functions:
            # An identity statement (not grant_invoke): a function of another account keeps its own
            # resource policy, which this stack must not try to change.
            versions = f"{function.function_arn}:*"
            self.role.add_to_policy(
                iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[function.function_arn, versions])
            )
            acknowledge_exact_wildcard(
                permissions_policy(self.role),
                "lambda:InvokeFunction on the Lambda step's function and its versions and aliases; no other function.",
                versions,
            )
        for queue in need.queues:
            queue.grant_send_messages(self.role)
        self._grant_step_permissions(need)
        self._grant_experiments()

    def _grant_step_permissions(self, need: StepRequirements) -> None:
        """Statements of steps that call services other than SageMaker's job APIs (EMR, endpoints),
        and the roles those steps pass to another service (to that service only)."""
        stack = stack_facts(self)
        for permission in need.permissions:
            resources = [
                path
                if path == "*" or permission.whole_arns
                else f"arn:{aws_partition()}:{permission.service}:{stack.region}:{stack.account}:{path}"
                for path in permission.resources
            ]
            self.role.add_to_policy(
                iam.PolicyStatement(
                    actions=list(permission.actions),
                    resources=resources,
                    conditions=dict(permission.conditions) if permission.conditions else None,
                )
            )
            for resource in resources:
                if "*" in resource:
                    acknowledge_exact_wildcard(permissions_policy(self.role), permission.reason or "", resource)
        passed: list[tuple[Any, tuple[str, ...]]] = []
        for role, services in need.pass_roles_to:
            if any(role is r and services == s for r, s in passed):
                continue
            passed.append((role, services))
            self.role.add_to_policy(
                iam.PolicyStatement(
                    actions=["iam:PassRole"],
                    resources=[role.role_arn],
                    conditions={"StringEquals": {"iam:PassedToService": list(services)}},
                )
            )

    def _grant_experiments(self) -> None:
        """``PipelineExperimentConfig``: SageMaker Pipelines creates the experiment and trial (when
        missing) and associates each job's trial component with the trial, as the pipeline's role."""
        config = self.definition.experiment_config
        if config is None:
            return
        experiment = _experiment_entity(config.experiment_name, self._name)
        trial = _experiment_entity(config.trial_name, self._name)
        experiment_arn = sagemaker_arn(self, "experiment", experiment)
        trial_arn = sagemaker_arn(self, "experiment-trial", trial)
        components = sagemaker_arn(self, "experiment-trial-component", "*")
        add_statements(
            self.role,
            [
                iam.PolicyStatement(
                    actions=["sagemaker:CreateExperiment", "sagemaker:DescribeExperiment"], resources=[experiment_arn]
                ),
                iam.PolicyStatement(
                    actions=["sagemaker:AssociateTrialComponent", "sagemaker:CreateTrial", "sagemaker:DescribeTrial"],
                    resources=[trial_arn],
                ),
                iam.PolicyStatement(
                    actions=["sagemaker:AssociateTrialComponent", "sagemaker:DescribeTrialComponent"],
                    resources=[components],
                ),
            ],
        )
        reason = (
            "SageMaker Pipelines names the experiment entities of an execution at run time (the execution ID, "
            "the jobs' trial components); create, describe and associate only, no deletes."
        )
        for arn in dict.fromkeys((experiment_arn, trial_arn, components)):  # in this order: the same every run
            if "*" in arn:
                acknowledge_exact_wildcard(permissions_policy(self.role), reason, arn)

    def _warn_untracked_roles(self) -> None:
        """A role that tracks runs on an MLflow server but whose every job here is network-isolated:
        no job can reach the server, so none is given its ARN (``constructs_lib:mlflowUnreachable``)."""
        reachable: dict[int, bool] = {}
        roles: dict[int, Any] = {}
        for runs in self._runs():
            role, isolated = getattr(runs, "role", None), getattr(runs, "enable_network_isolation", None)
            if tracking_server_of(role) is None or isolated is None:
                continue
            roles[id(role)] = role
            reachable[id(role)] = reachable.get(id(role), False) or not isolated
        for key, role in roles.items():
            if not reachable[key]:
                Annotations.of(self).add_warning_v2(
                    "constructs_lib:mlflowUnreachable",
                    f"role {role.node.path if hasattr(role, 'node') else role} tracks runs on an MLflow server, but "
                    "every step running as it is network-isolated and cannot reach the server (so none gets its "
                    "ARN): give the steps that log enable_network_isolation=False",
                )

    def _grant_job_networks(self) -> None:
        """A step in a VPC that runs as a ``JobRole``: the role gets that network's interface
        permissions (another kind of role is left to the run-time contract check, which reports what
        is missing)."""
        for runs in self._runs():
            role, network = getattr(runs, "role", None), getattr(runs, "network", None)
            if isinstance(role, JobRole) and network is not None:
                role.grant_network_access(network)

    def _runs(self) -> list[Any]:
        """What runs a job: each step, and the job configuration of a step that has one."""
        return [
            runs
            for step in self.definition.all_steps()
            for runs in (step, getattr(step, "job", None))
            if runs is not None
        ]

    def _grant_large_model_outputs(self) -> None:
        """A training step that runs as a ``JobRole``: the role writes its Debugger, profiler and
        TensorBoard ``S3Location`` outputs and pulls the rule evaluator image (rule jobs run with it
        too), and gets the SSM channels of remote debugging when the step opts in."""
        for step in self.definition.all_steps():
            job = getattr(step, "job", None)
            role = getattr(job, "role", None)
            if not isinstance(step, TrainingStep) or not isinstance(role, JobRole):
                continue
            for location in large_models.output_locations(step.job):
                role.add_output(location)
            role.add_image_repositories(
                [
                    f"arn:{aws_partition()}:ecr:{region}:{account}:repository/{RULE_REPOSITORY}"
                    for region, account in large_models.rule_image_repositories(step.job)
                ]
            )
            if step.job.remote_debug is True:
                role.grant_remote_debug()

    def _grant_clarify_shadow_endpoints(self) -> None:
        """A Clarify model bias or explainability check that runs as a ``JobRole``: the role may start,
        call and delete the shadow endpoint of the check's model (under its ``endpoint_name_prefix``);
        a model named by an expression (known at run time) is any model of this account and region."""
        for step in self.definition.all_steps():
            role = getattr(getattr(step, "job", None), "role", None)
            if not isinstance(step, ClarifyCheckStep) or not isinstance(role, JobRole):
                continue
            model = step.shadow_model()
            if model is None:
                continue
            name = model.model_name
            role.grant_clarify_shadow_endpoints(
                endpoint_name_prefix=model.endpoint_name_prefix,
                model_name=name if isinstance(name, str) else None,
            )

    @staticmethod
    def _check_scope_tag(problems: Problems, scope_tag: tuple[str, str]) -> None:
        if not problems.check(
            isinstance(given(scope_tag), tuple) and len(scope_tag) == 2,
            "scope_tag",
            scope_tag,
            "must be a (key, value) pair",
        ):
            return
        key, value = scope_tag
        problem = api_text_problem(key, "TagKey")
        if problems.check(problem is None, "scope_tag (key)", key, problem or "") and isinstance(given(key), str):
            problems.check(
                not key.lower().startswith("aws:"),
                "scope_tag (key)",
                key,
                "must not start with 'aws:' (reserved by AWS)",
            )
        problem = api_text_problem(value, "TagValue")
        problems.check(problem is None, "scope_tag (value)", value, problem or "")

    def _grant_group(self, group: Any, *, register: bool) -> None:
        """``group``: an ``IModelPackageGroup``, or any object with its name and ARN (granted by ARN)."""
        if isinstance(group, IModelPackageGroup):
            (group.grant_register if register else group.grant_read)(self.role)
            versions = group.model_packages_arn
        else:
            versions = sagemaker_arn(self, "model-package", f"{group.model_package_group_name}/*")
            actions = ["sagemaker:DescribeModelPackage"]
            if register:
                actions += ["sagemaker:AddTags", "sagemaker:CreateModelPackage"]
            self.role.add_to_policy(
                iam.PolicyStatement(actions=actions, resources=[group.model_package_group_arn, versions])
            )
        acknowledge_exact_wildcard(
            permissions_policy(self.role),
            "Versions of the one model package group the pipeline's steps name; version numbers are assigned "
            "by the registry at registration.",
            versions,
        )

    def _grant_read(self, location: S3Location) -> None:
        """Property files: SageMaker Pipelines reads them from S3 as the pipeline's role (JsonGet)."""
        objects = objects_arn(location.bucket, location.objects_pattern)
        self.role.add_to_policy(objects_statement(location.bucket.bucket_arn, location.objects_pattern, S3_READ))
        acknowledge_exact_wildcard(
            permissions_policy(self.role),
            "The property files conditions read are written under this output prefix by each execution; "
            "read-only, that prefix only.",
            objects,
        )
        key = location.encryption_key
        if key is not None:
            self.role.add_to_policy(
                iam.PolicyStatement(
                    actions=list(KMS_DECRYPT),
                    resources=[key.key_arn],
                    conditions={"StringEquals": {"kms:ViaService": f"s3.{stack_facts(self).region}.amazonaws.com"}},
                )
            )


def _experiment_entity(name: str | Expression, pipeline_name: str) -> str:
    """The experiment (or trial) name an execution uses: a literal as given, the pipeline's name for
    ``ExecutionVariables.PIPELINE_NAME``, ``*`` for anything known only at run time."""
    if isinstance(name, ExecutionVariable) and name.name == "PipelineName":
        return pipeline_name
    return name if isinstance(name, str) else "*"


def _estimated_size(rendered: dict[str, Any]) -> int:
    """Length of the definition JSON, counting each CDK token as a 100-character value."""
    text = json.dumps(rendered, separators=(",", ":"))
    tokens = len(re.findall(r"\$\{Token\[[^\]]*\]\}", text))
    return len(re.sub(r"\$\{Token\[[^\]]*\]\}", "", text)) + 100 * tokens


class _ImportedPipeline(MlPipelineBase):
    def __init__(
        self, scope: Construct, construct_id: str, *, name: str, arn: str, parameter_names: Sequence[str]
    ) -> None:
        super().__init__(scope, construct_id, environment_from_arn=arn)
        self._name = name
        self._arn = arn
        self._parameter_names = frozenset(parameter_names)

    @property
    def pipeline_name(self) -> str:
        return self._name

    @property
    def pipeline_arn(self) -> str:
        return self._arn
