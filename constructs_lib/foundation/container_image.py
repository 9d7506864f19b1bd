"""``ContainerImage``: the one image type of every SageMaker consumer (training, processing and tuning
steps, models, monitors): an image URI, an ECR repository, a local Dockerfile built as a CDK asset,
or a SageMaker/AWS image resolved per region (``AlgorithmImage``, ``FrameworkImage`` in
``constructs_lib.training.container_images``).

A consumer *binds* the image in its scope: ``image.bind(scope, grantee)`` returns the image URI in
that scope's stack (building the asset there the first time) and grants ``grantee`` pull on exactly
the image's repository (``ecr:BatchGetImage``, ``ecr:GetDownloadUrlForLayer``,
``ecr:BatchCheckLayerAvailability``, and ``ecr:GetAuthorizationToken``, which takes only '*').

Images in another account's repository: the identity side is granted here; the repository's own
policy (not in this app) must also let the role pull. The run-time contract check
(``add_compliance_checks``) reports such an image as ``CrossAccountImage[<account>]`` at synth until
acknowledged (``acknowledge_runtime_contract``) with the repository policy that allows it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_iam as iam
from constructs import Construct

from constructs_lib._core.roles import ManagedPolicyRole, add_to_principal
from constructs_lib._core.stack_facts import aws_partition, construct_path, stack_of
from constructs_lib._core.validation import ConstructValidationError, is_unresolved
from constructs_lib._core.wildcards import acknowledge_exact_wildcard

# <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/<repository>[:tag][@sha256:digest]
ECR_IMAGE_URI = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?P<cn>\.cn)?/"
    r"(?P<repository>[a-z0-9][a-z0-9._/-]*?)(?::(?P<tag>[\w][\w.-]{0,127}))?(?:@(?P<digest>sha256:[a-f0-9]{64}))?$"
)
# GPU builds of AWS deep learning containers and most vendors' images say so in their tag.
_GPU_TAG = re.compile(r"(^|[-_.])(gpu|cu\d{2,3})([-_.]|$)")
ECR_PULL_ACTIONS = ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")


class ContainerImage:
    """A container image a SageMaker job, model or monitor runs.

    - ``from_uri``: any image by URI (an ECR URI gets the pull grant on its repository).
    - ``from_ecr_repository``: an image in an ECR repository (``ecr.IRepository``), by tag or digest.
    - ``from_asset``: your own container, built from a local directory with a Dockerfile as a CDK
      ``DockerImageAsset`` (pushed by ``cdk deploy``; synth needs no Docker).
    - ``from_docker_image_asset``: a ``DockerImageAsset`` you made.
    - SageMaker and AWS images per region: ``AlgorithmImage`` and ``FrameworkImage``.
    """

    def __init__(
        self,
        image_uri: str | None = None,
        *,
        repository: ecr.IRepository | None = None,
        tag: str | None = None,
        asset: ecr_assets.DockerImageAsset | None = None,
        asset_props: Mapping[str, Any] | None = None,
    ) -> None:
        """Prefer the ``from_*`` methods."""
        self._uri = image_uri
        self._repository = repository
        self._tag = tag
        self._asset = asset
        self._asset_props = dict(asset_props) if asset_props is not None else None
        self._assets: dict[str, ecr_assets.DockerImageAsset] = {}
        #: The URI this image was bound to, per stack path (asset and per-region images differ per stack).
        self._bound: dict[str, str] = {}
        match = ECR_IMAGE_URI.match(image_uri) if image_uri is not None and not is_unresolved(image_uri) else None
        self._ecr = match.groupdict() if match else None

    # --- sources ------------------------------------------------------------------------------------

    @staticmethod
    def from_uri(image_uri: str) -> ContainerImage:
        """An image by URI, e.g. ``685385470294.dkr.ecr.eu-west-1.amazonaws.com/xgboost:1``.

        The role gets pull rights on the repository when the URI names an ECR repository (an image
        in another registry, such as Docker Hub, gets no grant: SageMaker pulls only from ECR or a
        private registry in your VPC)."""
        return ContainerImage(image_uri)

    @staticmethod
    def from_ecr_repository(repository: ecr.IRepository, tag_or_digest: str = "latest") -> ContainerImage:
        """An image in ``repository``; ``tag_or_digest`` is a tag or a ``sha256:...`` digest. A
        repository of another account (``ecr.Repository.from_repository_attributes``) must also allow
        the role in its repository policy."""
        uri = (
            repository.repository_uri_for_digest(tag_or_digest)
            if tag_or_digest.startswith("sha256:")
            else repository.repository_uri_for_tag(tag_or_digest)
        )
        return ContainerImage(uri, repository=repository, tag=tag_or_digest)

    @staticmethod
    def from_asset(
        directory: str,
        *,
        file: str | None = None,
        build_args: Mapping[str, str] | None = None,
        target: str | None = None,
        platform: ecr_assets.Platform | None = None,
        exclude: Sequence[str] | None = None,
        asset_name: str | None = None,
    ) -> ContainerImage:
        """Your own container: ``directory`` with a ``Dockerfile`` (or ``file``), built and pushed to
        the bootstrap's container-assets repository by ``cdk deploy``. A change to the directory
        changes the image tag (its content hash), so jobs and models pick up the new image.

        The image must follow the SageMaker container contract (README "Bring your own container"):
        ``train`` (training) and ``serve`` (hosting, HTTP on port 8080: ``GET /ping``,
        ``POST /invocations``) as the command SageMaker passes.

        :param file: default ``Dockerfile``; the Dockerfile's path relative to ``directory``.
        :param build_args: default none; ``--build-arg`` values.
        :param target: default none; the multi-stage build target.
        :param platform: default the Docker host's; ``Platform.LINUX_AMD64`` for SageMaker's x86 hosts.
        :param exclude: default none; patterns left out of the build context (and of the hash).
        :param asset_name: default none; a unique name for the asset in the cloud assembly.
        """
        props: dict[str, Any] = {
            # Absolute from this process's working directory (jsii's runtime has its own).
            "directory": os.path.abspath(directory),
            "file": file,
            "build_args": dict(build_args) if build_args else None,
            "target": target,
            "platform": platform,
            "exclude": list(exclude) if exclude else None,
            "asset_name": asset_name,
        }
        return ContainerImage(asset_props={k: v for k, v in props.items() if v is not None})

    @staticmethod
    def from_docker_image_asset(asset: ecr_assets.DockerImageAsset) -> ContainerImage:
        """An image asset you defined (in the stack that uses it)."""
        return ContainerImage(asset=asset)

    # --- what the image is --------------------------------------------------------------------------

    @property
    def is_asset(self) -> bool:
        """Built from a local directory by ``cdk deploy`` (its URI is known per stack, at bind)."""
        return self._asset is not None or self._asset_props is not None

    @property
    def image_uri(self) -> str:
        """The image URI. Asset images and images resolved per region have one per stack: theirs
        is known once bound (``bind(scope)``, which consumers such as ``Model`` and ``MlPipeline``
        call) in exactly one stack."""
        if self._uri is not None:
            return self._uri
        if self._asset is not None:
            return self._asset.image_uri
        uris = set(self._bound.values())
        if len(uris) == 1:
            return uris.pop()
        raise ConstructValidationError(
            f"ContainerImage {self.label}: image_uri: depends on the stack it is used in "
            + ("(it is used in several: " + ", ".join(sorted(self._bound)) + ")" if uris else "(not bound yet)")
            + "; use image.bind(scope)"
        )

    @property
    def label(self) -> str:
        """How messages name the image."""
        if self._asset_props is not None:
            return f"from_asset({self._asset_props['directory']!r})"
        if self._asset is not None:
            return f"DockerImageAsset {self._asset.node.path}"
        return self._uri or "?"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.label})"

    @property
    def tag(self) -> str | None:
        if self._tag is not None:
            return self._tag
        if self._ecr:
            return self._ecr["tag"] or self._ecr["digest"]
        return None

    @property
    def is_gpu_build(self) -> bool:
        """True when the tag names a GPU build (``...-gpu-...``, ``cu121``): such images need GPUs."""
        return bool(self.tag and _GPU_TAG.search(self.tag))

    @property
    def repository_arn(self) -> str | None:
        """The ECR repository the image is pulled from (None for another registry, or an asset image
        before it is bound: its repository is the bootstrap's, per stack)."""
        if self._repository is not None:
            return self._repository.repository_arn
        if self._asset is not None:
            return self._asset.repository.repository_arn
        if self._ecr:
            e = self._ecr
            partition = "aws-cn" if e["cn"] else aws_partition()
            return f"arn:{partition}:ecr:{e['region']}:{e['account']}:repository/{e['repository']}"
        return None

    # --- binding ------------------------------------------------------------------------------------

    def bind(self, scope: Construct, grantee: iam.IGrantable | None = None) -> str:
        """The image URI in ``scope``'s stack, and pull rights for ``grantee`` (when given). An asset
        image is built once per stack (its ``DockerImageAsset`` is a child of the stack)."""
        asset = self._asset_in(scope)
        if asset is not None:
            if grantee is not None:
                asset.repository.grant_pull(grantee)
                _acknowledge_registry_login(grantee)
            return self._remember(scope, asset.image_uri)
        if grantee is not None:
            self.grant_pull(grantee)
        return self.image_uri

    def _remember(self, scope: Construct, uri: str) -> str:
        self._bound[construct_path(stack_of(scope))] = uri
        return uri

    def grant_pull(self, grantee: iam.IGrantable) -> None:
        """Let ``grantee`` pull this image (nothing for registries other than ECR). For an asset
        image, the grantee's stack is where it is built."""
        if self.is_asset:
            principal = grantee.grant_principal
            if not isinstance(principal, Construct):
                raise ConstructValidationError(
                    f"ContainerImage {self.label}: grant_pull: {principal} is not in a stack; "
                    "use image.bind(scope, grantee)"
                )
            self.bind(principal, grantee)
            return
        if self._repository is not None:
            self._repository.grant_pull(grantee)
        elif self.repository_arn is not None:
            grant_repository_pull(grantee, self.repository_arn)
            return
        else:
            return
        _acknowledge_registry_login(grantee)

    def _asset_in(self, scope: Construct) -> ecr_assets.DockerImageAsset | None:
        """The image's ``DockerImageAsset`` in ``scope``'s stack: one per stack and build (a child of
        the stack named after the build's options, so whichever consumer binds first, and any other
        image of the same build, finds the same asset)."""
        if self._asset is not None:
            return self._asset
        if self._asset_props is None:
            return None
        stack = stack_of(scope)
        key = stack.node.path
        if key not in self._assets:
            build = json.dumps(self._asset_props, sort_keys=True, default=str)
            name = f"ContainerImage{hashlib.sha256(build.encode()).hexdigest()[:12]}"
            found = stack.node.try_find_child(name)
            self._assets[key] = (
                found
                if isinstance(found, ecr_assets.DockerImageAsset)
                else ecr_assets.DockerImageAsset(stack, name, **self._asset_props)
            )
        return self._assets[key]


def grant_repository_pull(grantee: iam.IGrantable, repository_arn: str) -> None:
    """Pull on exactly ``repository_arn`` and the registry login (``ecr:GetAuthorizationToken``
    supports no resource-level permission)."""
    add_to_principal(grantee, ECR_PULL_ACTIONS, [repository_arn])
    add_to_principal(grantee, ["ecr:GetAuthorizationToken"], ["*"])
    _acknowledge_registry_login(grantee)


def _acknowledge_registry_login(grantee: iam.IGrantable) -> None:
    principal = grantee if isinstance(grantee, ManagedPolicyRole) else grantee.grant_principal
    if isinstance(principal, iam.Role):
        acknowledge_exact_wildcard(
            principal,
            "ecr:GetAuthorizationToken has no resource-level permissions (AWS requires '*'); image "
            "pulls themselves are limited to the images' repositories.",
            "*",
        )
