"""Working with the segments: who is where, who moved, who is slipping away,
and how each segment answered a campaign.

All functions take the output of :func:`rfmkit.segment` and keep the
scheme's order of segments (the order of the ``segment`` categorical), with
every segment present, empty ones included, so reports of different months
line up row by row.
"""

from .campaign import campaign_report, format_campaign, two_proportion_p_value
from .common import CHURN_SEGMENTS
from .display import style_summary
from .migration import Migration, churn_alerts, migration
from .over_time import MigrationHistory, migration_over_time, snapshot_table
from .summary import segment_summary

__all__ = [
    "CHURN_SEGMENTS",
    "Migration",
    "MigrationHistory",
    "campaign_report",
    "churn_alerts",
    "format_campaign",
    "migration",
    "migration_over_time",
    "segment_summary",
    "snapshot_table",
    "style_summary",
    "two_proportion_p_value",
]
