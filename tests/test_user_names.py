"""A pathway's answer names its referent: the name is read from the store once per process."""

from sqlalchemy import event


def test_a_referents_name_is_read_once_and_an_unknown_user_each_time(system):
    reference = system.reference
    territory = reference.add_territory("Belfort")
    referent = reference.add_user("Awa Diallo", "referent", territory["id"])
    statements = []
    event.listen(system.engine, "before_cursor_execute",
                 lambda *args: statements.append(args[2]))
    assert reference.user_name(referent["id"]) == "Awa Diallo"
    assert reference.user_name(referent["id"]) == "Awa Diallo"
    assert len([s for s in statements if "users" in s]) == 1
    # an id no user has yet is looked up again: the user may be added later, by any process
    assert reference.user_name("u-later") is None
    reference.add_user("Léa Martin", "referent", territory["id"], id="u-later")
    assert reference.user_name("u-later") == "Léa Martin"


def test_a_change_made_through_this_process_is_read_anew(system):
    reference = system.reference
    territory = reference.add_territory("Belfort")
    referent = reference.add_user("Awa Diallo", "referent", territory["id"])
    assert reference.user_name(referent["id"]) == "Awa Diallo"
    reference.change_user(referent["id"], name="Awa Diallo-Sow")
    assert reference.user_name(referent["id"]) == "Awa Diallo-Sow"
