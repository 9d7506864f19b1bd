"""``ModelMonitor``: SageMaker Model Monitor schedules for an endpoint that captures its traffic.

Each monitor is a job definition (``AWS::SageMaker::DataQualityJobDefinition``,
``ModelQualityJobDefinition``, ``ModelBiasJobDefinition``, ``ModelExplainabilityJobDefinition``) and an
``AWS::SageMaker::MonitoringSchedule`` that runs it. Every job runs in the VPC with network isolation,
inter-container traffic encryption, and its volume and reports encrypted with a customer-managed key.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import ArnFormat, Duration, Fn, Names, Resource
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from constructs_lib._core import durations
from constructs_lib._core.contracts import ComponentHost
from constructs_lib._core.durations import in_seconds
from constructs_lib._core.grants import KMS_CREATE_GRANT, S3_READ, grant_key_use
from constructs_lib._core.jsii_types import as_role
from constructs_lib._core.metrics import metric
from constructs_lib._core.roles import ManagedPolicyRole, add_statements, kept_statement, permissions_policy
from constructs_lib._core.s3_access import S3Uri, grant_prefix, objects_statement
from constructs_lib._core.service_model import PROCESSING_INSTANCE_TYPE, check_instance_type, check_shape
from constructs_lib._core.service_role import service_role
from constructs_lib._core.stack_facts import construct_path, read_once, remember_place, stack_facts, stack_of
from constructs_lib._core.validation import Problems, given, is_unresolved, whole
from constructs_lib._core.vpc_access import security_group_ids, subnet_ids, vpc_access_statements
from constructs_lib._core.wildcards import acknowledge_statement_wildcards
from constructs_lib.foundation._keys import key_or_new
from constructs_lib.foundation._runtime_contracts import DATA_CAPTURE_METADATA
from constructs_lib.foundation.instance_type import InstanceType
from constructs_lib.foundation.network import SAGEMAKER_JOB_ENDPOINTS, INetwork
from constructs_lib.foundation.s3_location import S3Location
from constructs_lib.foundation.secure_bucket import SecureBucket
from constructs_lib.inference.endpoint import IEndpoint
from constructs_lib.monitoring.monitoring_images import MonitoringImage

#: ``ProblemType`` values of a model quality monitor (botocore ``MonitoringProblemType``).


class ProblemType(StrEnum):
    """What a model quality monitor's model predicts (botocore ``MonitoringProblemType``)."""

    BINARY_CLASSIFICATION = "BinaryClassification"
    MULTICLASS_CLASSIFICATION = "MulticlassClassification"
    REGRESSION = "Regression"


#: CloudWatch namespaces the prebuilt monitors publish to, for real-time endpoints.
DATA_METRICS_NAMESPACE = "aws/sagemaker/Endpoints/data-metrics"
MODEL_METRICS_NAMESPACE = "aws/sagemaker/Endpoints/model-metrics"
BIAS_METRICS_NAMESPACE = "aws/sagemaker/Endpoints/bias-metrics"
EXPLAINABILITY_METRICS_NAMESPACE = "aws/sagemaker/Endpoints/explainability-metrics"
MONITORING_NAMESPACES = (
    DATA_METRICS_NAMESPACE,
    MODEL_METRICS_NAMESPACE,
    BIAS_METRICS_NAMESPACE,
    EXPLAINABILITY_METRICS_NAMESPACE,
)

_ENDPOINT_INPUT_PATH = "/opt/ml/processing/input/endpoint"
_OUTPUT_PATH = "/opt/ml/processing/output"
#: The job definitions' shared members in botocore's model (the four kinds have the same limits).
_JOB = "CreateDataQualityJobDefinitionRequest"
_PROBLEM_TYPE = "CreateModelQualityJobDefinitionRequest.ModelQualityAppSpecification.ProblemType"
_TIME_OFFSET = re.compile(r"^-P(?=\d|T\d)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?)?$")
_NAME_PREFIX = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,39}$")

# SageMaker's accepted monitoring schedule expressions (API reference, ScheduleConfig).
_HOURLY = re.compile(r"^cron\(0 \* \? \* \* \*\)$")
_DAILY = re.compile(r"^cron\(0 ([01]?\d|2[0-3]) \? \* \* \*\)$")
_EVERY_N_HOURS = re.compile(r"^cron\(0 ([01]?\d|2[0-3])/([1-9]|1\d|2[0-4]) \? \* \* \*\)$")
_CRON = re.compile(r"^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$")
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_SCHEDULE_FORMS = (
    "SageMaker accepts 'cron(0 * ? * * *)' (hourly), 'cron(0 H ? * * *)' (daily at hour H, 0-23) or "
    "'cron(0 H/N ? * * *)' (every N hours from hour H, N 1-24); use MonitorSchedule.hourly(), "
    ".daily(hour) or .every_hours(n)"
)


class MonitorSchedule:
    """When the monitors run. SageMaker runs a scheduled job within about 20 minutes of its time.

    ``cron(expression)`` takes SageMaker's cron forms only; anything more often than hourly is rejected.
    """

    def __init__(self, expression: str) -> None:
        self.expression_string = expression

    @classmethod
    def hourly(cls) -> MonitorSchedule:
        return cls("cron(0 * ? * * *)")

    @classmethod
    def daily(cls, hour: int = 0) -> MonitorSchedule:
        """Once a day at ``hour`` UTC (0-23)."""
        return cls(f"cron(0 {hour} ? * * *)")

    @classmethod
    def every_hours(cls, hours: int, start_hour: int = 0) -> MonitorSchedule:
        """Every ``hours`` hours (1-24) from ``start_hour`` UTC."""
        return cls(f"cron(0 {start_hour}/{hours} ? * * *)")

    @classmethod
    def cron(cls, expression: str) -> MonitorSchedule:
        """One of SageMaker's monitoring cron forms, e.g. ``cron(0 0/6 ? * * *)`` (every 6 hours);
        validated when the monitor is created (``cron(0 */6 ? * * *)`` is not a form SageMaker accepts)."""
        return cls(expression)

    def problem(self) -> str | None:
        """Why SageMaker would reject the expression, or None."""
        expression = self.expression_string
        if _HOURLY.match(expression) or _DAILY.match(expression) or _EVERY_N_HOURS.match(expression):
            return None
        rate = _RATE.match(expression)
        if rate and rate.group(2).startswith("minute") and int(rate.group(1)) < 60:
            return f"runs more often than hourly (SageMaker monitors at most once an hour); {_SCHEDULE_FORMS}"
        cron = _CRON.match(expression)
        if cron and any(c in cron.group(1) for c in "*/,-"):
            return f"runs more often than hourly (minutes field {cron.group(1)!r}); {_SCHEDULE_FORMS}"
        return f"is not a schedule SageMaker Model Monitor accepts; {_SCHEDULE_FORMS}"

    @property
    def interval_hours(self) -> int:
        """Hours between two runs (1 for hourly, 24 for daily); meaningful for valid expressions."""
        if _HOURLY.match(self.expression_string):
            return 1
        every = _EVERY_N_HOURS.match(self.expression_string)
        return int(every.group(2)) if every else 24


class DriftCheckBaseline(StrEnum):
    """A baseline file of a model package's ``DriftCheckBaselines`` (its path in ``DescribeModelPackage``),
    which a pipeline's check steps register (``DriftCheckBaselines.from_checks``)."""

    DATA_QUALITY_CONSTRAINTS = "ModelDataQuality.Constraints"
    DATA_QUALITY_STATISTICS = "ModelDataQuality.Statistics"
    MODEL_QUALITY_CONSTRAINTS = "ModelQuality.Constraints"
    MODEL_QUALITY_STATISTICS = "ModelQuality.Statistics"
    BIAS_PRE_TRAINING_CONSTRAINTS = "Bias.PreTrainingConstraints"
    BIAS_POST_TRAINING_CONSTRAINTS = "Bias.PostTrainingConstraints"
    BIAS_CONFIG_FILE = "Bias.ConfigFile"
    EXPLAINABILITY_CONSTRAINTS = "Explainability.Constraints"
    EXPLAINABILITY_CONFIG_FILE = "Explainability.ConfigFile"

    @property
    def attribute(self) -> str:
        """The name of the record's attribute that holds this baseline's URI."""
        return self.value.replace(".", "")


@dataclass(frozen=True)
class MonitoringBaseline:
    """Baseline files, e.g. from ``suggest_baseline`` or a pipeline's QualityCheck/ClarifyCheck step:
    in S3, or local files that ``cdk deploy`` uploads (``from_asset``).

    :param constraints_s3_uri: default None (no violation checks); ``constraints.json`` (or Clarify's
        ``analysis.json``) to compare each run with.
    :param statistics_s3_uri: default None; ``statistics.json`` of the training data (data quality only).
    :param constraints_file: default None; a local ``constraints.json`` instead (``from_asset``).
    :param statistics_file: default None; a local ``statistics.json`` instead (``from_asset``).
    """

    constraints_s3_uri: str | None = None
    statistics_s3_uri: str | None = None
    constraints_file: str | None = None
    statistics_file: str | None = None

    @staticmethod
    def from_asset(*, constraints: str | None = None, statistics: str | None = None) -> MonitoringBaseline:
        """Local baseline files (JSON), uploaded as file assets of the monitor's stack; the monitor's
        role may read exactly those objects.

        :param constraints: default None; a local ``constraints.json`` (Clarify: ``analysis.json``).
        :param statistics: default None; a local ``statistics.json`` (data quality only).
        """
        problems = Problems("MonitoringBaseline.from_asset", "MonitoringBaseline")
        problems.check(
            constraints is not None or statistics is not None, "constraints/statistics", None, "give at least one file"
        )
        for prop, path in (("constraints", constraints), ("statistics", statistics)):
            if path is not None:
                problems.check(_is_json_file(Path(path)), prop, path, "must be an existing local JSON file")
        problems.raise_if_any()
        return MonitoringBaseline(
            constraints_file=str(Path(constraints).resolve()) if constraints else None,
            statistics_file=str(Path(statistics).resolve()) if statistics else None,
        )

    @property
    def is_local(self) -> bool:
        return self.constraints_file is not None or self.statistics_file is not None


@dataclass(frozen=True)
class DataQualityMonitorOptions:
    """Data quality: drift of the captured features from the training data.

    :param baseline: default None; constraints and statistics to compare with (drift metrics and
        violations need them).
    :param record_preprocessor_s3_uri: default None; a script that flattens each captured record.
    :param post_analytics_processor_s3_uri: default None; a script run after the analysis.
    """

    baseline: MonitoringBaseline | None = None
    record_preprocessor_s3_uri: str | None = None
    post_analytics_processor_s3_uri: str | None = None


@dataclass(frozen=True)
class ModelQualityMonitorOptions:
    """Model quality: predictions joined with ground truth labels, metrics such as accuracy or RMSE.

    :param problem_type: required; a ``ProblemType``.
    :param ground_truth_s3_uri: required; where labelled ground truth records are merged from.
    :param inference_attribute: default None; the prediction in the captured output (CSV index or
        JSON path).
    :param probability_attribute: default None; the probability in the captured output.
    :param probability_threshold: default None; 0 to 1, threshold of a binary classification.
    :param baseline_constraints_s3_uri: default None; constraints to compare the metrics with.
    :param baseline: default None; or the constraints as a local file
        (``MonitoringBaseline.from_asset(constraints=...)``), not with ``baseline_constraints_s3_uri``.
    :param start_time_offset: default None; ISO 8601 negative duration (``-P1D``) where the analysed
        window starts, for ground truth that arrives late.
    :param end_time_offset: default None; where the window ends (``-PT1H``).
    """

    problem_type: ProblemType
    ground_truth_s3_uri: str
    inference_attribute: str | None = None
    probability_attribute: str | None = None
    probability_threshold: float | None = None
    baseline_constraints_s3_uri: str | None = None
    start_time_offset: str | None = None
    end_time_offset: str | None = None
    baseline: MonitoringBaseline | None = None


@dataclass(frozen=True)
class BiasDriftMonitorOptions:
    """Bias drift (SageMaker Clarify): pre- and post-training bias metrics of production data.

    :param analysis_config_s3_uri: required; the Clarify analysis configuration (label, facets,
        ``methods``) as a JSON object in S3.
    :param ground_truth_s3_uri: required; ground truth labels merged with the captured predictions.
    :param features_attribute: default None; JSON path of the features in captured JSON records.
    :param inference_attribute: default None; the prediction in the captured output.
    :param probability_attribute: default None; the probability in the captured output.
    :param probability_threshold: default None; 0 to 1.
    :param baseline_constraints_s3_uri: default None; Clarify baseline ``analysis.json``.
    :param baseline: default None; or the baseline as a local file
        (``MonitoringBaseline.from_asset(constraints=...)``), not with ``baseline_constraints_s3_uri``.
    :param start_time_offset: default None; as for model quality.
    :param end_time_offset: default None; as for model quality.
    """

    analysis_config_s3_uri: str
    ground_truth_s3_uri: str
    features_attribute: str | None = None
    inference_attribute: str | None = None
    probability_attribute: str | None = None
    probability_threshold: float | None = None
    baseline_constraints_s3_uri: str | None = None
    start_time_offset: str | None = None
    end_time_offset: str | None = None
    baseline: MonitoringBaseline | None = None


@dataclass(frozen=True)
class FeatureAttributionMonitorOptions:
    """Feature attribution drift (SageMaker Clarify, SHAP values).

    :param analysis_config_s3_uri: required; the Clarify explainability configuration (``methods.shap``,
        ``predictor``) as a JSON object in S3.
    :param features_attribute: default None; JSON path of the features in captured JSON records.
    :param inference_attribute: default None; the prediction in the captured output.
    :param probability_attribute: default None; the probability in the captured output.
    :param baseline_constraints_s3_uri: default None; Clarify baseline ``analysis.json``.
    :param baseline: default None; or the baseline as a local file
        (``MonitoringBaseline.from_asset(constraints=...)``), not with ``baseline_constraints_s3_uri``.
    """

    analysis_config_s3_uri: str | None = None
    features_attribute: str | None = None
    inference_attribute: str | None = None
    probability_attribute: str | None = None
    baseline_constraints_s3_uri: str | None = None
    baseline: MonitoringBaseline | None = None


@jsii.implements(iam.IGrantable, ec2.IConnectable)
class ModelMonitor(Resource):
    """Defines Model Monitor schedules (data quality, model quality, bias drift, feature attribution)
    for an endpoint that captures data.

    Jobs read the endpoint's captured data, write reports under ``output_prefix`` and publish CloudWatch
    metrics (``metric_feature_drift``, ``metric_model_quality``) that ``MonitoringAlarms`` watches.
    The job definitions' ``Tags`` are create-only (a changed tag replaces them): tag with values that
    may change through ``add_mutable_tags``, which leaves them out.

    It is an ``iam.IGrantable`` (the jobs' role: grant it what a preprocessing script reads) and an
    ``ec2.IConnectable`` (the jobs' security group).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint: IEndpoint,
        network: INetwork,
        data_quality: DataQualityMonitorOptions | None = None,
        model_quality: ModelQualityMonitorOptions | None = None,
        bias_drift: BiasDriftMonitorOptions | None = None,
        feature_attribution: FeatureAttributionMonitorOptions | None = None,
        schedule: MonitorSchedule | None = None,
        output_bucket: s3.IBucket | None = None,
        output_prefix: str = "model-monitor",
        encryption_key: kms.IKey | None = None,
        role: iam.IRole | None = None,
        instance_type: InstanceType | str = InstanceType.ML_M5_XLARGE,
        instance_count: int = 1,
        volume_size_gb: int = 20,
        max_runtime: Duration | None = None,
        schedule_name_prefix: str | None = None,
        analyzer_image: MonitoringImage | None = None,
        clarify_image: MonitoringImage | None = None,
        environment: Mapping[str, str] | None = None,
        baseline_locations: Sequence[S3Location] = (),
    ) -> None:
        """
        :param endpoint: the endpoint to monitor; it must capture data (``data_capture`` set), so not an
            endpoint with inference components (Model Monitor supports endpoints that host one model).
        :param network: the VPC, subnets and security groups every job runs in (without an internet
            route it needs the S3 gateway).
        :param data_quality: default None (no data quality monitor).
        :param model_quality: default None (no model quality monitor).
        :param bias_drift: default None (no bias drift monitor).
        :param feature_attribution: default None (no feature attribution monitor).
        :param schedule: default ``MonitorSchedule.hourly()``; applies to every monitor.
        :param output_bucket: default, the endpoint's data capture bucket; where reports are written.
        :param output_prefix: default ``model-monitor``; reports go to ``<prefix>/<monitor kind>/``.
        :param encryption_key: default, the output bucket's key when it is a ``SecureBucket``, else the
            data capture key, else a new ``EncryptionKey``; encrypts job volumes and reports.
        :param role: default, a new least-privilege role for the jobs.
        :param instance_type: default ``ml.m5.xlarge``; the processing instance of each job (botocore
            ``ProcessingInstanceType``).
        :param instance_count: default 1 (1-100).
        :param volume_size_gb: default 20 (1-16384).
        :param max_runtime: default 1 hour; at most the schedule's interval (a run ends before the next).
        :param schedule_name_prefix: default, derived from the construct path; schedules are named
            ``<prefix>-data-quality`` and so on (1-40 letters, digits, hyphens).
        :param analyzer_image: default, SageMaker's Model Monitor analyzer of the stack's region.
        :param clarify_image: default, SageMaker Clarify of the stack's region.
        :param environment: default none; extra environment of the data and model quality containers.
        :param baseline_locations: default none; prefixes the jobs may read baselines from, besides the
            baseline URIs given (which are granted one by one). Required when a baseline URI is known
            only at deploy time, e.g. a served package's (``ServedModelPackage.baseline_uri``): its
            pipeline's output prefix.
        """
        super().__init__(scope, construct_id)
        remember_place(self, scope, construct_id)
        schedule = schedule or MonitorSchedule.hourly()
        max_runtime = max_runtime or durations.hours(1)
        analyzer_image = analyzer_image or MonitoringImage.model_monitor_analyzer()
        clarify_image = clarify_image or MonitoringImage.clarify()
        self._baseline_locations = list(baseline_locations)
        self._validate(
            endpoint=endpoint,
            data_quality=data_quality,
            model_quality=model_quality,
            bias_drift=bias_drift,
            feature_attribution=feature_attribution,
            schedule=schedule,
            output_prefix=output_prefix,
            instance_type=instance_type,
            instance_count=instance_count,
            volume_size_gb=volume_size_gb,
            max_runtime=max_runtime,
            schedule_name_prefix=schedule_name_prefix,
            analyzer_image=analyzer_image,
            clarify_image=clarify_image,
        )
        capture = endpoint.data_capture
        assert capture is not None
        self.endpoint = endpoint
        self.schedule = schedule

        bucket = output_bucket or capture.bucket
        out_bucket = bucket
        if encryption_key is None and isinstance(bucket, SecureBucket):
            encryption_key = read_once(bucket, "encryption_key")
        if encryption_key is None:
            encryption_key = capture.encryption_key
        self.encryption_key: kms.IKey = key_or_new(self, encryption_key, f"{construct_path(self)} monitoring jobs")
        self.output_s3_uri = f"s3://{read_once(out_bucket, 'bucket_name')}/{output_prefix.strip('/')}"

        self.role: iam.IRole = role or as_role(
            service_role(
                self,
                "Role",
                service="sagemaker.amazonaws.com",
                description=f"Model Monitor jobs of {construct_path(self)}",
            )
        )
        network.require_endpoints(
            self, SAGEMAKER_JOB_ENDPOINTS, purpose="the jobs read captured data and baselines and write reports in S3"
        )
        self._network = network
        self._connections = ec2.Connections(security_groups=network.security_groups)
        self._grant_job_permissions(capture, out_bucket, output_prefix.strip("/"), bucket)
        for index, location in enumerate(self._baseline_locations):
            grant_prefix(
                self.role,
                bucket_arn=location.bucket.bucket_arn,
                key_prefix=location.prefix,
                write=False,
                sid=f"ReadBaselines{index}",
                why="Baselines of the served model (its pipeline's outputs)",
            )
            if location.encryption_key is not None:
                grant_key_use(location.encryption_key, self.role, encrypt=False)

        self._prefix = schedule_name_prefix or Names.unique_resource_name(self, max_length=40, separator="-")
        self._cluster = dict(
            instance_count=instance_count,
            instance_type=str(instance_type),
            volume_size_in_gb=volume_size_gb,
            volume_kms_key_id=read_once(self.encryption_key, "key_arn"),
        )
        self._max_runtime = whole(in_seconds(max_runtime))
        self._environment = {"publish_cloudwatch_metrics": "Enabled", **dict(environment or {})}
        self.schedule_names: dict[str, str] = {}
        self.schedule_arns: dict[str, str] = {}
        self.job_definition_arns: dict[str, str] = {}

        if data_quality is not None:
            self._add_data_quality(data_quality, analyzer_image)
        if model_quality is not None:
            self._add_model_quality(model_quality, analyzer_image)
        if bias_drift is not None:
            self._add_bias_drift(bias_drift, clarify_image)
        if feature_attribution is not None:
            self._add_feature_attribution(feature_attribution, clarify_image)

    # ------------------------------------------------------------------ metrics

    @property
    def grant_principal(self) -> iam.IPrincipal:
        """The monitoring jobs' role."""
        return self.role

    @property
    def connections(self) -> ec2.Connections:
        """The monitoring jobs' security group (network isolation keeps the containers off the network;
        SageMaker still attaches the jobs' interfaces to it)."""
        return self._connections

    def metric_feature_drift(
        self, feature_name: str, options: cloudwatch.MetricOptions | None = None
    ) -> cloudwatch.Metric:
        """``feature_baseline_drift_<feature>``: the data quality monitor's distance from the baseline
        distribution of ``feature_name`` (maximum per schedule interval by default)."""
        return self._metric("DataQuality", DATA_METRICS_NAMESPACE, f"feature_baseline_drift_{feature_name}", options)

    def metric_model_quality(
        self, metric_name: str, options: cloudwatch.MetricOptions | None = None
    ) -> cloudwatch.Metric:
        """A model quality metric (``accuracy``, ``f1``, ``auc``, ``rmse``, ``mae``, ``r2``...)."""
        return self._metric("ModelQuality", MODEL_METRICS_NAMESPACE, metric_name, options)

    def metric_bias(self, metric_name: str, options: cloudwatch.MetricOptions | None = None) -> cloudwatch.Metric:
        """A bias drift metric such as ``bias_metric_CI`` (class imbalance)."""
        return self._metric("ModelBias", BIAS_METRICS_NAMESPACE, metric_name, options)

    def metric_feature_attribution(
        self, metric_name: str, options: cloudwatch.MetricOptions | None = None
    ) -> cloudwatch.Metric:
        """A feature attribution drift metric of the explainability monitor (such as ``feature_<name>``)."""
        return self._metric("ModelExplainability", EXPLAINABILITY_METRICS_NAMESPACE, metric_name, options)

    def _metric(
        self, kind: str, namespace: str, metric_name: str, options: cloudwatch.MetricOptions | None
    ) -> cloudwatch.Metric:
        problems = Problems(self, "ModelMonitor")
        problems.check(
            kind in self.schedule_names,
            f"metric ({metric_name})",
            kind,
            f"has no {kind} monitor; its metric cannot be read (monitors: {sorted(self.schedule_names)})",
        )
        problems.raise_if_any()
        return metric(
            namespace,
            metric_name,
            {"Endpoint": self.endpoint.endpoint_name, "MonitoringSchedule": self.schedule_names[kind]},
            options,
            statistic="Maximum",
            period=durations.hours(self.schedule.interval_hours),
        )

    # ------------------------------------------------------------------ validation

    def _validate(
        self,
        *,
        endpoint: IEndpoint,
        data_quality: DataQualityMonitorOptions | None,
        model_quality: ModelQualityMonitorOptions | None,
        bias_drift: BiasDriftMonitorOptions | None,
        feature_attribution: FeatureAttributionMonitorOptions | None,
        schedule: MonitorSchedule,
        output_prefix: str,
        instance_type: InstanceType | str,
        instance_count: int,
        volume_size_gb: int,
        max_runtime: Duration,
        schedule_name_prefix: str | None,
        analyzer_image: MonitoringImage,
        clarify_image: MonitoringImage,
    ) -> None:
        problems = Problems(self, "ModelMonitor")
        capture = endpoint.data_capture
        label = _label(endpoint)
        if isinstance(endpoint, ComponentHost):
            # No DataCaptureOptions would help: say why this endpoint cannot be monitored at all.
            problems.add(
                "endpoint",
                label,
                "hosts inference components, which Model Monitor does not monitor: it supports only endpoints "
                "that host a single model, and an InferenceComponentEndpoint captures no data; monitor a "
                "RealtimeEndpoint created with data_capture=DataCaptureOptions(...)",
            )
        else:
            problems.check(
                capture is not None,
                "endpoint",
                label,
                "must capture data: Model Monitor reads the endpoint's captured requests and responses "
                "(create it with data_capture=DataCaptureOptions(...))",
            )
        monitors = {
            "data_quality": data_quality,
            "model_quality": model_quality,
            "bias_drift": bias_drift,
            "feature_attribution": feature_attribution,
        }
        problems.check(
            any(m is not None for m in monitors.values()),
            "monitors",
            None,
            "give at least one of data_quality, model_quality, bias_drift, feature_attribution",
        )
        if capture is not None:
            needs = {
                "data_quality": ("request",),
                "model_quality": ("response",),
                "bias_drift": ("request", "response"),
                "feature_attribution": ("request",),
            }
            for name, monitor in monitors.items():
                for part in needs[name] if monitor is not None else ():
                    captured = capture.capture_request if part == "request" else capture.capture_response
                    problems.check(
                        captured,
                        f"{name} (endpoint data capture of the {part})",
                        False,
                        f"the {name.replace('_', ' ')} monitor needs the endpoint to capture the {part}",
                    )

        if model_quality is not None:
            problems.check(
                given(model_quality.problem_type) is not None,
                "model_quality.problem_type",
                None,
                f"is required: one of {', '.join(ProblemType)}",
            )
            if given(model_quality.problem_type) is not None:
                check_shape(problems, "model_quality.problem_type", model_quality.problem_type, _PROBLEM_TYPE)
            problems.check(
                given(model_quality.ground_truth_s3_uri) is not None,
                "model_quality.ground_truth_s3_uri",
                None,
                "is required: the S3 location of the ground truth labels to join with predictions",
            )
            _check_threshold(problems, "model_quality.probability_threshold", model_quality.probability_threshold)
            _check_offsets(problems, "model_quality", model_quality.start_time_offset, model_quality.end_time_offset)
        if bias_drift is not None:
            problems.check(
                given(bias_drift.analysis_config_s3_uri) is not None,
                "bias_drift.analysis_config_s3_uri",
                None,
                "is required: the S3 URI of the Clarify analysis configuration (label, facets, methods)",
            )
            problems.check(
                given(bias_drift.ground_truth_s3_uri) is not None,
                "bias_drift.ground_truth_s3_uri",
                None,
                "is required: the S3 location of the ground truth labels",
            )
            _check_threshold(problems, "bias_drift.probability_threshold", bias_drift.probability_threshold)
            _check_offsets(problems, "bias_drift", bias_drift.start_time_offset, bias_drift.end_time_offset)
        if feature_attribution is not None:
            problems.check(
                feature_attribution.analysis_config_s3_uri is not None,
                "feature_attribution.analysis_config_s3_uri",
                None,
                "is required: the S3 URI of the Clarify explainability configuration (methods.shap)",
            )
        for prop, options in (
            ("model_quality", model_quality),
            ("bias_drift", bias_drift),
            ("feature_attribution", feature_attribution),
        ):
            baseline = options.baseline if options is not None else None
            if baseline is not None and options is not None:
                problems.check(
                    options.baseline_constraints_s3_uri is None,
                    f"{prop}.baseline",
                    "MonitoringBaseline and baseline_constraints_s3_uri",
                    "give baseline or baseline_constraints_s3_uri, not both",
                )
                problems.check(
                    baseline.statistics_s3_uri is None and baseline.statistics_file is None,
                    f"{prop}.baseline.statistics",
                    baseline.statistics_s3_uri or baseline.statistics_file,
                    "applies to data quality only (this monitor compares with constraints)",
                )
                problems.check(
                    baseline.constraints_s3_uri is not None or baseline.constraints_file is not None,
                    f"{prop}.baseline.constraints",
                    None,
                    "is required (the constraints this monitor compares with)",
                )
        for prop, uri in _s3_uris(data_quality, model_quality, bias_drift, feature_attribution):
            if uri is not None:
                problems.check(
                    S3Uri.parse(uri) is not None,
                    prop,
                    uri,
                    "must be an S3 URI 's3://<bucket>/<key>' (the bucket may be a token)",
                )
                if is_unresolved(uri) and S3Uri.parse(uri) is None:
                    problems.check(
                        bool(self._baseline_locations),
                        prop,
                        "<known at deploy time>",
                        "is known only at deploy time, so the jobs' role cannot be granted it: give "
                        "baseline_locations (the prefixes it can be under)",
                    )

        schedule_problem = None if is_unresolved(schedule.expression_string) else schedule.problem()
        problems.check(schedule_problem is None, "schedule", schedule.expression_string, schedule_problem or "")
        seconds = in_seconds(max_runtime)
        check_shape(problems, "max_runtime (seconds)", seconds, f"{_JOB}.StoppingCondition.MaxRuntimeInSeconds")
        if schedule_problem is None and not is_unresolved(schedule.expression_string):
            limit = schedule.interval_hours * 3600
            problems.check(
                seconds <= limit,
                "max_runtime (seconds)",
                seconds,
                f"must be at most the schedule's interval ({limit:g} s) so a run ends before the next",
            )
        check_instance_type(problems, "instance_type", instance_type, PROCESSING_INSTANCE_TYPE)
        check_shape(problems, "instance_count", instance_count, f"{_JOB}.JobResources.ClusterConfig.InstanceCount")
        check_shape(problems, "volume_size_gb", volume_size_gb, f"{_JOB}.JobResources.ClusterConfig.VolumeSizeInGB")
        problems.check(bool(output_prefix.strip("/")), "output_prefix", output_prefix, "must not be empty")
        if schedule_name_prefix is not None:
            problems.check_pattern(
                "schedule_name_prefix",
                schedule_name_prefix,
                _NAME_PREFIX,
                "must be 1-40 letters, digits or hyphens, starting and ending with a letter or digit",
            )
        region = stack_facts(self).region
        images = ((analyzer_image, data_quality or model_quality), (clarify_image, bias_drift or feature_attribution))
        for image, used in images:
            if used is not None:
                problems.check(
                    image.supports_region(region),
                    f"region (for the {image.label} image)",
                    region,
                    f"has no known {image.label} image; known regions: {', '.join(image.regions)}. "
                    "Pass an image with MonitoringImage.from_uri(...) for this region",
                )
        problems.raise_if_any()

    # ------------------------------------------------------------------ permissions

    def _grant_job_permissions(
        self, capture: Any, out_bucket: s3.IBucket, output_prefix: str, bucket: s3.IBucket
    ) -> None:
        role = self.role
        stack = stack_of(self)
        grant_prefix(
            role,
            bucket_arn=read_once(capture.bucket, "bucket_arn"),
            key_prefix=f"{capture.prefix.strip('/')}/",
            write=False,
            sid="ReadCapturedData",
            why="Monitoring jobs read the endpoint's captured data",
        )
        if capture.encryption_key is not None:
            grant_key_use(capture.encryption_key, role, encrypt=False)
        grant_prefix(
            role,
            bucket_arn=read_once(out_bucket, "bucket_arn"),
            key_prefix=f"{output_prefix}/",
            write=True,
            sid="WriteReports",
            why="Monitoring jobs write their reports",
        )
        grant_key_use(self.encryption_key, role, encrypt=True)
        bucket_key = read_once(bucket, "encryption_key") if isinstance(bucket, SecureBucket) else None
        if bucket_key is not None and bucket_key is not self.encryption_key:
            grant_key_use(bucket_key, role, encrypt=True)
        volumes = kept_statement(
            role,
            sid="EncryptJobVolumes",
            actions=list(KMS_CREATE_GRANT),
            resources=[read_once(self.encryption_key, "key_arn")],
            conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
        )
        network_statements, _ = vpc_access_statements(
            self,
            vpc_id=read_once(self._network.vpc, "vpc_id"),
            subnet_ids=subnet_ids(self._network.subnets),
            security_group_ids=security_group_ids(self._network.security_groups),
            sid_prefix="JobNetwork",
            principal=role,
        )
        log_group = stack.format_arn(
            service="logs",
            resource="log-group",
            resource_name="/aws/sagemaker/ProcessingJobs",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        add_statements(
            role,
            [
                volumes,
                *network_statements,
                kept_statement(
                    role,
                    sid="PublishMonitoringMetrics",
                    actions=["cloudwatch:PutMetricData"],
                    resources=["*"],
                    # The prebuilt containers' namespaces exactly (no leading '/', as they publish them and
                    # as the metric_* alarms read them): not SageMaker's instance metrics ('/aws/sagemaker/
                    # Endpoints') nor 'AWS/SageMaker', which alarms and autoscaling of endpoints follow.
                    conditions={"StringEquals": {"cloudwatch:namespace": list(MONITORING_NAMESPACES)}},
                ),
                kept_statement(
                    role,
                    sid="WriteJobLogs",
                    actions=[
                        "logs:CreateLogGroup",
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                        "logs:DescribeLogStreams",
                    ],
                    resources=[log_group, f"{log_group}:log-stream:*"],
                ),
            ],
        )
        if isinstance(role, ManagedPolicyRole):
            policy = permissions_policy(role)
            acknowledge_statement_wildcards(
                policy,
                "ecr:GetAuthorizationToken has no resource type (AWS requires '*'); image pulls themselves are "
                "limited to the monitoring images' repositories.",
                "AuthenticateToRegistries",
            )
            acknowledge_statement_wildcards(
                policy,
                "EC2 accepts no resource narrower than '*' for the Describe calls SageMaker makes before "
                "attaching the jobs to the VPC.",
                "JobNetworkDescribe",
            )
            acknowledge_statement_wildcards(
                policy,
                "SageMaker creates a network interface per job instance; their ids are only known at run "
                "time, so the statement is limited to interfaces in this VPC (ec2:Vpc condition).",
                "JobNetworkManageInterfaces",
            )
            acknowledge_statement_wildcards(
                policy,
                "cloudwatch:PutMetricData has no resource type; the statement is limited to SageMaker's "
                "four endpoint monitoring namespaces by the cloudwatch:namespace condition.",
                "PublishMonitoringMetrics",
            )
            acknowledge_statement_wildcards(
                policy,
                "Processing jobs write one log stream per job to the /aws/sagemaker/ProcessingJobs group; "
                "stream names are generated per job.",
                "WriteJobLogs",
            )

    def _uploaded(self, baseline: MonitoringBaseline | None, kind: str) -> MonitoringBaseline:
        """``baseline`` with its local files uploaded as assets of this stack (read by the role, those
        objects only) and named by their S3 URIs; an S3 baseline as it is."""
        if baseline is None or not baseline.is_local:
            return baseline or MonitoringBaseline()
        uris: dict[str, str] = {}
        for part, path in (("constraints", baseline.constraints_file), ("statistics", baseline.statistics_file)):
            if path is None:
                continue
            asset = s3_assets.Asset(self, f"{kind}{part.title()}Baseline", path=path)
            self.role.add_to_principal_policy(
                objects_statement(
                    asset.bucket.bucket_arn, asset.s3_object_key, S3_READ, sid=f"Read{kind}{part.title()}"
                )
            )
            uris[f"{part}_s3_uri"] = asset.s3_object_url
        return dataclasses.replace(baseline, constraints_file=None, statistics_file=None, **uris)

    def _constraints_uri(
        self,
        options: ModelQualityMonitorOptions | BiasDriftMonitorOptions | FeatureAttributionMonitorOptions,
        kind: str,
        sid: str,
        why: str,
    ) -> str | None:
        """The constraints a constraints-only monitor compares with (an S3 URI, or the uploaded file),
        read by the role."""
        if options.baseline is not None and options.baseline.is_local:
            return self._uploaded(options.baseline, kind).constraints_s3_uri
        uri = (
            options.baseline.constraints_s3_uri if options.baseline is not None else options.baseline_constraints_s3_uri
        )
        self._grant_read_uri(uri, sid, why)
        return uri

    def _grant_read_uri(self, uri: str | None, sid: str, why: str) -> None:
        location = S3Uri.parse(uri) if uri else None
        if location is not None:
            grant_prefix(
                self.role, bucket_arn=location.bucket_arn, key_prefix=location.key, write=False, sid=sid, why=why
            )

    # ------------------------------------------------------------------ monitors

    def _network_config(self, cfn_class: Any) -> Any:
        return cfn_class.NetworkConfigProperty(
            enable_inter_container_traffic_encryption=True,
            enable_network_isolation=True,
            vpc_config=cfn_class.VpcConfigProperty(
                security_group_ids=security_group_ids(self._network.security_groups),
                subnets=subnet_ids(self._network.subnets),
            ),
        )

    def _common(self, cfn_class: Any, kind: str) -> dict[str, Any]:
        return dict(
            endpoint_name=self.endpoint.endpoint_name,
            role_arn=self.role.role_arn,
            network_config=self._network_config(cfn_class),
            stopping_condition=cfn_class.StoppingConditionProperty(max_runtime_in_seconds=self._max_runtime),
            job_resources=cfn_class.MonitoringResourcesProperty(
                cluster_config=cfn_class.ClusterConfigProperty(**self._cluster)
            ),
        ) | {
            _OUTPUT_PROP[kind]: cfn_class.MonitoringOutputConfigProperty(
                kms_key_id=read_once(self.encryption_key, "key_arn"),
                monitoring_outputs=[
                    cfn_class.MonitoringOutputProperty(
                        s3_output=cfn_class.S3OutputProperty(
                            local_path=_OUTPUT_PATH,
                            s3_uri=f"{self.output_s3_uri}/{_SLUG[kind]}",
                            s3_upload_mode="Continuous",
                        )
                    )
                ],
            )
        }

    def _grant_pull(self, image: MonitoringImage) -> None:
        """The jobs' role pulls the monitoring image (once per repository)."""
        custom = image.custom_image
        if custom is not None:  # your own container: pull on exactly its repository
            custom.bind(self, self.role)
            return
        repository = image.repository_arn(self)
        pulled: set[str] = getattr(self, "_pulled", set[str]())
        if repository is None or repository in pulled:
            return
        object.__setattr__(self, "_pulled", pulled | {repository})
        if not pulled:
            self.role.add_to_principal_policy(
                kept_statement(
                    self.role, sid="AuthenticateToRegistries", actions=["ecr:GetAuthorizationToken"], resources=["*"]
                )
            )
        self.role.add_to_principal_policy(
            kept_statement(
                self.role,
                actions=["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                resources=[repository],
            )
        )

    def _add_data_quality(self, options: DataQualityMonitorOptions, image: MonitoringImage) -> None:
        self._grant_pull(image)
        cfn = sagemaker.CfnDataQualityJobDefinition
        baseline = self._uploaded(options.baseline, "DataQuality")
        if options.baseline is None or not options.baseline.is_local:
            self._grant_read_uri(baseline.constraints_s3_uri, "ReadDataQualityConstraints", "Data quality baseline")
            self._grant_read_uri(baseline.statistics_s3_uri, "ReadDataQualityStatistics", "Data quality baseline")
        self._grant_read_uri(options.record_preprocessor_s3_uri, "ReadRecordPreprocessor", "Preprocessing script")
        self._grant_read_uri(
            options.post_analytics_processor_s3_uri, "ReadPostAnalyticsProcessor", "Post-analytics script"
        )
        baseline_config = None
        if baseline.constraints_s3_uri or baseline.statistics_s3_uri:
            baseline_config = cfn.DataQualityBaselineConfigProperty(
                constraints_resource=cfn.ConstraintsResourceProperty(s3_uri=baseline.constraints_s3_uri)
                if baseline.constraints_s3_uri
                else None,
                statistics_resource=cfn.StatisticsResourceProperty(s3_uri=baseline.statistics_s3_uri)
                if baseline.statistics_s3_uri
                else None,
            )
        job = cfn(
            self,
            "DataQualityJob",
            data_quality_app_specification=cfn.DataQualityAppSpecificationProperty(
                image_uri=image.image_uri(self),
                environment=dict(self._environment),
                record_preprocessor_source_uri=options.record_preprocessor_s3_uri,
                post_analytics_processor_source_uri=options.post_analytics_processor_s3_uri,
            ),
            data_quality_job_input=cfn.DataQualityJobInputProperty(endpoint_input=self._endpoint_input(cfn)),
            data_quality_baseline_config=baseline_config,
            **self._common(cfn, "DataQuality"),
        )
        self._schedule("DataQuality", job)

    def _add_model_quality(self, options: ModelQualityMonitorOptions, image: MonitoringImage) -> None:
        self._grant_pull(image)
        cfn = sagemaker.CfnModelQualityJobDefinition
        self._grant_read_uri(options.ground_truth_s3_uri, "ReadModelQualityGroundTruth", "Ground truth labels")
        constraints = self._constraints_uri(
            options, "ModelQuality", "ReadModelQualityConstraints", "Model quality baseline"
        )
        job = cfn(
            self,
            "ModelQualityJob",
            model_quality_app_specification=cfn.ModelQualityAppSpecificationProperty(
                image_uri=image.image_uri(self),
                problem_type=str(options.problem_type or ""),
                environment=dict(self._environment),
            ),
            model_quality_job_input=cfn.ModelQualityJobInputProperty(
                ground_truth_s3_input=cfn.MonitoringGroundTruthS3InputProperty(
                    s3_uri=options.ground_truth_s3_uri or ""
                ),
                endpoint_input=self._labelled_input(cfn, options),
            ),
            model_quality_baseline_config=_constraints_baseline(
                cfn, cfn.ModelQualityBaselineConfigProperty, constraints
            ),
            **self._common(cfn, "ModelQuality"),
        )
        self._schedule("ModelQuality", job)

    def _add_bias_drift(self, options: BiasDriftMonitorOptions, image: MonitoringImage) -> None:
        self._grant_pull(image)
        cfn = sagemaker.CfnModelBiasJobDefinition
        self._grant_read_uri(options.analysis_config_s3_uri, "ReadBiasAnalysisConfig", "Clarify analysis configuration")
        self._grant_read_uri(options.ground_truth_s3_uri, "ReadBiasGroundTruth", "Ground truth labels")
        constraints = self._constraints_uri(options, "ModelBias", "ReadBiasConstraints", "Bias drift baseline")
        job = cfn(
            self,
            "BiasDriftJob",
            model_bias_app_specification=cfn.ModelBiasAppSpecificationProperty(
                image_uri=image.image_uri(self),
                config_uri=options.analysis_config_s3_uri or "",
                environment={"publish_cloudwatch_metrics": "Enabled"},
            ),
            model_bias_job_input=cfn.ModelBiasJobInputProperty(
                ground_truth_s3_input=cfn.MonitoringGroundTruthS3InputProperty(
                    s3_uri=options.ground_truth_s3_uri or ""
                ),
                endpoint_input=self._labelled_input(cfn, options, features_attribute=options.features_attribute),
            ),
            model_bias_baseline_config=_constraints_baseline(cfn, cfn.ModelBiasBaselineConfigProperty, constraints),
            **self._common(cfn, "ModelBias"),
        )
        self._schedule("ModelBias", job)

    def _add_feature_attribution(self, options: FeatureAttributionMonitorOptions, image: MonitoringImage) -> None:
        self._grant_pull(image)
        cfn = sagemaker.CfnModelExplainabilityJobDefinition
        self._grant_read_uri(
            options.analysis_config_s3_uri, "ReadExplainabilityConfig", "Clarify explainability configuration"
        )
        constraints = self._constraints_uri(
            options, "ModelExplainability", "ReadExplainabilityConstraints", "Feature attribution baseline"
        )
        job = cfn(
            self,
            "FeatureAttributionJob",
            model_explainability_app_specification=cfn.ModelExplainabilityAppSpecificationProperty(
                image_uri=image.image_uri(self),
                config_uri=options.analysis_config_s3_uri or "",
                environment={"publish_cloudwatch_metrics": "Enabled"},
            ),
            model_explainability_job_input=cfn.ModelExplainabilityJobInputProperty(
                endpoint_input=self._endpoint_input(
                    cfn,
                    features_attribute=options.features_attribute,
                    inference_attribute=options.inference_attribute,
                    probability_attribute=options.probability_attribute,
                ),
            ),
            model_explainability_baseline_config=_constraints_baseline(
                cfn, cfn.ModelExplainabilityBaselineConfigProperty, constraints
            ),
            **self._common(cfn, "ModelExplainability"),
        )
        self._schedule("ModelExplainability", job)

    def _endpoint_input(self, cfn_class: Any, **attributes: Any) -> Any:
        """The job's input: the endpoint's captured data (attributes left out when None)."""
        return cfn_class.EndpointInputProperty(
            endpoint_name=self.endpoint.endpoint_name,
            local_path=_ENDPOINT_INPUT_PATH,
            **{name: value for name, value in attributes.items() if value is not None},
        )

    def _labelled_input(
        self, cfn_class: Any, options: ModelQualityMonitorOptions | BiasDriftMonitorOptions, **attributes: Any
    ) -> Any:
        """The endpoint input of monitors that join predictions with ground truth labels."""
        return self._endpoint_input(
            cfn_class,
            inference_attribute=options.inference_attribute,
            probability_attribute=options.probability_attribute,
            probability_threshold_attribute=options.probability_threshold,
            start_time_offset=options.start_time_offset,
            end_time_offset=options.end_time_offset,
            **attributes,
        )

    def _schedule(self, kind: str, job: Any) -> None:
        if isinstance(self.role, ManagedPolicyRole):
            job.node.add_dependency(permissions_policy(self.role))
        # Where the jobs read captured data, for the run-time contract check when the endpoint is not
        # part of the app (its endpoint config is the source otherwise).
        capture = self.endpoint.data_capture
        if capture is not None:
            key = capture.encryption_key
            job.add_metadata(
                DATA_CAPTURE_METADATA,
                {
                    "DestinationS3Uri": capture.destination_s3_uri,
                    **({"KmsKeyId": read_once(key, "key_arn")} if key is not None else {}),
                },
            )
        name = f"{self._prefix}-{_SLUG[kind]}"
        cfn = sagemaker.CfnMonitoringSchedule
        schedule = cfn(
            self,
            f"{kind}Schedule",
            monitoring_schedule_name=name,
            endpoint_name=self.endpoint.endpoint_name,
            monitoring_schedule_config=cfn.MonitoringScheduleConfigProperty(
                monitoring_type=kind,
                # The job definition's name is the last part of its ARN (CloudFormation generates it,
                # so a changed definition can be replaced).
                monitoring_job_definition_name=Fn.select(1, Fn.split("/", job.attr_job_definition_arn)),
                schedule_config=cfn.ScheduleConfigProperty(schedule_expression=self.schedule.expression_string),
            ),
        )
        self.schedule_names[kind] = name
        self.schedule_arns[kind] = schedule.attr_monitoring_schedule_arn
        self.job_definition_arns[kind] = job.attr_job_definition_arn


_SLUG = {
    "DataQuality": "data-quality",
    "ModelQuality": "model-quality",
    "ModelBias": "bias-drift",
    "ModelExplainability": "feature-attribution",
}
_OUTPUT_PROP = {
    "DataQuality": "data_quality_job_output_config",
    "ModelQuality": "model_quality_job_output_config",
    "ModelBias": "model_bias_job_output_config",
    "ModelExplainability": "model_explainability_job_output_config",
}


def _constraints_baseline(cfn_class: Any, baseline_class: Any, constraints_s3_uri: str | None) -> Any:
    if constraints_s3_uri is None:
        return None
    return baseline_class(constraints_resource=cfn_class.ConstraintsResourceProperty(s3_uri=constraints_s3_uri))


def _label(endpoint: IEndpoint) -> str:
    if isinstance(endpoint, Construct):
        return construct_path(endpoint)
    node = getattr(endpoint, "node", None)
    if node is not None:
        return str(node.path)
    name = endpoint.endpoint_name
    return "<endpoint>" if is_unresolved(name) else name


def _check_threshold(problems: Problems, prop: str, value: float | None) -> None:
    if value is not None:
        problems.check_range(prop, value, minimum=0, maximum=1)


def _check_offsets(problems: Problems, prefix: str, start: str | None, end: str | None) -> None:
    for prop, value in ((f"{prefix}.start_time_offset", start), (f"{prefix}.end_time_offset", end)):
        if value is not None:
            problems.check_pattern(
                prop, value, _TIME_OFFSET, "must be a negative ISO 8601 duration such as '-PT1H' or '-P1D'"
            )


def _s3_uris(
    data_quality: DataQualityMonitorOptions | None,
    model_quality: ModelQualityMonitorOptions | None,
    bias_drift: BiasDriftMonitorOptions | None,
    feature_attribution: FeatureAttributionMonitorOptions | None,
) -> list[tuple[str, str | None]]:
    uris: list[tuple[str, str | None]] = []
    if data_quality is not None:
        baseline = data_quality.baseline or MonitoringBaseline()
        uris += [
            ("data_quality.baseline.constraints_s3_uri", baseline.constraints_s3_uri),
            ("data_quality.baseline.statistics_s3_uri", baseline.statistics_s3_uri),
            ("data_quality.record_preprocessor_s3_uri", data_quality.record_preprocessor_s3_uri),
            ("data_quality.post_analytics_processor_s3_uri", data_quality.post_analytics_processor_s3_uri),
        ]
    if model_quality is not None:
        uris += [
            ("model_quality.ground_truth_s3_uri", model_quality.ground_truth_s3_uri),
            ("model_quality.baseline_constraints_s3_uri", model_quality.baseline_constraints_s3_uri),
        ]
    if bias_drift is not None:
        uris += [
            ("bias_drift.analysis_config_s3_uri", bias_drift.analysis_config_s3_uri),
            ("bias_drift.ground_truth_s3_uri", bias_drift.ground_truth_s3_uri),
            ("bias_drift.baseline_constraints_s3_uri", bias_drift.baseline_constraints_s3_uri),
        ]
    if feature_attribution is not None:
        uris += [
            ("feature_attribution.analysis_config_s3_uri", feature_attribution.analysis_config_s3_uri),
            ("feature_attribution.baseline_constraints_s3_uri", feature_attribution.baseline_constraints_s3_uri),
        ]
    return uris


def _is_json_file(path: Path) -> bool:
    """True for an existing file that holds JSON (what Model Monitor reads as a baseline)."""
    try:
        json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    return True
