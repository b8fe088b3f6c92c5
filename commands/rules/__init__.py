"""`/opsbot rule …`: admin-configured KPI rules that open escalations when they breach.

The help family owns `/opsbot` and forwards `rule …` to `commands.rules.handlers`.
"""
