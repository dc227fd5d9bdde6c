"""`foi users add|remove|list`: the accounts that may sign in to `foi serve`."""

from __future__ import annotations

import sys

import click

from assistant.cli_options import common_options, print_json
from assistant.settings import load_settings
from assistant.users_roles import ROLES


def _users(index_dir, config_file):
    from assistant.users import Users  # argon2: loaded only for `foi users`

    return Users(load_settings(config_file, index_dir=index_dir).index_dir)


@click.group()
def users() -> None:
    """Accounts for `foi serve`; once one exists, sign-in is required on every address."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True, help="reader: ask, search, view; editor: also upload, update, remove; admin: also users and the audit log.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin (no prompt).")
@common_options
def add(name, role, password_stdin, index_dir, config_file, as_json, quiet):
    """Create account NAME (or change its role and password)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = _users(index_dir, config_file).add(name, role, password)
    if as_json:
        print_json(user.to_dict())
    else:
        click.echo(f"user {user.name} ({user.role}) saved")


@users.command("remove")
@click.argument("name")
@common_options
def remove(name, index_dir, config_file, as_json, quiet):
    """Delete account NAME."""
    _users(index_dir, config_file).remove(name)
    if as_json:
        print_json({"removed": name})
    else:
        click.echo(f"user {name} removed")


@users.command("list")
@common_options
def list_users(index_dir, config_file, as_json, quiet):
    """Every account and its role."""
    found = _users(index_dir, config_file).list()
    if as_json:
        print_json({"users": [user.to_dict() for user in found]})
        return
    if not found:
        click.echo("no users: `foi serve` needs no sign-in on loopback (see `foi users add`)")
    for user in found:
        click.echo(f"{user.name}\t{user.role}")
