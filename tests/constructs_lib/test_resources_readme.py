"""The README's example of resources made elsewhere synthesizes and grants what it says."""

from aws_cdk.assertions import Template

import constructs_lib as lib
from tests.conftest import ROOT, new_stack
from tests.constructs_lib.grants import SAGEMAKER, role_statements
from tests.iam_eval import Request, allowed


def _example() -> str:
    section = (ROOT / "README.md").read_text().split("\n### Resources made elsewhere: import, grant, watch\n")[1]
    return section.split("```python")[1].split("```")[0]


def test_readme_imports_example_synthesizes_and_grants_on_the_imported_resources():
    stack = new_stack(construct_id="Ml")
    key = lib.EncryptionKey(stack, "Key")
    namespace = {"stack": stack, "lib": lib, "key": key}
    exec(compile(_example(), "README.md", "exec"), namespace)
    template = Template.from_stack(stack)
    statements = role_statements(template, "Deployer")
    for call in (
        Request("sagemaker:UpdateModelPackage", f"{SAGEMAKER}:model-package/churn-models/2"),
        Request("sagemaker:StartPipelineExecution", f"{SAGEMAKER}:pipeline/churn-training"),
        Request("sagemaker:ListPipelineExecutionSteps", f"{SAGEMAKER}:pipeline/churn-training/execution/e1"),
        Request("sagemaker:CreatePresignedDomainUrl", f"{SAGEMAKER}:user-profile/d-abc123example/alice"),
        Request("sagemaker:GetRecord", f"{SAGEMAKER}:feature-group/customers"),
        Request(
            "sagemaker:CreatePresignedMlflowTrackingServerUrl", f"{SAGEMAKER}:mlflow-tracking-server/ml-platform-dev"
        ),
    ):
        assert allowed(statements, call), call
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Namespace": "AWS/Sagemaker/ModelBuildingPipeline",
            "MetricName": "ExecutionFailed",
            "Dimensions": [{"Name": "PipelineName", "Value": "churn-training"}],
            "Period": 3600,
        },
    )
