import json

import aws_cdk as cdk
import pytest
from aws_cdk import Duration
from aws_cdk.assertions import Match, Template

from constructs_lib import (
    BiasDriftMonitorOptions,
    ComputeReservation,
    ConstructValidationError,
    DataCaptureOptions,
    DataQualityMonitorOptions,
    FeatureAttributionMonitorOptions,
    InferenceComponentEndpoint,
    ModelMonitor,
    ModelQualityMonitorOptions,
    MonitoringBaseline,
    MonitoringImage,
    MonitorSchedule,
    PrivateNetwork,
    ProblemType,
    SecureBucket,
)
from constructs_lib.monitoring.monitoring_images import CLARIFY_ACCOUNTS, MODEL_MONITOR_ANALYZER_ACCOUNTS
from tests.conftest import cfn_lint_errors, compliance_app, nag_findings, new_app, new_stack
from tests.constructs_lib.fakes import FakeEndpoint
from tests.constructs_lib.inference_fixtures import cheap_model

ZONES = ["eu-west-1a", "eu-west-1b"]
JOB_TYPES = {
    "AWS::SageMaker::DataQualityJobDefinition": "DataQualityJobOutputConfig",
    "AWS::SageMaker::ModelQualityJobDefinition": "ModelQualityJobOutputConfig",
    "AWS::SageMaker::ModelBiasJobDefinition": "ModelBiasJobOutputConfig",
    "AWS::SageMaker::ModelExplainabilityJobDefinition": "ModelExplainabilityJobOutputConfig",
}


def all_monitors(stack: cdk.Stack, **kwargs) -> ModelMonitor:
    network = PrivateNetwork(stack, "Net", availability_zones=ZONES)
    bucket = SecureBucket(stack, "Data")
    endpoint = FakeEndpoint(stack, "Endpoint", data_capture=DataCaptureOptions(bucket=bucket))
    config = f"s3://{bucket.bucket_name}/monitoring"
    return ModelMonitor(
        stack,
        "Monitor",
        endpoint=endpoint,
        network=network,
        data_quality=DataQualityMonitorOptions(
            baseline=MonitoringBaseline(
                constraints_s3_uri=f"{config}/baseline/constraints.json",
                statistics_s3_uri=f"{config}/baseline/statistics.json",
            )
        ),
        model_quality=ModelQualityMonitorOptions(
            problem_type="BinaryClassification",
            ground_truth_s3_uri=f"{config}/ground-truth",
            inference_attribute="0",
            probability_threshold=0.5,
            start_time_offset="-P1D",
            end_time_offset="-PT1H",
        ),
        bias_drift=BiasDriftMonitorOptions(
            analysis_config_s3_uri=f"{config}/clarify/bias.json", ground_truth_s3_uri=f"{config}/ground-truth"
        ),
        feature_attribution=FeatureAttributionMonitorOptions(
            analysis_config_s3_uri="s3://shared-config-bucket/clarify/shap.json"
        ),
        **kwargs,
    )


@pytest.fixture(scope="module")
def synthesized() -> tuple[ModelMonitor, Template, list[str]]:
    """Every kind of monitor, and a database's security group that admits them, in an app with the
    compliance packs: synthesized once, for the packs' findings (``nag_findings``) and for the
    template every other test reads (``Template.from_stack`` reads that synthesis's assembly)."""
    from aws_cdk import aws_ec2 as ec2

    app = compliance_app()
    stack = new_stack(app)
    monitor = all_monitors(stack, schedule=MonitorSchedule.daily(hour=3), schedule_name_prefix="churn")
    database = ec2.SecurityGroup(stack, "Database", vpc=monitor._network.vpc)
    database.connections.allow_from(monitor, ec2.Port.tcp(5432))
    findings = nag_findings(app)
    return monitor, Template.from_stack(stack), findings


@pytest.fixture(scope="module")
def template(synthesized) -> Template:
    return synthesized[1]


@pytest.fixture(scope="module")
def shared() -> tuple[SecureBucket, PrivateNetwork]:
    """A capture bucket and a network for the monitors that must be rejected, built once in a stack of
    their own that is never synthesized. ``ModelMonitor`` validates before it touches either (it reads
    only the endpoint's data capture options, its path and the monitor's own stack's region), so a
    rejected monitor leaves them as they were; each is built in a fresh stack ``Test``."""
    stack = new_stack(construct_id="Shared")
    return SecureBucket(stack, "Data"), PrivateNetwork(stack, "Net", availability_zones=ZONES)


def test_each_monitor_is_a_job_definition_and_a_schedule(template):
    for resource_type in JOB_TYPES:
        template.resource_count_is(resource_type, 1)
    template.resource_count_is("AWS::SageMaker::MonitoringSchedule", 4)
    kinds = {
        s["Properties"]["MonitoringScheduleConfig"]["MonitoringType"]: s["Properties"]
        for s in template.find_resources("AWS::SageMaker::MonitoringSchedule").values()
    }
    assert set(kinds) == {"DataQuality", "ModelQuality", "ModelBias", "ModelExplainability"}
    assert kinds["DataQuality"]["MonitoringScheduleName"] == "churn-data-quality"
    for props in kinds.values():
        config = props["MonitoringScheduleConfig"]
        assert config["ScheduleConfig"] == {"ScheduleExpression": "cron(0 3 ? * * *)"}
        assert props["EndpointName"] == "churn-endpoint"
        # The job definition's generated name, taken from its ARN.
        assert config["MonitoringJobDefinitionName"]["Fn::Select"][0] == 1


def test_every_job_is_isolated_encrypted_and_in_the_vpc(template):
    for resource_type, output_key in JOB_TYPES.items():
        props = next(iter(template.find_resources(resource_type).values()))["Properties"]
        network = props["NetworkConfig"]
        assert network["EnableNetworkIsolation"] is True
        assert network["EnableInterContainerTrafficEncryption"] is True
        assert len(network["VpcConfig"]["Subnets"]) == 2 and len(network["VpcConfig"]["SecurityGroupIds"]) == 1
        cluster = props["JobResources"]["ClusterConfig"]
        assert "Fn::GetAtt" in cluster["VolumeKmsKeyId"]
        assert cluster == {
            "InstanceCount": 1,
            "InstanceType": "ml.m5.xlarge",
            "VolumeSizeInGB": 20,
            "VolumeKmsKeyId": cluster["VolumeKmsKeyId"],
        }
        output = props[output_key]
        assert output["KmsKeyId"] == cluster["VolumeKmsKeyId"]
        assert output["MonitoringOutputs"][0]["S3Output"]["LocalPath"] == "/opt/ml/processing/output"
        assert props["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600}


def test_model_quality_joins_ground_truth_for_its_problem_type(template):
    props = next(iter(template.find_resources("AWS::SageMaker::ModelQualityJobDefinition").values()))["Properties"]
    assert props["ModelQualityAppSpecification"]["ProblemType"] == "BinaryClassification"
    job_input = props["ModelQualityJobInput"]
    assert job_input["GroundTruthS3Input"]["S3Uri"]["Fn::Join"][1][-1] == "/monitoring/ground-truth"
    assert job_input["EndpointInput"] == {
        "EndpointName": "churn-endpoint",
        "LocalPath": "/opt/ml/processing/input/endpoint",
        "InferenceAttribute": "0",
        "ProbabilityThresholdAttribute": 0.5,
        "StartTimeOffset": "-P1D",
        "EndTimeOffset": "-PT1H",
    }


def test_data_quality_uses_the_baseline_and_publishes_metrics(template):
    props = next(iter(template.find_resources("AWS::SageMaker::DataQualityJobDefinition").values()))["Properties"]
    baseline = props["DataQualityBaselineConfig"]
    assert baseline["ConstraintsResource"]["S3Uri"]["Fn::Join"][1][-1] == "/monitoring/baseline/constraints.json"
    assert baseline["StatisticsResource"]["S3Uri"]["Fn::Join"][1][-1] == "/monitoring/baseline/statistics.json"
    app_spec = props["DataQualityAppSpecification"]
    assert app_spec["Environment"] == {"publish_cloudwatch_metrics": "Enabled"}
    assert app_spec["ImageUri"] == "468650794304.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer"


def test_bias_and_feature_attribution_run_clarify_with_their_analysis_config(template):
    bias = next(iter(template.find_resources("AWS::SageMaker::ModelBiasJobDefinition").values()))["Properties"]
    assert bias["ModelBiasAppSpecification"]["ImageUri"] == (
        "131013547314.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-clarify-processing:1.0"
    )
    assert bias["ModelBiasAppSpecification"]["ConfigUri"]["Fn::Join"][1][-1] == "/monitoring/clarify/bias.json"
    assert "GroundTruthS3Input" in bias["ModelBiasJobInput"]
    explain = next(iter(template.find_resources("AWS::SageMaker::ModelExplainabilityJobDefinition").values()))
    assert explain["Properties"]["ModelExplainabilityAppSpecification"]["ConfigUri"] == (
        "s3://shared-config-bucket/clarify/shap.json"
    )


def _statements(template: Template) -> dict[str, dict]:
    policies = template.find_resources("AWS::IAM::ManagedPolicy")
    monitor = [
        p
        for p in policies.values()
        if any(s.get("Sid") == "ReadCapturedData" for s in p["Properties"]["PolicyDocument"]["Statement"])
    ]
    assert len(monitor) == 1
    return {s.get("Sid", ""): s for s in monitor[0]["Properties"]["PolicyDocument"]["Statement"]}


def test_role_reads_captured_data_and_inputs_and_writes_only_its_reports(template):
    statements = _statements(template)
    assert statements["ReadCapturedData"]["Action"] == "s3:GetObject"
    assert statements["ReadCapturedData"]["Resource"]["Fn::Join"][1][-1] == "/data-capture/*"
    assert sorted(statements["WriteReports"]["Action"]) == ["s3:AbortMultipartUpload", "s3:PutObject"]
    assert statements["WriteReports"]["Resource"]["Fn::Join"][1][-1] == "/model-monitor/*"
    assert statements["ReadCapturedDataList"]["Condition"] == {"StringLike": {"s3:prefix": ["data-capture/*"]}}
    assert statements["ReadExplainabilityConfig"]["Resource"] == {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::shared-config-bucket/clarify/shap.json*"]]
    }
    for sid in ("ReadModelQualityGroundTruth", "ReadBiasAnalysisConfig", "ReadDataQualityConstraints"):
        assert statements[sid]["Action"] == "s3:GetObject"
    assert statements["PublishMonitoringMetrics"]["Condition"] == {
        "StringEquals": {
            "cloudwatch:namespace": [
                "aws/sagemaker/Endpoints/data-metrics",
                "aws/sagemaker/Endpoints/model-metrics",
                "aws/sagemaker/Endpoints/bias-metrics",
                "aws/sagemaker/Endpoints/explainability-metrics",
            ]
        }
    }
    assert statements["EncryptJobVolumes"]["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    all_actions = json.dumps([s["Action"] for s in statements.values()])
    # the jobs pull their image with this role: the prebuilt image's repository only
    assert "ecr:BatchGetImage" in all_actions
    assert '"s3:*"' not in all_actions and '"sagemaker:*"' not in all_actions


def test_role_is_assumed_by_sagemaker_only(template):
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [Match.object_like({"Principal": {"Service": "sagemaker.amazonaws.com"}})]
            }
        },
    )


def test_metrics_point_at_the_schedules(synthesized):
    monitor, _, _ = synthesized
    drift = monitor.metric_feature_drift("age")
    assert drift.namespace == "aws/sagemaker/Endpoints/data-metrics"
    assert drift.metric_name == "feature_baseline_drift_age"
    assert drift.dimensions == {"Endpoint": "churn-endpoint", "MonitoringSchedule": "churn-data-quality"}
    quality = monitor.metric_model_quality("accuracy")
    assert quality.namespace == "aws/sagemaker/Endpoints/model-metrics"
    assert quality.period.to_hours() == 24  # the daily schedule


def test_asking_for_a_metric_of_a_monitor_not_created_fails(own_image):
    monitor, _ = own_image
    assert set(monitor.schedule_names) == {"DataQuality"}
    with pytest.raises(ValueError, match="has no ModelQuality monitor"):
        monitor.metric_model_quality("accuracy")


def test_is_compliant_under_the_nag_packs(synthesized):
    _, _, findings = synthesized
    assert findings == []


def test_template_passes_cfn_lint(template):
    assert cfn_lint_errors(template) == []


def test_env_agnostic_stack_finds_the_image_in_a_region_mapping():
    stack = cdk.Stack(new_app(), "Agnostic")
    network = PrivateNetwork(stack, "Net")
    bucket = SecureBucket(stack, "Data")
    ModelMonitor(
        stack,
        "Monitor",
        network=network,
        endpoint=FakeEndpoint(stack, "E", data_capture=DataCaptureOptions(bucket=bucket)),
        data_quality=DataQualityMonitorOptions(),
    )
    template = Template.from_stack(stack).to_json()
    mapping = template["Mappings"]["SagemakerModelMonitorAnalyzerAccounts"]
    assert mapping["eu-west-1"] == {"account": "468650794304"}
    assert len(mapping) == len(MODEL_MONITOR_ANALYZER_ACCOUNTS)
    job = next(r for r in template["Resources"].values() if r["Type"] == "AWS::SageMaker::DataQualityJobDefinition")
    image = json.dumps(job["Properties"]["DataQualityAppSpecification"]["ImageUri"])
    assert '"Fn::FindInMap": ["SagemakerModelMonitorAnalyzerAccounts", {"Ref": "AWS::Region"}, "account"]' in image


def test_image_tables_cover_the_commercial_regions_only():
    for table in (MODEL_MONITOR_ANALYZER_ACCOUNTS, CLARIFY_ACCOUNTS):
        assert all(not r.startswith(("cn-", "us-gov-", "us-iso")) for r in table)
        assert all(len(a) == 12 and a.isdigit() for a in table.values())
    assert {"us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"} <= set(CLARIFY_ACCOUNTS)
    assert MonitoringImage.from_uri("x").supports_region("mars-north-1")


@pytest.mark.parametrize(
    "expression",
    ["cron(0 * ? * * *)", "cron(0 0 ? * * *)", "cron(0 23 ? * * *)", "cron(0 17/12 ? * * *)", "cron(0 0/2 ? * * *)"],
)
def test_accepts_sagemaker_schedule_forms(expression):
    assert MonitorSchedule.cron(expression).problem() is None


def test_schedule_helpers_build_accepted_expressions():
    assert MonitorSchedule.hourly().expression_string == "cron(0 * ? * * *)"
    assert MonitorSchedule.every_hours(6).expression_string == "cron(0 0/6 ? * * *)"
    for schedule in (MonitorSchedule.hourly(), MonitorSchedule.daily(12), MonitorSchedule.every_hours(6, 1)):
        assert schedule.problem() is None
    assert MonitorSchedule.every_hours(6).interval_hours == 6


def _monitor_with(stack=None, *, capture=True, shared=None, **kwargs) -> ModelMonitor:
    """A monitor of a new endpoint ``Endpoint`` in ``stack`` (default, a new stack ``Test``), on a new
    bucket and network there, or on ``shared``'s (the ``shared`` fixture: only for a monitor that must
    be rejected)."""
    stack = stack or new_stack()
    bucket, network = shared or (SecureBucket(stack, "Data"), PrivateNetwork(stack, "Net", availability_zones=ZONES))
    endpoint = FakeEndpoint(stack, "Endpoint", data_capture=DataCaptureOptions(bucket=bucket) if capture else None)
    kwargs.setdefault("data_quality", DataQualityMonitorOptions())
    return ModelMonitor(stack, "Monitor", endpoint=endpoint, network=network, **kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"capture": False}, "endpoint='Test/Endpoint': must capture data"),
        (
            {"model_quality": ModelQualityMonitorOptions(problem_type="Regression", ground_truth_s3_uri=None)},
            "model_quality.ground_truth_s3_uri=None: is required",
        ),
        (
            {"model_quality": ModelQualityMonitorOptions(problem_type=None, ground_truth_s3_uri="s3://bucket/gt")},
            "model_quality.problem_type=None: is required: one of BinaryClassification, MulticlassClassification, "
            "Regression",
        ),
        (
            {"model_quality": ModelQualityMonitorOptions(problem_type="Ranking", ground_truth_s3_uri="s3://bucket/gt")},
            "model_quality.problem_type='Ranking': must be one of",
        ),
        (
            {"model_quality": ModelQualityMonitorOptions(problem_type="Regression", ground_truth_s3_uri="bucket/gt")},
            "model_quality.ground_truth_s3_uri='bucket/gt': must be an S3 URI",
        ),
        (
            {
                "model_quality": ModelQualityMonitorOptions(
                    problem_type="Regression", ground_truth_s3_uri="s3://b-1/gt", start_time_offset="1 day"
                )
            },
            "model_quality.start_time_offset='1 day': must be a negative ISO 8601 duration",
        ),
        (
            {"bias_drift": BiasDriftMonitorOptions(analysis_config_s3_uri=None, ground_truth_s3_uri="s3://bucket/gt")},
            "bias_drift.analysis_config_s3_uri=None: is required",
        ),
        (
            {"feature_attribution": FeatureAttributionMonitorOptions()},
            "feature_attribution.analysis_config_s3_uri=None: is required",
        ),
        (
            {"schedule": MonitorSchedule.cron("cron(0 12 * * ? *)")},
            "schedule='cron(0 12 * * ? *)': is not a schedule SageMaker Model Monitor accepts",
        ),
        ({"schedule": MonitorSchedule.cron("every day")}, "schedule='every day': is not a schedule"),
        (
            {"schedule": MonitorSchedule.cron("cron(0/30 * ? * * *)")},
            "schedule='cron(0/30 * ? * * *)': runs more often than hourly",
        ),
        ({"schedule": MonitorSchedule.cron("cron(*/10 * ? * * *)")}, "runs more often than hourly"),
        (
            {"schedule": MonitorSchedule.cron("rate(15 minutes)")},
            "schedule='rate(15 minutes)': runs more often than hourly",
        ),
        (
            {"max_runtime": Duration.hours(2)},
            "max_runtime (seconds)=7200: must be at most the schedule's interval (3600 s)",
        ),
        ({"instance_type": "m5.xlarge"}, "instance_type='m5.xlarge'"),
        ({"volume_size_gb": 0}, "volume_size_gb=0"),
        ({"schedule_name_prefix": "bad_prefix"}, "schedule_name_prefix='bad_prefix'"),
        ({"data_quality": None}, "monitors=None: give at least one of"),
    ],
)
def test_rejects_invalid_input(shared, kwargs, message):
    with pytest.raises(ConstructValidationError) as error:
        _monitor_with(shared=shared, **kwargs)
    assert "ModelMonitor 'Test/Monitor' has invalid input" in str(error.value)
    assert message in str(error.value)


def test_rejects_an_endpoint_with_inference_components(shared):
    """Model Monitor supports endpoints that host one model, and the component endpoint captures no
    data: the message says so instead of suggesting a data capture it cannot have."""
    _, network = shared
    stack = new_stack()
    endpoint = InferenceComponentEndpoint(stack, "Endpoint", instance_type="ml.m5.xlarge", max_instance_count=1)
    endpoint.add_component("Churn", model=cheap_model(stack), reservation=ComputeReservation(memory_mb=1024))
    with pytest.raises(ConstructValidationError) as error:
        ModelMonitor(stack, "Monitor", endpoint=endpoint, network=network, data_quality=DataQualityMonitorOptions())
    message = str(error.value)
    assert "ModelMonitor 'Test/Monitor' has invalid input" in message
    assert (
        "endpoint='Test/Endpoint': hosts inference components, which Model Monitor does not monitor: it supports "
        "only endpoints that host a single model, and an InferenceComponentEndpoint captures no data" in message
    )
    assert "must capture data" not in message


def test_rejects_a_region_without_a_known_analyzer_image(shared):
    stack = cdk.Stack(new_app(), "Test", env=cdk.Environment(region="mx-central-1"))
    with pytest.raises(ConstructValidationError) as error:
        _monitor_with(stack, shared=shared)
    assert (
        "region (for the Model Monitor analyzer image)='mx-central-1': has no known Model Monitor analyzer image"
        in (str(error.value))
    )
    assert "MonitoringImage.from_uri" in str(error.value)


@pytest.fixture(scope="module")
def own_image() -> tuple[ModelMonitor, Template]:
    """A data quality monitor only, with an image of its own, in a region without a known analyzer
    image: synthesized once. The metric test only reads it (asking for a missing monitor's metric
    fails before it builds anything)."""
    stack = cdk.Stack(new_app(), "Test", env=cdk.Environment(region="mx-central-1"))
    monitor = _monitor_with(
        stack, analyzer_image=MonitoringImage.from_uri("111122223333.dkr.ecr.mx-central-1.amazonaws.com/mm:1")
    )
    return monitor, Template.from_stack(stack)


def test_an_own_image_works_in_any_region(own_image):
    _, template = own_image
    template.has_resource_properties(
        "AWS::SageMaker::DataQualityJobDefinition",
        {
            "DataQualityAppSpecification": Match.object_like(
                {"ImageUri": "111122223333.dkr.ecr.mx-central-1.amazonaws.com/mm:1"}
            )
        },
    )


def test_monitors_that_need_the_response_refuse_an_endpoint_capturing_requests_only(shared):
    bucket, network = shared
    stack = new_stack()
    endpoint = FakeEndpoint(stack, "E", data_capture=DataCaptureOptions(bucket=bucket, capture_response=False))
    with pytest.raises(
        ConstructValidationError, match="model quality monitor needs the endpoint to capture the response"
    ):
        ModelMonitor(
            stack,
            "Monitor",
            endpoint=endpoint,
            network=network,
            model_quality=ModelQualityMonitorOptions(problem_type="Regression", ground_truth_s3_uri="s3://b-1/gt"),
        )


def test_job_network_interfaces_are_limited_to_the_platform_vpc_subnets_and_groups(template):
    statements = _statements(template)
    manage = statements["JobNetworkManageInterfaces"]
    assert "ec2:Vpc" in manage["Condition"]["ArnEquals"]
    assert "ec2:DeleteNetworkInterface" in manage["Action"]
    create = statements["JobNetworkCreateInterfaces"]
    resources = json.dumps(create["Resource"])
    assert ":subnet/" in resources and ":security-group/" in resources and "*" not in resources
    assert set(statements["JobNetworkDescribe"]["Action"]) == {
        "ec2:DescribeDhcpOptions",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcs",
    }


# --- an L2 resource: grantable, connectable, metrics with MetricOptions --------------------------


def test_metric_options_override_the_schedule_defaults_and_every_monitor_has_its_metrics(synthesized):
    from aws_cdk import aws_cloudwatch as cloudwatch

    monitor, _, _ = synthesized
    quality = monitor.metric_model_quality(
        "accuracy", cloudwatch.MetricOptions(statistic="Minimum", period=Duration.hours(1))
    )
    assert (quality.statistic, quality.period.to_hours()) == ("Minimum", 1)
    assert quality.dimensions == {"Endpoint": "churn-endpoint", "MonitoringSchedule": "churn-model-quality"}
    bias = monitor.metric_bias("bias_metric_CI")
    assert bias.namespace == "aws/sagemaker/Endpoints/bias-metrics" and bias.statistic == "Maximum"
    assert bias.dimensions["MonitoringSchedule"] == "churn-bias-drift"
    attribution = monitor.metric_feature_attribution("feature_age")
    assert attribution.namespace == "aws/sagemaker/Endpoints/explainability-metrics"
    assert attribution.dimensions["MonitoringSchedule"] == "churn-feature-attribution"


def test_a_monitor_is_grantable_as_its_jobs_role_and_connectable_as_their_security_group(synthesized):
    """The ``synthesized`` fixture's database security group admits the monitor on 5432."""
    monitor, template, _ = synthesized
    assert monitor.grant_principal is monitor.role
    assert monitor.connections.security_groups == [monitor._network.workload_security_group]
    template.has_resource_properties("AWS::EC2::SecurityGroupIngress", {"FromPort": 5432})


def test_any_network_works_and_its_security_groups_are_the_monitors_connections():
    """A network of your own (any ``INetwork``, not only a ``PrivateNetwork``): the jobs and the
    monitor's connections use its security groups."""
    from aws_cdk import aws_ec2 as ec2

    class OwnNetwork:
        def __init__(self, inner: PrivateNetwork, group: ec2.ISecurityGroup) -> None:
            self._inner, self._group = inner, group
            self.vpc, self.vpc_subnets, self.subnets = inner.vpc, inner.vpc_subnets, inner.subnets

        @property
        def security_groups(self) -> list[ec2.ISecurityGroup]:
            return [self._group]

        def require_endpoints(self, consumer, endpoints, *, purpose, required=True) -> None:
            self._inner.require_endpoints(consumer, endpoints, purpose=purpose, required=required)

    stack = new_stack()
    inner = PrivateNetwork(stack, "Net", availability_zones=ZONES)
    group = ec2.SecurityGroup(stack, "Jobs", vpc=inner.vpc)
    bucket = SecureBucket(stack, "Data")
    endpoint = FakeEndpoint(stack, "Endpoint", data_capture=DataCaptureOptions(bucket=bucket))
    config = f"s3://{bucket.bucket_name}/monitoring"
    monitor = ModelMonitor(
        stack,
        "Monitor",
        endpoint=endpoint,
        network=OwnNetwork(inner, group),
        data_quality=DataQualityMonitorOptions(
            baseline=MonitoringBaseline(
                constraints_s3_uri=f"{config}/baseline/constraints.json",
                statistics_s3_uri=f"{config}/baseline/statistics.json",
            )
        ),
    )
    assert monitor.connections.security_groups == [group]
    definition = Template.from_stack(stack).find_resources("AWS::SageMaker::DataQualityJobDefinition")
    (props,) = (r["Properties"] for r in definition.values())
    assert props["NetworkConfig"]["VpcConfig"]["SecurityGroupIds"] == [stack.resolve(group.security_group_id)]


def test_required_options_are_required_in_the_signature():
    """What a monitor cannot run without has no default: leaving it out fails where it is written."""
    with pytest.raises(TypeError, match="ground_truth_s3_uri"):
        ModelQualityMonitorOptions(problem_type=ProblemType.REGRESSION)  # type: ignore[call-arg] - the point of the test
    with pytest.raises(TypeError, match="analysis_config_s3_uri"):
        BiasDriftMonitorOptions(ground_truth_s3_uri="s3://bucket/gt")  # type: ignore[call-arg] - the point of the test
