"""The ``AlertTopic`` of a library module that created a plain ``sns.Topic`` until 0.2."""

from __future__ import annotations

from constructs_lib.foundation.alert_topic import AlertTopic


class AlertTopicInPlaceOfSnsTopic(AlertTopic):
    """An ``AlertTopic`` at the path where a library module created a plain ``sns.Topic`` until 0.2.
    The logical IDs CDK gives that path are the topic's IDs already, so it pins none, and a
    foundation above it that keeps 0.1 IDs leaves its resources alone (``keep_current_logical_ids``)."""

    _KEEPS_WRAPPER_LOGICAL_IDS = False
