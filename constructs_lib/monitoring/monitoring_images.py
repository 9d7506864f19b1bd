"""``MonitoringImage``: the container a Model Monitor job runs, resolved per region.

SageMaker's prebuilt monitoring images live in a SageMaker-owned ECR registry whose account differs
per region. SageMaker pulls them with service-owned credentials, so the monitoring role needs no ECR
permission for them.

Source of the tables below: the SageMaker Python SDK's image configuration, which
``sagemaker.image_uris.retrieve`` reads: ``image_uri_config/model-monitor.json`` and ``clarify.json``
(aws/sagemaker-python-sdk, ``sagemaker-core/src/sagemaker/core/image_uri_config/`` at commit
7e7b6f18c26a460be2faec8a66953e6f710cef84). The SDK's own unit test
``tests/unit/sagemaker/image_uris/test_model_monitor.py`` (commit 9c553513) asserts the same accounts for
every Model Monitor region it lists. The AWS documentation page "Amazon SageMaker AI Model Monitor
prebuilt container" (https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-pre-built-container.html)
gives the URI form ``<account>.dkr.ecr.<region>.amazonaws.com/sagemaker-model-monitor-analyzer``
(example account 159807026194 in us-west-2) and defers to "Docker Registry Paths and Example Code"
for the accounts. Only commercial (``aws`` partition) regions are listed; China, GovCloud and ISO
regions are left out. A region missing from a table fails at synth: pass ``MonitoringImage.from_uri``.
"""

from __future__ import annotations

from aws_cdk import Aws, CfnMapping, Stack, Token
from constructs import Construct

from constructs_lib._core.validation import invalid
from constructs_lib.foundation.container_image import ContainerImage

#: Account of the ``sagemaker-model-monitor-analyzer`` registry, per commercial region.
MODEL_MONITOR_ANALYZER_ACCOUNTS: dict[str, str] = {
    "af-south-1": "875698925577",
    "ap-east-1": "001633400207",
    "ap-northeast-1": "574779866223",
    "ap-northeast-2": "709848358524",
    "ap-northeast-3": "990339680094",
    "ap-south-1": "126357580389",
    "ap-southeast-1": "245545462676",
    "ap-southeast-2": "563025443158",
    "ap-southeast-3": "669540362728",
    "ca-central-1": "536280801234",
    "eu-central-1": "048819808253",
    "eu-central-2": "590183933784",
    "eu-north-1": "895015795356",
    "eu-south-1": "933208885752",
    "eu-south-2": "437450045455",
    "eu-west-1": "468650794304",
    "eu-west-2": "749857270468",
    "eu-west-3": "680080141114",
    "il-central-1": "843974653677",
    "me-central-1": "588750061953",
    "me-south-1": "607024016150",
    "sa-east-1": "539772159869",
    "us-east-1": "156813124566",
    "us-east-2": "777275614652",
    "us-west-1": "890145073186",
    "us-west-2": "159807026194",
}

#: Account of the ``sagemaker-clarify-processing`` registry (bias drift, feature attribution).
CLARIFY_ACCOUNTS: dict[str, str] = {
    "af-south-1": "811711786498",
    "ap-east-1": "098760798382",
    "ap-northeast-1": "377024640650",
    "ap-northeast-2": "263625296855",
    "ap-northeast-3": "912233562940",
    "ap-south-1": "452307495513",
    "ap-southeast-1": "834264404009",
    "ap-southeast-2": "007051062584",
    "ap-southeast-3": "705930551576",
    "ca-central-1": "675030665977",
    "eu-central-1": "017069133835",
    "eu-central-2": "730335477804",
    "eu-north-1": "763603941244",
    "eu-south-1": "638885417683",
    "eu-west-1": "131013547314",
    "eu-west-2": "440796970383",
    "eu-west-3": "341593696636",
    "me-south-1": "835444307964",
    "sa-east-1": "520018980103",
    "us-east-1": "205585389593",
    "us-east-2": "211330385671",
    "us-west-1": "740489534195",
    "us-west-2": "306415355426",
}


class MonitoringImage:
    """The image of a monitoring job: a SageMaker prebuilt image (per region) or your own URI.

    When the stack's region is a token (an environment-agnostic stack), a prebuilt image resolves at
    deploy time through a ``CfnMapping`` of the table and ``Fn::FindInMap`` on ``AWS::Region``: a
    deployment to a region missing from the table then fails in CloudFormation ("Unable to get
    mapping for ...") before any resource is created.
    """

    def __init__(
        self,
        *,
        repository: str | None,
        tag: str | None,
        accounts: dict[str, str] | None,
        image: ContainerImage | None,
        label: str,
    ) -> None:
        self._repository = repository
        self._tag = tag
        self._accounts = accounts
        self._image = image
        self.label = label

    @classmethod
    def model_monitor_analyzer(cls) -> MonitoringImage:
        """``sagemaker-model-monitor-analyzer``: data quality and model quality monitors."""
        return cls(
            repository="sagemaker-model-monitor-analyzer",
            tag=None,
            accounts=MODEL_MONITOR_ANALYZER_ACCOUNTS,
            image=None,
            label="Model Monitor analyzer",
        )

    @classmethod
    def clarify(cls) -> MonitoringImage:
        """``sagemaker-clarify-processing:1.0``: bias drift and feature attribution monitors."""
        return cls(
            repository="sagemaker-clarify-processing",
            tag="1.0",
            accounts=CLARIFY_ACCOUNTS,
            image=None,
            label="SageMaker Clarify",
        )

    @classmethod
    def from_uri(cls, uri: str) -> MonitoringImage:
        """An image by URI (a region missing from the tables); the monitor's role is granted pull
        on its ECR repository."""
        return cls.from_image(ContainerImage.from_uri(uri))

    @classmethod
    def from_image(cls, image: ContainerImage) -> MonitoringImage:
        """Your own monitoring container (``ContainerImage.from_asset``, ``from_ecr_repository``...):
        the monitor's role is granted pull on exactly its repository."""
        return cls(repository=None, tag=None, accounts=None, image=image, label=image.label)

    @property
    def custom_image(self) -> ContainerImage | None:
        """The image given with ``from_image``/``from_uri`` (None for SageMaker's prebuilt images)."""
        return self._image

    @property
    def regions(self) -> tuple[str, ...]:
        """Regions this image resolves in at synth (empty for a custom URI: any region)."""
        return tuple(sorted(self._accounts or ()))

    def supports_region(self, region: str) -> bool:
        return self._accounts is None or Token.is_unresolved(region) or region in self._accounts

    def repository_arn(self, scope: Construct) -> str | None:
        """The ECR repository the image is pulled from, in ``scope``'s region (None for a custom URI
        that names no ECR repository)."""
        if self._image is not None:
            self._image.bind(scope)
            return self._image.repository_arn
        uri = self.image_uri(scope)
        account = uri.split(".dkr.ecr.", 1)[0]
        return f"arn:{Aws.PARTITION}:ecr:{Stack.of(scope).region}:{account}:repository/{self._repository}"

    def image_uri(self, scope: Construct) -> str:
        """The image URI in the region of ``scope``'s stack."""
        if self._image is not None:
            return self._image.bind(scope)
        assert self._accounts is not None and self._repository is not None
        stack = Stack.of(scope)
        region = stack.region
        suffix = f":{self._tag}" if self._tag else ""
        if not Token.is_unresolved(region):
            if region not in self._accounts:
                raise invalid(
                    scope, self.label, "region (of the stack)", region, f"must be a region of {list(self.regions)}"
                )
            return f"{self._accounts[region]}.dkr.ecr.{region}.amazonaws.com/{self._repository}{suffix}"
        mapping_id = f"{self._repository.title().replace('-', '')}Accounts"
        found = stack.node.try_find_child(mapping_id)
        mapping = (
            found
            if isinstance(found, CfnMapping)
            else CfnMapping(stack, mapping_id, mapping={r: {"account": a} for r, a in self._accounts.items()})
        )
        account = mapping.find_in_map(Aws.REGION, "account")
        return f"{account}.dkr.ecr.{Aws.REGION}.{Aws.URL_SUFFIX}/{self._repository}{suffix}"
