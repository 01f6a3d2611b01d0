"""The ``rfmkit`` command line: ``rfmkit segment | summary | schemes | demo``
(see :mod:`rfmkit.cli.commands`)."""

from .commands import main

__all__ = ["main"]
