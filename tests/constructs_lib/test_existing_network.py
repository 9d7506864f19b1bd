"""The platform on an existing VPC with private-with-egress subnets (issue 14's "Done when"), and one
network argument shape for every construct that runs in a VPC."""

from __future__ import annotations

import inspect
import typing

import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Annotations, Match, Template

import constructs_lib as lib
from constructs_lib.training.pipeline.step import vpc_config
from tests.conftest import compliance_app, nag_findings, new_stack
from tests.constructs_lib.fakes import FakeEndpoint, FakeModelPackageGroup, FakePipeline
from tests.constructs_lib.inference_fixtures import artifacts, container

SUBNETS = ["subnet-0a", "subnet-0b"]
EGRESS = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)


def _platform_on_an_existing_vpc(stack) -> lib.PrivateNetwork:
    vpc = ec2.Vpc.from_vpc_attributes(
        stack,
        "Corporate",
        vpc_id="vpc-0123",
        availability_zones=["eu-west-1a", "eu-west-1b"],
        private_subnet_ids=SUBNETS,
        private_subnet_route_table_ids=["rtb-a", "rtb-b"],
    )
    # The VPC routes to the internet through NAT, accepted for the AWS APIs; S3 gets a gateway (free,
    # and keeps the data off the NAT).
    net = lib.PrivateNetwork(stack, "Net", vpc=vpc, vpc_subnets=EGRESS, internet_egress=True, s3_gateway_endpoint=True)
    key = lib.EncryptionKey(stack, "Key")
    data = lib.SecureBucket(stack, "Data", encryption_key=key)
    lib.StudioDomain(stack, "Studio", network=net, encryption_key=key, read_only_buckets=[data])
    lib.NotebookInstance(stack, "Notebook", network=net, encryption_key=key, name_prefix="nb")
    lib.JobRole(stack, "Jobs", job_kinds=["training"], inputs=[lib.S3Location(data, "raw/")], network=net)
    lib.Model(stack, "Model", network=net, containers=[container(artifacts(stack))])
    endpoint = FakeEndpoint(stack, "Endpoint", data_capture=lib.DataCaptureOptions(bucket=data))
    lib.ModelMonitor(
        stack,
        "Monitor",
        endpoint=endpoint,
        network=net,
        data_quality=lib.DataQualityMonitorOptions(
            baseline=lib.MonitoringBaseline(
                constraints_s3_uri=f"s3://{data.bucket_name}/b/constraints.json",
                statistics_s3_uri=f"s3://{data.bucket_name}/b/statistics.json",
            )
        ),
    )
    metric = cloudwatch.Metric(namespace="aws/sagemaker/Endpoints/data-metrics", metric_name="drift")
    alarm = cloudwatch.Alarm(stack, "Drift", metric=metric, threshold=0.1, evaluation_periods=1)
    lib.acknowledge(
        alarm,
        "The test's own drift alarm has no action: the trigger's rule watches it.",
        "HIPAA.Security-CloudWatchAlarmAction",
        "NIST.800.53.R5-CloudWatchAlarmAction",
    )
    lib.DriftRetraining(stack, "OnDrift", pipeline=FakePipeline(stack, "Pipeline"), alarms=[alarm], network=net)
    lib.DeployOnApproval(
        stack,
        "Deploy",
        model_package_group=FakeModelPackageGroup(),
        network=net,
        targets=[lib.DeploymentTarget(stack_name="serving", endpoint_name="churn", alarm_names=("a",))],
        approver_email_addresses=(),
    )
    return net


@pytest.fixture(scope="module")
def synthesized():
    """The platform on an existing VPC, in an app with the compliance packs: synthesized once, for the
    packs' findings and the template the other tests read (``Template.from_stack`` reads that
    synthesis's assembly); only read."""
    app = compliance_app()
    stack = new_stack(app)
    net = _platform_on_an_existing_vpc(stack)
    findings = nag_findings(app)
    return stack, net, Template.from_stack(stack), findings


@pytest.fixture(scope="module")
def built(synthesized):
    """(stack, network, template) of ``synthesized``."""
    stack, net, template, _ = synthesized
    return stack, net, template


def test_the_platform_runs_in_the_existing_vpcs_egress_subnets(built):
    stack, _, template = built
    template.resource_count_is("AWS::EC2::VPC", 0)
    template.resource_count_is("AWS::EC2::Subnet", 0)
    template.has_resource_properties("AWS::SageMaker::Domain", {"VpcId": "vpc-0123", "SubnetIds": SUBNETS})
    template.has_resource_properties("AWS::SageMaker::Model", {"VpcConfig": {"Subnets": SUBNETS}})
    template.has_resource_properties("AWS::SageMaker::NotebookInstance", {"SubnetId": "subnet-0a"})
    template.has_resource_properties(
        "AWS::SageMaker::DataQualityJobDefinition",
        {"NetworkConfig": {"VpcConfig": {"Subnets": SUBNETS, "SecurityGroupIds": Match.any_value()}}},
    )
    functions = template.find_resources("AWS::Lambda::Function", {"Properties": {"VpcConfig": Match.any_value()}})
    assert len(functions) >= 4  # teardown, drift starter, deployer, ...
    for function in functions.values():
        assert function["Properties"]["VpcConfig"]["SubnetIds"] == SUBNETS
    assert (vpc_config(built[1]) or {})["Subnets"] == SUBNETS  # what a pipeline step's network= renders


def test_the_only_endpoint_created_is_the_one_asked_for(built):
    _, _, template = built
    [endpoint] = template.find_resources("AWS::EC2::VPCEndpoint").values()
    assert endpoint["Properties"]["VpcEndpointType"] == "Gateway"
    assert endpoint["Properties"]["RouteTableIds"] == ["rtb-a", "rtb-b"]


def test_what_no_endpoint_serves_is_said_to_go_through_nat(built):
    stack, _, _ = built
    infos = Annotations.from_stack(stack).find_info(
        "*", Match.string_like_regexp("leaves through the subnets' internet")
    )
    paths = {i.id for i in infos}
    assert {"/Test/Studio", "/Test/Notebook", "/Test/Studio/Teardown", "/Test/Deploy"} <= paths
    # The jobs, the model and the monitor need only S3, which the gateway serves: nothing to say.
    assert not paths & {"/Test/Jobs", "/Test/Model", "/Test/Monitor"}


def test_the_platform_on_an_existing_vpc_is_compliant_under_the_nag_packs(synthesized):
    # The test's own drift alarm has no action (the trigger's rule watches it): acknowledged on it.
    _, _, _, findings = synthesized
    assert findings == []


# -- one network argument ---------------------------------------------------------------------------

#: Parameters that place network interfaces, by any spelling but ``network``.
_PLACEMENT_NAMES = {"vpc", "vpc_subnets", "subnets", "subnet", "security_group", "security_groups"}
#: Where another shape is right, and why.
_ALLOWED = {
    # The network itself: it is made of these.
    ("PrivateNetwork", "vpc"),
    ("PrivateNetwork", "vpc_subnets"),
    # A profile's apps may use other groups than the domain's: they are the apps' groups, not a placement.
    ("StudioUserProfile", "security_groups"),
    # The notebook instance takes one subnet, which must be one of its network's.
    ("NotebookInstance", "subnet"),
}


def _constructs():
    for name in lib.__all__:
        value = getattr(lib, name)
        if inspect.isclass(value) and hasattr(value, "__init__") and issubclass(value, lib_construct()):
            yield name, value


def lib_construct():
    from constructs import Construct

    return Construct


def test_every_construct_that_runs_in_a_vpc_takes_network_as_an_inetwork():
    takes_network = []
    for name, cls in _constructs():
        hints = typing.get_type_hints(cls.__init__)
        for parameter in inspect.signature(cls.__init__).parameters:
            if parameter in _PLACEMENT_NAMES and (name, parameter) not in _ALLOWED:
                pytest.fail(f"{name}({parameter}=...): a VPC placement is spelled network: INetwork")
            if parameter == "network":
                assert lib.INetwork in typing.get_args(hints["network"]) or hints["network"] is lib.INetwork, name
                takes_network.append(name)
    assert {
        "DeployOnApproval",
        "DriftRetraining",
        "JobRole",
        "Model",
        "ModelMonitor",
        "NewDataRetraining",
        "NotebookInstance",
        "ServedModelPackage",
        "StudioDomain",
        "StudioExecutionRole",
        "StudioTeardown",
    } <= set(takes_network)


def test_every_pipeline_job_takes_network_as_an_inetwork_and_isolation_as_its_own_option():
    from constructs_lib.training import pipeline

    jobs = {
        pipeline.TrainingJob: {"enable_network_isolation", "encrypt_inter_container_traffic"},
        pipeline.ProcessingStep: {"enable_network_isolation", "encrypt_inter_container_traffic"},
        pipeline.CheckJobConfig: {"enable_network_isolation", "encrypt_inter_container_traffic"},
        pipeline.CreateModelStep: {"enable_network_isolation"},
        pipeline.AutoMLStep: {"encrypt_inter_container_traffic"},  # AutoML jobs have no isolation switch
    }
    for cls, options in jobs.items():
        parameters = inspect.signature(cls.__init__).parameters
        assert str(parameters["network"].annotation) == "INetwork | None", cls.__name__
        assert options <= set(parameters), cls.__name__
        assert not (_PLACEMENT_NAMES & set(parameters)), cls.__name__
    assert not hasattr(pipeline, "JobNetwork")


def test_a_private_network_is_an_inetwork():
    stack = new_stack()
    net = lib.PrivateNetwork(stack, "Net", availability_zones=["eu-west-1a", "eu-west-1b"], interface_endpoints=())
    assert isinstance(net, lib.INetwork)
    assert net.security_groups == [net.workload_security_group] and len(net.subnets) == 2


def test_the_readme_network_example_synthesizes():
    import re

    from tests.conftest import ROOT

    text = (ROOT / "README.md").read_text().split("### Networks: a new VPC or an existing one", 1)[1]
    example = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    stack = new_stack()
    namespace = {"lib": lib, "stack": stack, "data": lib.SecureBucket(stack, "Data")}
    exec(compile(example, "README.md", "exec"), namespace)
    template = Template.from_stack(stack)
    [gateway] = template.find_resources("AWS::EC2::VPCEndpoint").values()  # the one asked for
    assert gateway["Properties"]["RouteTableIds"] == ["rtb-0a", "rtb-0b"]
    template.has_resource_properties("AWS::SageMaker::Domain", {"SubnetIds": ["subnet-0a", "subnet-0b"]})
