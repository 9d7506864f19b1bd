"""``MlPipeline``: a SageMaker pipeline (``AWS::SageMaker::Pipeline``) from a typed definition, with
its own least-privilege role."""

from __future__ import annotations

import json
import re
from typing import Any

from aws_cdk import Annotations, Aws, Names, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from constructs_lib._core.contracts import ModelPackageGroupRef
from constructs_lib._core.grants import KMS_DECRYPT, S3_READ
from constructs_lib._core.roles import ManagedPolicyRole
from constructs_lib._core.s3_access import objects_statement
from constructs_lib._core.service_role import service_principal
from constructs_lib._core.validation import Problems, is_unresolved
from constructs_lib._core.wildcards import acknowledge_exact_wildcard
from constructs_lib.foundation.s3_location import S3Location
from constructs_lib.training.pipeline.definition import PipelineDefinition
from constructs_lib.training.pipeline.per_run import shared_state
from constructs_lib.training.pipeline.step import api_text_problem

_PIPELINE_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$")

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
}


class MlPipeline(Construct):
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
        super().__init__(scope, construct_id)
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
        self._name = name
        self.parameter_names: frozenset[str] = definition.parameter_names
        stack = Stack.of(self)
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
        stack = Stack.of(self)
        name = self._name if is_unresolved(self._name) else self._name.lower()
        return f"arn:{Aws.PARTITION}:sagemaker:{stack.region}:{stack.account}:pipeline/{name}"

    def grant_start_execution(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` start executions of this pipeline (and nothing else)."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=["sagemaker:StartPipelineExecution"], resource_arns=[self.pipeline_arn]
        )

    def _record_model_package_sources(self) -> None:
        """Model steps that create a model from a model package: where the package group keeps its
        versions' artifacts and images (``ModelPackageGroup(sources=...)``), for the run-time contracts."""
        for step in self.definition.all_steps():
            for container in getattr(step, "containers", None) or []:
                group = getattr(container, "model_package_group", None)
                sources = getattr(group, "sources", None)
                if getattr(container, "model_package", None) is not None and sources is not None:
                    sources.record(self.resource, step.name)

    # --- the pipeline's role ------------------------------------------------------------------------

    def _grant_what_steps_need(self) -> None:
        need = self.definition.requirements()
        stack = Stack.of(self)
        policy = self.role.managed_policy
        base = f"arn:{Aws.PARTITION}:sagemaker:{stack.region}:{stack.account}"
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
            acknowledge_exact_wildcard(policy, resource, reason)
        self._grant_job_networks()
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
        for function in need.functions:
            # An identity statement (not grant_invoke): a function of another account keeps its own
            # resource policy, which this stack must not try to change.
            versions = f"{function.function_arn}:*"
            self.role.add_to_policy(
                iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[function.function_arn, versions])
            )
            acknowledge_exact_wildcard(
                policy,
                versions,
                "lambda:InvokeFunction on the Lambda step's function and its versions and aliases; no other function.",
            )
        for queue in need.queues:
            queue.grant_send_messages(self.role)

    def _grant_job_networks(self) -> None:
        """A step in a VPC that runs as a ``JobRole``: the role gets that network's interface
        permissions (a network without ``vpc_id``, or another kind of role, is left to the run-time
        contract check, which reports what is missing)."""
        for step in self.definition.all_steps():
            for runs in (step, getattr(step, "job", None)):
                role, network = getattr(runs, "role", None), getattr(runs, "network", None)
                if (
                    hasattr(role, "grant_network_access")
                    and network is not None
                    and network.vpc_config is not None
                    and network.vpc_id is not None
                ):
                    role.grant_network_access(
                        vpc_id=network.vpc_id,
                        subnet_ids=network.subnet_ids,
                        security_group_ids=network.security_group_ids,
                    )

    @staticmethod
    def _check_scope_tag(problems: Problems, scope_tag: tuple[str, str]) -> None:
        if not problems.check(
            isinstance(scope_tag, tuple) and len(scope_tag) == 2, "scope_tag", scope_tag, "must be a (key, value) pair"
        ):
            return
        key, value = scope_tag
        problem = api_text_problem(key, "TagKey")
        if problems.check(problem is None, "scope_tag (key)", key, problem or "") and isinstance(key, str):
            problems.check(
                not key.lower().startswith("aws:"),
                "scope_tag (key)",
                key,
                "must not start with 'aws:' (reserved by AWS)",
            )
        problem = api_text_problem(value, "TagValue")
        problems.check(problem is None, "scope_tag (value)", value, problem or "")

    def _grant_group(self, group: ModelPackageGroupRef, *, register: bool) -> None:
        if hasattr(group, "grant_register") and hasattr(group, "model_packages_arn"):
            (group.grant_register if register else group.grant_read)(self.role)
            versions = group.model_packages_arn
        else:
            stack = Stack.of(self)
            name = group.model_package_group_name
            name = name if is_unresolved(name) else name.lower()
            versions = f"arn:{Aws.PARTITION}:sagemaker:{stack.region}:{stack.account}:model-package/{name}/*"
            actions = ["sagemaker:DescribeModelPackage"]
            if register:
                actions += ["sagemaker:AddTags", "sagemaker:CreateModelPackage"]
            self.role.add_to_policy(
                iam.PolicyStatement(actions=actions, resources=[group.model_package_group_arn, versions])
            )
        acknowledge_exact_wildcard(
            self.role.managed_policy,
            versions,
            "Versions of the one model package group the pipeline's steps name; version numbers are assigned "
            "by the registry at registration.",
        )

    def _grant_read(self, location: S3Location) -> None:
        """Property files: SageMaker Pipelines reads them from S3 as the pipeline's role (JsonGet)."""
        objects = location.s3_bucket.arn_for_objects(location.objects_pattern)
        self.role.add_to_policy(objects_statement(location.s3_bucket.bucket_arn, location.objects_pattern, S3_READ))
        acknowledge_exact_wildcard(
            self.role.managed_policy,
            objects,
            "The property files conditions read are written under this output prefix by each execution; "
            "read-only, that prefix only.",
        )
        key = location.encryption_key
        if key is not None:
            self.role.add_to_policy(
                iam.PolicyStatement(
                    actions=list(KMS_DECRYPT),
                    resources=[key.key_arn],
                    conditions={"StringEquals": {"kms:ViaService": f"s3.{Stack.of(self).region}.amazonaws.com"}},
                )
            )


def _estimated_size(rendered: dict[str, Any]) -> int:
    """Length of the definition JSON, counting each CDK token as a 100-character value."""
    text = json.dumps(rendered, separators=(",", ":"))
    tokens = len(re.findall(r"\$\{Token\[[^\]]*\]\}", text))
    return len(re.sub(r"\$\{Token\[[^\]]*\]\}", "", text)) + 100 * tokens
