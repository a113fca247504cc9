"""The options of the coverage model (issue #15), shared by every command that analyses a date:
``gaps``, ``report``, ``diff`` and ``matrix`` say the same thing the same way."""

from __future__ import annotations

import click

event_window_option = click.option(
    "--event-window", "event_window", default=2, show_default=True, type=click.IntRange(0, 100),
    help="Years an event (exercise, operation, statement, listing, indictment) counts as evidence of practice "
         "after its date.")
min_commitment_option = click.option(
    "--min-commitment", "min_commitment", default=None,
    type=click.Choice(["binding", "institutional", "political", "operational"]),
    help="Count only joint coverage at this commitment level or stronger.")
bilateral_only_option = click.option(
    "--bilateral-only", "bilateral_only", is_flag=True,
    help="Count only bilateral joint instruments (every party on one of the two sides).")

__all__ = ["bilateral_only_option", "event_window_option", "min_commitment_option"]
