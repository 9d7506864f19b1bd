"""SageMaker Studio and notebooks: the domain, execution roles, user profiles, spaces, lifecycle configs."""

from constructs_lib.studio.app_type import (
    StudioAppType,
)
from constructs_lib.studio.notebook_instance import (
    NotebookInstance,
)
from constructs_lib.studio.studio_domain import (
    AppNetworkAccessType,
    IdleShutdown,
    IStudioDomain,
    NotebookSharing,
    StudioDomain,
    StudioDomainBase,
)
from constructs_lib.studio.studio_execution_role import (
    StudioExecutionRole,
)
from constructs_lib.studio.studio_lifecycle_config import (
    StudioLifecycleConfig,
)
from constructs_lib.studio.studio_space import (
    StudioSpace,
)
from constructs_lib.studio.studio_teardown import (
    StudioTeardown,
)
from constructs_lib.studio.studio_user_profile import (
    AuthMode,
    IUserProfile,
    StudioUserProfile,
    UserProfileBase,
)

__all__ = [
    "AppNetworkAccessType",
    "AuthMode",
    "IdleShutdown",
    "IStudioDomain",
    "IUserProfile",
    "NotebookInstance",
    "NotebookSharing",
    "StudioDomain",
    "StudioAppType",
    "StudioDomainBase",
    "StudioExecutionRole",
    "StudioLifecycleConfig",
    "StudioSpace",
    "StudioTeardown",
    "StudioUserProfile",
    "UserProfileBase",
]
