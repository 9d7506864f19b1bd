"""Shared platform services: Feature Store, MLflow, budgets, team access and labeling workforces."""

from constructs_lib.platform.feature_group import (
    DataCatalogOptions,
    FeatureDefinition,
    FeatureGroup,
    FeatureGroupBase,
    FeatureType,
    IFeatureGroup,
    TableFormat,
)
from constructs_lib.platform.labeling_workforce import (
    LabelingWorkforce,
)
from constructs_lib.platform.mlflow_tracking_server import (
    ITrackingServer,
    MlflowTrackingServer,
    TrackingServerBase,
    TrackingServerSize,
)
from constructs_lib.platform.platform_budget import (
    PlatformBudget,
)
from constructs_lib.platform.team_access import (
    TEAM_TAG_KEY,
    TeamAccess,
)

__all__ = [
    "DataCatalogOptions",
    "FeatureDefinition",
    "FeatureGroup",
    "FeatureGroupBase",
    "FeatureType",
    "IFeatureGroup",
    "ITrackingServer",
    "LabelingWorkforce",
    "MlflowTrackingServer",
    "PlatformBudget",
    "TableFormat",
    "TEAM_TAG_KEY",
    "TeamAccess",
    "TrackingServerBase",
    "TrackingServerSize",
]
