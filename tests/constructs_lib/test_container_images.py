"""ContainerImage: your own container from a Dockerfile, ECR repositories and URIs, SageMaker's
built-in algorithm images and the framework images per region; each role that runs an image may
pull exactly its repository, and what an algorithm does not accept fails at synth."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ecr as ecr
from aws_cdk.assertions import Template

from constructs_lib import (
    BUILT_IN_ALGORITHMS,
    AlgorithmImage,
    ConstructValidationError,
    ContainerDefinition,
    ContainerImage,
    EncryptionKey,
    FrameworkImage,
    JobRole,
    MlPipeline,
    Model,
    ModelData,
    PrivateNetwork,
    S3Location,
    SecureBucket,
)
from constructs_lib._core.wildcards import flatten_cfn_reference
from constructs_lib.training.container_images import (
    DEEP_LEARNING_CONTAINERS_REGISTRIES,
    SAGEMAKER_ALGORITHM_REGISTRIES,
    algorithm_registry_account,
    deep_learning_containers_account,
    sklearn_image_uri,
    xgboost_image_uri,
)
from constructs_lib.training.pipeline import (
    CreateModelStep,
    InputMode,
    ModelContainer,
    PipelineDefinition,
    ProcessingOutput,
    ProcessingStep,
    TrainingChannel,
    TrainingJob,
    TrainingStep,
)
from tests.conftest import compliance_app, nag_findings, new_stack
from tests.constructs_lib.grants import role_statements
from tests.iam_eval import Request, allowed

#: How the test stacks' asset repository (the bootstrap's) appears in flattened statements.
ASSET_REPOSITORY = (
    "arn:aws:ecr:eu-west-1:<AWS::AccountId>:repository/cdk-hnb659fds-container-assets-<AWS::AccountId>-eu-west-1"
)
PULL = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability")


# --- bring your own container ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def byoc(tmp_path_factory):
    """One image from a local Dockerfile, used by a training step, a processing step, a pipeline
    model step and a Model, each with its own role."""
    directory: Path = tmp_path_factory.mktemp("container")
    (directory / "Dockerfile").write_text('FROM public.ecr.aws/docker/library/python:3.12-slim\nENTRYPOINT ["train"]\n')
    image = ContainerImage.from_asset(str(directory), platform=cdk.aws_ecr_assets.Platform.LINUX_AMD64)
    app = compliance_app()
    stack = new_stack(app, "Byoc")
    key = EncryptionKey(stack, "Key")
    bucket = SecureBucket(stack, "Work", encryption_key=key)
    work = S3Location(bucket, "work/")
    trainer = JobRole(stack, "Trainer", job_kinds=["training"], inputs=[work], outputs=[work], encryption_keys=[key])
    processor = JobRole(
        stack, "Processor", job_kinds=["processing"], inputs=[work], outputs=[work], encryption_keys=[key]
    )
    modeller = JobRole(stack, "Modeller", job_kinds=["transform"], inputs=[work], encryption_keys=[key])
    train = TrainingStep(
        "Train",
        job=TrainingJob(
            role=trainer,
            image=image,
            instance_type="ml.m5.xlarge",
            output_path=work.child("models/"),
            channels=[TrainingChannel("train", work.child("train/"))],
        ),
    )
    process = ProcessingStep(
        "Process",
        role=processor,
        image=image,
        instance_type="ml.m5.large",
        outputs=[ProcessingOutput("out", work.child("out/"))],
    )
    model_step = CreateModelStep(
        "Model", role=modeller, containers=[ModelContainer(image=image, model_data_url=train.model_artifacts)]
    )
    MlPipeline(
        stack, "Pipeline", pipeline_name="byoc", definition=PipelineDefinition(steps=[train, process, model_step])
    )
    model = Model(
        stack,
        "Served",
        network=None,
        containers=[ContainerDefinition(image=image, model_data=ModelData.from_bucket(bucket, "models/m.tar.gz"))],
    )
    findings = nag_findings(app)  # the compliance packs and the run-time contracts (each role can pull)
    return stack, Template.from_stack(stack), findings, model, app


def test_a_dockerfile_becomes_one_image_asset_in_the_manifest(byoc):
    stack, _, _, _, app = byoc
    assembly = app.synth()
    manifest = json.loads((Path(assembly.directory) / f"{stack.artifact_id}.assets.json").read_text())
    images = list(manifest.get("dockerImages", {}).values())
    assert len(images) == 1  # built once per stack, whoever uses it
    assert images[0]["source"]["platform"] == "linux/amd64"


def test_each_step_and_the_model_run_the_asset_image(byoc):
    _, template, _, _, _ = byoc
    pipeline = next(iter(template.find_resources("AWS::SageMaker::Pipeline").values()))
    body = json.dumps(pipeline["Properties"]["PipelineDefinition"])
    assert body.count("cdk-hnb659fds-container-assets-") == 3  # training, processing, model step
    model = next(iter(template.find_resources("AWS::SageMaker::Model").values()))
    assert "cdk-hnb659fds-container-assets-" in json.dumps(model["Properties"]["PrimaryContainer"]["Image"])


@pytest.mark.parametrize("role", ["Trainer", "Processor", "Modeller", "ServedRole"])
def test_each_role_that_runs_the_image_can_pull_it_and_no_other_repository(byoc, role):
    _, template, _, _, _ = byoc
    statements = role_statements(template, role)
    for action in PULL:
        assert allowed(statements, Request(action, ASSET_REPOSITORY))
        assert not allowed(statements, Request(action, "arn:aws:ecr:eu-west-1:<AWS::AccountId>:repository/other"))
    assert allowed(statements, Request("ecr:GetAuthorizationToken", "*"))


def test_the_byoc_stack_is_compliant_and_every_role_proven_able_to_pull(byoc):
    assert byoc[2] == []


def test_an_ecr_repository_image_is_pulled_from_that_repository_only():
    stack = new_stack()
    repo = ecr.Repository(stack, "Repo")
    image = ContainerImage.from_ecr_repository(repo, "v1")
    role = JobRole(stack, "Role", job_kinds=["training"])
    assert stack.resolve(image.bind(stack, role)) == stack.resolve(repo.repository_uri_for_tag("v1"))
    statements = role_statements(Template.from_stack(stack), "Role")
    assert allowed(statements, Request("ecr:BatchGetImage", flatten_cfn_reference(stack.resolve(repo.repository_arn))))
    assert not allowed(statements, Request("ecr:BatchGetImage", "arn:aws:ecr:eu-west-1:123456789012:repository/x"))


def test_an_image_of_another_account_is_granted_and_left_to_its_repository_policy():
    """The identity side is granted; the run-time contract check names the repository policy."""
    app = compliance_app()
    stack = cdk.Stack(app, "Cross", env=cdk.Environment(account="111111111111", region="eu-west-1"))
    uri = "222222222222.dkr.ecr.eu-west-1.amazonaws.com/team/scorer:1.0"
    Model(stack, "Scorer", network=None, containers=[ContainerDefinition(image=ContainerImage.from_uri(uri))])
    with pytest.raises(RuntimeError, match=r"is in account 222222222222: its repository policy .* must let this role"):
        app.synth()
    plain = cdk.Stack(new_stack().node.root, "Plain", env=cdk.Environment(account="111111111111", region="eu-west-1"))
    Model(plain, "Scorer", network=None, containers=[ContainerDefinition(image=ContainerImage.from_uri(uri))])
    statements = role_statements(Template.from_stack(plain), "ScorerRole")
    repository = "arn:<AWS::Partition>:ecr:eu-west-1:222222222222:repository/team/scorer"
    assert allowed(statements, Request("ecr:BatchGetImage", repository))


def test_an_asset_image_without_a_stack_has_no_uri_yet():
    image = ContainerImage.from_asset("/tmp/nowhere")
    with pytest.raises(ConstructValidationError, match=r"from_asset\('/tmp/nowhere'\).*not bound yet"):
        _ = image.image_uri


def test_a_plain_string_is_refused_where_a_step_takes_an_image():
    stack = new_stack()
    role = JobRole(stack, "Role", job_kinds=["processing"])
    step = ProcessingStep("P", role=role, image="123.dkr.ecr/x", instance_type="ml.m5.large")
    with pytest.raises(ConstructValidationError, match=r"image='123.dkr.ecr/x': must be a ContainerImage"):
        PipelineDefinition(steps=[step]).render(stack)


# --- built-in algorithms and frameworks --------------------------------------------------------------


def test_every_built_in_algorithm_has_a_typed_helper_and_an_image_per_region():
    helpers = {
        "blazingtext": AlgorithmImage.blazingtext,
        "forecasting-deepar": AlgorithmImage.deepar,
        "factorization-machines": AlgorithmImage.factorization_machines,
        "image-classification": AlgorithmImage.image_classification,
        "ipinsights": AlgorithmImage.ip_insights,
        "kmeans": AlgorithmImage.kmeans,
        "knn": AlgorithmImage.knn,
        "lda": AlgorithmImage.lda,
        "linear-learner": AlgorithmImage.linear_learner,
        "ntm": AlgorithmImage.ntm,
        "object2vec": AlgorithmImage.object2vec,
        "object-detection": AlgorithmImage.object_detection,
        "pca": AlgorithmImage.pca,
        "randomcutforest": AlgorithmImage.random_cut_forest,
        "semantic-segmentation": AlgorithmImage.semantic_segmentation,
        "seq2seq": AlgorithmImage.seq2seq,
        "xgboost": AlgorithmImage.xgboost,
    }
    assert set(helpers) == set(BUILT_IN_ALGORITHMS)
    for family, helper in helpers.items():
        image = helper()
        assert image.algorithm.family == family
        assert len(image.regions) >= 13, family
        for region in image.regions:
            uri = image.image_uri_in(region)
            assert uri.startswith(f"{image.account(region)}.dkr.ecr.{region}.amazonaws.com/{image.repository_name}:")


def test_known_image_uris():
    assert AlgorithmImage.linear_learner(region="us-east-1").image_uri == (
        "382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1"
    )
    assert AlgorithmImage.xgboost(region="eu-west-1").image_uri == (
        "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1"
    )
    assert FrameworkImage.sklearn(region="eu-west-1").image_uri == (
        "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
    )
    assert FrameworkImage.pytorch_training("2.1", gpu=True, region="us-east-1").image_uri == (
        "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.1.0-gpu-py310"
    )
    assert FrameworkImage.tensorflow_inference("2.19", region="eu-west-1").image_uri == (
        "763104351884.dkr.ecr.eu-west-1.amazonaws.com/tensorflow-inference:2.19.0-cpu"
    )
    assert FrameworkImage.huggingface_inference("4.49", gpu=True, region="eu-west-1").image_uri == (
        "763104351884.dkr.ecr.eu-west-1.amazonaws.com/huggingface-pytorch-inference:"
        "2.6.0-transformers4.49.0-gpu-py312-cu124-ubuntu22.04"
    )
    assert FrameworkImage.pytorch_training("2.8", region="il-central-1").image_uri.startswith("780543022126.")


def test_the_earlier_string_helpers_follow_the_tables():
    assert sklearn_image_uri("eu-west-1") == FrameworkImage.sklearn(region="eu-west-1").image_uri
    assert xgboost_image_uri("us-east-1", "1.5-1").startswith("683313688378.dkr.ecr.us-east-1.amazonaws.com/")
    assert algorithm_registry_account("eu-west-1") == SAGEMAKER_ALGORITHM_REGISTRIES["eu-west-1"] == "141502667606"
    assert deep_learning_containers_account("eu-west-1") == DEEP_LEARNING_CONTAINERS_REGISTRIES["eu-west-1"]
    assert all(len(a) == 12 and a.isdigit() for a in DEEP_LEARNING_CONTAINERS_REGISTRIES.values())


def test_an_image_without_a_region_takes_its_stacks_and_grants_that_regions_repository():
    stack = cdk.Stack(new_stack().node.root, "Tokyo", env=cdk.Environment(region="ap-northeast-1"))
    role = JobRole(stack, "Role", job_kinds=["training"])
    image = AlgorithmImage.kmeans()
    uri = image.bind(stack, role)
    assert uri == "351501993468.dkr.ecr.ap-northeast-1.amazonaws.com/kmeans:1"
    statements = role_statements(Template.from_stack(stack), "Role")
    repo = "arn:<AWS::Partition>:ecr:ap-northeast-1:351501993468:repository/kmeans"
    assert allowed(statements, Request("ecr:BatchGetImage", repo))
    assert not allowed(statements, Request("ecr:BatchGetImage", repo.replace("kmeans", "pca")))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: AlgorithmImage.xgboost("9.9-9"),
            r"AlgorithmImage XGBoost: version='9.9-9': is not a known version; known: 1, 0.90-1",
        ),
        (
            lambda: AlgorithmImage.lda(region="eu-north-1"),
            r"region='eu-north-1': has no lda:1 registry known; known regions: ap-northeast-1",
        ),
        (lambda: AlgorithmImage.pca(region="mars-north-1"), r"region='mars-north-1'.*known regions: af-south-1"),
        (lambda: FrameworkImage.pytorch_training("0.1"), r"version='0.1': is not a known version; known: 0.4.0"),
        (lambda: FrameworkImage.pytorch_training("2.8", py_version="py27"), r"py_version='py27': must be one of py312"),
        (
            lambda: FrameworkImage.huggingface_training("4.49", gpu=False),
            r"gpu=False: this image is built for gpu only",
        ),
        (lambda: FrameworkImage.sklearn(region=cdk.Aws.REGION), r"give the stack a concrete region"),
        (lambda: xgboost_image_uri("mars-north-1"), r"region='mars-north-1'"),
    ],
)
def test_unknown_versions_and_regions_fail_naming_what_is_known(make, message):
    with pytest.raises(ConstructValidationError, match=message):
        make()


def test_china_and_govcloud_are_not_in_the_commercial_tables():
    image = AlgorithmImage.linear_learner()
    assert not [r for r in image.regions if r.startswith(("cn-", "us-gov-", "us-iso"))]


# --- what an algorithm accepts, checked at synth ----------------------------------------------------


def _render(job: TrainingJob) -> None:
    PipelineDefinition(steps=[TrainingStep("Train", job=job)]).render("pipeline")


def _job(image: AlgorithmImage, **overrides) -> TrainingJob:
    stack = new_stack()
    options = dict(
        role=JobRole(stack, "Role", job_kinds=["training"]),
        image=image,
        instance_type="ml.m5.xlarge",
        output_path="s3://bucket/models/",
        channels=[TrainingChannel("train", "s3://bucket/train/", content_type="text/csv")],
    )
    return TrainingJob(**{**options, **overrides})


def test_a_channel_the_algorithm_reads_passes():
    _render(_job(AlgorithmImage.xgboost(region="eu-west-1")))
    _render(
        _job(
            AlgorithmImage.linear_learner(region="eu-west-1"),
            channels=[
                TrainingChannel(
                    "train", "s3://b/t/", content_type="application/x-recordio-protobuf", input_mode=InputMode.PIPE
                ),
                TrainingChannel("test", "s3://b/v/", content_type="text/csv;label_size=1"),
            ],
        )
    )


@pytest.mark.parametrize(
    ("image", "overrides", "message"),
    [
        (
            AlgorithmImage.seq2seq(region="eu-west-1"),
            {
                "instance_type": "ml.p3.2xlarge",
                "channels": [TrainingChannel("train", "s3://b/t/", content_type="text/csv")],
            },
            r"content_type='text/csv': Sequence-to-Sequence .* reads application/x-recordio-protobuf",
        ),
        (
            AlgorithmImage.object2vec(region="eu-west-1"),
            {
                "channels": [
                    TrainingChannel(
                        "train", "s3://b/t/", content_type="application/jsonlines", input_mode=InputMode.PIPE
                    )
                ]
            },
            r"channels\['train'\].input_mode='Pipe': Object2Vec .* reads File mode only",
        ),
        (
            AlgorithmImage.image_classification(region="eu-west-1"),
            {"channels": [TrainingChannel("train", "s3://b/t/", content_type="application/x-image")]},
            r"instance_type='ml.m5.xlarge': Image Classification - MXNet .* trains on GPU instances only",
        ),
        (
            AlgorithmImage.random_cut_forest(region="eu-west-1"),
            {"instance_type": "ml.g5.xlarge"},
            r"instance_type='ml.g5.xlarge': Random Cut Forest .* trains on CPU instances only",
        ),
        (
            AlgorithmImage.xgboost("1.0-1", region="eu-west-1"),
            {"instance_type": "ml.g5.xlarge"},
            r"XGBoost .* version 1.0-1 trains on CPU instances only",
        ),
        (
            AlgorithmImage.lda(region="eu-west-1"),
            {"instance_count": 2},
            r"instance_count=2: LDA .* trains on a single instance only",
        ),
    ],
)
def test_what_the_algorithm_does_not_accept_fails_at_synth(image, overrides, message):
    with pytest.raises(ConstructValidationError, match=message):
        _render(_job(image, **overrides))


def test_every_algorithm_names_its_page_and_only_modes_sagemaker_has():
    for algorithm in BUILT_IN_ALGORITHMS.values():
        assert algorithm.page.startswith("https://docs.aws.amazon.com/sagemaker/latest/dg/")
        assert set(algorithm.input_modes) <= {"File", "Pipe"} and algorithm.content_types


def test_a_monitor_of_your_own_container_lets_its_role_pull_it_and_is_compliant(tmp_path):
    """A Model Monitor job of your own image (``MonitoringImage.from_image``): the monitor's role may
    pull exactly that image, and the run-time contracts prove it."""
    from constructs_lib import DataCaptureOptions, DataQualityMonitorOptions, ModelMonitor, MonitoringImage
    from tests.constructs_lib.fakes import FakeEndpoint

    (tmp_path / "Dockerfile").write_text("FROM public.ecr.aws/docker/library/python:3.12-slim\n")
    app = compliance_app()
    stack = new_stack(app, "Monitored")
    bucket = SecureBucket(stack, "Data")
    network = PrivateNetwork(stack, "Net", availability_zones=["eu-west-1a", "eu-west-1b"])
    ModelMonitor(
        stack,
        "Monitor",
        network=network,
        endpoint=FakeEndpoint(stack, "Endpoint", data_capture=DataCaptureOptions(bucket=bucket)),
        data_quality=DataQualityMonitorOptions(),
        analyzer_image=MonitoringImage.from_image(ContainerImage.from_asset(str(tmp_path))),
    )
    assert nag_findings(app) == []
    template = Template.from_stack(stack)
    (definition,) = template.find_resources("AWS::SageMaker::DataQualityJobDefinition").values()
    image = definition["Properties"]["DataQualityAppSpecification"]["ImageUri"]
    assert "cdk-hnb659fds-container-assets-" in json.dumps(image)
    roles = [lid for lid in template.find_resources("AWS::IAM::Role") if lid.startswith("MonitorRole")]
    statements = role_statements(template, roles[0])
    assert allowed(statements, Request("ecr:BatchGetImage", ASSET_REPOSITORY))
    analyzer = "arn:<AWS::Partition>:ecr:eu-west-1:468650794304:repository/sagemaker-model-monitor-analyzer"
    assert not allowed(statements, Request("ecr:BatchGetImage", analyzer))


def test_a_pipeline_parameter_can_still_name_the_image():
    from constructs_lib.training.pipeline import ParameterString

    image = ParameterString("TrainingImage", default_value=xgboost_image_uri("eu-west-1"))
    stack = new_stack()
    job = TrainingJob(
        role=JobRole(stack, "Role", job_kinds=["training"]),
        image=image,
        instance_type="ml.m5.xlarge",
        output_path="s3://bucket/models/",
    )
    rendered = PipelineDefinition(parameters=[image], steps=[TrainingStep("Train", job=job)]).render(stack)
    spec = rendered["Steps"][0]["Arguments"]["AlgorithmSpecification"]
    assert spec["TrainingImage"] == {"Get": "Parameters.TrainingImage"}


def test_fast_file_is_read_wherever_file_is_and_tuning_checks_the_same():
    from constructs_lib.training.pipeline import ContinuousRange, TuningObjective, TuningStep

    fast = [TrainingChannel("train", "s3://b/t/", content_type="text/csv", input_mode=InputMode.FAST_FILE)]
    _render(_job(AlgorithmImage.ip_insights(region="eu-west-1"), channels=fast))
    job = _job(AlgorithmImage.lda(region="eu-west-1"), instance_count=3)
    tune = TuningStep(
        "Tune",
        job=job,
        objective=TuningObjective("test:pwll"),
        ranges=[ContinuousRange("alpha0", 0.1, 10)],
        max_jobs=2,
        max_parallel_jobs=1,
    )
    with pytest.raises(ConstructValidationError, match=r"steps\['Tune'\] \(Tuning\) job.instance_count=3: LDA"):
        PipelineDefinition(steps=[tune]).render("pipeline")


def test_the_byoc_template_passes_cfn_lint(byoc):
    from tests.conftest import cfn_lint_errors

    assert cfn_lint_errors(byoc[1]) == []


def test_two_images_of_one_build_share_one_asset_per_stack(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    stack = new_stack()
    first, second = ContainerImage.from_asset(str(tmp_path)), ContainerImage.from_asset(str(tmp_path))
    role = JobRole(stack, "Role", job_kinds=["training"])
    assert stack.resolve(first.bind(role, role)) == stack.resolve(second.bind(stack))
    assets = [c for c in stack.node.children if isinstance(c, cdk.aws_ecr_assets.DockerImageAsset)]
    assert len(assets) == 1 and first.image_uri == second.image_uri
