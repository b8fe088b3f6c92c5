"""The weekly team summary: a scheduled post to OPSBOT_TEAM_CHANNEL, claimed exactly once."""
