"""Values: the InstanceType value class per API, enums equal to botocore's, the shared shape checker,
and tokens accepted wherever a value is (a number token is a float such as -1.888e+289 at synth)."""

from __future__ import annotations

from enum import StrEnum

import aws_cdk as cdk
import pytest
from aws_cdk import CfnParameter, Duration, Token
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from constructs_lib import (
    AppNetworkAccessType,
    AsyncEndpoint,
    AsyncScalingOptions,
    AuthMode,
    ConstructValidationError,
    InstanceType,
    InstanceTypeApi,
    InstanceVariant,
    ModelApprovalStatus,
    ProblemType,
    RealtimeEndpoint,
    ScheduledScaling,
    ServerlessEndpoint,
    ServerlessVariant,
    StudioAppType,
)
from constructs_lib._core import service_model
from constructs_lib._core.validation import Problems, is_unresolved
from constructs_lib.foundation.container_image import ContainerImage
from constructs_lib.platform.feature_group import FeatureType, TableFormat
from constructs_lib.platform.mlflow_tracking_server import TrackingServerSize
from constructs_lib.training.pipeline import PipelineDefinition, ProcessingStep, TrainingStep, TransformStep
from constructs_lib.training.pipeline.values import BOTOCORE_ENUMS
from tests.conftest import new_stack
from tests.constructs_lib.inference_fixtures import artifacts, cheap_model, serverless_model
from tests.constructs_lib.pipeline.conftest import ROLE_ARN, SKLEARN, training_job


@pytest.fixture(scope="module")
def role() -> iam.IRole:
    return iam.Role.from_role_arn(new_stack(), "JobRole", ROLE_ARN)


# --- InstanceType ------------------------------------------------------------------------------------


def test_instance_type_constants_and_of_name_the_same_type():
    assert InstanceType.of("ml.m5.large") == InstanceType.ML_M5_LARGE
    assert str(InstanceType.ML_G5_XLARGE) == "ml.g5.xlarge" and InstanceType.ML_G5_XLARGE.family == "g5"
    assert len({InstanceType.of("ml.m5.large"), InstanceType.ML_M5_LARGE}) == 1


def test_every_constant_is_a_type_some_api_takes():
    constants = [v for k, v in vars(InstanceType).items() if k.startswith("ML_")]
    assert len(constants) >= 10
    assert all(any(c.problem(api) is None for api in InstanceTypeApi) for c in constants)


def test_each_api_reads_its_own_botocore_list():
    assert {api.value for api in InstanceTypeApi} == {
        "ProductionVariantInstanceType",
        "TrainingInstanceType",
        "ProcessingInstanceType",
        "TransformInstanceType",
        "InstanceType",
        "AppInstanceType",
    }
    assert all(service_model.enum(api) for api in InstanceTypeApi)


@pytest.mark.parametrize(
    ("name", "accepted_by", "refused_by"),
    [
        # t2 hosts endpoints and notebooks, but trains nothing.
        ("ml.t2.medium", InstanceTypeApi.ENDPOINT, InstanceTypeApi.TRAINING),
        # m5.large runs jobs and endpoints but not notebook instances.
        ("ml.m5.large", InstanceTypeApi.PROCESSING, InstanceTypeApi.NOTEBOOK),
        # Inferentia serves and transforms; it does not process.
        ("ml.inf2.xlarge", InstanceTypeApi.TRANSFORM, InstanceTypeApi.PROCESSING),
        ("ml.t3.medium", InstanceTypeApi.STUDIO_APP, InstanceTypeApi.ENDPOINT),
    ],
)
def test_a_type_is_checked_against_the_list_of_the_api_that_takes_it(name, accepted_by, refused_by):
    assert InstanceType.of(name).problem(accepted_by) is None
    problem = InstanceType.of(name).problem(refused_by)
    assert problem is not None and f"(botocore {refused_by.value}" in problem


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [("ml.m5.xlarg", "ml.m5.xlarge"), ("m5.large", "ml.m5.large"), ("ML.G5.XLARGE", "ml.g5.xlarge")],
)
def test_refusals_suggest_close_matches(name, suggestion):
    assert f"did you mean {suggestion}" in InstanceType.of(name).problem(InstanceTypeApi.TRAINING)


def test_a_token_instance_type_is_accepted_by_every_api():
    token = InstanceType.of(CfnParameter(new_stack(), "Type").value_as_string)
    assert token.is_unresolved and token.family is None and not token.has_instance_storage
    assert all(token.problem(api) is None for api in InstanceTypeApi)


def test_endpoint_variants_refuse_a_training_only_type_with_a_suggestion():
    stack = new_stack()
    with pytest.raises(ConstructValidationError) as error:
        RealtimeEndpoint(stack, "Bad", variants=[InstanceVariant(model=cheap_model(stack), instance_type="ml.m5.larg")])
    message = str(error.value)
    assert "RealtimeEndpoint 'Test/Bad'" in message
    assert "variants[0].instance_type='ml.m5.larg': must be one of the" in message
    assert "botocore ProductionVariantInstanceType" in message and "did you mean ml.m5.large" in message


def test_endpoint_variants_take_an_instance_type_value():
    stack = new_stack()
    RealtimeEndpoint(
        stack, "Ok", variants=[InstanceVariant(model=cheap_model(stack), instance_type=InstanceType.ML_C5_XLARGE)]
    )
    (config,) = Template.from_stack(stack).find_resources("AWS::SageMaker::EndpointConfig").values()
    assert config["Properties"]["ProductionVariants"][0]["InstanceType"] == "ml.c5.xlarge"


@pytest.mark.parametrize(
    ("step", "shape"),
    [
        (
            lambda role: TrainingStep("Job", job=training_job(role, instance_type="ml.t2.medium")),
            "TrainingInstanceType",
        ),
        (
            lambda role: ProcessingStep(
                "Job",
                role=role,
                image=ContainerImage.from_uri(SKLEARN),
                instance_type="ml.inf2.xlarge",
                code="s3://b/code/x.py",
            ),
            "ProcessingInstanceType",
        ),
        (
            lambda role: TransformStep(
                "Job",
                model_name="m",
                instance_type="ml.t3.medium",
                input_s3_uri="s3://b/in/",
                output_path="s3://b/out/",
            ),
            "TransformInstanceType",
        ),
    ],
)
def test_pipeline_steps_check_the_type_against_their_job_api(role, step, shape):
    with pytest.raises(ConstructValidationError, match=rf"instance_type='ml\.[^']+': .*botocore {shape}"):
        PipelineDefinition(steps=[step(role)]).render()


def test_pipeline_steps_take_instance_type_values(role):
    definition = PipelineDefinition(
        steps=[TrainingStep("Train", job=training_job(role, instance_type=InstanceType.ML_M5_XLARGE))]
    ).render()
    assert definition["Steps"][0]["Arguments"]["ResourceConfig"]["InstanceType"] == "ml.m5.xlarge"


# --- enums -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("enum", "shape"),
    [
        (AuthMode, "AuthMode"),
        (AppNetworkAccessType, "AppNetworkAccessType"),
        (ProblemType, "MonitoringProblemType"),
        (TrackingServerSize, "TrackingServerSize"),
        (FeatureType, "FeatureType"),
        *BOTOCORE_ENUMS.items(),
    ],
    ids=lambda x: getattr(x, "__name__", x),
)
def test_each_enum_equals_botocores(enum, shape):
    assert {member.value for member in enum} == set(service_model.enum(shape))


def test_enums_that_are_subsets_say_which_values_this_library_configures():
    # Spaces and lifecycle configurations of the new Studio; Glue and Iceberg offline tables.
    assert {t.value for t in StudioAppType} <= set(service_model.enum("AppType"))
    assert {t.value for t in StudioAppType} <= set(service_model.enum("StudioLifecycleConfigAppType"))
    assert {t.value for t in TableFormat} <= set(service_model.enum("TableFormat"))


def test_string_enums_still_compare_with_their_values():
    assert AuthMode.SSO == "SSO" and str(ModelApprovalStatus.APPROVED) == "Approved"
    assert all(issubclass(e, StrEnum) for e in (AuthMode, AppNetworkAccessType, ProblemType, *BOTOCORE_ENUMS))


def test_a_bad_enum_value_is_refused_with_botocores_values(idle_token_space):
    """The domain is built in a fresh stack on ``idle_token_space``'s network, key and bucket:
    ``StudioDomain`` checks its arguments (of the network, only how many subnets and security groups
    it has) before it touches any of them."""
    from constructs_lib import StudioDomain

    (network, key, bucket), _ = idle_token_space
    with pytest.raises(
        ConstructValidationError, match=r"auth_mode='LDAP': must be one of SSO, IAM \(botocore AuthMode\)"
    ):
        StudioDomain(new_stack(), "Studio", network=network, encryption_key=key, buckets=[bucket], auth_mode="LDAP")


# --- the shape checker -------------------------------------------------------------------------------

VARIANT = "CreateEndpointConfigInput.ProductionVariants.member"


@pytest.mark.parametrize(
    ("value", "path", "problem"),
    [
        (0, f"{VARIANT}.InitialInstanceCount", "must be an integer of at least 1 (botocore InitialTaskCount)"),
        (1.5, f"{VARIANT}.InitialInstanceCount", "must be an integer of at least 1"),
        ("3", f"{VARIANT}.InitialInstanceCount", "must be an integer of at least 1"),
        (
            513,
            f"{VARIANT}.VolumeSizeInGB",
            "must be an integer from 1 to 512 (botocore ProductionVariantVolumeSizeInGB)",
        ),
        ("a" * 64, f"{VARIANT}.VariantName", "must be at most 63 characters long (botocore VariantName)"),
        ("-blue", f"{VARIANT}.VariantName", "must match the pattern [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"),
        (
            "Regresion",
            "CreateModelQualityJobDefinitionRequest.ModelQualityAppSpecification.ProblemType",
            "did you mean Regression?",
        ),
        ([], "CreateFeatureGroupRequest.FeatureDefinitions", "must hold from 1 to 2500 items"),
        (
            {f"K{i}": "v" for i in range(101)},
            "CreateModelInput.PrimaryContainer.Environment",
            "must hold at most 100 entries",
        ),
    ],
)
def test_shape_checks_read_lengths_ranges_patterns_and_enums_from_botocore(value, path, problem):
    assert problem in (service_model.shape_problem(value, path) or "")


@pytest.mark.parametrize(
    ("value", "path"),
    [
        (1, f"{VARIANT}.InitialInstanceCount"),
        (512, f"{VARIANT}.VolumeSizeInGB"),
        ("blue-green", f"{VARIANT}.VariantName"),
        (AuthMode.SSO, "CreateDomainRequest.AuthMode"),
        (None, f"{VARIANT}.VolumeSizeInGB"),
    ],
)
def test_shape_checks_accept_what_the_api_takes(value, path):
    assert service_model.shape_problem(value, path) is None


def test_shape_checks_skip_tokens():
    stack = new_stack()
    number = CfnParameter(stack, "N", type="Number").value_as_number
    assert number < 0  # what a number token looks like at synth
    assert service_model.shape_problem(number, f"{VARIANT}.InitialInstanceCount") is None
    assert service_model.shape_problem(CfnParameter(stack, "S").value_as_string, f"{VARIANT}.VariantName") is None
    names = CfnParameter(stack, "L", type="CommaDelimitedList").value_as_list
    assert service_model.shape_problem(names, "CreateFeatureGroupRequest.FeatureDefinitions") is None


def test_check_shape_names_the_construct_the_property_the_value_and_what_is_allowed():
    problems = Problems("Stack/Endpoint", "RealtimeEndpoint")
    service_model.check_shape(problems, "variants[0].volume_size_gb", 600, f"{VARIANT}.VolumeSizeInGB")
    with pytest.raises(ConstructValidationError) as error:
        problems.raise_if_any()
    assert str(error.value) == (
        "RealtimeEndpoint 'Stack/Endpoint' has invalid input:\n"
        "  - variants[0].volume_size_gb=600: must be an integer from 1 to 512 "
        "(botocore ProductionVariantVolumeSizeInGB)"
    )


# --- number tokens where a number goes (each place that compared or converted them) -----------------


def _number(stack: cdk.Stack, name: str = "Count") -> float:
    return Token.as_number(CfnParameter(stack, name, type="Number").value_as_number)


def test_a_token_autoscaling_maximum_is_accepted():
    stack = new_stack()
    variant = InstanceVariant(model=cheap_model(stack))
    endpoint = RealtimeEndpoint(stack, "Endpoint", variants=[variant])
    endpoint.variant().auto_scale_instance_count(max_capacity=_number(stack))
    (target,) = Template.from_stack(stack).find_resources("AWS::ApplicationAutoScaling::ScalableTarget").values()
    assert target["Properties"]["MaxCapacity"] == {"Ref": "Count"}


def test_token_counts_and_capacities_are_accepted_in_variants_and_schedules():
    stack = new_stack()
    night = ScheduledScaling(
        "Night", appscaling.Schedule.cron(hour="20"), min_capacity=1, max_capacity=_number(stack, "NightMax")
    )
    variant = InstanceVariant(
        model=cheap_model(stack),
        initial_instance_count=_number(stack, "Initial"),
    )
    endpoint = RealtimeEndpoint(stack, "Endpoint", variants=[variant])
    endpoint.variant().auto_scale_instance_count(min_capacity=_number(stack, "Min"), max_capacity=4, schedules=[night])


def test_token_concurrency_is_accepted_by_serverless_endpoints():
    stack = new_stack()
    variant = ServerlessVariant(
        model=serverless_model(stack),
        max_concurrency=_number(stack, "Max"),
        provisioned_concurrency=_number(stack, "Provisioned"),
    )
    endpoint = ServerlessEndpoint(stack, "Endpoint", variant=variant)
    endpoint.variant().auto_scale_provisioned_concurrency(max_capacity=_number(stack, "ScaleMax"))


def test_a_token_async_scaling_maximum_is_accepted():
    stack = new_stack()
    variant = InstanceVariant(model=cheap_model(stack), initial_instance_count=1)
    AsyncEndpoint(
        stack,
        "Endpoint",
        variant=variant,
        bucket=artifacts(stack),
        scaling=AsyncScalingOptions(max_capacity=_number(stack)),
    )


def test_a_token_training_instance_count_is_accepted(role):
    stack = new_stack()
    step = TrainingStep("Train", job=training_job(role, instance_count=_number(stack)))
    definition = stack.resolve(PipelineDefinition(steps=[step]).render())
    assert definition["Steps"][0]["Arguments"]["ResourceConfig"]["InstanceCount"] == {"Ref": "Count"}


@pytest.fixture(scope="module")
def idle_token_space():
    """A domain with a space whose idle timeout and volume size are tokens, synthesized once: its
    template, and its network, key and bucket (``_studio``'s platform), which the bad enum test reads."""
    from tests.constructs_lib.test_studio_domain import _studio

    stack = new_stack()
    domain, *platform = _studio(stack)
    owner = domain.add_user_profile("alice")
    minutes = _number(stack, "Idle")
    domain.add_space(
        "lab", owner=owner, idle_timeout=Duration.minutes(minutes), ebs_volume_size_gb=_number(stack, "Gb")
    )
    return tuple(platform), Template.from_stack(stack)


def test_a_token_idle_timeout_stays_a_token_in_studio_spaces(idle_token_space):
    _, template = idle_token_space
    (space,) = template.find_resources("AWS::SageMaker::Space").values()
    settings = space["Properties"]["SpaceSettings"]
    assert settings["JupyterLabAppSettings"]["AppLifecycleManagement"]["IdleSettings"]["IdleTimeoutInMinutes"] == {
        "Ref": "Idle"
    }
    assert settings["SpaceStorageSettings"]["EbsStorageSettings"]["EbsVolumeSizeInGb"] == {"Ref": "Gb"}


def test_studio_spaces_take_an_app_instance_type():
    from tests.constructs_lib.test_studio_domain import _studio

    stack = new_stack()
    domain, *_ = _studio(stack)
    owner = domain.add_user_profile("alice")
    domain.add_space("lab", owner=owner, instance_type=InstanceType.ML_G5_XLARGE)
    with pytest.raises(ConstructValidationError, match=r"instance_type='ml.t2.medium': .*botocore AppInstanceType"):
        domain.add_space("old", owner=owner, instance_type="ml.t2.medium")
    (space,) = Template.from_stack(stack).find_resources("AWS::SageMaker::Space").values()
    spec = space["Properties"]["SpaceSettings"]["JupyterLabAppSettings"]["DefaultResourceSpec"]
    assert spec == {"InstanceType": "ml.g5.xlarge"}


def test_a_token_monitoring_run_time_and_cluster_stay_tokens():
    from tests.constructs_lib.test_model_monitor import all_monitors

    stack = new_stack()
    all_monitors(
        stack,
        instance_count=_number(stack, "Instances"),
        volume_size_gb=_number(stack, "Gb"),
        max_runtime=Duration.seconds(_number(stack, "Runtime")),
        instance_type=InstanceType.of(CfnParameter(stack, "Type").value_as_string),
    )
    jobs = Template.from_stack(stack).find_resources("AWS::SageMaker::DataQualityJobDefinition")
    (job,) = jobs.values()
    cluster = job["Properties"]["JobResources"]["ClusterConfig"]
    assert cluster["InstanceCount"] == {"Ref": "Instances"} and cluster["InstanceType"] == {"Ref": "Type"}
    assert job["Properties"]["StoppingCondition"]["MaxRuntimeInSeconds"] == {"Ref": "Runtime"}


def test_a_token_online_ttl_stays_a_token_in_feature_groups():
    from tests.constructs_lib.test_feature_group import _feature_group

    stack = new_stack()
    _feature_group(stack, online_ttl=Duration.seconds(_number(stack, "Ttl")))
    (group,) = Template.from_stack(stack).find_resources("AWS::SageMaker::FeatureGroup").values()
    assert group["Properties"]["OnlineStoreConfig"]["TtlDuration"] == {"Unit": "Seconds", "Value": {"Ref": "Ttl"}}


def test_token_variant_timeouts_and_guardrail_waits_stay_tokens():
    from constructs_lib import DeploymentGuardrails

    stack = new_stack()
    variant = InstanceVariant(
        model=cheap_model(stack), model_data_download_timeout=Duration.seconds(_number(stack, "Download"))
    )
    RealtimeEndpoint(
        stack,
        "Endpoint",
        variants=[variant],
        deployment=DeploymentGuardrails.all_at_once(wait_interval=Duration.seconds(_number(stack, "Wait"))),
    )
    template = Template.from_stack(stack)
    (config,) = template.find_resources("AWS::SageMaker::EndpointConfig").values()
    assert config["Properties"]["ProductionVariants"][0]["ModelDataDownloadTimeoutInSeconds"] == {"Ref": "Download"}
    (endpoint,) = template.find_resources("AWS::SageMaker::Endpoint").values()
    routing = endpoint["Properties"]["DeploymentConfig"]["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]
    assert routing["WaitIntervalInSeconds"] == {"Ref": "Wait"}


def test_a_token_log_retention_is_accepted_by_access_log_buckets():
    from constructs_lib import AccessLogBucket

    stack = new_stack()
    AccessLogBucket(stack, "Logs", log_retention=Duration.days(_number(stack, "Days")))


def test_a_token_training_run_time_stays_a_token(role):
    stack = new_stack()
    step = TrainingStep("Train", job=training_job(role, max_runtime=Duration.seconds(_number(stack, "Runtime"))))
    definition = stack.resolve(PipelineDefinition(steps=[step]).render())
    assert definition["Steps"][0]["Arguments"]["StoppingCondition"]["MaxRuntimeInSeconds"] == {"Ref": "Runtime"}


def test_is_unresolved_answers_numbers_as_cdk_does():
    """``is_unresolved`` tells number tokens from numbers in Python (CDK's marker bits): the same
    answers as ``Token.is_unresolved`` for tokens of every kind and for numbers around them."""
    stack = new_stack()
    tokens = [
        Token.as_number({"Ref": "Anything"}),
        CfnParameter(stack, "Count", type="Number").value_as_number,
        Duration.days(CfnParameter(stack, "Days", type="Number").value_as_number).to_days(),
    ]
    numbers = [0.0, -0.0, 0.5, 3.14, 30.0, 2.0**62, -1.888e289, 1e300, -1e300, Duration.days(3).to_days()]
    for value in [*tokens, *numbers]:
        assert is_unresolved(value) == Token.is_unresolved(value), value
    assert all(is_unresolved(value) for value in tokens)
