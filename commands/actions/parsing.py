"""`/action` grammar: the usage of each form (the router and the service quote them)."""

from __future__ import annotations

ADD_USAGE = "/action add @owner due:fri TEXT [vendor:NAME | esc:KEY | init:KEY]"
LIST_USAGE = "/action list [mine | overdue | vendor:NAME]"
DONE_USAGE = "/action done ID"
