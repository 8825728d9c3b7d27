"""CLI sub-commands, one typer app per module."""
