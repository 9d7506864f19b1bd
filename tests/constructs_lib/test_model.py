"""Model: images, artifacts, model packages, VPC and isolation by default, multi-model, multi-container."""

import pytest
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

from constructs_lib import (
    ConstructValidationError,
    ContainerDefinition,
    ContainerImage,
    InferenceExecutionMode,
    Model,
    ModelData,
    ModelPackageSources,
    PrivateNetwork,
)
from tests.conftest import compliance_app, nag_findings, new_stack
from tests.constructs_lib.inference_fixtures import PYTORCH_GPU, XGBOOST, artifacts, container, network, vpc_model


@pytest.fixture(scope="module")
def built():
    app = compliance_app()
    data = new_stack(app, "Data")
    bucket = artifacts(data)
    stack = new_stack(app, "Serve")
    net = network(stack)
    repo = ecr.Repository(stack, "Repo")
    single = Model(
        stack, "Single", network=net, containers=[container(bucket, environment={"SAGEMAKER_PROGRAM": "serve"})]
    )
    multi = Model(
        stack,
        "MultiModel",
        network=net,
        containers=[
            ContainerDefinition(
                image=ContainerImage.from_uri(XGBOOST),
                model_data=ModelData.from_bucket(bucket, "models/many/"),
                multi_model=True,
            )
        ],
    )
    pipeline = Model(
        stack,
        "Pipeline",
        network=net,
        containers=[
            ContainerDefinition(image=ContainerImage.from_ecr_repository(repo, "preprocess-1"), hostname="preprocess"),
            container(bucket, hostname="predict"),
        ],
    )
    direct = Model(
        stack,
        "Direct",
        network=net,
        inference_execution_mode=InferenceExecutionMode.DIRECT,
        containers=[container(bucket, hostname="a"), container(bucket, key="models/b/model.tar.gz", hostname="b")],
    )
    package = Model(
        stack,
        "Package",
        network=net,
        containers=[
            ContainerDefinition(
                model_package_arn="arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/3",
                model_package_sources=ModelPackageSources(
                    model_data=[ModelData.from_bucket(bucket, "registry/churn/")],
                    images=[ContainerImage.from_uri(XGBOOST)],
                ),
            )
        ],
    )
    findings = nag_findings(app)
    return {
        "template": Template.from_stack(stack),
        "findings": findings,
        "single": single,
        "multi": multi,
        "pipeline": pipeline,
        "direct": direct,
        "package": package,
    }


@pytest.fixture(scope="module")
def template(built) -> Template:
    return built["template"]


def _model(template: Template, logical_prefix: str) -> dict:
    found = {k: v for k, v in template.find_resources("AWS::SageMaker::Model").items() if k.startswith(logical_prefix)}
    assert len(found) == 1, found.keys()
    return next(iter(found.values()))["Properties"]


def test_models_are_network_isolated_in_the_vpc_by_default(template):
    props = _model(template, "Single")
    assert props["EnableNetworkIsolation"] is True
    assert len(props["VpcConfig"]["Subnets"]) == 2
    [group] = props["VpcConfig"]["SecurityGroupIds"]
    assert group["Fn::GetAtt"][0].startswith("NetWorkloadSecurityGroup")


def test_image_uri_artifact_and_environment_make_the_primary_container(template):
    container_props = _model(template, "Single")["PrimaryContainer"]
    assert container_props["Image"] == XGBOOST
    assert container_props["Environment"] == {"SAGEMAKER_PROGRAM": "serve"}
    url = container_props["ModelDataUrl"]["Fn::Join"][1]
    assert url[0] == "s3://" and url[-1] == "/models/xgb/model.tar.gz"


def test_multi_model_mode_serves_a_prefix_with_model_cache(template):
    container_props = _model(template, "MultiModel")["PrimaryContainer"]
    assert container_props["Mode"] == "MultiModel"
    assert container_props["MultiModelConfig"] == {"ModelCacheSetting": "Enabled"}
    assert container_props["ModelDataUrl"]["Fn::Join"][1][-1] == "/models/many/"


def test_several_containers_form_a_serial_pipeline_by_default(template):
    props = _model(template, "Pipeline")
    assert "PrimaryContainer" not in props
    assert [c["ContainerHostname"] for c in props["Containers"]] == ["preprocess", "predict"]
    assert props["InferenceExecutionConfig"] == {"Mode": "Serial"}


def test_direct_invocation_of_containers(template):
    assert _model(template, "Direct")["InferenceExecutionConfig"] == {"Mode": "Direct"}


def test_ecr_repository_image_is_tagged(template):
    image = _model(template, "Pipeline")["Containers"][0]["Image"]
    assert image["Fn::Join"][1][-1] == ":preprocess-1"


def test_model_package_seam_deploys_a_registered_version(template):
    props = _model(template, "Package")
    assert props["PrimaryContainer"] == {
        "ModelPackageName": "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/3"
    }


def test_a_model_package_model_reads_and_pulls_what_its_sources_declare(template):
    statements = _policy_of(template, "PackageRole")
    reads = [s for s in statements if s["Action"] == "s3:GetObject"]
    assert len(reads) == 1 and reads[0]["Resource"]["Fn::Join"][1][-1] == "/registry/churn/*"
    pulls = [s for s in statements if "ecr:BatchGetImage" in s["Action"]]
    assert pulls and pulls[0]["Resource"]["Fn::Join"][1][-1].endswith(":repository/sagemaker-xgboost")
    [model] = [v for k, v in template.find_resources("AWS::SageMaker::Model").items() if k.startswith("Package")]
    sources = model["Metadata"]["ConstructsLib::ModelPackageSources"]
    assert sources["Images"] == [XGBOOST]
    assert sources["ModelDataUrls"][0]["Fn::Join"][1][-1] == "/registry/churn/"


def _policy_of(template: Template, role_prefix: str) -> list[dict]:
    policies = {
        k: v for k, v in template.find_resources("AWS::IAM::ManagedPolicy").items() if k.startswith(role_prefix)
    }
    assert len(policies) == 1
    return next(iter(policies.values()))["Properties"]["PolicyDocument"]["Statement"]


def test_role_reads_only_its_artifact_and_pulls_only_its_repository(template):
    statements = _policy_of(template, "SingleRole")
    s3 = [s for s in statements if s["Action"] == "s3:GetObject"]
    assert len(s3) == 1 and s3[0]["Resource"]["Fn::Join"][1][-1] == "/models/xgb/model.tar.gz"
    ecr_pull = next(s for s in statements if "ecr:BatchGetImage" in s["Action"])
    assert ecr_pull["Resource"]["Fn::Join"][1][-1] == ":ecr:eu-west-1:141502667606:repository/sagemaker-xgboost"
    assert any(s["Action"] == "kms:Decrypt" for s in statements)
    actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert not any(a.endswith("*") for a in actions), actions
    assert not any("sagemaker:" in a for a in actions)


def test_multi_model_role_reads_the_prefix(template):
    s3 = [s for s in _policy_of(template, "MultiModelRole") if s["Action"] == "s3:GetObject"]
    assert s3[0]["Resource"]["Fn::Join"][1][-1] == "/models/many/*"


def test_role_manages_enis_only_in_its_subnets_and_security_groups(template):
    statements = {s.get("Sid"): s for s in _policy_of(template, "SingleRole")}
    create = statements["ModelNetworkCreateInterfaces"]["Resource"]
    joined = ["".join(p if isinstance(p, str) else "" for p in r["Fn::Join"][1]) for r in create]
    assert sum(":subnet/" in r for r in joined) == 2 and sum(":security-group/" in r for r in joined) == 1
    assert "ec2:Vpc" in statements["ModelNetworkManageInterfaces"]["Condition"]["ArnEquals"]
    assert statements["EndpointMetrics"]["Condition"] == {
        "StringEquals": {"cloudwatch:namespace": "/aws/sagemaker/Endpoints"}
    }


def test_models_are_compliant_under_the_nag_packs(built):
    assert built["findings"] == []


def test_model_attributes(built):
    single: Model = built["single"]
    assert single.network_isolation is True and single.in_vpc is True and single.multi_model is False
    assert built["multi"].multi_model is True
    assert built["pipeline"].inference_execution_mode == InferenceExecutionMode.SERIAL
    assert built["package"].uses_model_package is True
    assert single.model_arn and single.model_name and single.grant_principal


def test_given_role_is_used_instead_of_a_new_one():
    stack = new_stack()
    role = iam.Role.from_role_arn(stack, "Existing", "arn:aws:iam::123456789012:role/ml-model", mutable=False)
    vpc_model(stack, role=role)
    template = Template.from_stack(stack)
    assert (
        template.find_resources(
            "AWS::IAM::Role",
            {
                "Properties": {
                    "AssumeRolePolicyDocument": {
                        "Statement": [Match.object_like({"Principal": {"Service": "sagemaker.amazonaws.com"}})]
                    }
                }
            },
        )
        == {}
    )
    template.has_resource_properties(
        "AWS::SageMaker::Model", {"ExecutionRoleArn": "arn:aws:iam::123456789012:role/ml-model"}
    )


def test_image_value_classes():
    gpu = ContainerImage.from_uri(PYTORCH_GPU)
    assert gpu.is_gpu_build and gpu.tag.startswith("2.3.0-gpu")
    assert not ContainerImage.from_uri(XGBOOST).is_gpu_build
    assert ContainerImage.from_uri("docker.io/library/nginx:1").repository_arn is None


# --- bad input -----------------------------------------------------------------------------------


def _bad(**kwargs):
    stack = new_stack()
    bucket = artifacts(stack)
    kwargs.setdefault("network", None)
    if callable(kwargs.get("containers")):
        kwargs["containers"] = kwargs["containers"](bucket)
    Model(stack, "Bad", **kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"containers": []}, "containers=0: must hold at least 1 container"),
        ({"containers": lambda b: [container(b)] * 16}, "containers=16"),
        ({"containers": [ContainerDefinition()]}, "containers[0].image=None: is required"),
        (
            {
                "containers": lambda b: [
                    ContainerDefinition(
                        image=ContainerImage.from_uri(XGBOOST),
                        model_package_arn="arn:aws:sagemaker:eu-west-1:123456789012:model-package/g/1",
                    )
                ]
            },
            "comes with its own image and artifacts",
        ),
        ({"containers": [ContainerDefinition(model_package_arn="my-package")]}, "must be a model package ARN"),
        (
            {"containers": lambda b: [container(b, key="models/many/", multi_model=False)]},
            "must be a gzip-compressed tar archive",
        ),
        (
            {"containers": lambda b: [container(b, multi_model=True)]},
            "multi-model mode needs an S3 prefix ending in '/'",
        ),
        (
            {"containers": lambda b: [container(b, model_cache=False)]},
            "model_cache=False: applies to multi-model mode only",
        ),
        (
            {"containers": lambda b: [container(b, key="m/", multi_model=True), container(b)]},
            "multi-model mode needs a single container",
        ),
        (
            {"containers": lambda b: [container(b, hostname="x"), container(b, hostname="x")]},
            "containers[].hostname=['x']: names must be unique",
        ),
        ({"containers": lambda b: [container(b, hostname="bad_name")]}, "containers[0].hostname='bad_name'"),
        (
            {"containers": lambda b: [container(b)], "inference_execution_mode": InferenceExecutionMode.DIRECT},
            "inference_execution_mode='Direct': applies to models with 2 or more containers only",
        ),
        ({"containers": lambda b: [container(b, environment={"1BAD": "x"})]}, "containers[0].environment=['1BAD']"),
        (
            {"containers": lambda b: [container(b, image="my image")]},
            "image='my image': must match the pattern [\\S]+ (botocore ContainerImage)",
        ),
        ({"containers": lambda b: [container(b)], "model_name": "-bad-"}, "model_name='-bad-'"),
        ({"containers": lambda b: [container(b)], "endpoint_names": []}, "endpoint_names=[]: must name at least one"),
        ({"containers": lambda b: [container(b)], "endpoint_names": ["bad_name"]}, "endpoint_names='bad_name'"),
        ({"containers": lambda b: [container(b)], "endpoint_names": ["a*b"]}, "endpoint_names='a*b'"),
    ],
)
def test_rejects_bad_input_with_a_clear_message(kwargs, message):
    with pytest.raises(ConstructValidationError) as error:
        _bad(**kwargs)
    assert "Model 'Test/Bad' has invalid input" in str(error.value)
    assert message in str(error.value)


def test_endpoint_names_limit_the_log_groups_the_role_writes():
    from tests.iam_eval import Request, allowed

    stack = new_stack()
    Model(
        stack,
        "Named",
        network=None,
        containers=[container(artifacts(stack))],
        endpoint_names=["shop-dev-inference", "shop-dev-batch-*"],
    )
    statements = _policy_of(Template.from_stack(stack), "NamedRole")
    logs = "arn:aws:logs:eu-west-1:<AWS::AccountId>:log-group:/aws/sagemaker/Endpoints/"
    for group in ("shop-dev-inference", "shop-dev-batch-1"):
        assert allowed(statements, Request("logs:PutLogEvents", f"{logs}{group}:log-stream:AllTraffic/i-1"))
        assert allowed(statements, Request("logs:CreateLogGroup", f"{logs}{group}"))
    for group in ("shop-prod-inference", "shop-dev-inference-2", "shop-dev-other"):
        assert not allowed(statements, Request("logs:PutLogEvents", f"{logs}{group}:log-stream:AllTraffic/i-1"))


def test_an_existing_isolated_vpc_without_an_s3_gateway_is_refused_naming_it():
    from aws_cdk import aws_ec2 as ec2

    stack = new_stack()
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[ec2.SubnetConfiguration(name="p", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)],
    )
    net = PrivateNetwork(
        stack, "Net", vpc=vpc, vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
    )
    with pytest.raises(
        ConstructValidationError,
        match=r"(?s)Model 'Test/Bad'.*network='Test/Net'.*no 's3' gateway endpoint.*s3_gateway_endpoint=True",
    ):
        Model(stack, "Bad", network=net, containers=[container(artifacts(stack))])


def test_vpc_is_a_required_choice():
    stack = new_stack()
    with pytest.raises(TypeError, match="network"):
        Model(stack, "NoChoice", containers=[container(artifacts(stack))])  # type: ignore[call-arg]
