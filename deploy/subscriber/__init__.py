"""An analytics team's subscriber: its own consumer group on the public topics, a live feed
of claim states and a daily KPI table. See README.md."""
