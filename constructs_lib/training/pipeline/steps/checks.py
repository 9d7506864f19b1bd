"""Check steps: ``QualityCheckStep`` (data and model quality, Model Monitor's analyzer) and
``ClarifyCheckStep`` (data bias, model bias, model explainability, SageMaker Clarify).

Each runs a processing job that calculates a baseline from a dataset (``CalculatedBaseline*``
properties) and, unless ``skip_check``, compares it with the baseline to check against: the
``supplied_baseline_*`` files, else the ``DriftCheckBaselines`` of the latest approved version of
``model_package_group``. A violation fails the step when ``fail_on_violation`` (the default).
``BaselineUsedForDriftCheck*`` is the calculated baseline with ``register_new_baseline``, else the one
checked against: register it as the new version's ``DriftCheckBaselines`` (``DriftCheckBaselines.from_checks``)
and the calculated one as its ``ModelMetrics`` (``ModelMetrics.from_checks``). The step definition
(``Type`` ``QualityCheck`` / ``ClarifyCheck``, ``CheckType``, ``SkipCheck``, ``FailOnViolation``,
``RegisterNewBaseline``, ``Supplied*``, ``ModelPackageGroupName``, ``ModelName`` and the processing
job's ``Arguments``) follows what the SageMaker Python SDK writes (``workflow/quality_check_step.py``,
``workflow/clarify_check_step.py``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from aws_cdk import Duration
from constructs import Construct

from constructs_lib._core import durations
from constructs_lib._core.validation import is_unresolved
from constructs_lib.foundation.container_image import ContainerImage
from constructs_lib.foundation.instance_type import InstanceType
from constructs_lib.foundation.network import INetwork
from constructs_lib.foundation.s3_location import S3Location
from constructs_lib.training.analysis_config_upload import AnalysisConfigUploads
from constructs_lib.training.pipeline import _service_model
from constructs_lib.training.pipeline.expressions import BOOLEAN, FLOAT, OBJECT, STRING, Expression, Property
from constructs_lib.training.pipeline.serializer import as_api_string
from constructs_lib.training.pipeline.step import (
    Step,
    StepLineage,
    StepRequirements,
    StepValidator,
    given,
    is_model_package_group,
)
from constructs_lib.training.pipeline.steps.processing import (
    PROCESSING_ROOT,
    ProcessingInput,
    ProcessingOutput,
    ProcessingStep,
)
from constructs_lib.training.pipeline.values import CompressionType, S3DataDistribution

if TYPE_CHECKING:
    from constructs_lib.training.model_package_group import IModelPackageGroup

#: Where the analyzer and Clarify containers read and write (the SDK's and the containers' paths).
_INPUT = f"{PROCESSING_ROOT}input"
_OUTPUT = f"{PROCESSING_ROOT}output"
BASELINE_DATASET_INPUT = "baseline_dataset_input"
RECORD_PREPROCESSOR_INPUT = "record_preprocessor_script_input"
POST_ANALYTICS_PROCESSOR_INPUT = "post_analytics_processor_script_input"
QUALITY_CHECK_OUTPUT = "quality_check_output"
CLARIFY_CONFIG_INPUT = "analysis_config"
CLARIFY_DATA_INPUT = "dataset"
CLARIFY_OUTPUT = "analysis_result"
_CLARIFY_CONFIG_PATH = f"{_INPUT}/config"
_CLARIFY_DATA_PATH = f"{_INPUT}/data"

#: The analysis methods SageMaker Clarify computes (developer guide, "Pre-training bias metrics",
#: "Post-training bias metrics"; the SDK's ``DataBiasCheckConfig``/``ModelBiasCheckConfig``).
PRE_TRAINING_BIAS_METHODS = ("CI", "DPL", "KL", "JS", "LP", "TVD", "KS", "CDDL")
POST_TRAINING_BIAS_METHODS = ("DPPL", "DI", "DCA", "DCR", "RD", "DAR", "DRR", "AD", "CDDPL", "TE", "FT")
#: Clarify's dataset types (analysis configuration ``dataset_type``).
CLARIFY_DATASET_TYPES = ("text/csv", "application/jsonlines", "application/json", "application/x-parquet")
#: How SHAP values are aggregated into global ones (``methods.shap.agg_method``).
SHAP_AGGREGATIONS = ("mean_abs", "median", "mean_sq")
_CSV_COLUMN_POSITIONS = ("START", "END")
#: The name prefix of the shadow endpoints Clarify starts for model checks (analysis configuration
#: ``predictor.endpoint_name_prefix``: "The default value is sm-clarify", at most 23 characters).
SHADOW_ENDPOINT_PREFIX = "sm-clarify"
SHADOW_ENDPOINT_PREFIX_MAX = 23
_ENDPOINT_NAME_PREFIX = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")


# --- what both kinds of check share --------------------------------------------------------------------


@dataclass(frozen=True)
class CheckJobConfig:
    """The processing job a check step runs.

    :param role: the ``JobRole`` (or IAM role) the job runs as: it reads the dataset and the
        baselines to check against and writes the output.
    :param image: the container: SageMaker's Model Monitor analyzer for ``QualityCheckStep``, SageMaker
        Clarify for ``ClarifyCheckStep`` (``MonitoringImage.model_monitor_analyzer().container_image()``,
        ``MonitoringImage.clarify().container_image()``), your own ``ContainerImage``, or a String
        parameter. The job's role is granted pull on it, as every step's.
    :param instance_type: default ``ml.m5.xlarge`` (botocore ``ProcessingInstanceType``).
    :param instance_count: default 1 (1 to 100).
    :param volume_size_gb: default 30 (1 to 16384).
    :param volume_kms_key: default none (AWS-managed); KMS key of the instances' storage volumes.
    :param output_kms_key: default none (the bucket's default encryption); KMS key of the output.
    :param max_runtime: default 1 hour (at most 5 days).
    :param network: default none (no VPC); the ``INetwork`` the job's instances attach to.
    :param enable_network_isolation: default True: the container gets no network access. A model bias
        or explainability check starts a shadow endpoint of the model: give False.
    :param encrypt_inter_container_traffic: default True; TLS between the instances.
    :param environment: default none; more environment variables of the container.
    """

    role: Any
    image: ContainerImage | Expression
    instance_type: InstanceType | str | Expression = "ml.m5.xlarge"
    instance_count: int | Expression = 1
    volume_size_gb: int | Expression = 30
    volume_kms_key: Any = None
    output_kms_key: Any = None
    max_runtime: Duration | Expression = field(default_factory=lambda: durations.hours(1))
    network: INetwork | None = None
    enable_network_isolation: bool = True
    encrypt_inter_container_traffic: bool = True
    environment: Mapping[str, str | Expression] = field(default_factory=dict[str, "str | Expression"])


class CheckProperties(Property):
    """A check step's results (``step.properties.CalculatedBaselineConstraints``...): the S3 URIs of
    the baseline files, String expressions for ``ModelMetrics`` and ``DriftCheckBaselines``. A name
    the step does not have fails when the line runs, naming those it has."""

    def __init__(self, step: CheckStep) -> None:
        super().__init__(step, "String")
        object.__setattr__(self, "_names", step.property_names)

    @property
    def kind(self) -> str:
        return OBJECT

    def _members(self) -> dict[str, Any]:
        names: tuple[str, ...] = object.__getattribute__(self, "_names")
        return {name: {"shape": "String"} for name in names}

    def _shape_names(self) -> tuple[str, ...]:
        return ("check step results",)

    def _member_shape(self, member: str, members: dict[str, Any]) -> str:
        return str(members[member]["shape"])  # every result is an S3 URI string


class CheckStep(Step):
    """What ``QualityCheckStep`` and ``ClarifyCheckStep`` share: the job, the baseline lifecycle."""

    supports_cache = True
    #: The step's result properties (S3 URIs of baseline files).
    property_names: ClassVar[tuple[str, ...]] = ()
    check_types: ClassVar[tuple[str, ...]] = ()
    _job: ProcessingStep

    def __init__(
        self,
        name: str,
        *,
        job: CheckJobConfig,
        skip_check: bool | Expression = False,
        fail_on_violation: bool | Expression = True,
        register_new_baseline: bool | Expression = False,
        model_package_group: IModelPackageGroup | None = None,
        supplied_baseline_constraints: str | S3Location | Expression | None = None,
        **step_options: Any,
    ) -> None:
        super().__init__(name, **step_options)
        self.job = job
        self.skip_check = skip_check
        self.fail_on_violation = fail_on_violation
        self.register_new_baseline = register_new_baseline
        self.model_package_group = model_package_group
        self.supplied_baseline_constraints = supplied_baseline_constraints

    @property
    def check_type(self) -> str:
        raise NotImplementedError

    @property
    def properties(self) -> Property:
        """The baseline files' URIs: ``CalculatedBaselineConstraints``, ``BaselineUsedForDriftCheckConstraints``
        (and the ``Statistics`` ones of a quality check)."""
        return CheckProperties(self)

    @property
    def calculated_baseline_constraints(self) -> Property:
        """``CalculatedBaselineConstraints``: the constraints this run calculated."""
        return Property(self, "String", ".CalculatedBaselineConstraints")

    @property
    def drift_check_constraints(self) -> Property:
        """``BaselineUsedForDriftCheckConstraints``: the calculated constraints with
        ``register_new_baseline``, else those checked against."""
        return Property(self, "String", ".BaselineUsedForDriftCheckConstraints")

    def processing_job(self) -> ProcessingStep:
        """The processing job the step runs (its arguments are the step's)."""
        return self._job

    def _processing(self, inputs: Sequence[ProcessingInput], output: ProcessingOutput, env: dict[str, Any]) -> None:
        job = self.job
        self._job = ProcessingStep(
            self.name,
            role=job.role,
            image=job.image,
            instance_type=job.instance_type,
            instance_count=job.instance_count,
            volume_size_gb=job.volume_size_gb,
            volume_kms_key=job.volume_kms_key,
            inputs=inputs,
            outputs=[output],
            output_kms_key=job.output_kms_key,
            environment={**env, **dict(job.environment)},
            max_runtime=job.max_runtime,
            network=job.network,
            enable_network_isolation=job.enable_network_isolation,
            encrypt_inter_container_traffic=job.encrypt_inter_container_traffic,
        )

    # --- definition ---------------------------------------------------------------------------------

    def arguments(self) -> dict[str, Any]:
        return self._job.arguments()

    def extra_request(self) -> dict[str, Any]:
        group = self.model_package_group
        return {
            "CheckType": self.check_type,
            "ModelPackageGroupName": group.model_package_group_name if group is not None else None,
            "SkipCheck": self.skip_check,
            "FailOnViolation": self.fail_on_violation,
            "RegisterNewBaseline": self.register_new_baseline,
            **self._supplied(),
        }

    def _supplied(self) -> dict[str, Any]:
        return {"SuppliedBaselineConstraints": self.supplied_baseline_constraints}

    def supplied_baselines(self) -> dict[str, Any]:
        """The supplied baseline files by argument name (those given)."""
        return {k: v for k, v in {"supplied_baseline_constraints": self.supplied_baseline_constraints}.items() if v}

    def requirements(self) -> StepRequirements:
        need = self._job.requirements()
        if self.model_package_group is not None:
            # SageMaker Pipelines looks up the latest approved version's DriftCheckBaselines as the
            # pipeline's role.
            need.read_from.append(self.model_package_group)
            need.lists_model_packages = True
        return need

    def lineage(self) -> StepLineage:
        return self._job.lineage()

    # --- validation ---------------------------------------------------------------------------------

    def validate(self, v: StepValidator) -> None:
        super().validate(v)
        self._job.validate_job(v)
        v.one_of("check_type", self.check_type, self.check_types)
        for arg in ("skip_check", "fail_on_violation", "register_new_baseline"):
            v.kind(arg, getattr(self, arg), BOOLEAN, required=True)
        group = self.model_package_group
        if group is not None:
            v.check(
                is_model_package_group(given(group)),
                "model_package_group",
                group,
                "must be a model package group (a ModelPackageGroup, or one imported with ModelPackageGroup.from_*)",
            )
        supplied = self.supplied_baselines()
        for arg, uri in supplied.items():
            v.s3_uri(arg, uri)
        if self.skip_check is False:
            v.check(
                group is not None or bool(supplied),
                "skip_check",
                False,
                "a check needs a baseline to compare with: give model_package_group (its latest approved "
                "version's DriftCheckBaselines) or supplied_baseline_constraints, or skip_check=True for the "
                "first run (with register_new_baseline=True to register what it calculates)",
            )


def _script(v: StepValidator, arg: str, value: Any) -> None:
    """A script input (record preprocessor, post-analytics processor): an S3 object, not a prefix."""
    if value is None:
        return
    if not v.s3_uri(arg, value):
        return
    key = value.prefix if isinstance(value, S3Location) else value
    v.check(
        not isinstance(key, Expression) and isinstance(given(key), str) and not key.endswith("/"),
        arg,
        value,
        "must be the S3 URI (or S3Location) of a script file, e.g. code/preprocess.py",
    )


def _file_name(value: Any) -> str:
    key = value.prefix if isinstance(value, S3Location) else value
    return str(key).rsplit("/", 1)[-1]


# --- QualityCheck ------------------------------------------------------------------------------------


class DatasetFormat:
    """The format of a quality check's baseline dataset (the analyzer's ``dataset_format``)."""

    def __init__(self, definition: Mapping[str, Any]) -> None:
        self.definition = dict(definition)

    @classmethod
    def csv(cls, *, header: bool = True, output_columns_position: str = "START") -> DatasetFormat:
        """CSV files; ``header`` says whether the first line names the columns, ``output_columns_position``
        (``START`` or ``END``) where a model quality dataset's prediction columns are."""
        return cls({"csv": {"header": header, "output_columns_position": output_columns_position}})

    @classmethod
    def json(cls, *, lines: bool = True) -> DatasetFormat:
        """JSON: one record per line (``lines``) or one document."""
        return cls({"json": {"lines": lines}})

    @classmethod
    def parquet(cls) -> DatasetFormat:
        return cls({"parquet": {}})

    def to_json(self) -> str:
        return json.dumps(self.definition, separators=(",", ":"))

    def problem(self) -> str | None:
        """Why the analyzer would not read this format, or None."""
        if len(self.definition) != 1 or next(iter(self.definition)) not in ("csv", "json", "parquet"):
            return "must be DatasetFormat.csv(), .json() or .parquet()"
        csv = self.definition.get("csv")
        if isinstance(csv, dict) and csv.get("output_columns_position") not in _CSV_COLUMN_POSITIONS:  # pyright: ignore[reportUnknownMemberType] - a JSON object
            return f"csv output_columns_position must be one of {', '.join(_CSV_COLUMN_POSITIONS)}"
        return None

    def __repr__(self) -> str:
        return f"DatasetFormat({self.definition!r})"


@dataclass(frozen=True)
class DataQualityCheckConfig:
    """A data quality baseline: statistics and constraints of each feature of ``baseline_dataset``.

    :param baseline_dataset: the dataset (an ``S3Location``, ``s3://`` URI or String expression such as
        ``preprocess.outputs["train"]``); read as a directory.
    :param dataset_format: its format (``DatasetFormat.csv(header=False)``...).
    :param output: where ``statistics.json``, ``constraints.json`` and ``constraint_violations.json``
        go (one prefix per execution: ``S3Join(location, ExecutionVariables.PIPELINE_EXECUTION_ID, ...)``).
    :param record_preprocessor: default none; an S3 script that flattens each record first.
    :param post_analytics_processor: default none; an S3 script run after the analysis.
    """

    baseline_dataset: str | S3Location | Expression
    dataset_format: DatasetFormat
    output: str | S3Location | Expression
    record_preprocessor: str | S3Location | None = None
    post_analytics_processor: str | S3Location | None = None


@dataclass(frozen=True)
class ModelQualityCheckConfig:
    """A model quality baseline: metrics of predictions against labels in ``baseline_dataset``.

    :param baseline_dataset: predictions and labels (e.g. a batch transform's output joined with its input).
    :param dataset_format: its format.
    :param output: where ``statistics.json`` and ``constraints.json`` go.
    :param problem_type: ``BinaryClassification``, ``MulticlassClassification`` or ``Regression``
        (botocore ``MonitoringProblemType``; ``ProblemType`` members are these strings).
    :param ground_truth_attribute: the label: a CSV column (index or header) or JSON path.
    :param inference_attribute: default none; the prediction.
    :param probability_attribute: default none; the probability (classification).
    :param probability_threshold_attribute: default none; 0 to 1, the threshold of a binary prediction.
    :param post_analytics_processor: default none; an S3 script run after the analysis.
    """

    baseline_dataset: str | S3Location | Expression
    dataset_format: DatasetFormat
    output: str | S3Location | Expression
    problem_type: str | Expression
    ground_truth_attribute: str | int | Expression
    inference_attribute: str | int | Expression | None = None
    probability_attribute: str | int | Expression | None = None
    probability_threshold_attribute: float | Expression | None = None
    post_analytics_processor: str | S3Location | None = None


class QualityCheckStep(CheckStep):
    """A data or model quality check: the Model Monitor analyzer calculates the baseline of a dataset
    and checks it against the previous one (the ``QualityCheck`` step type)."""

    step_type = "QualityCheck"
    runs_job = True
    property_names = (
        "CalculatedBaselineConstraints",
        "CalculatedBaselineStatistics",
        "BaselineUsedForDriftCheckConstraints",
        "BaselineUsedForDriftCheckStatistics",
    )
    check_types = ("DATA_QUALITY", "MODEL_QUALITY")

    def __init__(
        self,
        name: str,
        *,
        check: DataQualityCheckConfig | ModelQualityCheckConfig,
        job: CheckJobConfig,
        skip_check: bool | Expression = False,
        fail_on_violation: bool | Expression = True,
        register_new_baseline: bool | Expression = False,
        model_package_group: IModelPackageGroup | None = None,
        supplied_baseline_constraints: str | S3Location | Expression | None = None,
        supplied_baseline_statistics: str | S3Location | Expression | None = None,
        **step_options: Any,
    ) -> None:
        """
        :param check: ``DataQualityCheckConfig`` or ``ModelQualityCheckConfig``: what is calculated.
        :param job: the processing job (role, analyzer image, instances, keys, network).
        :param skip_check: default False; True calculates the baseline without checking drift.
        :param fail_on_violation: default True; False lets the pipeline go on after a violation.
        :param register_new_baseline: default False; True makes ``BaselineUsedForDriftCheck*`` the
            calculated baseline (what the registered version's monitors then compare with).
        :param model_package_group: default none; check against the ``DriftCheckBaselines`` of its
            latest approved version (the pipeline's role may read its versions).
        :param supplied_baseline_constraints: default none; ``constraints.json`` to check against instead.
        :param supplied_baseline_statistics: default none; ``statistics.json`` to check against instead.
        :param step_options: ``display_name``, ``description``, ``depends_on``, ``cache``.
        """
        super().__init__(
            name,
            job=job,
            skip_check=skip_check,
            fail_on_violation=fail_on_violation,
            register_new_baseline=register_new_baseline,
            model_package_group=model_package_group,
            supplied_baseline_constraints=supplied_baseline_constraints,
            **step_options,
        )
        self.check = check
        self.supplied_baseline_statistics = supplied_baseline_statistics
        dataset = f"{_INPUT}/{BASELINE_DATASET_INPUT}"
        inputs = [ProcessingInput(BASELINE_DATASET_INPUT, check.baseline_dataset, destination=dataset)]
        env: dict[str, Any] = {
            "dataset_format": check.dataset_format.to_json(),
            "dataset_source": dataset,
            "output_path": _OUTPUT,
            "publish_cloudwatch_metrics": "Disabled",  # metrics are for monitoring schedules
        }
        scripts = {"post_analytics_processor_script": (POST_ANALYTICS_PROCESSOR_INPUT, check.post_analytics_processor)}
        if isinstance(check, DataQualityCheckConfig):
            scripts["record_preprocessor_script"] = (RECORD_PREPROCESSOR_INPUT, check.record_preprocessor)
        else:
            env |= {
                "analysis_type": "MODEL_QUALITY",
                "problem_type": check.problem_type,
                "ground_truth_attribute": check.ground_truth_attribute,
                "inference_attribute": check.inference_attribute,
                "probability_attribute": check.probability_attribute,
                "probability_threshold_attribute": check.probability_threshold_attribute,
            }
        for variable, (input_name, script) in scripts.items():
            if script is not None:
                inputs.append(ProcessingInput(input_name, script, destination=f"{_INPUT}/{input_name}"))
                env[variable] = f"{_INPUT}/{input_name}/{_file_name(script)}"
        environment = {key: as_api_string(value) for key, value in env.items() if value is not None}
        self._processing(inputs, ProcessingOutput(QUALITY_CHECK_OUTPUT, check.output, source=_OUTPUT), environment)

    @property
    def check_type(self) -> str:
        return "DATA_QUALITY" if isinstance(self.check, DataQualityCheckConfig) else "MODEL_QUALITY"

    @property
    def calculated_baseline_statistics(self) -> Property:
        """``CalculatedBaselineStatistics``: the statistics this run calculated."""
        return Property(self, "String", ".CalculatedBaselineStatistics")

    @property
    def drift_check_statistics(self) -> Property:
        """``BaselineUsedForDriftCheckStatistics``: the calculated statistics with
        ``register_new_baseline``, else those checked against."""
        return Property(self, "String", ".BaselineUsedForDriftCheckStatistics")

    def _supplied(self) -> dict[str, Any]:
        return {
            "SuppliedBaselineStatistics": self.supplied_baseline_statistics,
            "SuppliedBaselineConstraints": self.supplied_baseline_constraints,
        }

    def supplied_baselines(self) -> dict[str, Any]:
        given_ = {
            "supplied_baseline_constraints": self.supplied_baseline_constraints,
            "supplied_baseline_statistics": self.supplied_baseline_statistics,
        }
        return {k: v for k, v in given_.items() if v is not None}

    def validate(self, v: StepValidator) -> None:
        super().validate(v)
        check = self.check
        if not v.check(
            isinstance(given(check), (DataQualityCheckConfig, ModelQualityCheckConfig)),
            "check",
            check,
            "must be a DataQualityCheckConfig or ModelQualityCheckConfig",
        ):
            return
        format_ = check.dataset_format
        problem = format_.problem() if isinstance(given(format_), DatasetFormat) else "must be a DatasetFormat"
        v.check(problem is None, "check.dataset_format", format_, problem or "")
        _script(v, "check.post_analytics_processor", check.post_analytics_processor)
        if isinstance(check, DataQualityCheckConfig):
            _script(v, "check.record_preprocessor", check.record_preprocessor)
            return
        if v.kind("check.problem_type", check.problem_type, STRING, required=True):
            v.one_of("check.problem_type", check.problem_type, _service_model.enum("MonitoringProblemType"))
        v.check(
            given(check.ground_truth_attribute) is not None,
            "check.ground_truth_attribute",
            None,
            "is required: the label column (index or header) or JSON path",
        )
        threshold = check.probability_threshold_attribute
        if threshold is not None and v.kind("check.probability_threshold_attribute", threshold, FLOAT):
            v.range("check.probability_threshold_attribute", threshold, minimum=0, maximum=1)
            v.check(
                check.problem_type in ("BinaryClassification",) or not v.literal(check.problem_type),
                "check.probability_threshold_attribute",
                threshold,
                "applies to BinaryClassification only",
            )


# --- ClarifyCheck ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClarifyDataConfig:
    """The dataset a Clarify check analyses, and where its analysis configuration and results are.

    :param dataset: the dataset (an ``S3Location``, ``s3://`` URI or String expression).
    :param output: where Clarify writes ``analysis.json`` (the constraints) and its report.
    :param analysis_config: where the step's analysis configuration (``step.analysis_config()``, JSON)
        goes, an S3 object (``S3Location(bucket, "clarify/bias/analysis_config.json")``); Clarify reads it
        as its ``analysis_config`` input, so the job role must read it (give the prefix as a ``JobRole``
        input). ``MlPipeline`` puts it there at deploy (``upload_analysis_config``) under a folder named
        after a digest of its content: ``clarify/bias/<digest>/analysis_config.json``.
    :param dataset_type: default ``text/csv``; or ``application/jsonlines``, ``application/json``,
        ``application/x-parquet``.
    :param label: default none; the label column (header or index), required for bias checks.
    :param headers: default none; the column names (the label's included).
    :param features: default none; JMESPath of the features in JSON records (required for JSON types).
    :param distribution: default ``FullyReplicated``; or ``ShardedByS3Key`` over the job's instances.
    :param compression: default ``None``; or ``Gzip``.
    :param upload_analysis_config: default True: the configuration is put in S3 by the stack's deploy,
        at a new key whenever it changes, so the pipeline definition and the file change together and
        running executions keep theirs (``AnalysisConfigUploads``). False: you put
        ``step.analysis_config()`` at ``analysis_config`` yourself before the pipeline runs.
    """

    dataset: str | S3Location | Expression
    output: str | S3Location | Expression
    analysis_config: S3Location
    dataset_type: str = "text/csv"
    label: str | int | None = None
    headers: Sequence[str] = ()
    features: str | None = None
    distribution: S3DataDistribution = S3DataDistribution.FULLY_REPLICATED
    compression: CompressionType = CompressionType.NONE
    upload_analysis_config: bool = True


@dataclass(frozen=True)
class Facet:
    """A sensitive attribute: its column and the values (or threshold) of its sensitive group.

    :param name_or_index: the column (header or index).
    :param values_or_threshold: default none (each value is a group); the sensitive values, or one threshold.
    """

    name_or_index: str | int
    values_or_threshold: Sequence[str | int | float] = ()


@dataclass(frozen=True)
class BiasConfig:
    """What bias is measured on: the favourable label values and the sensitive facets.

    :param label_values_or_threshold: the favourable label values (or one threshold).
    :param facets: one or more ``Facet``.
    :param group_name: default none; the column of subgroups (conditional demographic disparity).
    """

    label_values_or_threshold: Sequence[str | int | float]
    facets: Sequence[Facet]
    group_name: str | None = None


@dataclass(frozen=True)
class ClarifyModelConfig:
    """The model a model bias or explainability check asks for predictions: Clarify serves it on a
    temporary (shadow) endpoint of its own, deleted after the job.

    :param model_name: the SageMaker model (``create_model.model_name``, a String parameter).
    :param instance_type: default ``ml.m5.xlarge``; of the shadow endpoint (botocore ``ProductionVariantInstanceType``).
    :param instance_count: default 1.
    :param content_type: default ``text/csv``; what the model accepts.
    :param accept_type: default ``text/csv``; what it answers with.
    :param content_template: default none; the JSON request template (``$features`` or ``$record``).
    :param endpoint_name_prefix: default ``sm-clarify`` (Clarify's own default); how the shadow endpoint
        and its configuration are named (analysis configuration ``predictor.endpoint_name_prefix``, 1 to
        23 letters, digits or hyphens). The job role may create, call and delete only endpoints and
        configurations under this prefix: give each environment sharing an account its own.
    """

    model_name: str | Expression
    instance_type: InstanceType | str = "ml.m5.xlarge"
    instance_count: int = 1
    content_type: str = "text/csv"
    accept_type: str = "text/csv"
    content_template: str | None = None
    endpoint_name_prefix: str = SHADOW_ENDPOINT_PREFIX

    @property
    def shadow_endpoints_pattern(self) -> str:
        """The ARN resource name (after ``endpoint/`` or ``endpoint-config/``) of every shadow endpoint
        and configuration Clarify starts for this model (names lower case in ARNs)."""
        prefix = self.endpoint_name_prefix
        return f"{prefix if is_unresolved(prefix) else prefix.lower()}*"


@dataclass(frozen=True)
class ModelPredictedLabel:
    """Where the prediction is in the model's answer.

    :param label: default none; the predicted label (index or JMESPath).
    :param probability: default none; the predicted probability.
    :param probability_threshold: default none; 0 to 1, turns a probability into a label.
    :param label_headers: default none; the labels in the order of the answer's scores.
    """

    label: str | int | None = None
    probability: str | int | None = None
    probability_threshold: float | None = None
    label_headers: Sequence[str] = ()


@dataclass(frozen=True)
class ShapConfig:
    """Kernel SHAP explanations.

    :param baseline: default none (Clarify computes one with K-means); rows of feature values, or the
        S3 URI of a baseline file.
    :param num_samples: default none (Clarify's choice); samples per record (at least 1).
    :param agg_method: default ``mean_abs``; or ``median``, ``mean_sq``: global SHAP values from local ones.
    :param use_logit: default False; apply the logit function to the predictions.
    :param save_local_shap_values: default True; write each record's SHAP values.
    :param seed: default none; for deterministic results.
    """

    baseline: Sequence[Sequence[str | int | float]] | str | S3Location | None = None
    num_samples: int | None = None
    agg_method: str = "mean_abs"
    use_logit: bool = False
    save_local_shap_values: bool = True
    seed: int | None = None

    def definition(self) -> dict[str, Any]:
        baseline = self.baseline
        rows = baseline.uri if isinstance(baseline, S3Location) else baseline
        shap: dict[str, Any] = {
            "baseline": [list(row) for row in rows] if isinstance(rows, (list, tuple)) else rows,
            "num_samples": self.num_samples,
            "agg_method": self.agg_method,
            "use_logit": self.use_logit,
            "save_local_shap_values": self.save_local_shap_values,
            "seed": self.seed,
        }
        return {"shap": {key: value for key, value in shap.items() if value is not None}}


@dataclass(frozen=True)
class DataBiasCheckConfig:
    """Pre-training bias of the dataset (class imbalance, label proportions...).

    :param methods: default ``all``; or a subset of ``PRE_TRAINING_BIAS_METHODS``.
    """

    data: ClarifyDataConfig
    bias: BiasConfig
    methods: str | Sequence[str] = "all"


@dataclass(frozen=True)
class ModelBiasCheckConfig:
    """Post-training bias of the model's predictions on the dataset.

    :param methods: default ``all``; or a subset of ``POST_TRAINING_BIAS_METHODS``.
    """

    data: ClarifyDataConfig
    bias: BiasConfig
    model: ClarifyModelConfig
    predicted_label: ModelPredictedLabel = field(default_factory=ModelPredictedLabel)
    methods: str | Sequence[str] = "all"


@dataclass(frozen=True)
class ModelExplainabilityCheckConfig:
    """Feature attributions (SHAP) of the model's predictions on the dataset.

    :param predicted_label: default none (the answer is one score); which score is explained.
    """

    data: ClarifyDataConfig
    model: ClarifyModelConfig
    shap: ShapConfig = field(default_factory=ShapConfig)
    predicted_label: ModelPredictedLabel | None = None


ClarifyCheckConfig = DataBiasCheckConfig | ModelBiasCheckConfig | ModelExplainabilityCheckConfig


class ClarifyCheckStep(CheckStep):
    """A data bias, model bias or model explainability check: SageMaker Clarify calculates the
    baseline (``analysis.json``) and checks it against the previous one (the ``ClarifyCheck`` step type).

    The analysis configuration (``analysis_config()``) is a file Clarify reads, checked at synth:
    ``MlPipeline`` puts it in S3 at deploy (``analysis_config_location``, a key that changes with its
    content), unless ``check.data.upload_analysis_config`` is False (then you put it at
    ``check.data.analysis_config``).
    """

    step_type = "ClarifyCheck"
    runs_job = True
    property_names = ("CalculatedBaselineConstraints", "BaselineUsedForDriftCheckConstraints")
    check_types = ("DATA_BIAS", "MODEL_BIAS", "MODEL_EXPLAINABILITY")

    def __init__(
        self,
        name: str,
        *,
        check: ClarifyCheckConfig,
        job: CheckJobConfig,
        skip_check: bool | Expression = False,
        fail_on_violation: bool | Expression = True,
        register_new_baseline: bool | Expression = False,
        model_package_group: IModelPackageGroup | None = None,
        supplied_baseline_constraints: str | S3Location | Expression | None = None,
        **step_options: Any,
    ) -> None:
        """
        :param check: ``DataBiasCheckConfig``, ``ModelBiasCheckConfig`` or ``ModelExplainabilityCheckConfig``.
        :param job: the processing job (role, Clarify image, instances, keys, network).
        :param skip_check: default False; True calculates the baseline without checking drift.
        :param fail_on_violation: default True; False lets the pipeline go on after a violation.
        :param register_new_baseline: default False; True makes ``BaselineUsedForDriftCheckConstraints``
            the calculated baseline.
        :param model_package_group: default none; check against its latest approved version's baselines.
        :param supplied_baseline_constraints: default none; an ``analysis.json`` to check against instead.
        :param step_options: ``display_name``, ``description``, ``depends_on``, ``cache``.
        """
        super().__init__(
            name,
            job=job,
            skip_check=skip_check,
            fail_on_violation=fail_on_violation,
            register_new_baseline=register_new_baseline,
            model_package_group=model_package_group,
            supplied_baseline_constraints=supplied_baseline_constraints,
            **step_options,
        )
        self.check = check
        data = check.data
        inputs = [
            ProcessingInput(CLARIFY_CONFIG_INPUT, self.analysis_config_location, destination=_CLARIFY_CONFIG_PATH),
            ProcessingInput(
                CLARIFY_DATA_INPUT,
                data.dataset,
                destination=_CLARIFY_DATA_PATH,
                distribution=data.distribution,
                compression=data.compression,
            ),
        ]
        self._processing(inputs, ProcessingOutput(CLARIFY_OUTPUT, data.output, source=_OUTPUT), {})

    @property
    def check_type(self) -> str:
        if isinstance(self.check, DataBiasCheckConfig):
            return "DATA_BIAS"
        return "MODEL_BIAS" if isinstance(self.check, ModelBiasCheckConfig) else "MODEL_EXPLAINABILITY"

    def shadow_model(self) -> ClarifyModelConfig | None:
        """The model Clarify serves on a shadow endpoint (model bias and explainability), or None."""
        check = self.check
        return check.model if isinstance(check, (ModelBiasCheckConfig, ModelExplainabilityCheckConfig)) else None

    @property
    def analysis_config_location(self) -> S3Location:
        """Where Clarify reads the analysis configuration: ``check.data.analysis_config``, or, when
        uploaded, the digest folder beside its file name (``clarify/<digest>/analysis_config.json``)."""
        location = self.check.data.analysis_config
        if not self.check.data.upload_analysis_config or not isinstance(given(location), S3Location):
            return location
        key = location.prefix
        digest = self._analysis_config_digest()
        if digest is None or is_unresolved(key) or not key or key.endswith("/"):
            return location
        folder, _, name = key.rpartition("/")
        return S3Location(location.bucket, f"{folder}/{digest}/{name}" if folder else f"{digest}/{name}")

    @property
    def analysis_config_uri(self) -> str:
        """The analysis configuration's S3 URI (a bias or explainability monitor's ``ConfigFile``)."""
        return self.analysis_config_location.uri

    def analysis_config_json(self) -> str:
        """The analysis configuration as the file Clarify reads (JSON text)."""
        return json.dumps(self.analysis_config(), indent=2)

    def _analysis_config_digest(self) -> str | None:
        try:
            text = self.analysis_config_json()
        except (AttributeError, TypeError, ValueError):  # a malformed check, reported by validate()
            return None
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def bind(self, scope: Construct) -> None:
        """With ``upload_analysis_config``: put the analysis configuration in S3 at deploy, before
        ``scope`` (the pipeline) is created or updated."""
        data = self.check.data
        if not data.upload_analysis_config or self._analysis_config_digest() is None:
            return
        location = self.analysis_config_location
        if not isinstance(given(location), S3Location):
            return
        upload = AnalysisConfigUploads.of(scope).put(location, self.analysis_config_json())
        scope.node.add_dependency(upload)

    def analysis_config(self) -> dict[str, Any]:
        """The analysis configuration Clarify reads (put it at ``check.data.analysis_config``)."""
        check, data = self.check, self.check.data
        config: dict[str, Any] = {"dataset_type": data.dataset_type}
        if data.headers:
            config["headers"] = list(data.headers)
        if data.label is not None:
            config["label"] = data.label
        if data.features is not None:
            config["features"] = data.features
        if not isinstance(check, ModelExplainabilityCheckConfig):
            config["label_values_or_threshold"] = list(check.bias.label_values_or_threshold)
            config["facet"] = [
                {
                    "name_or_index": f.name_or_index,
                    **({"value_or_threshold": list(f.values_or_threshold)} if f.values_or_threshold else {}),
                }
                for f in check.bias.facets
            ]
            if check.bias.group_name is not None:
                config["group_variable"] = check.bias.group_name
        if isinstance(check, DataBiasCheckConfig):
            methods: dict[str, Any] = {"pre_training_bias": {"methods": _methods(check.methods)}}
        elif isinstance(check, ModelBiasCheckConfig):
            methods = {"post_training_bias": {"methods": _methods(check.methods)}}
        else:
            methods = check.shap.definition()
        config["methods"] = {**methods, "report": {"name": "report", "title": "Analysis Report"}}
        if not isinstance(check, DataBiasCheckConfig):
            label = check.predicted_label or ModelPredictedLabel()
            predictor: dict[str, Any] = {
                "instance_type": str(check.model.instance_type),
                "initial_instance_count": check.model.instance_count,
                "content_type": check.model.content_type,
                "accept_type": check.model.accept_type,
                "content_template": check.model.content_template,
                "endpoint_name_prefix": check.model.endpoint_name_prefix,
                "label": label.label,
                "probability": label.probability,
                "label_headers": list(label.label_headers) or None,
            }
            config["predictor"] = {key: value for key, value in predictor.items() if value is not None}
            if label.probability_threshold is not None:
                config["probability_threshold"] = label.probability_threshold
        return config

    def extra_request(self) -> dict[str, Any]:
        request = super().extra_request()
        if not isinstance(self.check, DataBiasCheckConfig):
            request["ModelName"] = self.check.model.model_name
        return request

    def validate(self, v: StepValidator) -> None:
        super().validate(v)
        check = self.check
        if not v.check(
            isinstance(given(check), (DataBiasCheckConfig, ModelBiasCheckConfig, ModelExplainabilityCheckConfig)),
            "check",
            check,
            "must be a DataBiasCheckConfig, ModelBiasCheckConfig or ModelExplainabilityCheckConfig",
        ):
            return
        data = check.data
        location = data.analysis_config
        v.check(
            isinstance(given(location), S3Location) and not location.prefix.endswith("/") and bool(location.prefix),
            "check.data.analysis_config",
            location,
            "must be the S3Location of a JSON object (e.g. S3Location(bucket, 'clarify/analysis_config.json'))",
        )
        v.one_of("check.data.dataset_type", data.dataset_type, CLARIFY_DATASET_TYPES)
        headers = list(data.headers)
        v.check(len(headers) == len(set(headers)), "check.data.headers", headers, "must be unique column names")
        if isinstance(data.label, str) and headers:
            v.check(
                data.label in headers, "check.data.label", data.label, f"must be one of headers: {', '.join(headers)}"
            )
        if data.dataset_type in ("application/jsonlines", "application/json"):
            v.check(
                bool(data.features),
                "check.data.features",
                data.features,
                "is required for JSON datasets: the JMESPath of the features",
            )
        elif data.features is not None:
            v.check(False, "check.data.features", data.features, "applies to JSON datasets only")
        if not isinstance(check, ModelExplainabilityCheckConfig):
            v.check(data.label is not None, "check.data.label", None, "is required: bias is measured on the label")
            self._validate_bias(v, check.bias, headers)
            allowed = (
                PRE_TRAINING_BIAS_METHODS if isinstance(check, DataBiasCheckConfig) else POST_TRAINING_BIAS_METHODS
            )
            methods = check.methods
            if methods != "all":
                listed = [methods] if isinstance(methods, str) else list(methods)
                v.check(
                    bool(listed) and all(m in allowed for m in listed),
                    "check.methods",
                    listed,
                    f"must be 'all' or a list of {', '.join(allowed)}",
                )
        if isinstance(check, (ModelBiasCheckConfig, ModelExplainabilityCheckConfig)):
            model = check.model
            v.kind("check.model.model_name", model.model_name, STRING, required=True)
            v.instance_type("check.model.instance_type", model.instance_type, "ProductionVariantInstanceType")
            v.range("check.model.instance_count", model.instance_count, minimum=1)
            prefix = model.endpoint_name_prefix
            if not is_unresolved(prefix):
                v.check(
                    isinstance(given(prefix), str)
                    and 1 <= len(prefix) <= SHADOW_ENDPOINT_PREFIX_MAX
                    and bool(_ENDPOINT_NAME_PREFIX.match(prefix)),
                    "check.model.endpoint_name_prefix",
                    prefix,
                    f"must be 1-{SHADOW_ENDPOINT_PREFIX_MAX} letters, digits or hyphens, starting and ending with a "
                    "letter or digit (Clarify appends to it to name the shadow endpoint, botocore EndpointName: 63)",
                )
            v.check(
                self.job.enable_network_isolation is not True,
                "job.enable_network_isolation",
                True,
                "must be False for a model bias or explainability check: Clarify calls the SageMaker API to "
                "start a shadow endpoint of the model and ask it for predictions",
            )
            if check.predicted_label is not None:
                threshold = check.predicted_label.probability_threshold
                if threshold is not None:
                    v.range("check.predicted_label.probability_threshold", threshold, minimum=0, maximum=1)
        if isinstance(check, ModelExplainabilityCheckConfig):
            shap = check.shap
            v.one_of("check.shap.agg_method", shap.agg_method, SHAP_AGGREGATIONS)
            if shap.num_samples is not None:
                v.range("check.shap.num_samples", shap.num_samples, minimum=1)
            baseline = shap.baseline
            if isinstance(baseline, (str, S3Location)):
                v.s3_uri("check.shap.baseline", baseline)
            elif baseline is not None:
                rows = [list(row) for row in baseline]
                features = len([h for h in headers if h != data.label]) if headers else None
                v.check(
                    bool(rows) and (features is None or all(len(row) == features for row in rows)),
                    "check.shap.baseline",
                    rows,
                    "must be rows of one value per feature"
                    + (f" ({features}: the headers without the label)" if features is not None else ""),
                )

    @staticmethod
    def _validate_bias(v: StepValidator, bias: BiasConfig, headers: list[str]) -> None:
        v.check(
            bool(list(bias.label_values_or_threshold)),
            "check.bias.label_values_or_threshold",
            list(bias.label_values_or_threshold),
            "must list the favourable label values (or one threshold)",
        )
        v.check(bool(list(bias.facets)), "check.bias.facets", [], "must list at least one Facet")
        for index, facet in enumerate(bias.facets):
            if isinstance(facet.name_or_index, str) and headers:
                v.check(
                    facet.name_or_index in headers,
                    f"check.bias.facets[{index}].name_or_index",
                    facet.name_or_index,
                    f"must be one of headers: {', '.join(headers)}",
                )
        if bias.group_name is not None and headers:
            v.check(
                bias.group_name in headers,
                "check.bias.group_name",
                bias.group_name,
                f"must be one of headers: {', '.join(headers)}",
            )


def _methods(methods: str | Sequence[str]) -> str | list[str]:
    return (
        methods
        if isinstance(methods, str) and methods == "all"
        else [methods]
        if isinstance(methods, str)
        else list(methods)
    )
