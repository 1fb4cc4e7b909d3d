"""The ``nianbao`` command: one thin subcommand per library call.

Subcommands live in their own modules and are imported only when run, so that
``nianbao parse`` does not pay for importing Scrapy.
"""

from __future__ import annotations

import importlib

import click

SUBCOMMANDS: dict[str, str] = {
    "parse": "nianbao.commands.parse:parse_command",
    "demo": "nianbao.commands.demo:demo_command",
    "fixtures": "nianbao.commands.fixtures:fixtures_command",
    "crawl": "nianbao.commands.crawl:crawl_command",
    "portals": "nianbao.commands.portals:portals_command",
    "schedule": "nianbao.commands.schedule:schedule_command",
    "runs": "nianbao.commands.runs:runs_command",
    "alerts": "nianbao.commands.alerts:alerts_command",
    "db": "nianbao.commands.db:db_command",
    "export": "nianbao.commands.export:export_command",
    "reparse": "nianbao.commands.reparse:reparse_command",
    "repair": "nianbao.commands.repair:repair_command",
    "diff": "nianbao.commands.diff:diff_command",
    "query": "nianbao.commands.query:query_command",
    "search": "nianbao.commands.search:search_command",
    "metrics": "nianbao.commands.metrics:metrics_command",
    "codebook": "nianbao.commands.codebook:codebook_command",
    "serve": "nianbao.commands.serve:serve_command",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        return getattr(importlib.import_module(module_name), attribute)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="nianbao")
def main() -> None:
    """nianbao (年报): archive and parse government information-disclosure annual reports.

    \b
    Example:
      nianbao parse fixtures/reports/layouts/consistent-2021__tabs.txt --json
    """
