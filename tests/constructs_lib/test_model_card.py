import json
from pathlib import Path

import cfnlint
import jsonschema
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

from constructs_lib import (
    AdditionalInformation,
    BusinessDetails,
    ConstructValidationError,
    EvaluationDetail,
    EvaluationMetric,
    IntendedUses,
    MetricGroup,
    ModelCard,
    ModelCardStatus,
    ModelOverview,
    ObjectiveFunction,
    RiskRating,
    TrainingDetails,
    TrainingMetric,
)
from tests.conftest import compliance_app, nag_findings, new_app, new_stack

OVERVIEW = ModelOverview(
    model_description="Gradient-boosted fraud classifier",
    model_owner="fraud-detection",
    problem_type="Binary classification",
    algorithm_type="XGBoost",
    inference_images=("123456789012.dkr.ecr.eu-west-1.amazonaws.com/xgboost:1.7",),
)
USES = IntendedUses(
    risk_rating=RiskRating.HIGH,
    purpose_of_model="Flag card payments for review",
    intended_uses="Second-line review queue only",
    explanations_for_risk_rating="Customer impact",
)
EVALUATION = EvaluationDetail(
    "holdout-2024-q4",
    evaluation_observation="Stable across regions",
    datasets=("s3://data/teams/fraud/holdout/",),
    metadata={"dataset_version": "v3"},
    metric_groups=(
        MetricGroup(
            "binary_classification",
            (
                EvaluationMetric("auc", 0.91),
                EvaluationMetric("threshold", "0.42 tuned"),
                EvaluationMetric("calibrated", True),
            ),
        ),
    ),
)
FULL = dict(
    model_overview=OVERVIEW,
    intended_uses=USES,
    business_details=BusinessDetails(business_problem="Card fraud losses", line_of_business="Payments"),
    training_details=TrainingDetails(
        objective_function=ObjectiveFunction("Maximize", facet="AUC", notes="validation AUC"),
        training_datasets=("s3://data/teams/fraud/train/",),
        training_metrics=(TrainingMetric("train:auc", 0.95),),
        hyper_parameters={"max_depth": "6", "eta": "0.2"},
    ),
    evaluation_details=[EVALUATION],
    additional_information=AdditionalInformation(
        caveats_and_recommendations="Retrain monthly", custom_details={"git_commit": "0123abc"}
    ),
)


@pytest.fixture(scope="module")
def card():
    stack = new_stack()
    card = ModelCard(
        stack,
        "Card",
        model_card_name="fraud-detection-card",
        model_package_group="fraud-detection",
        status=ModelCardStatus.APPROVED,
        **FULL,
    )
    return card, Template.from_stack(stack)


def _props(template: Template) -> dict:
    cards = template.find_resources("AWS::SageMaker::ModelCard")
    assert len(cards) == 1
    return next(iter(cards.values()))["Properties"]


def test_card_has_name_status_and_registry_group(card):
    _, template = card
    props = _props(template)
    assert props["ModelCardName"] == "fraud-detection-card"
    assert props["ModelCardStatus"] == "Approved"
    assert props["Content"]["ModelPackageDetails"] == {"ModelPackageGroupName": "fraud-detection"}


def test_card_is_retained_by_default(card):
    _, template = card
    template.has_resource("AWS::SageMaker::ModelCard", {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})


def test_card_content_is_kms_encrypted(card):
    _, template = card
    assert _props(template)["SecurityConfig"]["KmsKeyId"]["Fn::GetAtt"][0].startswith("CardKey")
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})


def test_intended_uses_and_risk_rating(card):
    _, template = card
    assert _props(template)["Content"]["IntendedUses"] == {
        "RiskRating": "High",
        "PurposeOfModel": "Flag card payments for review",
        "IntendedUses": "Second-line review queue only",
        "ExplanationsForRiskRating": "Customer impact",
    }


def test_evaluation_metrics_keep_their_types(card):
    _, template = card
    [evaluation] = _props(template)["Content"]["EvaluationDetails"]
    assert evaluation["Name"] == "holdout-2024-q4"
    assert evaluation["MetricGroups"][0]["MetricData"] == [
        {"Name": "auc", "Type": "number", "Value": 0.91},
        {"Name": "threshold", "Type": "string", "Value": "0.42 tuned"},
        {"Name": "calibrated", "Type": "boolean", "Value": True},
    ]


def test_training_details_and_additional_information(card):
    _, template = card
    content = _props(template)["Content"]
    job = content["TrainingDetails"]["TrainingJobDetails"]
    assert job["HyperParameters"] == [{"Name": "max_depth", "Value": "6"}, {"Name": "eta", "Value": "0.2"}]
    assert job["TrainingMetrics"] == [{"Name": "train:auc", "Value": 0.95}]
    assert content["TrainingDetails"]["ObjectiveFunction"]["Function"] == {"Function": "Maximize", "Facet": "AUC"}
    assert content["AdditionalInformation"]["CustomDetails"] == {"git_commit": "0123abc"}
    assert content["BusinessDetails"] == {"BusinessProblem": "Card fraud losses", "LineOfBusiness": "Payments"}


def test_content_matches_the_cloudformation_resource_schema(card):
    """The content is checked against the AWS::SageMaker::ModelCard schema that cfn-lint ships."""
    _, template = card
    schemas = Path(cfnlint.__file__).parent / "data" / "schemas"
    digest = json.loads((schemas / "providers" / "eu-west-1.json").read_text())["AWS::SageMaker::ModelCard"]
    schema = json.loads((schemas / "resources" / f"{digest}.json").read_text())
    definitions = {k: v for k, v in schema["definitions"].items() if k != "Tag"}  # \p{..} patterns
    content_schema = {"$ref": "#/definitions/Content", "definitions": definitions}
    validator = jsonschema.Draft7Validator(content_schema)
    validator.validate(_props(template)["Content"])
    with pytest.raises(jsonschema.ValidationError):  # the schema does catch what SageMaker rejects
        validator.validate({"IntendedUses": {"RiskRating": "Severe"}})


def test_exposes_status_risk_and_grants_read(card):
    model_card, _ = card
    assert model_card.status is ModelCardStatus.APPROVED
    assert model_card.risk_rating is RiskRating.HIGH
    assert model_card.model_package_group_name == "fraud-detection"
    stack = new_stack()
    other = ModelCard(
        stack, "Card", model_card_name="c", model_overview=ModelOverview(model_name="m"), intended_uses=IntendedUses()
    )
    reviewer = iam.Role(stack, "Reviewer", assumed_by=iam.AccountRootPrincipal())
    other.grant_read(reviewer)
    Template.from_stack(stack).has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {"Action": ["sagemaker:DescribeModelCard", "sagemaker:ListModelCardVersions"]}
                        ),
                        Match.object_like({"Action": "kms:Decrypt"}),
                    ]
                )
            }
        },
    )


def test_a_draft_needs_only_overview_and_intended_uses():
    stack = new_stack()
    ModelCard(
        stack,
        "Card",
        model_card_name="draft",
        model_package_group="g",
        model_overview=ModelOverview(),
        intended_uses=IntendedUses(),
    )
    props = _props(Template.from_stack(stack))
    assert props["ModelCardStatus"] == "Draft"
    assert props["Content"]["IntendedUses"] == {"RiskRating": "Unknown"}
    assert "EvaluationDetails" not in props["Content"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"intended_uses": IntendedUses(risk_rating="Severe")},
            "intended_uses.risk_rating='Severe': must be one of High, Medium, Low, Unknown",
        ),
        ({"intended_uses": None}, "intended_uses=None: is a required section of the model card"),
        ({"model_overview": None}, "model_overview=None: is a required section of the model card"),
        (
            {"status": "PendingReview", "intended_uses": USES},
            "evaluation_details='none': is required for status PendingReview",
        ),
        (
            {"status": "Approved", "evaluation_details": [EVALUATION]},
            "intended_uses.risk_rating='Unknown': must be High, Medium or Low for status Approved",
        ),
        ({"status": "Archived"}, "status='Archived': must be one of Draft, PendingReview, Approved"),
        ({"model_card_name": "my_card"}, "model_card_name='my_card'"),
        ({"model_package_group": None}, "the card must name its model"),
        ({"model_package_group": "bad_group"}, "model_package_group='bad_group'"),
        ({"model_overview": ModelOverview(model_description="x" * 1025)}, "model_overview.model_description="),
        ({"model_overview": ModelOverview(model_version=0)}, "model_overview.model_version=0"),
        (
            {"model_overview": ModelOverview(model_artifacts=("s3://a",) * 16)},
            "model_overview.model_artifacts (count)=16",
        ),
        (
            {"training_details": TrainingDetails(objective_function=ObjectiveFunction("Optimise"))},
            "training_details.objective_function.function='Optimise'",
        ),
        (
            {"evaluation_details": [EvaluationDetail("e"), EvaluationDetail("e")]},
            "evaluation_details (names)=['e']: names must be unique",
        ),
        (
            {
                "evaluation_details": [
                    EvaluationDetail("e", metric_groups=(MetricGroup("g", (EvaluationMetric("m", "x" * 64),)),))
                ]
            },
            "evaluation_details[0].metric_groups[0].metrics[0].value=",
        ),
        (
            {"additional_information": AdditionalInformation(custom_details={"git-commit": "x"})},
            "additional_information.custom_details='git-commit': keys must be letters, digits or '_'",
        ),
    ],
    ids=[
        "unknown-risk-rating",
        "missing-intended-uses",
        "missing-overview",
        "review-without-evaluation",
        "approved-with-unknown-risk",
        "archived-status",
        "bad-name",
        "unnamed-model",
        "bad-group",
        "long-description",
        "version-zero",
        "too-many-artifacts",
        "bad-objective",
        "duplicate-evaluations",
        "long-metric-string",
        "bad-custom-key",
    ],
)
def test_rejects_invalid_content(kwargs, message):
    args = {
        "model_card_name": "card",
        "model_package_group": "fraud-detection",
        "model_overview": ModelOverview(),
        "intended_uses": IntendedUses(),
        **kwargs,
    }
    with pytest.raises(ConstructValidationError) as error:
        ModelCard(new_stack(), "Card", **args)
    assert "ModelCard 'Test/Card' has invalid input" in str(error.value)
    assert message in str(error.value)


def test_reports_every_problem_at_once():
    with pytest.raises(ConstructValidationError) as error:
        ModelCard(new_stack(), "Card", model_card_name="card", intended_uses=IntendedUses(risk_rating="Severe"))
    assert "model_overview=None" in str(error.value) and "risk_rating='Severe'" in str(error.value)


def test_card_is_compliant_under_the_nag_packs():
    app = compliance_app()
    ModelCard(new_stack(app), "Card", model_card_name="card", model_package_group="g", **FULL)
    assert nag_findings(app) == []


def test_card_name_defaults_to_one_unique_per_stack():
    app = new_app()
    stacks = [new_stack(app, f"{env}-governance") for env in ("dev", "prod")]
    for stack in stacks:
        ModelCard(stack, "Card", model_package_group="g", model_overview=OVERVIEW, intended_uses=USES)
    names = [_props(Template.from_stack(stack))["ModelCardName"] for stack in stacks]
    assert names[0] != names[1]
    assert all(0 < len(name) <= 63 and name[0].isalnum() and name.replace("-", "").isalnum() for name in names)
