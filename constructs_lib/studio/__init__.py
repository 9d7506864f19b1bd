"""SageMaker Studio and notebooks: the domain, execution roles, user profiles, spaces, lifecycle configs."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
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
else:
    from constructs_lib._core.lazy_exports import lazy_exports

    # Each exported name's module, imported when the name is first used: importing the package
    # imports none of them (see constructs_lib._core.lazy_exports).
    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "constructs_lib.studio.app_type": ("StudioAppType",),
            "constructs_lib.studio.notebook_instance": ("NotebookInstance",),
            "constructs_lib.studio.studio_domain": (
                "AppNetworkAccessType",
                "IdleShutdown",
                "IStudioDomain",
                "NotebookSharing",
                "StudioDomain",
                "StudioDomainBase",
            ),
            "constructs_lib.studio.studio_execution_role": ("StudioExecutionRole",),
            "constructs_lib.studio.studio_lifecycle_config": ("StudioLifecycleConfig",),
            "constructs_lib.studio.studio_space": ("StudioSpace",),
            "constructs_lib.studio.studio_teardown": ("StudioTeardown",),
            "constructs_lib.studio.studio_user_profile": (
                "AuthMode",
                "IUserProfile",
                "StudioUserProfile",
                "UserProfileBase",
            ),
        },
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
