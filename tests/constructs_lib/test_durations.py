"""``_core.durations``: shared durations, and conversions asked of Node once per Duration object."""

import pytest
from aws_cdk import Duration

from constructs_lib._core import durations


def test_conversions_are_those_of_the_duration():
    five = durations.minutes(5)
    assert durations.in_seconds(five) == 300 and durations.in_minutes(five) == 5
    assert durations.in_milliseconds(Duration.seconds(1.5)) == 1500
    assert durations.in_hours(Duration.minutes(90), integral=False) == 1.5
    assert durations.in_days(durations.days(7)) == 7


def test_a_conversion_that_is_not_whole_still_fails_as_cdk_fails():
    with pytest.raises(RuntimeError, match="whole number"):
        durations.in_hours(Duration.minutes(90))
