"""`casecommittee users add … --password-stdin` and `users set-password`: the password comes
from standard input, never from the command line, and opens the pages."""

from click.testing import CliRunner

from casecommittee.bootstrap import bootstrap
from casecommittee.cli import main
from casecommittee.config import Settings
from casecommittee.stores.auth import Passwords


def test_a_coordinator_creates_a_referent_who_signs_in_with_the_password_from_stdin(tmp_path, clock):
    env = {"CASECOMMITTEE_DATA_DIR": str(tmp_path / "var")}
    system = bootstrap(Settings.from_env(env), clock=clock)
    system.reference.add_territory("Belfort", id="t")
    system.reference.add_group("t", "Jeunes", 20, id="g")
    system.close()
    runner = CliRunner()
    added = runner.invoke(main, ["users", "add", "Awa Diallo", "--role", "referent", "--group", "g",
                                 "--login", "Awa.Diallo", "--password-stdin"],
                          input="une phrase de passe longue\n", env=env)
    assert added.exit_code == 0, added.output
    assert "une phrase de passe" not in added.output and "page sign-in: awa.diallo" in added.output
    user_id = added.output.split("user ")[1].split(" ")[0]
    system = bootstrap(Settings.from_env(env), clock=clock)
    assert Passwords(system.engine).check("awa.diallo", "une phrase de passe longue", clock.now()) == user_id
    short = runner.invoke(main, ["users", "set-password", user_id, "--password-stdin"], input="court\n", env=env)
    assert short.exit_code != 0 and "12 caractères" in short.output
    reset = runner.invoke(main, ["users", "set-password", user_id, "--password-stdin"],
                          input="une autre phrase de passe\n", env=env)
    assert reset.exit_code == 0, reset.output
    assert Passwords(system.engine).check("awa.diallo", "une autre phrase de passe", clock.now()) == user_id
    system.close()
