"""Slack without Slack: the local Web API and Socket Mode, signed request builders, the
threaded servers the fakes share, and `opsbot shell`.

Production code does not import this package (an import-linter contract says so); only the
CLI's `shell` command reaches it, lazily.
"""
