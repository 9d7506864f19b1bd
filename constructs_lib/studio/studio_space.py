"""``StudioSpace``: a shared JupyterLab or Code Editor space of a Studio domain."""

from __future__ import annotations

from aws_cdk import Duration, Resource
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from constructs_lib._core.validation import Problems
from constructs_lib.studio.studio_user_profile import StudioUserProfile

SPACE_APP_TYPES: tuple[str, ...] = ("JupyterLab", "CodeEditor")
#: SageMaker's bounds for idle timeouts, in minutes (60 minutes to 365 days).
IDLE_TIMEOUT_RANGE_MINUTES: tuple[int, int] = (60, 525600)


class StudioSpace(Resource):
    """Defines a space shared by the members of a Studio domain, owned by one user profile.

    Usually created with ``StudioDomain.add_space``. Its apps stop after ``idle_timeout`` (default,
    the domain's idle settings).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        domain_id: str,
        space_name: str,
        owner: StudioUserProfile,
        app_type: str = "JupyterLab",
        display_name: str | None = None,
        ebs_volume_size_gb: int | None = None,
        idle_timeout: Duration | None = None,
    ) -> None:
        """
        :param domain_id: the domain's id.
        :param space_name: 1-63 letters, digits or hyphens (SageMaker's pattern).
        :param owner: the user profile that owns the space.
        :param app_type: default ``JupyterLab``; or ``CodeEditor``.
        :param display_name: default, the space name; the name shown in Studio (1-64 characters).
        :param ebs_volume_size_gb: default, the domain's default size; the space's storage (5-16384 GB).
        :param idle_timeout: default, the domain's idle timeout; 60 minutes to 365 days.
        """
        super().__init__(scope, construct_id, physical_name=space_name)
        problems = Problems(self, "StudioSpace")
        problems.check_sagemaker_name("space_name", space_name)
        problems.check_one_of("app_type", app_type, SPACE_APP_TYPES)
        if display_name is not None:
            problems.check(
                0 < len(display_name) <= 64 and bool(display_name.strip()),
                "display_name",
                display_name,
                "must be 1-64 characters, not only spaces",
            )
        problems.check_range("ebs_volume_size_gb", ebs_volume_size_gb, minimum=5, maximum=16384, integer=True)
        idle_minutes = None
        if idle_timeout is not None:
            idle_minutes = idle_timeout.to_minutes(integral=False)
            low, high = IDLE_TIMEOUT_RANGE_MINUTES
            problems.check_range("idle_timeout (minutes)", idle_minutes, minimum=low, maximum=high, integer=True)
        problems.raise_if_any()

        self.space_name = space_name
        self.domain_id = domain_id
        self.owner = owner
        lifecycle = None
        if idle_minutes is not None:
            lifecycle = sagemaker.CfnSpace.SpaceAppLifecycleManagementProperty(
                idle_settings=sagemaker.CfnSpace.SpaceIdleSettingsProperty(idle_timeout_in_minutes=int(idle_minutes))
            )
        settings = sagemaker.CfnSpace.SpaceSettingsProperty(
            app_type=app_type,
            jupyter_lab_app_settings=sagemaker.CfnSpace.SpaceJupyterLabAppSettingsProperty(
                app_lifecycle_management=lifecycle
            )
            if app_type == "JupyterLab" and lifecycle
            else None,
            code_editor_app_settings=sagemaker.CfnSpace.SpaceCodeEditorAppSettingsProperty(
                app_lifecycle_management=lifecycle
            )
            if app_type == "CodeEditor" and lifecycle
            else None,
            space_storage_settings=sagemaker.CfnSpace.SpaceStorageSettingsProperty(
                ebs_storage_settings=sagemaker.CfnSpace.EbsStorageSettingsProperty(
                    ebs_volume_size_in_gb=ebs_volume_size_gb
                )
            )
            if ebs_volume_size_gb
            else None,
        )
        self.resource = sagemaker.CfnSpace(
            self,
            "Resource",
            domain_id=domain_id,
            space_name=space_name,
            space_display_name=display_name,
            ownership_settings=sagemaker.CfnSpace.OwnershipSettingsProperty(
                owner_user_profile_name=owner.user_profile_name
            ),
            space_sharing_settings=sagemaker.CfnSpace.SpaceSharingSettingsProperty(sharing_type="Shared"),
            space_settings=settings,
        )
        # The owner must exist first, and outlive the space.
        self.resource.node.add_dependency(owner.resource)

    @property
    def space_arn(self) -> str:
        return self.resource.attr_space_arn
