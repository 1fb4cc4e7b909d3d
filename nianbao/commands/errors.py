"""How a subcommand reports bad input: one line on stderr and exit status 2."""

from __future__ import annotations

import click


class BadInput(click.ClickException):
    exit_code = 2
