"""``python -m sufficiency.app``: the command line, as the ``sufficiency`` script runs it."""

from sufficiency.cli import app

app()
