"""The scaling figure's app: ``n`` models, each a real-time endpoint with autoscaling, data capture,
a data-quality monitor and its alarms, beside a shared network and buckets.

One model is about 20 CloudFormation resources, so 50 models do not fit one stack (CloudFormation's
limit is 500): models go into stacks of ``MODELS_PER_STACK``, as an app would place them."""

from __future__ import annotations

import aws_cdk as cdk

import constructs_lib as lib

IMAGE = "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1"
MODELS_PER_STACK = 20
ENV = cdk.Environment(region="eu-west-1")


def build_scaling_stack(app: cdk.App, models: int) -> list[cdk.Stack]:
    lib.add_compliance_checks(app)
    shared = cdk.Stack(app, "Shared", env=ENV)
    net = lib.PrivateNetwork(shared, "Net", availability_zones=["eu-west-1a", "eu-west-1b"])
    key = lib.EncryptionKey(shared, "Key")
    logs = lib.AccessLogBucket(shared, "AccessLogs")
    data = lib.SecureBucket(shared, "Data", encryption_key=key, server_access_logs_bucket=logs)
    artifacts = lib.SecureBucket(shared, "Artifacts", encryption_key=key, server_access_logs_bucket=logs)
    # As an app would: one alert topic and one key for every model's alarms and volumes.
    alerts = lib.AlertTopic(shared, "Alerts", encryption_key=key)
    stacks = [shared]
    for index in range(models):
        if index % MODELS_PER_STACK == 0:
            stacks.append(cdk.Stack(app, f"Models{index // MODELS_PER_STACK}", env=ENV))
        stack = stacks[-1]
        name = f"m{index:03d}"
        model = lib.Model(
            stack,
            f"Model{index}",
            network=net,
            containers=[
                lib.ContainerDefinition(
                    image=lib.ContainerImage.from_uri(IMAGE),
                    model_data=lib.ModelData.from_bucket(artifacts, f"models/{name}/model.tar.gz"),
                )
            ],
        )
        endpoint = lib.RealtimeEndpoint(
            stack,
            f"Endpoint{index}",
            endpoint_name=f"bench-{name}",
            variants=[
                lib.InstanceVariant(
                    model=model,
                    instance_type="ml.m5.large",
                    initial_instance_count=2,
                )
            ],
            data_capture=lib.DataCaptureOptions(bucket=data, prefix=f"capture/{name}"),
            volume_encryption_key=key,
        )
        endpoint.variant().auto_scale_instance_count(max_capacity=4)
        monitor = lib.ModelMonitor(
            stack,
            f"Monitor{index}",
            endpoint=endpoint,
            network=net,
            data_quality=lib.DataQualityMonitorOptions(
                baseline=lib.MonitoringBaseline(
                    constraints_s3_uri=f"s3://{artifacts.bucket_name}/baselines/{name}/constraints.json",
                    statistics_s3_uri=f"s3://{artifacts.bucket_name}/baselines/{name}/statistics.json",
                )
            ),
            schedule=lib.MonitorSchedule.hourly(),
        )
        lib.MonitoringAlarms(
            stack,
            f"Alarms{index}",
            endpoint=endpoint,
            monitor=monitor,
            feature_drift_thresholds={"feature_0": 0.2},
            alarm_topic=alerts,
            encryption_key=key,
        )
    return stacks
