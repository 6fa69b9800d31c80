"""``python -m agent.cli``: the same as the ``veraz`` command."""

from agent.cli import main

main()
