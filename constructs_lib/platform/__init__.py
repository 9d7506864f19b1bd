"""Shared platform services: Feature Store, MLflow, budgets, team access and labeling workforces."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from constructs_lib.platform.feature_group import (
        DataCatalogOptions,
        FeatureDefinition,
        FeatureGroup,
        FeatureGroupBase,
        FeatureType,
        IFeatureGroup,
        TableFormat,
    )
    from constructs_lib.platform.feature_ingestion_stream import (
        FeatureIngestionStream,
    )
    from constructs_lib.platform.labeling_workforce import (
        COGNITO_DOMAIN_PREFIX_PATTERN,
        LabelingWorkforce,
    )
    from constructs_lib.platform.mlflow_tracking_server import (
        MAINTENANCE_WINDOW_PATTERN,
        MLFLOW_VERSION_PATTERN,
        ITrackingServer,
        MlflowTrackingServer,
        TrackingServerBase,
        TrackingServerSize,
    )
    from constructs_lib.platform.platform_budget import (
        PlatformBudget,
    )
    from constructs_lib.platform.team_access import (
        TEAM_NAME_PATTERN,
        TEAM_TAG_KEY,
        TeamAccess,
    )
else:
    from constructs_lib._core.lazy_exports import lazy_exports

    # Each exported name's module, imported when the name is first used: importing the package
    # imports none of them (see constructs_lib._core.lazy_exports).
    __getattr__, __dir__ = lazy_exports(
        __name__,
        {
            "constructs_lib.platform.feature_group": (
                "DataCatalogOptions",
                "FeatureDefinition",
                "FeatureGroup",
                "FeatureGroupBase",
                "FeatureType",
                "IFeatureGroup",
                "TableFormat",
            ),
            "constructs_lib.platform.feature_ingestion_stream": ("FeatureIngestionStream",),
            "constructs_lib.platform.labeling_workforce": ("COGNITO_DOMAIN_PREFIX_PATTERN", "LabelingWorkforce"),
            "constructs_lib.platform.mlflow_tracking_server": (
                "MAINTENANCE_WINDOW_PATTERN",
                "MLFLOW_VERSION_PATTERN",
                "ITrackingServer",
                "MlflowTrackingServer",
                "TrackingServerBase",
                "TrackingServerSize",
            ),
            "constructs_lib.platform.platform_budget": ("PlatformBudget",),
            "constructs_lib.platform.team_access": ("TEAM_NAME_PATTERN", "TEAM_TAG_KEY", "TeamAccess"),
        },
    )

__all__ = [
    "COGNITO_DOMAIN_PREFIX_PATTERN",
    "DataCatalogOptions",
    "FeatureDefinition",
    "FeatureGroup",
    "FeatureGroupBase",
    "FeatureIngestionStream",
    "FeatureType",
    "IFeatureGroup",
    "ITrackingServer",
    "LabelingWorkforce",
    "MAINTENANCE_WINDOW_PATTERN",
    "MLFLOW_VERSION_PATTERN",
    "MlflowTrackingServer",
    "PlatformBudget",
    "TableFormat",
    "TEAM_NAME_PATTERN",
    "TEAM_TAG_KEY",
    "TeamAccess",
    "TrackingServerBase",
    "TrackingServerSize",
]
