"""Run-time permission contracts: the calls AWS makes with a resource's role, derived from the
resource's own properties, and the proof that the role's policies allow them.

One contract per resource kind turns a resolved resource (``cfn_values``) into ``Need``s (an action
on a resource ARN, with the condition keys the call carries) or ``Unknowable``s (a grant that cannot
be derived from the template: an image in another account, a model package's artifacts). The check
resolves every role's policies in the assembly once and reports each need no policy allows.

Covered: models (``AWS::SageMaker::Model`` and pipeline ``Model`` steps): images, artifacts, model
package sources, VPC interfaces; endpoint configs: data capture and asynchronous output, failure and
notification paths; pipeline training, processing, tuning and transform steps: inputs, outputs,
checkpoints, keys, VPC; Model Monitor job definitions: capture, baselines, ground truth, reports;
pipelines: ``iam:PassRole`` of exactly the roles their steps name; model package groups shared with
other accounts: the consumer accounts can read the artifacts and use their key; API Gateway's
account logging role; MLflow tracking servers' artifact store; and every grant of an action that
accepts only ``*`` on anything else (it never applies).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from constructs_lib._core.cfn_values import (
    Assembly,
    JsonObject,
    StackTemplate,
    each,
    has_placeholder,
    is_json_list,
    is_json_object,
    strings,
    with_nested_templates,
)
from constructs_lib._core.iam_policy import Request, Statement, as_list, decide, statements_of
from constructs_lib._core.vpc_access import SUBNET_VPCS_METADATA

#: The metadata key under which constructs record the sources of the model packages a resource
#: serves (``ModelPackageSources``): ``{"ModelDataUrls": [...], "Images": [...]}``, per pipeline
#: step name for pipelines.
MODEL_PACKAGE_SOURCES_METADATA = "ConstructsLib::ModelPackageSources"
#: The metadata key under which ``ModelMonitor`` records the capture location its jobs read
#: (``{"DestinationS3Uri": ..., "KmsKeyId": ...}``), used when the endpoint is not in the app.
DATA_CAPTURE_METADATA = "ConstructsLib::DataCapture"
#: The name the check reports under; acknowledgment ids are ``RuntimeContracts::<rule>``.
PLUGIN_NAME = "RuntimeContracts"

# <account>.dkr.ecr[-fips].<region>.amazonaws.com/<repository>[:tag][@digest]
_ECR_URI = re.compile(
    r"^(?P<account>\d{12}|\{\{[^}]+\}\})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z0-9-]+|\{\{[^}]+\}\})"
    r"\.amazonaws\.com(?:\.cn)?/(?P<repository>[^:@]+?)(?::[\w.{}-]+)?(?:@sha256:[a-f0-9]{64})?$"
)
_S3_URI = re.compile(r"^s3://(?P<bucket>(?:\{\{[^}]+\}\}|[^/{])+)(?:/(?P<key>.*))?$", re.DOTALL)
_ECR_PULL = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability")
_JOB_KIND_BY_STEP = {
    "Training": "training",
    "Processing": "processing",
    # Check steps run a processing job (the Model Monitor analyzer, SageMaker Clarify).
    "QualityCheck": "processing",
    "ClarifyCheck": "processing",
    "Transform": "transform",
    "Tuning": "tuning",
    "Model": "model",
    "AutoML": "automl",
}

#: Actions whose IAM reference lists no resource type: a statement grants them only with ``*``.
#: (Service Authorization Reference, the actions this library and its users commonly grant.)
STAR_ONLY_ACTIONS = frozenset(
    a.lower()
    for a in (
        "ecr:GetAuthorizationToken",
        "cloudwatch:PutMetricData",
        "cloudwatch:GetMetricData",
        "cloudwatch:ListMetrics",
        "logs:DescribeLogGroups",
        "logs:DescribeDestinations",
        "logs:DescribeExportTasks",
        "ec2:DescribeDhcpOptions",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcs",
        "ec2:DescribeVpcEndpoints",
        "ec2:DescribeRouteTables",
        "ec2:DescribeAvailabilityZones",
        "sagemaker:ListModelPackageGroups",
        "sagemaker:ListMlflowTrackingServers",
        "sagemaker:ListEndpoints",
        "sagemaker:ListModels",
        "sagemaker:ListTrainingJobs",
        "sagemaker:ListPipelines",
        "sagemaker:Search",
        "sts:GetCallerIdentity",
        "s3:ListAllMyBuckets",
        "sns:ListTopics",
        "iam:ListRoles",
        "kms:ListAliases",
        "kms:ListKeys",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "states:ListStateMachines",
        "lambda:ListFunctions",
        "events:ListRules",
        "tag:GetResources",
        "budgets:ViewBudget",
    )
)


@dataclass(frozen=True)
class Need:
    """One call the role must be allowed to make."""

    action: str
    resource: str
    why: str
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict[str, tuple[str, ...]])

    def request(self) -> Request:
        return Request(self.action, self.resource, self.context)


@dataclass(frozen=True)
class Obligation:
    """What one resource needs from one principal (a role, or an account through resource policies)."""

    stack: StackTemplate
    logical_id: str
    role: str  # the role's ARN as resolved, or ``account:<id>`` for resource-policy checks
    needs: tuple[Need, ...] = ()
    unknowable: tuple[tuple[str, str], ...] = ()  # (rule, message)


@dataclass(frozen=True)
class Finding:
    """A missing grant: the rule (acknowledgment id without the plugin prefix), where, and what."""

    rule: str
    stack: StackTemplate
    logical_id: str
    message: str

    @property
    def construct_path(self) -> str:
        return self.stack.path_of(self.logical_id)


# --- helpers ----------------------------------------------------------------------------------------


def _s3(uri: object) -> tuple[str, str] | None:
    """(bucket, key) of ``s3://bucket/key``."""
    match = _S3_URI.match(uri) if isinstance(uri, str) else None
    return (match["bucket"], match["key"] or "") if match else None


class _Context:
    """Everything the contracts look up: the assembly, resolution and the stack being read."""

    def __init__(self, assembly: Assembly) -> None:
        self.assembly = assembly
        #: Every role's statements, by the role's placeholder (or literal name).
        self.policies: dict[str, list[Statement]] = {}

    def bucket_key(self, bucket: str) -> str | None:
        """The default KMS key (ARN form) of a bucket of the assembly."""
        found = self.assembly.resource_of(bucket) if has_placeholder(bucket) else None
        if not found:
            return None
        stack, _, resource = found
        rules = self.assembly.resolve(stack, resource.get("Properties", {})).get("BucketEncryption", {})
        for rule in as_list(rules.get("ServerSideEncryptionConfiguration")):
            key = rule.get("ServerSideEncryptionByDefault", {}).get("KMSMasterKeyID")
            if isinstance(key, str):
                return _key_arn(key, stack)
        return None


def _subnet_vpcs(resource: Mapping[str, Any]) -> Mapping[str, str]:
    """The subnet-to-VPC map a network wrote into ``resource``'s metadata (``SUBNET_VPCS_METADATA``)."""
    metadata: Mapping[str, Any] = resource.get("Metadata", {})
    return metadata.get(SUBNET_VPCS_METADATA) or {}


def _key_arn(key: str, stack: StackTemplate) -> str:
    if key.startswith("arn:"):
        return key
    if key.startswith("alias/"):
        return f"arn:aws:kms:{stack.region}:{stack.account}:{key}"
    return f"arn:aws:kms:{stack.region}:{stack.account}:key/{key}"


class _Needs:
    """Builds the needs and unknowables of one obligation."""

    def __init__(self, ctx: _Context, stack: StackTemplate, what: str) -> None:
        self.ctx, self.stack, self.what = ctx, stack, what
        self.needs: list[Need] = []
        self.unknowable: list[tuple[str, str]] = []

    def add(self, action: str, resource: str, why: str, **context: Iterable[str]) -> None:
        # condition keys as keyword arguments: ``kms__ViaService`` is ``kms:ViaService``; a key
        # without values is left out (unknown to the evaluator, never an empty match)
        keys = {k.replace("__", ":"): tuple(v) for k, v in context.items() if v}
        self.needs.append(Need(action, resource, f"{self.what}: {why}", keys))

    def _via_s3(self, bucket: str) -> dict[str, Iterable[str]]:
        return {
            "kms__ViaService": [f"s3.{self.stack.region}.amazonaws.com"],
            "kms__CallerAccount": [self.stack.account],
            "s3__ResourceAccount": [self.stack.account] if has_placeholder(bucket) else [],
        }

    def _s3_context(self, bucket: str) -> dict[str, Iterable[str]]:
        account = [self.stack.account] if has_placeholder(bucket) else []
        return {
            "s3__ResourceAccount": account,
            "aws__ResourceAccount": account,
            "aws__SecureTransport": ["true"],
            "s3__TlsVersion": ["1.2"],
        }

    def _bucket_key(self, bucket: str, key: str | None, encrypt: bool, why: str) -> None:
        key = _key_arn(key, self.stack) if key else self.ctx.bucket_key(bucket)
        if key is None:
            return
        context = self._via_s3(bucket)
        self.add("kms:Decrypt", key, f"{why} (its KMS key)", **context)
        if encrypt:
            self.add("kms:GenerateDataKey", key, f"{why} (its KMS key)", **context)

    def read(self, uri: Any, why: str, *, prefix: bool, key: str | None = None, list_prefix: bool = True) -> None:
        """``s3:GetObject`` on the object (or any object under the prefix), ``s3:ListBucket`` of the
        prefix when SageMaker lists it (``list_prefix``: job inputs, not model artifacts loaded by
        name), and ``kms:Decrypt`` with the bucket's key (or ``key``) through S3."""
        for value in strings(uri):
            parsed = _s3(value)
            if parsed is None:
                continue
            bucket, object_key = parsed
            # A file asset (code uploaded by cdk deploy) is one object, even read as an S3 prefix.
            single = not prefix or object_key in self.ctx.assembly.asset_object_keys
            objects = object_key if single else object_key.rstrip("/") + "/{{object}}"
            self.add(
                "s3:GetObject", f"arn:aws:s3:::{bucket}/{objects}", f"read {why} {value}", **self._s3_context(bucket)
            )
            if prefix and list_prefix:
                self.add(
                    "s3:ListBucket",
                    f"arn:aws:s3:::{bucket}",
                    f"list {why} {value}",
                    s3__prefix=[object_key],
                    **self._s3_context(bucket),
                )
            self._bucket_key(bucket, key, False, f"read {why} {value}")

    def write(self, uri: Any, why: str, *, key: Any = None) -> None:
        keys = strings(key) or [None]
        for value in strings(uri):
            parsed = _s3(value)
            if parsed is None:
                continue
            bucket, object_key = parsed
            objects = (object_key.rstrip("/") + "/" if object_key else "") + "{{object}}"
            self.add(
                "s3:PutObject", f"arn:aws:s3:::{bucket}/{objects}", f"write {why} {value}", **self._s3_context(bucket)
            )
            for k in keys:
                self._bucket_key(bucket, k, True, f"write {why} {value}")

    def image(self, uri: Any, why: str) -> None:
        for value in strings(uri):
            match = _ECR_URI.match(value)
            if not match:
                if has_placeholder(value):
                    self.unknowable.append(
                        (
                            "UnresolvedImage",
                            f"{self.what}: the image {value} of {why} cannot be resolved at synth; "
                            "its pull permissions cannot be proven",
                        )
                    )
                continue
            account, region, repository = match["account"], match["region"], match["repository"]
            self.add("ecr:GetAuthorizationToken", "*", f"authenticate to ECR for {why}")
            for action in _ECR_PULL:
                self.add(action, f"arn:aws:ecr:{region}:{account}:repository/{repository}", f"pull {why} {value}")
            if account != self.stack.account and not _aws_owned_registry(account, region):
                self.unknowable.append(
                    (
                        f"CrossAccountImage[{account}]",
                        f"{self.what}: the image {value} is in account {account}: its repository policy (not in this "
                        "app) must let this role pull it",
                    )
                )

    def key_use(self, key: Any, why: str, *actions: str) -> None:
        for value in strings(key):
            for action in actions:
                self.add(
                    action,
                    _key_arn(value, self.stack),
                    why,
                    kms__GrantIsForAWSResource=["true"],
                    kms__CallerAccount=[self.stack.account],
                    kms__ViaService=[
                        f"sagemaker.{self.stack.region}.amazonaws.com",
                        f"ec2.{self.stack.region}.amazonaws.com",
                    ],
                )

    def network(self, vpc_config: Any, why: str) -> None:
        for config in each(vpc_config):
            if not is_json_object(config):
                continue
            ec2 = f"arn:aws:ec2:{self.stack.region}:{self.stack.account}"
            subnets = strings(config.get("Subnets"))
            groups = strings(config.get("SecurityGroupIds"))
            for describe in (
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeVpcs",
                "ec2:DescribeDhcpOptions",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
            ):
                self.add(describe, "*", f"{why} in a VPC")
            for subnet in subnets:
                self.add("ec2:CreateNetworkInterface", f"{ec2}:subnet/{subnet}", f"{why}: interfaces in {subnet}")
            for group in groups:
                self.add(
                    "ec2:CreateNetworkInterface", f"{ec2}:security-group/{group}", f"{why}: interfaces with {group}"
                )
            vpcs = [v for s in subnets for v in self._vpc_of(s)]
            for action in (
                "ec2:CreateNetworkInterface",
                "ec2:CreateNetworkInterfacePermission",
                "ec2:DeleteNetworkInterface",
                "ec2:DeleteNetworkInterfacePermission",
            ):
                self.add(
                    action,
                    f"{ec2}:network-interface/{{{{eni}}}}",
                    f"{why}: manage its interfaces",
                    ec2__Vpc=[f"{ec2}:vpc/{v}" for v in vpcs] if vpcs else [],
                    ec2__Subnet=[f"{ec2}:subnet/{s}" for s in subnets],
                )

    def _vpc_of(self, subnet: str) -> list[str]:
        found = self.ctx.assembly.resource_of(subnet)
        if not found:  # a subnet of an imported VPC: its network says which (SUBNET_VPCS_METADATA)
            return [
                vpc
                for template in self.ctx.assembly.stacks.values()
                for resource in template.resources.values()
                for known, vpc in _subnet_vpcs(resource).items()
                if known == subnet
            ]
        stack, _, resource = found
        return strings(self.ctx.assembly.resolve(stack, resource.get("Properties", {}).get("VpcId")))

    def package_sources(self, sources: Mapping[str, Any] | None, where: str) -> None:
        if not sources:
            self.unknowable.append(
                (
                    "ModelPackageSources",
                    f"{self.what} serves a model package ({where}) whose artifacts and images only the registry knows: "
                    "declare where they are (ModelPackageSources: ContainerDefinition.model_package_sources, "
                    "Model.serve_model_packages, or ModelPackageGroup(sources=...) for pipeline steps) so the role "
                    "can read them",
                )
            )
            return
        for url in strings(sources.get("ModelDataUrls")):
            self.read(url, "model package artifacts", prefix=url.endswith("/"), list_prefix=False)
        for image in strings(sources.get("Images")):
            self.image(image, "model package image")

    def obligation(self, logical_id: str, role: str) -> Obligation:
        return Obligation(self.stack, logical_id, role, tuple(self.needs), tuple(self.unknowable))


def _aws_owned_registry(account: str, region: str) -> bool:
    from constructs_lib.training.container_images import aws_owned_registry

    return aws_owned_registry(account, region)  # every table: algorithms, frameworks, Model Monitor, Clarify


# --- contracts per resource kind --------------------------------------------------------------------

Contract = Callable[[_Context, StackTemplate, str, JsonObject], Iterator[Obligation]]
_CONTRACTS: dict[str, Contract] = {}


def contract(*types: str) -> Callable[[Contract], Contract]:
    def register(fn: Contract) -> Contract:
        for t in types:
            _CONTRACTS[t] = fn
        return fn

    return register


def _model_needs(n: _Needs, args: Mapping[str, Any], sources: Mapping[str, Any] | None, where: str) -> None:
    containers = [c for c in each(args.get("PrimaryContainer"))] + [
        c for v in each(args.get("Containers")) for c in (v if is_json_list(v) else [v])
    ]
    for i, container in enumerate(c for c in containers if is_json_object(c)):
        n.image(container.get("Image"), f"container {i} image")
        data = container.get("ModelDataUrl")
        for url in strings(data):
            n.read(
                url,
                f"container {i} artifacts",
                prefix=container.get("Mode") == "MultiModel" or url.endswith("/"),
                list_prefix=False,
            )
        source = container.get("ModelDataSource", {})
        s3_source: Mapping[str, Any] = source.get("S3DataSource", {}) if is_json_object(source) else {}
        n.read(
            s3_source.get("S3Uri"),
            f"container {i} artifacts",
            prefix=s3_source.get("S3DataType") == "S3Prefix",
            list_prefix=s3_source.get("S3DataType") == "S3Prefix",
        )
        if strings(container.get("ModelPackageName")):
            n.package_sources(sources, where)
    n.network(args.get("VpcConfig"), "the model")


@contract("AWS::SageMaker::Model")
def _model(ctx: _Context, stack: StackTemplate, logical_id: str, resource: JsonObject) -> Iterator[Obligation]:
    props = ctx.assembly.resolve(stack, resource.get("Properties", {}))
    sources = ctx.assembly.resolve(stack, resource.get("Metadata", {}).get(MODEL_PACKAGE_SOURCES_METADATA))
    n = _Needs(ctx, stack, f"model {stack.path_of(logical_id)}")
    _model_needs(n, props, sources, "ModelPackageName")
    for role in strings(props.get("ExecutionRoleArn")):
        yield n.obligation(logical_id, role)


def _model_role(ctx: _Context, model_name: str) -> str | None:
    found = ctx.assembly.resource_of(model_name)
    if not found or found[2].get("Type") != "AWS::SageMaker::Model":
        return None
    stack, _, resource = found
    roles = strings(ctx.assembly.resolve(stack, resource.get("Properties", {}).get("ExecutionRoleArn")))
    return roles[0] if roles else None


@contract("AWS::SageMaker::EndpointConfig")
def _endpoint_config(
    ctx: _Context, stack: StackTemplate, logical_id: str, resource: JsonObject
) -> Iterator[Obligation]:
    props = ctx.assembly.resolve(stack, resource.get("Properties", {}))
    n = _Needs(ctx, stack, f"endpoint config {stack.path_of(logical_id)}")
    for capture in each(props.get("DataCaptureConfig")):
        if str(capture.get("EnableCapture", True)).lower() != "false":
            n.write(capture.get("DestinationS3Uri"), "captured data under", key=capture.get("KmsKeyId"))
    for async_config in each(props.get("AsyncInferenceConfig")):
        output = async_config.get("OutputConfig", {})
        n.write(output.get("S3OutputPath"), "asynchronous results under", key=output.get("KmsKeyId"))
        n.write(output.get("S3FailurePath"), "asynchronous failures under", key=output.get("KmsKeyId"))
        notification = output.get("NotificationConfig", {})
        for topic_kind in ("SuccessTopic", "ErrorTopic"):
            for topic in strings(notification.get(topic_kind)):
                n.add("sns:Publish", topic, f"notify {topic_kind}")
                _topic_key(ctx, n, topic)
    roles = {
        r
        for variant in as_list(props.get("ProductionVariants")) + as_list(props.get("ShadowProductionVariants"))
        if is_json_object(variant)
        for name in strings(variant.get("ModelName"))
        if (r := _model_role(ctx, name))
    }
    for role in sorted(roles):
        yield n.obligation(logical_id, role)


@contract("AWS::SageMaker::Endpoint")
def _endpoint(ctx: _Context, stack: StackTemplate, logical_id: str, resource: JsonObject) -> Iterator[Obligation]:
    """SageMaker writes the containers' logs to ``/aws/sagemaker/Endpoints/<endpoint name>`` with
    the roles of the models its endpoint config serves."""
    props = ctx.assembly.resolve(stack, resource.get("Properties", {}))
    names = [name for name in strings(props.get("EndpointName")) if "{{" not in name]
    roles: set[str] = set()
    for config_name in strings(props.get("EndpointConfigName")):
        found = ctx.assembly.resource_of(config_name)
        if not found or found[2].get("Type") != "AWS::SageMaker::EndpointConfig":
            continue
        config = ctx.assembly.resolve(found[0], found[2].get("Properties", {}))
        roles |= {
            r
            for variant in as_list(config.get("ProductionVariants")) + as_list(config.get("ShadowProductionVariants"))
            if is_json_object(variant)
            for model in strings(variant.get("ModelName"))
            if (r := _model_role(ctx, model))
        }
    if not names:
        return
    n = _Needs(ctx, stack, f"endpoint {stack.path_of(logical_id)}")
    _endpoint_logs(n, stack, names)
    for role in sorted(roles):
        yield n.obligation(logical_id, role)


@contract("AWS::SageMaker::InferenceComponent")
def _inference_component(
    ctx: _Context, stack: StackTemplate, logical_id: str, resource: JsonObject
) -> Iterator[Obligation]:
    """A component's model runs on the component's endpoint: SageMaker writes its containers' logs to
    ``/aws/sagemaker/Endpoints/<endpoint name>`` with the model's role."""
    props = ctx.assembly.resolve(stack, resource.get("Properties", {}))
    endpoint_name = resource.get("Properties", {}).get("EndpointName")
    if is_json_object(endpoint_name) and "Fn::GetAtt" in endpoint_name:  # the endpoint's own name property
        endpoint = stack.resources.get(str(as_list(endpoint_name["Fn::GetAtt"])[0]), {})
        endpoint_name = endpoint.get("Properties", {}).get("EndpointName")
    names = [name for name in strings(ctx.assembly.resolve(stack, endpoint_name)) if "{{" not in name]
    roles = {
        r
        for spec in each(props.get("Specification"))
        if is_json_object(spec)
        for model in strings(spec.get("ModelName"))
        if (r := _model_role(ctx, model))
    }
    if not names:
        return
    n = _Needs(ctx, stack, f"inference component {stack.path_of(logical_id)}")
    _endpoint_logs(n, stack, names)
    for role in sorted(roles):
        yield n.obligation(logical_id, role)


def _endpoint_logs(n: _Needs, stack: StackTemplate, names: list[str]) -> None:
    """Writing the containers' logs of the endpoints ``names`` (``/aws/sagemaker/Endpoints/<name>``)."""
    for name in names:
        group = f"arn:aws:logs:{stack.region}:{stack.account}:log-group:/aws/sagemaker/Endpoints/{name}"
        n.add("logs:CreateLogStream", f"{group}:log-stream:{{{{variant}}}}/{{{{instance}}}}", "its containers' logs")
        n.add("logs:PutLogEvents", f"{group}:log-stream:{{{{variant}}}}/{{{{instance}}}}", "its containers' logs")


def _topic_key(ctx: _Context, n: _Needs, topic: str) -> None:
    found = ctx.assembly.resource_of(topic)
    if not found:
        return
    stack, _, resource = found
    for key in strings(ctx.assembly.resolve(stack, resource.get("Properties", {}).get("KmsMasterKeyId"))):
        if key != "alias/aws/sns":
            n.add(
                "kms:GenerateDataKey",
                _key_arn(key, stack),
                f"publish to the encrypted topic {topic}",
                kms__ViaService=[f"sns.{stack.region}.amazonaws.com"],
                kms__CallerAccount=[stack.account],
            )
            n.add(
                "kms:Decrypt",
                _key_arn(key, stack),
                f"publish to the encrypted topic {topic}",
                kms__ViaService=[f"sns.{stack.region}.amazonaws.com"],
                kms__CallerAccount=[stack.account],
            )


_MONITOR_TYPES = {
    "AWS::SageMaker::DataQualityJobDefinition": "DataQuality",
    "AWS::SageMaker::ModelQualityJobDefinition": "ModelQuality",
    "AWS::SageMaker::ModelBiasJobDefinition": "ModelBias",
    "AWS::SageMaker::ModelExplainabilityJobDefinition": "ModelExplainability",
}


@contract(*_MONITOR_TYPES)
def _monitor(ctx: _Context, stack: StackTemplate, logical_id: str, resource: JsonObject) -> Iterator[Obligation]:
    props = ctx.assembly.resolve(stack, resource.get("Properties", {}))
    kind = _MONITOR_TYPES[resource["Type"]]
    n = _Needs(ctx, stack, f"monitor {stack.path_of(logical_id)}")
    n.image(props.get(f"{kind}AppSpecification", {}).get("ImageUri"), "the monitor image")
    baseline = props.get(f"{kind}BaselineConfig", {})
    for part in ("ConstraintsResource", "StatisticsResource"):
        n.read(baseline.get(part, {}).get("S3Uri"), f"the baseline {part}", prefix=False)
    job_input = props.get(f"{kind}JobInput", {})
    recorded = ctx.assembly.resolve(stack, resource.get("Metadata", {}).get(DATA_CAPTURE_METADATA))
    for endpoint in strings(job_input.get("EndpointInput", {}).get("EndpointName")):
        _capture_read(ctx, n, endpoint, recorded)
    n.read(job_input.get("GroundTruthS3Input", {}).get("S3Uri"), "ground truth under", prefix=True)
    output = props.get(f"{kind}JobOutputConfig", {})
    for out in as_list(output.get("MonitoringOutputs")):
        n.write(out.get("S3Output", {}).get("S3Uri"), "monitoring reports under", key=output.get("KmsKeyId"))
    n.key_use(
        props.get("JobResources", {}).get("ClusterConfig", {}).get("VolumeKmsKeyId"),
        "the job's volume key",
        "kms:CreateGrant",
    )
    n.network(props.get("NetworkConfig", {}).get("VpcConfig"), "the monitoring job")
    for role in strings(props.get("RoleArn")):
        yield n.obligation(logical_id, role)


def _capture_read(ctx: _Context, n: _Needs, endpoint_name: str, recorded: Mapping[str, Any] | None) -> None:
    found = ctx.assembly.resource_of(endpoint_name)
    captures: list[Any] = [recorded] if recorded else []
    if found:
        stack, _, endpoint = found
        captures = []
        names = strings(ctx.assembly.resolve(stack, endpoint.get("Properties", {}).get("EndpointConfigName")))
        for config in filter(None, map(ctx.assembly.resource_of, names)):
            cstack, _, cresource = config
            captures.append(ctx.assembly.resolve(cstack, cresource.get("Properties", {})).get("DataCaptureConfig", {}))
    if not captures:
        n.unknowable.append(
            (
                "UnresolvedEndpoint",
                f"{n.what}: the endpoint {endpoint_name} is not in this app and "
                "its capture location is not recorded: reading it cannot be proven",
            )
        )
    for capture in captures:
        for destination in strings(capture.get("DestinationS3Uri")):
            # SageMaker writes <destination>/<endpoint name>/<variant>/<yyyy>/<mm>/<dd>/<hh>/...
            key = (strings(capture.get("KmsKeyId")) or [None])[0]
            n.read(f"{destination.rstrip('/')}/{endpoint_name}/", "captured data under", prefix=True, key=key)


@contract("AWS::SageMaker::MlflowTrackingServer")
def _mlflow(ctx: _Context, stack: StackTemplate, logical_id: str, resource: JsonObject) -> Iterator[Obligation]:
    props = ctx.assembly.resolve(stack, resource.get("Properties", {}))
    n = _Needs(ctx, stack, f"MLflow tracking server {stack.path_of(logical_id)}")
    n.read(props.get("ArtifactStoreUri"), "artifacts under", prefix=True)
    n.write(props.get("ArtifactStoreUri"), "artifacts under")
    for role in strings(props.get("RoleArn")):
        yield n.obligation(logical_id, role)


@contract("AWS::SageMaker::FeatureGroup")
def _feature_group(ctx: _Context, stack: StackTemplate, logical_id: str, resource: JsonObject) -> Iterator[Obligation]:
    props = ctx.assembly.resolve(stack, resource.get("Properties", {}))
    n = _Needs(ctx, stack, f"feature group {stack.path_of(logical_id)}")
    storage = props.get("OfflineStoreConfig", {}).get("S3StorageConfig", {})
    for uri in strings(storage.get("S3Uri")):
        n.write(uri, "offline store records under", key=storage.get("KmsKeyId"))
        parsed = _s3(uri)
        if parsed:
            n.add("s3:GetBucketAcl", f"arn:aws:s3:::{parsed[0]}", "check the offline store bucket's ACL")
            n.add(
                "s3:PutObjectAcl",
                f"arn:aws:s3:::{parsed[0]}/{parsed[1].rstrip('/')}/{{{{object}}}}",
                "set the offline store objects' ACL",
            )
    for role in strings(props.get("RoleArn")):
        yield n.obligation(logical_id, role)


@contract("AWS::ApiGateway::Account")
def _api_gateway_account(
    ctx: _Context, stack: StackTemplate, logical_id: str, resource: JsonObject
) -> Iterator[Obligation]:
    props = ctx.assembly.resolve(stack, resource.get("Properties", {}))
    n = _Needs(ctx, stack, f"API Gateway account settings {stack.path_of(logical_id)}")
    groups = f"arn:aws:logs:{stack.region}:{stack.account}:log-group:{{{{api-log-group}}}}"
    n.add("logs:DescribeLogGroups", "*", "find the log groups of every API's stages")
    for action in ("logs:CreateLogGroup", "logs:DescribeLogStreams", "logs:FilterLogEvents", "logs:GetLogEvents"):
        n.add(action, f"{groups}:*" if action != "logs:CreateLogGroup" else groups, "write execution and access logs")
    for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
        n.add(action, f"{groups}:log-stream:{{{{stream}}}}", "write execution and access logs")
    for role in strings(props.get("CloudWatchRoleArn")):
        yield n.obligation(logical_id, role)


@contract("AWS::SageMaker::Pipeline")
def _pipeline(ctx: _Context, stack: StackTemplate, logical_id: str, resource: JsonObject) -> Iterator[Obligation]:
    props = ctx.assembly.resolve(stack, resource.get("Properties", {}))
    body = props.get("PipelineDefinition", {}).get("PipelineDefinitionBody")
    what = f"pipeline {stack.path_of(logical_id)}"
    definition = None
    for text in strings(body):
        try:
            definition = json.loads(text)
        except ValueError:
            definition = None
    pipeline_roles = strings(props.get("RoleArn"))
    if definition is None:
        if props.get("PipelineDefinition", {}).get("PipelineDefinitionS3Location"):
            for role in pipeline_roles:
                yield Obligation(
                    stack,
                    logical_id,
                    role,
                    unknowable=(
                        ("PipelineDefinitionInS3", f"{what}: the definition is in S3; its steps cannot be checked"),
                    ),
                )
        return
    sources: Mapping[str, Any] = (
        ctx.assembly.resolve(stack, resource.get("Metadata", {}).get(MODEL_PACKAGE_SOURCES_METADATA)) or {}
    )
    steps = _PipelineSteps(definition)
    named_roles: set[str] = set()
    for step in steps.all():
        yield from _step_obligations(ctx, stack, logical_id, what, step, steps, sources, named_roles)
    for role in pipeline_roles:
        n = _Needs(ctx, stack, what)
        for named in sorted(named_roles):
            n.add(
                "iam:PassRole", named, "pass the role its steps name", iam__PassedToService=["sagemaker.amazonaws.com"]
            )
        for step in steps.all():
            _job_calls(n, step, steps)
        yield n.obligation(logical_id, role)
        yield Obligation(
            stack,
            logical_id,
            role,
            unknowable=tuple(
                ("ExcessPassRole", f"{what}: its role may pass {resource_} to SageMaker, which no step names")
                for resource_ in _excess_pass_role(ctx, role, named_roles)
            ),
        )


#: What the pipeline's role calls for each job step: the job's resource type, the create call, and
#: the calls on the job it created (SageMaker Pipelines waits on it and stops it on a stop request).
_JOB_CALLS = {
    "training": ("training-job", "CreateTrainingJob", ("DescribeTrainingJob", "StopTrainingJob")),
    "processing": ("processing-job", "CreateProcessingJob", ("DescribeProcessingJob", "StopProcessingJob")),
    "transform": ("transform-job", "CreateTransformJob", ("DescribeTransformJob", "StopTransformJob")),
    "tuning": (
        "hyper-parameter-tuning-job",
        "CreateHyperParameterTuningJob",
        ("DescribeHyperParameterTuningJob", "StopHyperParameterTuningJob"),
    ),
    "model": ("model", "CreateModel", ("DescribeModel",)),
    "automl": ("automl-job", "CreateAutoMLJob", ("DescribeAutoMLJob", "StopAutoMLJob")),
}


def _job_calls(n: _Needs, step: Mapping[str, Any], steps: _PipelineSteps) -> None:
    """The pipeline role creates the step's job with the step's ``Tags`` (``aws:RequestTag``, and
    ``sagemaker:AddTags`` for them) and then describes and stops a job that carries them
    (``aws:ResourceTag``). A tag whose value is an expression is left out of the context."""
    kind = _JOB_KIND_BY_STEP.get(str(step.get("Type")))
    if kind is None:
        return
    resource_type, create, uses = _JOB_CALLS[kind]
    name = f"pipelines-{{{{execution-id}}}}-{str(step.get('Name', '')).lower()}"
    job = f"arn:aws:sagemaker:{n.stack.region}:{n.stack.account}:{resource_type}/{name}"
    tags: dict[str, str] = {}
    for tag in as_list(_resolve_expressions(step.get("Arguments", {}), steps).get("Tags")):
        key, value = (tag.get("Key"), tag.get("Value")) if is_json_object(tag) else (None, None)
        if isinstance(key, str) and isinstance(value, str) and "{{" not in value:
            tags[key] = value
    request_tags = {f"aws__RequestTag/{k}": [v] for k, v in tags.items()}
    keys = {"aws__TagKeys": list(tags)} if tags else {}
    n.add(f"sagemaker:{create}", job, f"step {step.get('Name')}: create its job", **request_tags, **keys)
    if tags:
        n.add("sagemaker:AddTags", job, f"step {step.get('Name')}: tag its job at creation", **request_tags, **keys)
    for use in uses:
        n.add(
            f"sagemaker:{use}",
            job,
            f"step {step.get('Name')}: wait on and stop its job",
            **{f"aws__ResourceTag/{k}": [v] for k, v in tags.items()},
        )


class _PipelineSteps:
    """A pipeline definition's steps (condition branches included) and expression resolution."""

    def __init__(self, definition: Mapping[str, Any]) -> None:
        self.parameters = {p.get("Name"): p for p in definition.get("Parameters", [])}
        self.steps: dict[str, Mapping[str, Any]] = {}

        def walk(steps: Iterable[Mapping[str, Any]]) -> None:
            for step in steps:
                self.steps[cast(str, step.get("Name"))] = step
                args = step.get("Arguments", {})
                if step.get("Type") == "Condition":
                    walk(args.get("IfSteps", []))
                    walk(args.get("ElseSteps", []))

        walk(definition.get("Steps", []))

    def all(self) -> list[Mapping[str, Any]]:
        return list(self.steps.values())

    def value(self, node: Any, depth: int = 0) -> Any:
        """An expression as a comparable string (unknowns as placeholders); lists and dicts as is."""
        if depth > 20:
            return "{{expression}}"
        if is_json_object(node) and "Get" in node and len(node) == 1:
            return self._get(str(node["Get"]), depth)
        if is_json_object(node) and "Std:Join" in node:
            join = node["Std:Join"]
            return str(join.get("On", "")).join(str(self.value(v, depth + 1)) for v in join.get("Values", []))
        if is_json_object(node) and "Std:JsonGet" in node:
            return "{{json-get}}"
        return node

    def _get(self, path: str, depth: int) -> Any:
        if path.startswith("Parameters."):
            name = path.split(".", 1)[1]
            default = self.parameters.get(name, {}).get("DefaultValue")
            return default if isinstance(default, str) else "{{pipeline-parameter." + name + "}}"
        if path.startswith("Execution."):
            return "{{" + path + "}}"
        match = re.match(r"^Steps\.([^.]+)\.(.*)$", path)
        if not match:
            return "{{" + path + "}}"
        step = self.steps.get(match[1], {})
        args, rest = step.get("Arguments", {}), match[2]
        output = re.match(r"^ProcessingOutputConfig\.Outputs\['([^']+)'\]\.S3Output\.S3Uri$", rest)
        if output:
            for out in args.get("ProcessingOutputConfig", {}).get("Outputs", []):
                if out.get("OutputName") == output[1]:
                    return self.value(out.get("S3Output", {}).get("S3Uri"), depth + 1)
        if rest == "ModelArtifacts.S3ModelArtifacts":
            path_ = str(self.value(args.get("OutputDataConfig", {}).get("S3OutputPath"), depth + 1)).rstrip("/")
            return f"{path_}/{{{{training-job}}}}/output/model.tar.gz"
        if rest == "ModelName":
            return "{{step." + match[1] + "}}"
        return "{{" + path + "}}"


def _step_obligations(
    ctx: _Context,
    stack: StackTemplate,
    logical_id: str,
    what: str,
    step: Mapping[str, Any],
    steps: _PipelineSteps,
    sources: Mapping[str, Any],
    named_roles: set[str],
) -> Iterator[Obligation]:
    kind = _JOB_KIND_BY_STEP.get(str(step.get("Type")))
    if kind is None:
        return
    name = cast(str, step.get("Name"))
    args = _resolve_expressions(step.get("Arguments", {}), steps)
    n = _Needs(ctx, stack, f"{what} step {name}")
    role: list[str] = []
    if kind == "model":
        _model_needs(n, args, sources.get(name), f"step {name}")
        role = strings(args.get("ExecutionRoleArn"))
    elif kind == "training":
        _training_needs(n, args)
        role = strings(args.get("RoleArn"))
    elif kind == "tuning":
        definitions = as_list(args.get("TrainingJobDefinition")) + as_list(args.get("TrainingJobDefinitions"))
        for definition in definitions:
            _training_needs(n, definition)
            role += strings(definition.get("RoleArn"))
    elif kind == "processing":
        n.image(args.get("AppSpecification", {}).get("ImageUri"), "the processing image")
        for source in args.get("ProcessingInputs", []):
            s3 = source.get("S3Input", {})
            n.read(s3.get("S3Uri"), f"input {source.get('InputName')}", prefix=s3.get("S3DataType") != "ManifestFile")
        output_config = args.get("ProcessingOutputConfig", {})
        for out in output_config.get("Outputs", []):
            n.write(
                out.get("S3Output", {}).get("S3Uri"),
                f"output {out.get('OutputName')} under",
                key=output_config.get("KmsKeyId"),
            )
        n.key_use(
            args.get("ProcessingResources", {}).get("ClusterConfig", {}).get("VolumeKmsKeyId"),
            "the job's volume key",
            "kms:CreateGrant",
        )
        n.network(args.get("NetworkConfig", {}).get("VpcConfig"), "the processing job")
        for supplied in ("SuppliedBaselineConstraints", "SuppliedBaselineStatistics"):
            uri = _resolve_expressions(step.get(supplied), steps)
            if uri is not None:
                n.read(uri, f"the check's {supplied}", prefix=False)
        role = strings(args.get("RoleArn"))
    elif kind == "automl":
        automl_channels: list[Any] = args.get("InputDataConfig", []) or []
        for channel in automl_channels:
            s3 = channel.get("DataSource", {}).get("S3DataSource", {})
            n.read(s3.get("S3Uri"), f"{channel.get('ChannelType', 'training')} data", prefix=True)
        output = args.get("OutputDataConfig", {})
        n.write(output.get("S3OutputPath"), "candidates and reports under", key=output.get("KmsKeyId"))
        role = strings(args.get("RoleArn"))
    elif kind == "transform":
        data = args.get("TransformInput", {}).get("DataSource", {}).get("S3DataSource", {})
        n.read(data.get("S3Uri"), "transform input", prefix=data.get("S3DataType") != "ManifestFile")
        output = args.get("TransformOutput", {})
        n.write(output.get("S3OutputPath"), "transform output under", key=output.get("KmsKeyId"))
        n.key_use(args.get("TransformResources", {}).get("VolumeKmsKeyId"), "the job's volume key", "kms:CreateGrant")
        model = str(args.get("ModelName", ""))
        model_step = re.match(r"^\{\{step\.(.+)\}\}$", model)
        if model_step:
            role = strings(
                _resolve_expressions(steps.steps.get(model_step[1], {}).get("Arguments", {}), steps).get(
                    "ExecutionRoleArn"
                )
            )
        elif (model_role := _model_role(ctx, model)) is not None:
            role = [model_role]
    for r in role:
        if kind != "transform":
            named_roles.add(r)
        yield n.obligation(logical_id, r)


def _training_needs(n: _Needs, args: Mapping[str, Any]) -> None:
    n.image(args.get("AlgorithmSpecification", {}).get("TrainingImage"), "the training image")
    channels: list[Any] = args.get("InputDataConfig", []) or []
    for channel in channels:
        s3 = channel.get("DataSource", {}).get("S3DataSource", {})
        n.read(s3.get("S3Uri"), f"channel {channel.get('ChannelName')}", prefix=s3.get("S3DataType") == "S3Prefix")
    output = args.get("OutputDataConfig", {})
    n.write(output.get("S3OutputPath"), "model artifacts under", key=output.get("KmsKeyId"))
    checkpoint = args.get("CheckpointConfig", {}).get("S3Uri")
    if checkpoint:
        n.read(checkpoint, "checkpoints under", prefix=True)
        n.write(checkpoint, "checkpoints under")
    n.key_use(args.get("ResourceConfig", {}).get("VolumeKmsKeyId"), "the job's volume key", "kms:CreateGrant")
    n.network(args.get("VpcConfig"), "the training job")


def _resolve_expressions(node: Any, steps: _PipelineSteps) -> Any:
    value = steps.value(node)
    if value is not node:
        return value
    if is_json_object(node):
        return {k: _resolve_expressions(v, steps) for k, v in node.items()}
    if is_json_list(node):
        return [_resolve_expressions(v, steps) for v in node]
    return node


def _may_pass_to_sagemaker(statement: Statement) -> bool:
    """Whether a PassRole statement lets the role go to SageMaker: not when its ``iam:PassedToService``
    names other services only (an EMR step's cluster roles, passed to EMR and EC2)."""
    services = (statement.conditions or {}).get("StringEquals", {}).get("iam:PassedToService")
    return services is None or "sagemaker.amazonaws.com" in as_list(services)


def _excess_pass_role(ctx: _Context, role: str, named: set[str]) -> list[str]:
    policies = ctx.policies.get(_role_key(role) or "", [])
    excess: list[str] = []
    for s in policies:
        if s.effect != "Allow" or not s.matches_action("iam:PassRole") or not _may_pass_to_sagemaker(s):
            continue
        for resource in s.resources:
            if resource not in named:
                excess.append(resource)
    return excess


@contract("AWS::SageMaker::ModelPackageGroup")
def _shared_registry(
    ctx: _Context, stack: StackTemplate, logical_id: str, resource: JsonObject
) -> Iterator[Obligation]:
    props = ctx.assembly.resolve(stack, resource.get("Properties", {}))
    policy = props.get("ModelPackageGroupPolicy")
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError:
            policy = None
    principals = {
        _account_of(p)
        for s in as_list(cast(JsonObject, policy or {}).get("Statement"))
        for p in as_list(s.get("Principal", {}).get("AWS"))
    }
    accounts = sorted(account for account in principals - {stack.account} if account is not None)
    if not accounts:
        return
    what = f"model package group {stack.path_of(logical_id)}"
    sources = ctx.assembly.resolve(stack, resource.get("Metadata", {}).get(MODEL_PACKAGE_SOURCES_METADATA))
    for account in accounts:
        n = _Needs(ctx, stack, f"{what} (shared with {account})")
        if not sources:
            n.unknowable.append(
                (
                    "SharedRegistrySources",
                    f"{what} is shared with account {account}, but where its versions' artifacts are is "
                    "not declared (sources=ModelPackageSources(...)): their access cannot be proven",
                )
            )
        else:
            for url in strings(sources.get("ModelDataUrls")):
                n.read(url, "model package artifacts", prefix=url.endswith("/"), list_prefix=False)
        yield n.obligation(logical_id, f"account:{account}")


def _account_of(principal: Any) -> str | None:
    text = str(principal)
    if re.fullmatch(r"\d{12}", text):
        return text
    match = re.match(r"^arn:aws[a-z-]*:iam::(\d{12}):root$", text)
    return match[1] if match else None


# --- the check --------------------------------------------------------------------------------------


def _role_key(role_arn: str) -> str | None:
    match = re.search(r":role/(?:.*/)?(\{\{[^}]+\}\}|[\w+=,.@-]+)$", role_arn)
    return match[1] if match else None


class RuntimeContractCheck:
    """Resolves every role's and every bucket's and key's policies of an assembly once, then proves
    each obligation."""

    def __init__(self, assembly: Assembly) -> None:
        self.assembly = assembly
        self.ctx = _Context(assembly)
        self.policies = self.ctx.policies = self._role_policies()
        self.resource_policies = self._resource_policies()

    def _role_policies(self) -> dict[str, list[Statement]]:
        a = self.assembly
        roles: dict[str, list[Statement]] = {}
        managed: dict[str, list[JsonObject]] = {}
        for stack, logical_id, resource in a.resources("AWS::IAM::ManagedPolicy"):
            props = a.resolve(stack, resource.get("Properties", {}))
            arn = a.resolve(stack, {"Ref": logical_id})
            managed[arn] = [props.get("PolicyDocument", {})]
        for stack, logical_id, resource in a.resources("AWS::IAM::Role"):
            props = a.resolve(stack, resource.get("Properties", {}))
            documents = [p.get("PolicyDocument", {}) for p in as_list(props.get("Policies")) if is_json_object(p)]
            for arn in strings(props.get("ManagedPolicyArns")):
                documents += managed.get(arn, [])
            roles.setdefault(a.placeholder(stack, logical_id), []).extend(statements_of(documents))
        for stack, _logical_id, resource in a.resources(
            "AWS::IAM::ManagedPolicy", "AWS::IAM::Policy", "AWS::IAM::RolePolicy"
        ):
            props = a.resolve(stack, resource.get("Properties", {}))
            names = strings(props.get("Roles")) + strings(props.get("RoleName"))
            statements = statements_of([props.get("PolicyDocument", {})])
            for name in names:
                roles.setdefault(name, []).extend(statements)
        return roles

    def _resource_policies(self) -> dict[str, list[tuple[Statement, list[str]]]]:
        """Bucket and key policies (statements with their principals) by the bucket's or key's ARN."""
        a = self.assembly
        out: dict[str, list[tuple[Statement, list[str]]]] = {}
        for stack, _, resource in a.resources("AWS::S3::BucketPolicy"):
            props = a.resolve(stack, resource.get("Properties", {}))
            for bucket in strings(props.get("Bucket")):
                out.setdefault(f"arn:aws:s3:::{bucket}", []).extend(_with_principals(props.get("PolicyDocument", {})))
        for stack, logical_id, resource in a.resources("AWS::KMS::Key"):
            props = a.resolve(stack, resource.get("Properties", {}))
            arn = a.resolve(stack, {"Fn::GetAtt": [logical_id, "Arn"]})
            out.setdefault(arn, []).extend(_with_principals(props.get("KeyPolicy", {})))
        return out

    def obligations(self) -> Iterator[Obligation]:
        for stack, logical_id, resource in self.assembly.resources():
            fn = _CONTRACTS.get(resource.get("Type", ""))
            if fn is not None:
                yield from fn(self.ctx, stack, logical_id, resource)

    def findings(self) -> list[Finding]:
        findings: list[Finding] = []
        seen: set[tuple[str, str, str]] = set()

        def report(rule: str, o: Obligation, message: str) -> None:
            key = (o.stack.artifact_id, o.logical_id, rule + message)
            if key not in seen:
                seen.add(key)
                findings.append(Finding(rule, o.stack, o.logical_id, message))

        for o in self.obligations():
            for rule, message in o.unknowable:
                report(rule, o, f"{message} (role {o.role})")
            if not o.needs:
                continue
            if o.role.startswith("account:"):
                account = o.role.split(":", 1)[1]
                for need in o.needs:
                    if not self._resource_policy_allows(account, need):
                        report(
                            f"MissingCrossAccountGrant[{need.action}]",
                            o,
                            f"{need.why}: the resource policy of {_owner_of(need.resource)} does not let account "
                            f"{account} call {need.action} on {need.resource}",
                        )
                continue
            key = _role_key(o.role)
            statements = self.policies.get(key) if key else None
            if statements is None:
                report(
                    "UnknownRole",
                    o,
                    f"{o.needs[0].why.split(':')[0]} runs as {o.role}, a role this app does not "
                    "define: its policies cannot be checked",
                )
                continue
            for need in o.needs:
                verdict = decide(statements, need.request())
                if verdict != "allowed":
                    report(
                        f"MissingGrant[{need.action}]",
                        o,
                        f"{need.why}: role {_role_path(self.assembly, key)} is not allowed {need.action} on "
                        f"{need.resource}" + (" (an explicit Deny applies)" if verdict == "denied" else ""),
                    )
        findings.extend(self._star_only_findings())
        return findings

    def _resource_policy_allows(self, account: str, need: Need) -> bool:
        owner = _owner_of(need.resource)
        request = Request(need.action, need.resource, {**need.context, "aws:PrincipalAccount": (account,)})
        entries = self.resource_policies.get(owner, [])
        principals = {account, f"arn:aws:iam::{account}:root", "*"}
        applicable = [
            s
            for s, who in entries
            if principals & set(who) or any(p.startswith(f"arn:aws:iam::{account}:") for p in who)
        ]
        return decide(applicable, request) == "allowed"

    def _star_only_findings(self) -> Iterator[Finding]:
        a = self.assembly
        for stack, logical_id, resource in a.resources("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy", "AWS::IAM::Role"):
            props = resource.get("Properties", {})
            documents = [props.get("PolicyDocument", {})] + [
                p.get("PolicyDocument", {}) for p in as_list(props.get("Policies"))
            ]
            for statement in statements_of(documents):
                if statement.effect != "Allow" or "*" in statement.resources or statement.not_resources:
                    continue
                for action in statement.actions:
                    if action.lower() in STAR_ONLY_ACTIONS:
                        yield Finding(
                            f"StarOnlyAction[{action}]",
                            stack,
                            logical_id,
                            f"{action} accepts only Resource '*' (it has no resource type in the IAM "
                            f"reference), so this grant on {list(statement.resources)} never applies",
                        )


def _with_principals(document: Mapping[str, Any]) -> list[tuple[Statement, list[str]]]:
    out: list[tuple[Statement, list[str]]] = []
    for raw in as_list(document.get("Statement")):
        principal = raw.get("Principal", {})
        who = (
            ["*"]
            if principal == "*"
            else [str(p) for p in as_list(principal.get("AWS"))]
            if is_json_object(principal)
            else []
        )
        out.append((Statement.from_json(raw), who))
    return out


def _owner_of(resource: str) -> str:
    """The bucket (``arn:aws:s3:::bucket``) or key ARN whose resource policy governs ``resource``."""
    parsed = _s3("s3://" + resource[len("arn:aws:s3:::") :]) if resource.startswith("arn:aws:s3:::") else None
    return f"arn:aws:s3:::{parsed[0]}" if parsed else resource


def _role_path(assembly: Assembly, key: str | None) -> str:
    found = assembly.resource_of(key or "")
    return found[0].path_of(found[1]) if found else str(key)


def check_templates(template_paths: Iterable[str]) -> list[Finding]:
    """Every missing grant of the stacks in ``template_paths`` (one cloud assembly)."""
    return RuntimeContractCheck(Assembly.from_template_paths(with_nested_templates(template_paths))).findings()


# --- the synth-time gate ----------------------------------------------------------------------------


def acknowledgment_id(rule: str) -> str:
    """The id ``Validations.acknowledge`` takes for a finding of ``rule`` (``MissingGrant[s3:GetObject]``)."""
    return f"{PLUGIN_NAME}::{rule}"


def _plugin_class() -> type:
    import jsii
    from aws_cdk import (
        IPolicyValidationContext,
        IPolicyValidationPlugin,
        PolicyValidationPluginReport,
        PolicyViolatingResource,
        PolicyViolation,
    )

    @jsii.implements(IPolicyValidationPlugin)
    class RuntimeContractsPlugin:
        """Runs the contracts once over every template of the app at synth; each missing grant fails
        the synth (``validation-report.json``) unless acknowledged on the resource."""

        @property
        def name(self) -> str:
            return PLUGIN_NAME

        @property
        def version(self) -> str | None:
            return None

        @property
        def rule_ids(self) -> list[str] | None:
            return None

        def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
            by_rule: dict[str, list[Finding]] = {}
            for finding in check_templates(context.template_paths):
                by_rule.setdefault(finding.rule, []).append(finding)
            violations = [
                PolicyViolation(
                    rule_name=rule,
                    description="; ".join(sorted({f.message for f in found})),
                    fix=f"grant it to the role, or acknowledge '{acknowledgment_id(rule)}' on the resource "
                    "with a reason (constructs_lib.acknowledge_runtime_contract)",
                    severity="error",
                    violating_resources=[
                        PolicyViolatingResource(
                            locations=["Properties"],
                            resource_logical_id=f.logical_id,
                            template_path=f.stack.template_path,
                            # None: CDK finds the construct from the logical id
                            construct_path=f.stack.recorded_path(f.logical_id),
                        )
                        for f in found
                    ],
                )
                for rule, found in sorted(by_rule.items())
            ]
            return PolicyValidationPluginReport(success=not violations, violations=violations)

    return RuntimeContractsPlugin


def runtime_contracts_plugin() -> Any:
    """The validation plugin (``Validations.of(app).add_plugins(...)``)."""
    return _plugin_class()()
