"""A step is declared once, by its event class; a new step cannot be half declared.

A newcomer adds a step by writing one event class: its fields, label, choices, check and
change. These scenarios declare a throw-away step, a home visit, in a throw-away aggregate, and
check that every registry reads it (codes, labels, fields, the summary-neutral set, the input
schema and the correctable fields) with no other file touched, and that a class missing a
piece is refused as soon as it is declared.
"""

from datetime import date, datetime

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic
from marshmallow import ValidationError, validate

from casecommittee.domain.checks import check_choices
from casecommittee.domain.errors import InvalidValue, StepNotAllowed
from casecommittee.domain.pathway import (
    LOGGABLE_STEPS,
    STEP_CATALOGUE,
    STEP_EVENTS,
    STEP_FIELDS,
    STEPS,
    SUMMARY_NEUTRAL_STEPS,
    Pathway,
    StepEvent,
    catalogue,
    step_events,
)
from casecommittee.domain.state import PathwayState
from casecommittee.domain.steps import Identifier, Note, Step
from casecommittee.projections import projector
from casecommittee.web import openapi
from casecommittee.web.schemas import examples
from casecommittee.web.schemas.fields import Boolean, Text
from casecommittee.web.schemas.steps import (
    CORRECTABLE,
    SPECIAL_INPUT,
    STEP_SCHEMAS,
    correctable,
    step_schema,
    step_schemas,
)

PLACES = ("home", "office", "phone")


class Trial(Aggregate):
    """A throw-away aggregate with an opening and one new step, declared as a newcomer would."""

    class Opened(StepEvent, Aggregate.Created):
        code = "opened"
        label = "ouverture"
        occurred_on: date
        actor: dict

        @staticmethod
        def check(state, step, on, data):
            """Nothing to check at the opening."""

        @staticmethod
        def change(state, step, on, data):
            """The trial pathway is identified."""
            state.enter("identified", on)

    class HomeVisited(StepEvent, Aggregate.Event):
        code = "home_visited"
        label = "visite à domicile"
        example = {"place": "home", "visitor_id": "u-referente"}
        defaults = {"note": None, "accompanied": False}
        choices = {"place": PLACES}
        summary_neutral = True
        occurred_on: date
        actor: dict
        place: str
        visitor_id: Identifier
        accompanied: bool
        note: Note | None

        @staticmethod
        def check(state, step, on, data):
            """A visit needs an opened pathway."""
            if state.stage is None:
                raise StepNotAllowed("aucun parcours ouvert")

        @staticmethod
        def change(state, step, on, data):
            """The visit counts as the pathway's last contact."""
            state.awaiting_next_step_since = on


def test_a_new_step_is_read_by_every_registry_from_its_class_alone():
    trial = catalogue(Trial)
    assert trial.codes == ("opened", "home_visited")
    assert trial.loggable == ("home_visited",), "the creating event is not logged by users"
    assert trial.labels["home_visited"] == "visite à domicile"
    assert trial.fields["home_visited"] == ("place", "visitor_id", "accompanied", "note")
    assert trial.summary_neutral == frozenset({"home_visited"})
    assert trial.events["home_visited"].__qualname__ == "Trial.HomeVisited"


def test_the_new_steps_input_schema_is_built_from_its_declaration():
    schema = step_schemas(catalogue(Trial).events, ("home_visited",), {})["home_visited"]
    assert schema.__name__ == "HomeVisitedStep"
    assert schema.__doc__ == "Visite à domicile.", "the label stands in for a missing description"
    made = schema().fields
    assert list(made) == ["step", "occurred_on", "place", "visitor_id", "accompanied", "note"]
    assert made["place"].required and [tuple(v.choices) for v in made["place"].validators
                                       if isinstance(v, validate.OneOf)] == [PLACES]
    assert made["visitor_id"].required
    assert isinstance(made["accompanied"], Boolean) and made["accompanied"].load_default is False
    assert isinstance(made["note"], Text) and made["note"].multiline and made["note"].allow_none

    body = {"step": "home_visited", "occurred_on": "2026-06-02", "place": "home", "visitor_id": "u-7"}
    assert schema().load(body) == {"step": "home_visited", "occurred_on": date(2026, 6, 2),
                                   "place": "home", "visitor_id": "u-7", "accompanied": False,
                                   "note": None}
    with pytest.raises(ValidationError) as refused:
        schema().load({**body, "place": "garden"})
    assert "garden" in refused.value.messages["place"][0]


def test_the_new_steps_fields_become_correctable_and_its_check_and_change_run():
    fields = correctable(catalogue(Trial).events, {})
    assert set(fields) == {"place", "visitor_id", "accompanied", "note"}
    assert not any(field.required for field in fields.values())

    step = Step(2, "home_visited", date(2026, 6, 2), datetime(2026, 6, 2, 9), {"user_id": "u-7"},
                {"place": "garden", "visitor_id": "u-7", "accompanied": False, "note": None})
    with pytest.raises(InvalidValue, match="valeurs possibles : home, office, phone"):
        check_choices(Trial.HomeVisited.choices, step.data)
    with pytest.raises(StepNotAllowed):
        Trial.HomeVisited.check(PathwayState(), step, step.occurred_on, step.data)
    state = PathwayState(stage="identified")
    state.apply(step, Trial.HomeVisited.change)
    assert state.awaiting_next_step_since == date(2026, 6, 2) and state.version == 2


def _declare(**pieces) -> type:
    """Declares a step event class `Visited` (fields: place, note) with only `pieces`."""
    annotations = pieces.pop("annotations", {"occurred_on": date, "actor": dict, "place": str,
                                             "note": Note | None})
    return type("Visited", (StepEvent, Aggregate.Event), {
        "__annotations__": annotations, "__qualname__": "Trial.Visited", **pieces})


WHOLE = {"code": "visited", "label": "visite", "defaults": {"note": None},
         "example": {"place": "home"},
         "check": staticmethod(lambda state, step, on, data: None),
         "change": staticmethod(lambda state, step, on, data: None)}


def test_a_whole_declaration_is_accepted():
    assert _declare(**WHOLE).code == "visited"


@pytest.mark.parametrize("left_out", ["label", "check", "change", "code", "example"])
def test_a_step_without_its_label_check_change_code_or_example_is_refused_when_declared(left_out):
    pieces = {name: piece for name, piece in WHOLE.items() if name != left_out}
    with pytest.raises(TypeError, match=f"Visited is half declared: it lacks {left_out}"):
        _declare(**pieces)


def test_a_step_without_its_business_date_and_actor_is_refused():
    with pytest.raises(TypeError, match="lacks occurred_on, actor"):
        _declare(**WHOLE, annotations={"place": str, "note": Note | None})


@pytest.mark.parametrize("piece, message", [
    ({"defaults": {"note": None, "plase": None}}, "defaults for no field of its own: \\['plase'\\]"),
    ({"choices": {"plaice": PLACES}}, "choices for no field of its own: \\['plaice'\\]"),
    ({"defaults": {}}, "Visited.note: a field that may be None"),
    ({"example": {"plase": "home"}}, "an example with fields it does not have: \\['plase'\\]"),
    ({"defaults": {"note": None, "place": None}}, "Visited.place: a field that may be None"),
    ({"private_text": ("nte",)}, "private_text for no field of its own: \\['nte'\\]"),
])
def test_defaults_and_choices_must_match_the_fields(piece, message):
    with pytest.raises(TypeError, match=message):
        _declare(**{**WHOLE, **piece})


def test_two_steps_with_one_code_are_refused_where_the_steps_are_read():
    again = _declare(**WHOLE)
    twice = type("Twice", (Aggregate,), {"Visited": _declare(**WHOLE), "Again": again})
    with pytest.raises(TypeError, match="reuses the code 'visited'"):
        step_events(twice)


@pytest.mark.parametrize("annotation", [dict, str], ids=["a nested object", "text of no kind"])
def test_a_field_whose_input_cannot_be_derived_must_be_written_as_special_input(annotation):
    nested = _declare(**{**WHOLE, "defaults": {}, "example": {}},
                      annotations={"occurred_on": date, "actor": dict, "address": annotation})
    with pytest.raises(TypeError, match="Visited.address .* needs its input field written in SPECIAL_INPUT"):
        step_schema(nested)
    assert list(step_schema(nested, {"address": Text(required=True)})().fields) == [
        "step", "occurred_on", "address"]
    with pytest.raises(TypeError, match="special input for no field of visited"):
        step_schema(nested, {"address": Text(), "adress": Text()})


def test_the_pathways_registries_are_read_from_its_event_classes():
    assert step_events(Pathway) == STEP_EVENTS == STEP_CATALOGUE.events
    assert list(STEP_EVENTS)[0] == "identified" and list(STEP_EVENTS)[-1] == "corrected"
    assert LOGGABLE_STEPS == STEPS[1:]
    assert projector.SUMMARY_NEUTRAL_STEPS is SUMMARY_NEUTRAL_STEPS == frozenset(
        {"committee_referral", "follow_up_contact", "proposed_to_company"})
    assert openapi.NAMED_ENUMS["StepCode"] == STEPS
    assert openapi.NAMED_ENUMS["LoggableStepCode"] == LOGGABLE_STEPS
    # the free text typed about the person, sealed with their key (and masked for auditors)
    from casecommittee.domain.pathway import PRIVATE_TEXT, PRIVATE_TEXT_NAMES
    from casecommittee.queries.step_documents import FREE_TEXT

    assert PRIVATE_TEXT == {"committee_referral": ("reason",), "follow_up_contact": ("note",),
                            "rupture": ("reason",), "corrected": ("reason",)}
    assert set(PRIVATE_TEXT_NAMES) == set(FREE_TEXT)


def test_every_step_has_a_label_a_check_a_change_an_input_schema_and_an_example():
    for code, event_class in STEP_EVENTS.items():
        assert event_class.label.strip()
        assert callable(event_class.check) and callable(event_class.change)
        assert set(event_class.defaults) <= set(STEP_FIELDS[code])
    assert list(STEP_SCHEMAS) == list(LOGGABLE_STEPS)
    for code, schema in STEP_SCHEMAS.items():
        assert set(schema().fields) == {"step", "occurred_on", *STEP_FIELDS[code]}, code
    assert set(SPECIAL_INPUT) == {"immersion_started", "hired", "corrected"}
    every_field = {name for code, names in STEP_FIELDS.items() if code != "corrected" for name in names}
    assert every_field | {"occurred_on"} == set(CORRECTABLE)
    assert list(examples.STEPS) == list(LOGGABLE_STEPS), "the API document shows one body per step"
    for code, example in examples.STEP_EXAMPLES.items():
        STEP_SCHEMAS[code]().load(example["value"])


def test_stored_events_keep_the_topics_existing_stores_hold():
    for event_class in STEP_EVENTS.values():
        assert get_topic(event_class) == f"casecommittee.domain.pathway:Pathway.{event_class.__name__}"
