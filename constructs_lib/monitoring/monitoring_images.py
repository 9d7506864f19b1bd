"""``MonitoringImage``: the container a Model Monitor job runs, resolved per region.

SageMaker's prebuilt monitoring images live in a SageMaker-owned ECR registry whose account differs
per region. SageMaker pulls them with service-owned credentials, so the monitoring role needs no ECR
permission for them.

Source of the tables below: the SageMaker Python SDK's image configuration, which
``sagemaker.image_uris.retrieve`` reads: ``image_uri_config/model-monitor.json`` and ``clarify.json``,
kept with every other image table in ``constructs_lib/training/image_registries.json`` (its
``source`` and ``generated`` name the SDK version and date) and checked against the installed SDK by
``tests/constructs_lib/test_image_registries.py``. The AWS documentation page "Amazon SageMaker AI
Model Monitor prebuilt container"
(https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-pre-built-container.html) gives the URI
form ``<account>.dkr.ecr.<region>.amazonaws.com/sagemaker-model-monitor-analyzer`` (example account
159807026194 in us-west-2). Only commercial (``aws`` partition) regions are listed; China, GovCloud
and ISO regions are left out. A region missing from a table fails at synth: pass
``MonitoringImage.from_uri``.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Aws, CfnMapping
from aws_cdk import aws_iam as iam
from constructs import Construct

from constructs_lib._core.stack_facts import aws_partition, stack_facts, stack_of
from constructs_lib._core.validation import invalid, is_unresolved
from constructs_lib.foundation.container_image import ContainerImage, grant_repository_pull
from constructs_lib.training.container_images import registry_table

#: Account of the ``sagemaker-model-monitor-analyzer`` registry, per commercial region (read from
#: ``training/image_registries.json`` on first use, like every image table).
MODEL_MONITOR_ANALYZER_ACCOUNTS: Mapping[str, str] = registry_table("model-monitor/monitoring", "")

#: Account of the ``sagemaker-clarify-processing`` registry (bias drift, feature attribution).
CLARIFY_ACCOUNTS: Mapping[str, str] = registry_table("clarify/processing", "1.0")


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
        accounts: Mapping[str, str] | None,
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

    def container_image(self) -> ContainerImage:
        """This image as a ``ContainerImage``, for what takes one (``CheckJobConfig(image=...)``):
        resolved in the stack it is bound in (a ``CfnMapping`` where the region is a token), with
        pull on its repository for the role that runs it."""
        return self._image if self._image is not None else _BoundMonitoringImage(self)

    @property
    def custom_image(self) -> ContainerImage | None:
        """The image given with ``from_image``/``from_uri`` (None for SageMaker's prebuilt images)."""
        return self._image

    @property
    def regions(self) -> tuple[str, ...]:
        """Regions this image resolves in at synth (empty for a custom URI: any region)."""
        return tuple(sorted(self._accounts or ()))

    def supports_region(self, region: str) -> bool:
        return self._accounts is None or is_unresolved(region) or region in self._accounts

    def repository_arn(self, scope: Construct) -> str | None:
        """The ECR repository the image is pulled from, in ``scope``'s region (None for a custom URI
        that names no ECR repository)."""
        if self._image is not None:
            self._image.bind(scope)
            return self._image.repository_arn
        uri = self.image_uri(scope)
        account = uri.split(".dkr.ecr.", 1)[0]
        return f"arn:{aws_partition()}:ecr:{stack_facts(scope).region}:{account}:repository/{self._repository}"

    def image_uri(self, scope: Construct) -> str:
        """The image URI in the region of ``scope``'s stack."""
        if self._image is not None:
            return self._image.bind(scope)
        assert self._accounts is not None and self._repository is not None
        stack = stack_of(scope)
        facts = stack_facts(stack)
        region = facts.region
        suffix = f":{self._tag}" if self._tag else ""
        if not is_unresolved(region):
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


class _BoundMonitoringImage(ContainerImage):
    """A prebuilt ``MonitoringImage`` as a ``ContainerImage``: its URI and repository per stack."""

    def __init__(self, image: MonitoringImage) -> None:
        super().__init__()
        self._monitoring = image

    @property
    def label(self) -> str:
        return self._monitoring.label

    def bind(self, scope: Construct, grantee: iam.IGrantable | None = None) -> str:
        uri = self._monitoring.image_uri(scope)
        repository = self._monitoring.repository_arn(scope)
        if grantee is not None and repository is not None:
            grant_repository_pull(grantee, repository)
        return self._remember(scope, uri)

    def grant_pull(self, grantee: iam.IGrantable) -> None:
        principal = grantee.grant_principal
        if not isinstance(principal, Construct):
            raise invalid(self.label, "MonitoringImage", "grant_pull", principal, "must be a principal in a stack")
        self.bind(principal, grantee)
