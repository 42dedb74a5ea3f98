"""User commands: add a user with an API token, issue a new token, revoke tokens."""

import click

from ..domain.vocabulary import ROLES
from ..stores.auth import Tokens
from ..stores.reference import groups, structures, territories, users
from . import main, pass_context


@main.group(name="users")
def users_group():
    """API users and their bearer tokens (stored hashed, shown once)."""


def _check(reference, table, id_, what: str) -> None:
    if id_ is not None and reference.get(table, id_) is None:
        raise click.ClickException(f"{what} {id_} inconnu(e)")


@users_group.command(name="add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--territory", "territory_id", default=None, help="Territory id (auditor, admin…).")
@click.option("--group", "group_ids", multiple=True, help="Working group id (repeatable).")
@click.option("--structure", "structure_id", default=None, help="Partner structure id.")
@pass_context
def add(ctx, name, role, territory_id, group_ids, structure_id):
    """Create a user and print their token (the last line of the output)."""
    system = ctx.system
    reference = system.reference
    _check(reference, territories, territory_id, "territoire")
    _check(reference, structures, structure_id, "structure")
    for group_id in group_ids:
        _check(reference, groups, group_id, "groupe")
    if territory_id is None and group_ids:
        territory_id = reference.get(groups, group_ids[0])["territory_id"]
    if role in ("referent", "copilot") and not group_ids:
        raise click.ClickException(f"un {role} appartient à au moins un groupe : --group ID")
    user = reference.add_user(name, role, territory_id, list(group_ids), structure_id)
    click.echo(f"user {user['id']} ({role}) created; token (shown once):")
    click.echo(Tokens(system.engine).issue(user["id"]))


@users_group.command(name="token")
@click.argument("user_id")
@pass_context
def token(ctx, user_id):
    """Issue a new token for an existing user (printed as the last line)."""
    system = ctx.system
    _check(system.reference, users, user_id, "utilisateur")
    click.echo(Tokens(system.engine).issue(user_id))


@users_group.command(name="revoke")
@click.argument("user_id")
@pass_context
def revoke(ctx, user_id):
    """Revoke every token of a user."""
    count = Tokens(ctx.system.engine).revoke(user_id)
    click.echo(f"{count} token(s) revoked for {user_id}")


@users_group.command(name="list")
@pass_context
def list_users(ctx):
    """List users: id, role, name."""
    for user in ctx.system.reference.rows(users):
        click.echo(f"{user['id']}  {user['role']:<8}  {user['name']}")
