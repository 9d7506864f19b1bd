"""The monitoring loop per environment: monitors, alarms, retraining triggers, deployment on approval."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Match, Template

from stacks.config import default_environments
from tests.stacks.test_serving_stack import _model_template

ENVIRONMENTS = list(default_environments())


def _template(synthesized_app, env: str, stack: str = "Monitoring") -> dict:
    return dict(synthesized_app.templates())[f"{env}/{stack}"]


def _of_type(template: dict, kind: str) -> dict[str, dict]:
    return {k: v["Properties"] for k, v in template["Resources"].items() if v["Type"] == kind}


def _states(template: dict) -> dict:
    [machine] = _of_type(template, "AWS::StepFunctions::StateMachine").values()
    parts = machine["DefinitionString"]["Fn::Join"][1]
    return json.loads("".join(p if isinstance(p, str) else "REF" for p in parts))["States"]


def test_every_environment_has_a_monitoring_stack_named_for_it(synthesized_app):
    for env in ENVIRONMENTS:
        assert synthesized_app.stages[env].monitoring.stack_name == f"ml-platform-{env}-monitoring"


@pytest.mark.parametrize(
    "env, kinds",
    [
        ("dev", set()),
        ("staging", {"AWS::SageMaker::DataQualityJobDefinition"}),
        ("prod", {"AWS::SageMaker::DataQualityJobDefinition", "AWS::SageMaker::ModelQualityJobDefinition"}),
    ],
)
def test_monitors_per_environment(synthesized_app, env, kinds):
    template = _template(synthesized_app, env)
    found = {r["Type"] for r in template["Resources"].values() if r["Type"].endswith("JobDefinition")}
    assert found == kinds
    schedules = _of_type(template, "AWS::SageMaker::MonitoringSchedule")
    assert len(schedules) == len(kinds)
    for schedule in schedules.values():
        assert schedule["MonitoringScheduleConfig"]["ScheduleConfig"]["ScheduleExpression"] == "cron(0 * ? * * *)"
        assert schedule["MonitoringScheduleName"].startswith(f"ml-platform-{env}-churn-")


def test_monitors_watch_the_served_endpoint_with_the_served_package_s_baselines(synthesized_app):
    template = _template(synthesized_app, "staging")
    [job] = _of_type(template, "AWS::SageMaker::DataQualityJobDefinition").values()
    assert (
        job["DataQualityJobInput"]["EndpointInput"]["EndpointName"]["Fn::GetStackOutput"]["StackName"]
        == "ml-platform-staging-serving"
    )
    # The record of the package whose DriftCheckBaselines the monitors use, the fallback files beside.
    [(record_id, record)] = [
        (k, r) for k, r in _of_type(template, "Custom::ServedModelPackage").items() if "Baselines" in r
    ]
    assert "MonitoredModelPackage" in record_id
    assert record["Requested"] == {"Ref": "ModelPackageArn"}
    baselines = record["Baselines"]
    assert baselines["ModelDataQualityConstraints"]["Path"] == "ModelDataQuality.Constraints"
    fallback = json.dumps(baselines["ModelDataQualityConstraints"]["Fallback"])
    assert "ArtifactBucket" in fallback and "/monitoring/baselines/churn/constraints.json" in fallback
    assert job["DataQualityBaselineConfig"] == {
        "ConstraintsResource": {"S3Uri": {"Fn::GetAtt": [record_id, "ModelDataQualityConstraints"]}},
        "StatisticsResource": {"S3Uri": {"Fn::GetAtt": [record_id, "ModelDataQualityStatistics"]}},
    }
    assert template["Outputs"]["MonitoredModelPackageArn"]["Value"] == {"Fn::GetAtt": [record_id, "ModelPackageArn"]}


def test_prod_monitors_read_the_baselines_of_packages_from_staging_s_registry(synthesized_app):
    template = _template(synthesized_app, "prod")
    [job] = _of_type(template, "AWS::SageMaker::ModelQualityJobDefinition").values()
    constraints = job["ModelQualityBaselineConfig"]["ConstraintsResource"]["S3Uri"]["Fn::GetAtt"]
    assert constraints[1] == "ModelQualityConstraints"
    statements = {
        s.get("Sid"): s
        for p in _of_type(template, "AWS::IAM::ManagedPolicy").values()
        for s in p["PolicyDocument"]["Statement"]
    }
    staging = statements["ReadBaselinesOfStaging"]
    assert staging["Action"] == "s3:GetObject"
    assert staging["Resource"]["Fn::Join"][1][-1].endswith(
        ":s3:::ml-platform-staging-data-artifactbucket*/pipelines/training/*/baselines/*"
    )
    own = json.dumps(statements["ReadBaselines0"]["Resource"])
    assert "/pipelines/training/*/baselines/*" in own
    record = [r for r in _of_type(template, "Custom::ServedModelPackage").values() if "Baselines" in r][0]
    assert "model-package/ml-platform-staging-churn/" in json.dumps(record["RegistryArnPrefix"])
    assert job["NetworkConfig"]["EnableNetworkIsolation"] is True
    assert job["NetworkConfig"]["EnableInterContainerTrafficEncryption"] is True


def test_prod_model_quality_joins_ground_truth_from_the_data_bucket(synthesized_app):
    [job] = _of_type(_template(synthesized_app, "prod"), "AWS::SageMaker::ModelQualityJobDefinition").values()
    assert job["ModelQualityAppSpecification"]["ProblemType"] == "BinaryClassification"
    uri = json.dumps(job["ModelQualityJobInput"]["GroundTruthS3Input"])
    assert "DataBucket" in uri and "/ground-truth/churn/" in uri


@pytest.mark.parametrize(
    "env, names",
    [
        ("dev", {"5xx-rate-Model", "model-latency-Model"}),
        ("staging", {"5xx-rate-AllTraffic", "model-latency-AllTraffic", "feature-drift-_c1", "feature-drift-_c2"}),
        (
            "prod",
            {
                "5xx-rate-AllTraffic",
                "model-latency-AllTraffic",
                "feature-drift-_c1",
                "feature-drift-_c2",
                "model-quality-auc",
            },
        ),
    ],
)
def test_alarms_have_stable_names_and_notify_an_encrypted_topic(synthesized_app, env, names):
    template = _template(synthesized_app, env)
    alarms = _of_type(template, "AWS::CloudWatch::Alarm")
    named = {
        a["AlarmName"].removeprefix(f"ml-platform-{env}-inference-")
        for a in alarms.values()
        if isinstance(a.get("AlarmName"), str)
    }
    assert named == names
    topics = _of_type(template, "AWS::SNS::Topic")
    for alarm in alarms.values():
        if isinstance(alarm.get("AlarmName"), str):
            assert alarm["AlarmActions"][0]["Ref"] in topics
    assert all("KmsMasterKeyId" in t for t in topics.values())


def test_dev_health_alarms_watch_the_served_component_s_metrics(synthesized_app):
    """Dev serves its model as an inference component: SageMaker publishes the invocation metrics per
    component (InferenceComponentName), so the alarms the rollout bakes on watch those, not the
    variant's (which would stay without data, and let a bad model pass)."""
    component = synthesized_app.stages["dev"].serving.component
    assert component is not None
    dimensions = [{"Name": "InferenceComponentName", "Value": component.inference_component_name}]
    template = Template.from_json(_template(synthesized_app, "dev"))
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": "ml-platform-dev-inference-model-latency-Model",
            "Namespace": "AWS/SageMaker",
            "MetricName": "ModelLatency",
            "Dimensions": dimensions,
            "TreatMissingData": "notBreaching",
        },
    )
    for metric in ("Invocation5XXErrors", "Invocations"):
        template.has_resource_properties(
            "AWS::CloudWatch::Alarm",
            {
                "AlarmName": "ml-platform-dev-inference-5xx-rate-Model",
                "TreatMissingData": "notBreaching",
                "Metrics": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "MetricStat": Match.object_like(
                                    {
                                        "Metric": {
                                            "Namespace": "AWS/SageMaker",
                                            "MetricName": metric,
                                            "Dimensions": dimensions,
                                        }
                                    }
                                )
                            }
                        )
                    ]
                ),
            },
        )
    alarms = json.dumps(_of_type(_template(synthesized_app, "dev"), "AWS::CloudWatch::Alarm"))
    assert "VariantName" not in alarms
    assert synthesized_app.stages["dev"].monitoring.alarms.health_alarm_names == (
        "ml-platform-dev-inference-5xx-rate-Model",
        "ml-platform-dev-inference-model-latency-Model",
    )


def test_scheduled_retraining_starts_the_training_pipeline_with_dlq_and_retries(synthesized_app):
    for env, expression in (
        ("dev", "cron(0 3 1 * ? *)"),
        ("staging", "cron(0 3 ? * SUN *)"),
        ("prod", "cron(0 3 ? * SUN *)"),
    ):
        [schedule] = _of_type(_template(synthesized_app, env), "AWS::Scheduler::Schedule").values()
        assert schedule["ScheduleExpression"] == expression
        target = schedule["Target"]
        assert f":pipeline/ml-platform-{env}-training" in json.dumps(target["Arn"])
        assert target["SageMakerPipelineParameters"]["PipelineParameterList"] == [
            {"Name": "Trigger", "Value": "schedule"}
        ]
        assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 3}
        assert "DeadLetterConfig" in target


def test_drift_alarms_retrain_where_monitors_exist(synthesized_app):
    assert synthesized_app.stages["dev"].monitoring.drift_retraining is None
    for env in ("staging", "prod"):
        template = _template(synthesized_app, env)
        [composite] = _of_type(template, "AWS::CloudWatch::CompositeAlarm").values()
        rule = next(
            r
            for r in _of_type(template, "AWS::Events::Rule").values()
            if r["EventPattern"].get("source") == ["aws.cloudwatch"]
        )
        target = rule["Targets"][0]
        starter = _of_type(template, "AWS::Lambda::Function")[target["Arn"]["Fn::GetAtt"][0]]
        variables = starter["Environment"]["Variables"]
        assert variables["PIPELINE_NAME"] == f"ml-platform-{env}-training"
        assert variables["PIPELINE_PARAMETERS"] == json.dumps([{"Name": "Trigger", "Value": "drift"}])
        assert variables["MIN_INTERVAL_SECONDS"] == str(6 * 3600)  # a flapping alarm: one run per 6 hours
        assert target["RetryPolicy"]["MaximumRetryAttempts"] == 3 and "DeadLetterConfig" in target
        drift = len(synthesized_app.stages[env].monitoring.alarms.drift_alarms)
        assert json.dumps(composite["AlarmRule"]).count("ALARM(") == drift


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_new_data_under_raw_churn_starts_one_run_once_uploads_are_quiet(synthesized_app, env):
    template = _template(synthesized_app, env)
    rule = next(
        r for r in _of_type(template, "AWS::Events::Rule").values() if r["EventPattern"].get("source") == ["aws.s3"]
    )
    assert rule["EventPattern"]["detail"]["object"] == {"key": [{"prefix": "raw/churn/"}]}
    assert rule["Targets"][0]["RetryPolicy"]["MaximumRetryAttempts"] == 3 and "DeadLetterConfig" in rule["Targets"][0]
    starter = next(
        f for f in _of_type(template, "AWS::Lambda::Function").values() if f.get("Handler") == "handler.on_queue_batch"
    )
    variables = starter["Environment"]["Variables"]
    assert variables["PIPELINE_NAME"] == f"ml-platform-{env}-training"
    assert variables["QUIET_SECONDS"] == str(30 * 60)
    assert variables["PIPELINE_PARAMETERS"] == json.dumps([{"Name": "Trigger", "Value": "new-data"}])
    assert variables["DATA_URI_PARAMETER"] == "InputDataUri"  # each run reads the whole prefix
    assert "/raw/churn/" in json.dumps(variables["SOURCE"])
    [mapping] = _of_type(template, "AWS::Lambda::EventSourceMapping").values()
    assert mapping["ScalingConfig"]["MaximumConcurrency"] <= starter["ReservedConcurrentExecutions"]


def test_training_pipeline_declares_every_parameter_the_triggers_pass(synthesized_app):
    for env in ENVIRONMENTS:
        stage = synthesized_app.stages[env]
        declared = stage.training.training_pipeline.parameter_names
        m = stage.monitoring
        for trigger in (m.scheduled_retraining, m.drift_retraining, m.new_data_retraining):
            if trigger is not None:
                assert set(trigger.parameters) <= declared
        assert "InputDataUri" in declared  # NewDataRetraining's data_uri_parameter


def test_staging_registry_deploys_to_staging_then_prod_after_approval(synthesized_app):
    template = _template(synthesized_app, "staging")
    [rule] = [
        r
        for r in _of_type(template, "AWS::Events::Rule").values()
        if r["EventPattern"].get("detail-type") == ["SageMaker Model Package State Change"]
    ]
    assert rule["EventPattern"]["detail"] == {
        "ModelPackageGroupName": ["ml-platform-staging-churn"],
        "ModelApprovalStatus": ["Approved"],
    }
    states = _states(template)
    staging, staging_monitors, prod, prod_monitors = _targets(template)
    assert states["Target0Deploy"]["Parameters"]["target"] == 0 and states["Target2Deploy"]["Parameters"]["target"] == 2
    # Each serving stack, then its monitoring stack (the monitors take the package's baselines).
    assert staging_monitors == {
        "stack_name": "ml-platform-staging-monitoring",
        "endpoint_name": "ml-platform-staging-inference",
        "alarm_names": [],
        "parameter_name": "ModelPackageArn",
        "output_name": "MonitoredModelPackageArn",
    }
    assert prod_monitors["stack_name"] == "ml-platform-prod-monitoring"
    assert states["Target1Bake"]["Seconds"] == 0 and "Target3Approval" not in states
    assert staging == {
        "stack_name": "ml-platform-staging-serving",
        "endpoint_name": "ml-platform-staging-inference",
        "alarm_names": [
            "ml-platform-staging-inference-5xx-rate-AllTraffic",
            "ml-platform-staging-inference-model-latency-AllTraffic",
        ],
        "parameter_name": "ModelPackageArn",
        "output_name": "ServedModelPackageArn",
    }
    assert prod["stack_name"] == "ml-platform-prod-serving" and prod["endpoint_name"] == "ml-platform-prod-inference"
    assert "Target0Approval" not in states
    assert states["Target1StillHealthy"]["Choices"][0]["Next"] == "Target2ApprovalRequest"
    assert states["Target2ApprovalRequest"]["Next"] == "Target2Approval"
    assert states["Target2Bake"]["Seconds"] == 30 * 60 and states["Target0Bake"]["Seconds"] == 10 * 60


def test_deployment_function_may_update_only_the_target_serving_and_monitoring_stacks(synthesized_app):
    """... and only with its own CloudFormation role, which may update the async endpoint too."""
    role = [
        p
        for k, p in _template(synthesized_app, "staging")["Resources"].items()
        if p["Type"] == "AWS::IAM::ManagedPolicy" and "CloudFormationRole" in k
    ]
    endpoints = [s for s in role[0]["Properties"]["PolicyDocument"]["Statement"] if s["Sid"] == "UpdateEndpoints"]
    assert {r["Fn::Join"][1][-1] for r in endpoints[0]["Resource"]} == {
        f":endpoint/ml-platform-{env}-{kind}" for env in ("staging", "prod") for kind in ("inference", "async")
    }
    template = _template(synthesized_app, "staging")
    statements = [
        s
        for p in _of_type(template, "AWS::IAM::ManagedPolicy").values()
        for s in p["PolicyDocument"]["Statement"]
        if s.get("Sid") == "UpdateServingStacks"
    ]
    [statement] = statements
    assert statement["Action"] == "cloudformation:UpdateStack" and "cloudformation:RoleArn" in json.dumps(statement)
    resources = json.dumps(statement["Resource"])
    assert ":stack/ml-platform-staging-serving/*" in resources and ":stack/ml-platform-prod-serving/*" in resources
    assert ":stack/ml-platform-prod-monitoring/*" in resources
    assert resources.count(":stack/") == 4  # each environment's serving and monitoring stacks


def _targets(template: dict) -> list[dict]:
    """The deployment function's configured targets (its DEPLOYMENT_TARGETS environment variable)."""
    [function] = [
        f
        for f in _of_type(template, "AWS::Lambda::Function").values()
        if "DEPLOYMENT_TARGETS" in f.get("Environment", {}).get("Variables", {})
    ]
    return json.loads(function["Environment"]["Variables"]["DEPLOYMENT_TARGETS"])


def test_dev_deploys_to_dev_only_and_prod_hosts_no_deployment(synthesized_app):
    template = _template(synthesized_app, "dev")
    states = _states(template)
    assert [t["stack_name"] for t in _targets(template)] == ["ml-platform-dev-serving"]
    assert "Target1Deploy" not in states
    assert synthesized_app.stages["prod"].monitoring.deployment is None
    assert not _of_type(_template(synthesized_app, "prod"), "AWS::StepFunctions::StateMachine")


def test_prod_models_may_read_packages_registered_in_staging(synthesized_app):
    template = _model_template(synthesized_app, "prod")
    statements = {
        s.get("Sid"): s
        for p in _of_type(template, "AWS::IAM::ManagedPolicy").values()
        for s in p["PolicyDocument"]["Statement"]
    }
    s3 = statements["ReadModelPackagesOfStaging"]
    assert s3["Action"] == "s3:GetObject"
    assert "ml-platform-staging-data-artifactbucket*/pipelines/training/models/*" in json.dumps(s3["Resource"])
    key = statements["ReadModelPackagesOfStagingKey"]
    assert key["Condition"]["ForAnyValue:StringEquals"] == {"kms:ResourceAliases": "alias/ml-platform/staging"}
    assert "ReadModelPackagesOfStaging" not in {
        s.get("Sid")
        for p in _of_type(_model_template(synthesized_app, "staging"), "AWS::IAM::ManagedPolicy").values()
        for s in p["PolicyDocument"]["Statement"]
    }
