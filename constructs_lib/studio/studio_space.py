"""``StudioSpace``: a shared JupyterLab or Code Editor space of a Studio domain."""

from __future__ import annotations

from aws_cdk import Duration, Resource
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from constructs_lib._core.durations import in_minutes
from constructs_lib._core.service_model import STUDIO_APP_INSTANCE_TYPE, check_instance_type, check_shape
from constructs_lib._core.validation import Problems, whole
from constructs_lib.foundation.instance_type import InstanceType
from constructs_lib.studio.app_type import StudioAppType
from constructs_lib.studio.studio_user_profile import StudioUserProfile

#: botocore's ``IdleTimeoutInMinutes`` (60 minutes to 365 days), of spaces and of the domain's idle settings.
IDLE_TIMEOUT_SHAPE = (
    "CreateSpaceRequest.SpaceSettings.JupyterLabAppSettings.AppLifecycleManagement.IdleSettings.IdleTimeoutInMinutes"
)
_SETTINGS = "CreateSpaceRequest.SpaceSettings"


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
        app_type: StudioAppType = StudioAppType.JUPYTER_LAB,
        display_name: str | None = None,
        ebs_volume_size_gb: int | None = None,
        idle_timeout: Duration | None = None,
        instance_type: InstanceType | str | None = None,
    ) -> None:
        """
        :param domain_id: the domain's id.
        :param space_name: 1-63 letters, digits or hyphens (SageMaker's pattern).
        :param owner: the user profile that owns the space.
        :param app_type: default ``StudioAppType.JUPYTER_LAB``; or ``CODE_EDITOR``.
        :param display_name: default, the space name; the name shown in Studio (1-64 characters).
        :param ebs_volume_size_gb: default, the domain's default size; the space's storage (5-16384 GB).
        :param idle_timeout: default, the domain's idle timeout; 60 minutes to 365 days.
        :param instance_type: default, SageMaker's (``ml.t3.medium``); the instance the space's app
            starts on (botocore ``AppInstanceType``).
        """
        super().__init__(scope, construct_id, physical_name=space_name)
        problems = Problems(self, "StudioSpace")
        problems.check_sagemaker_name("space_name", space_name)
        problems.check_one_of("app_type", app_type, StudioAppType)
        check_shape(problems, "display_name", display_name, "CreateSpaceRequest.SpaceDisplayName")
        check_shape(
            problems,
            "ebs_volume_size_gb",
            ebs_volume_size_gb,
            f"{_SETTINGS}.SpaceStorageSettings.EbsStorageSettings.EbsVolumeSizeInGb",
        )
        idle_minutes = None
        if idle_timeout is not None:
            idle_minutes = in_minutes(idle_timeout, integral=False)
            check_shape(problems, "idle_timeout (minutes)", idle_minutes, IDLE_TIMEOUT_SHAPE)
        check_instance_type(problems, "instance_type", instance_type, STUDIO_APP_INSTANCE_TYPE)
        problems.raise_if_any()

        self.space_name = space_name
        self.domain_id = domain_id
        self.owner = owner
        lifecycle = None
        if idle_minutes is not None:
            lifecycle = sagemaker.CfnSpace.SpaceAppLifecycleManagementProperty(
                idle_settings=sagemaker.CfnSpace.SpaceIdleSettingsProperty(idle_timeout_in_minutes=whole(idle_minutes))
            )
        spec = (
            None if instance_type is None else sagemaker.CfnSpace.ResourceSpecProperty(instance_type=str(instance_type))
        )
        settings = sagemaker.CfnSpace.SpaceSettingsProperty(
            app_type=str(app_type),
            jupyter_lab_app_settings=sagemaker.CfnSpace.SpaceJupyterLabAppSettingsProperty(
                app_lifecycle_management=lifecycle, default_resource_spec=spec
            )
            if app_type == StudioAppType.JUPYTER_LAB and (lifecycle or spec)
            else None,
            code_editor_app_settings=sagemaker.CfnSpace.SpaceCodeEditorAppSettingsProperty(
                app_lifecycle_management=lifecycle, default_resource_spec=spec
            )
            if app_type == StudioAppType.CODE_EDITOR and (lifecycle or spec)
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
