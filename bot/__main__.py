"""Allow `python -m bot` to run the CLI."""

from bot.cli import main

main()
