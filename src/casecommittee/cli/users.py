"""User commands: add a user with an API token (and a page password), issue a new token,
set a password, revoke a user's access (tokens, page sessions and password). Passwords are read from standard input, never from the
command line (where `ps` and the shell history would show them)."""

import sys

import click

from ..domain.vocabulary import ROLES
from ..stores.auth import Passwords, Tokens
from ..stores.reference import groups, structures, territories, users
from ..stores.revocation import revoke_access
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
@click.option("--login", default=None, help="Sign-in name for the pages (with --password-stdin).")
@click.option("--password-stdin", is_flag=True, help="Read the page password from standard input.")
@pass_context
def add(ctx, name, role, territory_id, group_ids, structure_id, login, password_stdin):
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
    if password_stdin and not login:
        raise click.ClickException("--password-stdin needs --login (the sign-in name)")
    password = _read_password() if password_stdin else None
    user = reference.add_user(name, role, territory_id, list(group_ids), structure_id)
    if password is not None:
        _set_password(system, user["id"], password, login)
        click.echo(f"page sign-in: {login.strip().lower()}")
    click.echo(f"user {user['id']} ({role}) created; token (shown once):")
    click.echo(Tokens(system.engine).issue(user["id"]))


def _read_password() -> str:
    """The first line of standard input (a password is never an argument)."""
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise click.ClickException("no password on standard input")
    return line


def _set_password(system, user_id: str, password: str, login: str | None) -> None:
    settings = system.settings
    try:
        Passwords(system.engine, max_failures=settings.sign_in_max_failures,
                  lockout_minutes=settings.lockout_minutes).set(user_id, password, login=login)
    except ValueError as error:
        raise click.ClickException(str(error)) from None


@users_group.command(name="set-password")
@click.argument("user_id")
@click.option("--login", default=None, help="Sign-in name (required the first time).")
@click.option("--password-stdin", is_flag=True, required=True,
              help="Read the password from standard input (required).")
@pass_context
def set_password(ctx, user_id, login, password_stdin):
    """Set (or reset) a user's page password, read from standard input; unlocks the account."""
    system = ctx.system
    _check(system.reference, users, user_id, "utilisateur")
    _set_password(system, user_id, _read_password(), login)
    click.echo(f"password set for {user_id}")


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
    """Revoke a user's access: every API token, every open page session, and the password."""
    system = ctx.system
    _check(system.reference, users, user_id, "utilisateur")
    ended = revoke_access(system.engine, user_id, system.clock.now())
    click.echo(f"{ended.tokens} token(s) revoked, {ended.sessions} page session(s) ended, "
               f"password {'removed' if ended.password_removed else 'none'} for {user_id}")


@users_group.command(name="list")
@pass_context
def list_users(ctx):
    """List users: id, role, name."""
    for user in ctx.system.reference.rows(users):
        click.echo(f"{user['id']}  {user['role']:<8}  {user['name']}")
