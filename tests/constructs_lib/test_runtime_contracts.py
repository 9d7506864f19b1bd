"""Run-time permission contracts: each kind of gap is caught, and what the library builds passes."""

from __future__ import annotations

import pytest
from aws_cdk import Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from constructs_lib import (
    RUNTIME_CONTRACTS,
    ContainerDefinition,
    ContainerImage,
    EncryptionKey,
    JobRole,
    MlPipeline,
    Model,
    ModelData,
    ModelPackageGroup,
    ModelPackageSources,
    S3Location,
    SecureBucket,
    acknowledge_runtime_contract,
)
from constructs_lib.foundation._runtime_contracts import check_templates, runtime_contracts_plugin
from constructs_lib.training.container_images import XGBOOST_REPOSITORY, xgboost_image_uri
from constructs_lib.training.pipeline import (
    IntegerRange,
    MetricDefinition,
    PipelineDefinition,
    TrainingChannel,
    TrainingJob,
    TrainingStep,
    TuningObjective,
    TuningStep,
)
from tests.conftest import new_app, new_stack
from tests.constructs_lib.inference_fixtures import XGBOOST, artifacts, container, network, vpc_model

PACKAGE = "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/3"


def findings(app) -> list[str]:
    """``<rule> at <stack>/<logical id>`` for every missing grant of ``app``'s templates."""
    assembly = app.synth()
    found = check_templates(s.template_full_path for s in assembly.stacks)
    return sorted(f"{f.rule} at {f.construct_path}" for f in found)


def rules_at(found: list[str], logical_prefix: str) -> set[str]:
    return {f.split(" at ")[0] for f in found if f.split(" at ")[1].split("/")[-1].startswith(logical_prefix)}


# --- models ------------------------------------------------------------------------------------------


def test_a_model_with_its_image_and_artifact_passes():
    app = new_app()
    vpc_model(new_stack(app))
    assert findings(app) == []


def test_a_model_package_model_without_sources_is_reported_and_with_sources_passes():
    app = new_app()
    stack = new_stack(app)
    bucket = artifacts(stack)
    net = network(stack)
    Model(stack, "Bare", network=net, containers=[ContainerDefinition(model_package_arn=PACKAGE)])
    Model(
        stack,
        "Declared",
        network=net,
        containers=[
            ContainerDefinition(
                model_package_arn=PACKAGE,
                model_package_sources=ModelPackageSources(
                    model_data=[ModelData.from_bucket(bucket, "registry/")], images=[ContainerImage.from_uri(XGBOOST)]
                ),
            )
        ],
    )
    found = findings(app)
    assert rules_at(found, "Bare") == {"ModelPackageSources"}
    assert rules_at(found, "Declared") == set()


def test_a_model_whose_role_lacks_its_grants_is_reported_per_missing_call():
    app = new_app()
    stack = new_stack(app)
    role = iam.Role(stack, "Fixed", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    Model(
        stack,
        "Model",
        network=None,
        network_isolation=False,
        role=role.without_policy_updates(),
        containers=[container(artifacts(stack))],
    )
    assert rules_at(findings(app), "Model") == {
        "MissingGrant[ecr:GetAuthorizationToken]",
        "MissingGrant[ecr:BatchGetImage]",
        "MissingGrant[ecr:GetDownloadUrlForLayer]",
        "MissingGrant[ecr:BatchCheckLayerAvailability]",
        "MissingGrant[s3:GetObject]",
        "MissingGrant[kms:Decrypt]",
    }


def test_an_image_in_another_account_cannot_be_proven_and_is_reported():
    app = new_app()
    stack = new_stack(app)
    Model(
        stack,
        "Foreign",
        network=None,
        network_isolation=False,
        containers=[container(artifacts(stack), image="999999999999.dkr.ecr.eu-west-1.amazonaws.com/team/model:1")],
    )
    assert rules_at(findings(app), "Foreign") == {"CrossAccountImage[999999999999]"}


def test_a_role_the_app_does_not_define_is_reported():
    app = new_app()
    stack = new_stack(app)
    imported = iam.Role.from_role_arn(stack, "Imported", "arn:aws:iam::123456789012:role/models", mutable=False)
    Model(
        stack, "Model", network=None, network_isolation=False, role=imported, containers=[container(artifacts(stack))]
    )
    assert rules_at(findings(app), "Model") == {"UnknownRole"}


# --- jobs --------------------------------------------------------------------------------------------


def _training_pipeline(with_network: bool, job_role: bool = True, app=None):
    app = app or new_app()
    stack = new_stack(app)
    key = EncryptionKey(stack, "Key")
    bucket = SecureBucket(stack, "Work", encryption_key=key)
    net = network(stack)
    work = S3Location(bucket, "work/")
    role = JobRole(
        stack,
        "JobRole",
        job_kinds=["training"],
        inputs=[work],
        outputs=[work],
        encryption_keys=[key],
        aws_image_repositories=[XGBOOST_REPOSITORY],
        network=net if with_network else None,
    )
    train = TrainingStep(
        "Train",
        job=TrainingJob(
            # The JobRole, or its IAM role (which MlPipeline does not grant the step's network).
            role=role if job_role else role.role,
            image=ContainerImage.from_uri(xgboost_image_uri("eu-west-1")),
            instance_type="ml.m5.xlarge",
            output_path=work.child("models/"),
            output_kms_key=key,
            volume_kms_key=key,
            channels=[TrainingChannel("train", work.child("train/"), content_type="text/csv")],
            network=net,
        ),
    )
    MlPipeline(stack, "Pipeline", pipeline_name="train", definition=PipelineDefinition(steps=[train]))
    return app


@pytest.fixture(scope="module")
def job_role_without_network() -> tuple[list[str], list[str], Template]:
    """``_training_pipeline(with_network=False)`` in an app with the compliance packs, synthesized
    once: the packs' findings (``nag_findings``), the contract findings of that synthesis's templates
    (``findings``: the packs change no template) and the template (``Template.from_stack`` reads
    that assembly). Its tests only read them."""
    from tests.conftest import compliance_app, nag_findings

    app = _training_pipeline(with_network=False, app=compliance_app())
    nag = nag_findings(app)
    return nag, findings(app), Template.from_stack(app.node.find_child("Test"))


def test_a_vpc_job_whose_job_role_has_no_network_gets_its_steps_network(job_role_without_network):
    _, found, template = job_role_without_network
    assert found == []
    policies = template.find_resources("AWS::IAM::ManagedPolicy")
    sids = {
        s.get("Sid")
        for k, p in policies.items()
        if k.startswith("JobRole")
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    }
    assert {"JobNetworkDescribe", "JobNetworkCreateInterfaces", "JobNetworkManageInterfaces"} <= sids


def test_a_job_role_granted_its_steps_network_is_nag_clean(job_role_without_network):
    nag, _, _ = job_role_without_network
    assert nag == []


def test_a_vpc_job_whose_iam_role_has_no_network_permissions_is_reported():
    found = findings(_training_pipeline(with_network=False, job_role=False))
    network_rules = {r for r in rules_at(found, "Pipeline") if r.startswith("MissingGrant[ec2:")}
    assert network_rules == {
        "MissingGrant[ec2:CreateNetworkInterface]",
        "MissingGrant[ec2:CreateNetworkInterfacePermission]",
        "MissingGrant[ec2:DeleteNetworkInterface]",
        "MissingGrant[ec2:DeleteNetworkInterfacePermission]",
        "MissingGrant[ec2:DescribeDhcpOptions]",
        "MissingGrant[ec2:DescribeNetworkInterfaces]",
        "MissingGrant[ec2:DescribeSecurityGroups]",
        "MissingGrant[ec2:DescribeSubnets]",
        "MissingGrant[ec2:DescribeVpcs]",
    }


def test_a_vpc_job_whose_role_runs_in_its_network_passes():
    assert findings(_training_pipeline(with_network=True)) == []


def test_a_tuning_job_whose_role_cannot_write_its_outputs_or_use_its_keys_is_reported():
    app = new_app()
    stack = new_stack(app)
    key = EncryptionKey(stack, "Key")
    bucket = SecureBucket(stack, "Work", encryption_key=key)
    work = S3Location(bucket, "work/")
    # reads the training data, but was given no output prefix and no keys
    role = JobRole(
        stack,
        "JobRole",
        job_kinds=["tuning"],
        inputs=[work.child("train/")],
        aws_image_repositories=[XGBOOST_REPOSITORY],
    )
    job = TrainingJob(
        role=role,
        image=ContainerImage.from_uri(xgboost_image_uri("eu-west-1")),
        instance_type="ml.m5.xlarge",
        output_path=work.child("models/"),
        output_kms_key=key,
        volume_kms_key=key,
        channels=[TrainingChannel("train", work.child("train/"), content_type="text/csv")],
        metric_definitions=[MetricDefinition("validation:auc", r"validation-auc:([0-9.]+)")],
    )
    tune = TuningStep(
        "Tune", job=job, objective=TuningObjective("validation:auc"), ranges=[IntegerRange("max_depth", 3, 9)]
    )
    MlPipeline(stack, "Pipeline", pipeline_name="tune", definition=PipelineDefinition(steps=[tune]))
    assert rules_at(findings(app), "Pipeline") == {
        "MissingGrant[s3:PutObject]",
        "MissingGrant[kms:GenerateDataKey]",
        "MissingGrant[kms:CreateGrant]",
    }


def test_a_pipeline_role_that_may_pass_other_roles_is_reported():
    app = _training_pipeline(with_network=True)
    stack = app.node.find_child("Test")
    pipeline: MlPipeline = stack.node.find_child("Pipeline")
    pipeline.role.add_to_principal_policy(iam.PolicyStatement(actions=["iam:PassRole"], resources=["*"]))
    assert "ExcessPassRole" in rules_at(findings(app), "Pipeline")


# --- the registry ------------------------------------------------------------------------------------


def _shared_group(sources: str | None):
    app = new_app()
    stack = new_stack(app)
    data = None
    if sources == "secure":
        data = ModelData.from_bucket(artifacts(stack), "models/")
    elif sources == "imported":
        data = ModelData.from_bucket(s3.Bucket.from_bucket_name(stack, "Elsewhere", "elsewhere"), "models/")
    ModelPackageGroup(
        stack,
        "Registry",
        model_package_group_name="churn",
        shared_with_accounts=["222222222222"],
        sources=ModelPackageSources(model_data=[data]) if data else None,
    )
    return findings(app)


def test_a_registry_shared_without_declared_artifacts_is_reported():
    assert rules_at(_shared_group(None), "Registry") == {"SharedRegistrySources"}


def test_a_registry_shared_without_access_to_its_bucket_is_reported():
    # an imported bucket's policy is not the app's to change: the consumer account cannot read
    assert rules_at(_shared_group("imported"), "Registry") == {"MissingCrossAccountGrant[s3:GetObject]"}


def test_a_registry_shared_with_its_bucket_and_key_passes():
    assert _shared_group("secure") == []


# --- '*'-only actions --------------------------------------------------------------------------------


def test_an_action_that_accepts_only_star_granted_on_an_arn_is_reported():
    app = new_app()
    stack = new_stack(app)
    role = iam.Role(stack, "Logs", assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"))
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["logs:DescribeLogGroups"], resources=["arn:aws:logs:eu-west-1:123456789012:log-group:*"]
        )
    )
    role.add_to_policy(iam.PolicyStatement(actions=["ecr:GetAuthorizationToken"], resources=["*"]))
    assert [f.split(" at ")[0] for f in findings(app)] == ["StarOnlyAction[logs:DescribeLogGroups]"]


# --- the gate ----------------------------------------------------------------------------------------


def _gated_app_with_a_gap():
    app = new_app()
    Validations.of(app).add_plugins(runtime_contracts_plugin())
    stack = new_stack(app)
    role = iam.Role(stack, "Fixed", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    role.add_to_policy(iam.PolicyStatement(actions=["ecr:GetAuthorizationToken"], resources=["*"]))
    role.add_to_policy(
        iam.PolicyStatement(
            actions=["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
            resources=["arn:aws:ecr:eu-west-1:141502667606:repository/sagemaker-xgboost"],
        )
    )
    bucket = s3.Bucket.from_bucket_name(stack, "Artifacts", "artifacts")
    model = Model(
        stack,
        "Model",
        network=None,
        network_isolation=False,
        role=role.without_policy_updates(),
        containers=[
            ContainerDefinition(
                image=ContainerImage.from_uri(XGBOOST), model_data=ModelData.from_bucket(bucket, "m/model.tar.gz")
            )
        ],
    )
    return app, model


@pytest.fixture(scope="module")
def gated_app_with_a_gap():
    """``_gated_app_with_a_gap()``, for the tests that do not acknowledge its gap: the failing
    synthesis, and an acknowledgment refused (for its reason) before it records anything."""
    return _gated_app_with_a_gap()


def test_synth_fails_naming_the_resource_the_role_and_the_missing_grant(gated_app_with_a_gap):
    app, _ = gated_app_with_a_gap
    with pytest.raises(RuntimeError) as failure:
        app.synth()
    message = str(failure.value)
    assert "MissingGrant[s3:GetObject]" in message
    assert "Test/Model" in message and "role Test/Fixed" in message
    assert "arn:aws:s3:::artifacts/m/model.tar.gz" in message
    assert f"{RUNTIME_CONTRACTS}::MissingGrant[s3:GetObject]" in message


def test_an_acknowledgment_on_the_resource_lets_synth_pass():
    app, model = _gated_app_with_a_gap()
    acknowledge_runtime_contract(
        model, "Test: the artifact bucket's policy grants this role, managed elsewhere.", "MissingGrant[s3:GetObject]"
    )
    app.synth()


def test_an_acknowledgment_needs_a_real_reason(gated_app_with_a_gap):
    _, model = gated_app_with_a_gap
    with pytest.raises(ValueError, match="needs a real reason"):
        acknowledge_runtime_contract(model, "ok", "MissingGrant[s3:GetObject]")


def test_the_readme_acknowledgment_example_lets_a_foreign_image_synthesize():
    from tests.conftest import ROOT

    section = (ROOT / "README.md").read_text().split("### Run-time permission contracts")[1]
    example = section.split("```python\n")[1].split("```")[0]
    app = new_app()
    Validations.of(app).add_plugins(runtime_contracts_plugin())
    stack = new_stack(app)
    model = Model(
        stack,
        "Foreign",
        network=None,
        network_isolation=False,
        containers=[container(artifacts(stack), image="999999999999.dkr.ecr.eu-west-1.amazonaws.com/team/model:1")],
    )
    import constructs_lib as lib

    exec(example, {"lib": lib, "model": model})  # noqa: S102 - our own README
    app.synth()


# --- endpoint configs --------------------------------------------------------------------------------


def test_data_capture_the_model_role_cannot_write_is_reported_and_a_library_endpoint_passes():
    from constructs_lib import DataCaptureOptions, InstanceVariant, RealtimeEndpoint

    app = new_app()
    stack = new_stack(app)
    net = network(stack)
    capture = SecureBucket(stack, "Capture")
    RealtimeEndpoint(
        stack,
        "Good",
        variants=[InstanceVariant(model=vpc_model(stack, "GoodModel", net=net), instance_type="ml.m5.large")],
        data_capture=DataCaptureOptions(bucket=capture),
    )
    fixed = iam.Role(stack, "Fixed", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    ungranted = vpc_model(stack, "FixedModel", net=net, role=fixed.without_policy_updates())
    RealtimeEndpoint(
        stack,
        "Bad",
        variants=[InstanceVariant(model=ungranted, instance_type="ml.m5.large")],
        data_capture=DataCaptureOptions(bucket=capture),
    )
    found = findings(app)
    assert rules_at(found, "GoodConfig") == set()
    assert {"MissingGrant[s3:PutObject]", "MissingGrant[kms:GenerateDataKey]"} <= rules_at(found, "BadConfig")


# --- nested stacks -----------------------------------------------------------------------------------


def test_the_gate_checks_nested_stacks_whose_values_come_from_the_parent():
    """A validation plugin is given the top-level templates only: the gate adds the nested stacks'
    templates, and resolves their parameters through what the parent passes (a VPC model in a nested
    stack, its network in the parent: proven), so a gap inside one still fails synth."""
    from aws_cdk import NestedStack

    app = new_app()
    Validations.of(app).add_plugins(runtime_contracts_plugin())
    stack = new_stack(app)
    net, bucket = network(stack), artifacts(stack)
    nested = NestedStack(stack, "Models")
    Model(nested, "InVpc", network=net, containers=[container(bucket)])
    assert findings(app) == []  # the library's VPC model passes, its network read through the parent
    role = iam.Role(nested, "Fixed", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    Model(
        nested,
        "Bare",
        network=None,
        network_isolation=False,
        role=role.without_policy_updates(),
        containers=[container(bucket)],
    )
    with pytest.raises(RuntimeError) as failure:
        app.synth(force=True)
    assert "MissingGrant[s3:GetObject]" in str(failure.value) and "Models/Bare" in str(failure.value)


def _scoped_training_pipeline(*, tagged: bool):
    app = _training_pipeline(with_network=True)
    stack = app.node.find_child("Test")
    old: MlPipeline = stack.node.find_child("Pipeline")
    pipeline = MlPipeline(
        stack, "Scoped", pipeline_name="scoped", definition=old.definition, scope_tag=("environment", "dev")
    )
    if not tagged:  # the role requires the tag; the definition no longer carries it
        pipeline.resource.pipeline_definition = {
            "PipelineDefinitionBody": stack.to_json_string(old.definition.render(pipeline))
        }
    return app


def test_a_scoped_pipeline_whose_steps_carry_its_tag_passes():
    assert findings(_scoped_training_pipeline(tagged=True)) == []


def test_a_scoped_pipeline_whose_steps_lack_its_tag_is_reported():
    assert rules_at(findings(_scoped_training_pipeline(tagged=False)), "Scoped") == {
        "MissingGrant[sagemaker:CreateTrainingJob]",
        "MissingGrant[sagemaker:DescribeTrainingJob]",
        "MissingGrant[sagemaker:StopTrainingJob]",
    }
