"""A step is declared once, by its event class; a new step cannot be half declared."""

from datetime import date

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from casecommittee.domain.pathway import (
    LOGGABLE_STEPS,
    STEP_EVENTS,
    STEP_FIELDS,
    Pathway,
    StepEvent,
    step_events,
)
from casecommittee.domain.state import PathwayState
from casecommittee.web.schemas.steps import STEP_SCHEMAS


def test_every_step_has_a_label_a_guard_a_state_change_and_an_input_schema():
    for code, event_class in STEP_EVENTS.items():
        assert event_class.label.strip()
        assert callable(event_class.check) and callable(event_class.change)
        assert set(event_class.defaults) <= set(STEP_FIELDS[code])
    assert list(STEP_SCHEMAS) == list(LOGGABLE_STEPS)
    for code, schema in STEP_SCHEMAS.items():
        assert set(schema().fields) == {"step", "occurred_on", *STEP_FIELDS[code]}, code


def test_stored_events_keep_the_topics_existing_stores_hold():
    for event_class in STEP_EVENTS.values():
        assert get_topic(event_class) == f"casecommittee.domain.pathway:Pathway.{event_class.__name__}"


def _aggregate_with_a_visit(**declared) -> type:
    """An aggregate whose one step event, `Visited` (fields: place), declares only `declared`."""
    visited = type("Visited", (StepEvent, Aggregate.Event), {
        "__annotations__": {"occurred_on": date, "actor": dict, "place": str},
        "__qualname__": "Trial.Visited", **declared,
    })
    return type("Trial", (Aggregate,), {"Visited": visited})


def test_a_step_event_without_its_guard_or_label_is_refused_where_the_steps_are_read():
    trial = _aggregate_with_a_visit(code="visited", change=staticmethod(PathwayState.on_exited))
    with pytest.raises(TypeError, match="Visited is half declared: it lacks label, check"):
        step_events(trial)


def test_defaults_for_a_field_the_step_does_not_have_are_refused():
    trial = _aggregate_with_a_visit(
        code="visited", label="visite", defaults={"plase": None},
        check=staticmethod(lambda state, step, on, data: None),
        change=staticmethod(PathwayState.on_exited),
    )
    with pytest.raises(TypeError, match="plase"):
        step_events(trial)


def test_a_fully_declared_step_is_read_with_its_fields_and_defaults():
    trial = _aggregate_with_a_visit(
        code="visited", label="visite", defaults={"place": "mairie"},
        check=staticmethod(lambda state, step, on, data: None),
        change=staticmethod(PathwayState.on_exited),
    )
    assert list(step_events(trial)) == ["visited"]


def test_the_pathways_steps_are_its_nested_event_classes_in_order():
    assert step_events(Pathway) == STEP_EVENTS
    assert list(STEP_EVENTS)[0] == "identified" and list(STEP_EVENTS)[-1] == "corrected"
