"""Issue trackers: Jira, and a local tracker when Jira is not configured."""
