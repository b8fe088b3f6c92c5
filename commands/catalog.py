"""What each command family offers, declared once and read by `/opsbot help`."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CommandFamily:
    """A slash command, what it is for, and one usage line per form."""

    command: str
    summary: str
    usage: tuple[str, ...]
    admin_only: tuple[str, ...] = field(default_factory=tuple)

    def usage_text(self) -> str:
        """Render the usage lines as a code block Slack shows verbatim."""
        return "```\n" + "\n".join(self.usage) + "\n```"


@dataclass
class CommandCatalog:
    """The families registered on this app, in registration order."""

    families: list[CommandFamily] = field(default_factory=list)

    def add(self, family: CommandFamily) -> None:
        """Register one family; a command name may appear once."""
        if any(f.command == family.command for f in self.families):
            raise ValueError(f"{family.command} registered twice")
        self.families.append(family)

    def find(self, command: str) -> CommandFamily | None:
        """Return the family for `/command`, if registered."""
        wanted = command if command.startswith("/") else f"/{command}"
        return next((f for f in self.families if f.command == wanted), None)
