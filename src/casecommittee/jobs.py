"""The scheduled jobs: follow-up reminders, agenda drafts, stalled pathways, nightly replay check,
retention deadlines, expired request-digest keys, webhook deliveries, confirmed imports.

Each daily job is a plain function of the system and a date, so tests call it with any date.
`run_once` claims a (job, day) row before running: several web processes, or a restart after
a missed day, never run the same day's job twice.
"""

from datetime import date, timedelta
from uuid import UUID

from .domain.rules import DEFAULT_STALLED_AFTER_DAYS, OVERDUE_AFTER_DAYS
from .imports.service import run_waiting
from .projections.replay_check import replay_check
from .queries.caseload import in_follow_up, still_open
from .queries.retention import (
    companies_idle_since,
    company_contact_ids,
    erasure_day,
    identities_held,
    identities_idle_since,
    identities_without_pathway,
)
from .queries.session_documents import live_agenda
from .queries.sessions import scheduled_between
from .stores import job_runs
from .stores.digest_keys import last_day_to_keep
from .stores.notifications import deliver_pending, notify
from .stores.reference import groups, users

#: Contacts and validations announced this many days before they are due.
REMIND_DAYS_BEFORE = 3
AGENDA_DRAFT_DAYS_BEFORE = 7
RETENTION_WARNING_DAYS = 30


def _fr(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _notifier(system):
    known_users = {u["id"] for u in system.reference.rows(users)}
    now = system.clock.now()

    def send(user_id, **fields) -> int:
        if user_id not in known_users:
            return 0
        return int(notify(system.engine, user_id=user_id, now=now,
                          webhook_url=system.settings.webhook_url, **fields))
    return send


def follow_up_reminders(system, today: date) -> int:
    """Reminds referents of follow-up contacts due or overdue, and of week-15 validations due."""
    system.projections.catch_up()
    sent = 0
    send = _notifier(system)
    for row in in_follow_up(system.engine):
        pid, due = row.pathway_id, row.follow_up_next_due_on
        if due is not None and row.follow_up_next_kind == "contact":
            if today > due + timedelta(days=OVERDUE_AFTER_DAYS):
                sent += send(row.referent_id, kind="follow_up_overdue", pathway_id=pid,
                             dedupe_key=f"follow_up_overdue:{pid}:{due}",
                             title="Point de suivi en retard",
                             body=f"Le point de suivi prévu le {_fr(due)} n'est pas enregistré.")
            elif today >= due - timedelta(days=REMIND_DAYS_BEFORE):
                sent += send(row.referent_id, kind="follow_up_due", pathway_id=pid,
                             dedupe_key=f"follow_up_due:{pid}:{due}",
                             title="Point de suivi à faire",
                             body=f"Un point de suivi est prévu le {_fr(due)}.")
        validation = row.validation_due_on
        if validation is not None and today >= validation - timedelta(days=REMIND_DAYS_BEFORE):
            sent += send(row.referent_id, kind="validation_due", pathway_id=pid,
                         dedupe_key=f"validation_due:{pid}:{validation}",
                         title="Validation du suivi 15 semaines",
                         body=f"Le suivi 15 semaines peut être validé à partir du {_fr(validation)}.")
    return sent


def agenda_drafts(system, today: date) -> int:
    """Tells a group's co-pilots, 7 days before a session, that its draft agenda is ready."""
    sent = 0
    sessions = scheduled_between(system.engine, today, today + timedelta(days=AGENDA_DRAFT_DAYS_BEFORE))
    copilots = [u for u in system.reference.rows(users) if u["role"] == "copilot"]
    for row in sessions:
        session = system.app.get_committee(row.session_id)
        items = live_agenda(system, session)
        send = _notifier(system)
        for copilot in copilots:
            if row.group_id in (copilot["group_ids"] or []):
                sent += send(copilot["id"], kind="agenda_draft", session_id=row.session_id,
                             dedupe_key=f"agenda_draft:{row.session_id}:{copilot['id']}",
                             title="Projet d'ordre du jour",
                             body=f"Le comité du {_fr(row.held_on)} compte {len(items)} situation(s) "
                                  "à étudier.")
    return sent


def stalled_pathways(system, today: date) -> int:
    """Tells referents which of their pathways have had no step for the group's threshold."""
    system.projections.catch_up()
    thresholds = {g["id"]: g["stalled_after_days"] for g in system.reference.rows(groups)}
    sent = 0
    send = _notifier(system)
    for row in still_open(system.engine):
        days = thresholds.get(row.group_id, DEFAULT_STALLED_AFTER_DAYS)
        if row.last_event_on is not None and row.last_event_on < today - timedelta(days=days):
            sent += send(row.referent_id, kind="stalled", pathway_id=row.pathway_id,
                         dedupe_key=f"stalled:{row.pathway_id}:{row.last_event_on}",
                         title="Parcours sans nouvelle étape",
                         body=f"Aucune étape depuis le {_fr(row.last_event_on)} ({days} jours ou plus).")
    return sent


def nightly_replay_check(system, today: date) -> int:
    """Rebuilds the read models in a scratch store; tells the admins about any difference."""
    report = replay_check(system.app, system.engine)
    if report["ok"]:
        return 0
    send = _notifier(system)
    return sum(send(admin["id"], kind="replay_check", dedupe_key=f"replay_check:{today}:{admin['id']}",
                    title="Contrôle de rejeu : écarts",
                    body=f"{report['difference_count']} écart(s) entre les vues et le journal.")
               for admin in system.reference.rows(users, role="admin"))


def retention_deadlines(system, today: date) -> int:
    """Erases the identity of people whose last step is older than the retention period (two
    years by default); warns their referent 30 days before. History and statistics remain. The
    same for the contact people of a company without activity for that long."""
    system.projections.catch_up()
    retention = timedelta(days=system.settings.retention_days)
    send = _notifier(system)
    rows = identities_idle_since(system.engine, today - retention + timedelta(days=RETENTION_WARNING_DAYS))
    done = _discard_orphans(system)
    for row in rows:
        deadline = erasure_day(row.last_event_on, system.settings.retention_days)
        if today >= deadline:
            done += system.personal_data.erase(
                row.pathway_id, f"durée de conservation atteinte le {_fr(deadline)}",
                erased_by="retention_deadlines")
        else:
            done += send(row.referent_id, kind="retention_deadline", pathway_id=row.pathway_id,
                         dedupe_key=f"retention_deadline:{row.pathway_id}:{deadline}",
                         title="Fin de la durée de conservation",
                         body=f"Les données d'identité seront effacées le {_fr(deadline)} "
                              "(aucune étape depuis deux ans).")
    return done + _contacts_past_retention(system, today, retention, send)


def _contacts_past_retention(system, today: date, retention: timedelta, send) -> int:
    """Erases the identity of a company's contact people once the company has had no activity
    for the retention period; warns the territory's chargé·es de relation entreprises 30 days
    before. The company's stream (a contact named, on that day) remains."""
    done = 0
    rows = companies_idle_since(system.engine,
                                today - retention + timedelta(days=RETENTION_WARNING_DAYS))
    chargees = system.reference.rows(users, role="business_relations")
    for row in rows:
        contacts = [c["contact_id"] for c in system.app.get_company(row.company_id).state.contacts]
        held = identities_held(system.engine, contacts)
        if not held:
            continue
        deadline = row.last_activity_on + retention
        if today >= deadline:
            done += sum(system.personal_data.erase(
                contact_id, f"durée de conservation atteinte le {_fr(deadline)} (entreprise "
                            "sans activité)", erased_by="retention_deadlines")
                for contact_id in sorted(held))
            continue
        for chargee in chargees:
            if chargee["territory_id"] == row.territory_id:
                done += send(chargee["id"], kind="retention_deadline",
                             dedupe_key=f"contact_retention:{row.company_id}:{deadline}:{chargee['id']}",
                             title="Fin de la durée de conservation des contacts",
                             body=f"Les contacts de {row.name} seront effacés le {_fr(deadline)} "
                                  f"(aucune activité depuis le {_fr(row.last_activity_on)}).")
    return done


def _discard_orphans(system) -> int:
    """Removes identities whose pathway was never saved (a crash between the two stores during
    an identification): older than a day and with no event in the log."""
    cutoff = system.clock.now() - timedelta(days=1)
    candidates = identities_without_pathway(system.engine, cutoff)
    orphans = [pid for pid in candidates if UUID(pid) not in system.app.repository]
    if orphans:  # a company's contact people are no pathway's: never orphans
        contacts = company_contact_ids(system.app, system.engine)
        orphans = [pid for pid in orphans if pid not in contacts]
    for pathway_id in orphans:
        system.personal_data.discard(pathway_id)
    return len(orphans)


def expired_digest_keys(system, today: date) -> int:
    """Destroys the request-digest keys of the days whose idempotency answers all expired over
    a day ago (`stores.digest_keys`): their digests, kept in the event store, can then be
    checked by nobody. Returns how many keys were destroyed."""
    keyed = system.app.keyed_requests
    return keyed.digest_keys.destroy_before(last_day_to_keep(today, keyed.time_to_live))


def deliver_webhooks(system, today: date) -> int:
    """Sends the webhook deliveries that are due (retrying failed ones)."""
    if not system.settings.webhook_secret:
        return 0
    return deliver_pending(system.engine, system.settings.webhook_secret, system.clock.now())


def run_imports(system, today: date | None = None) -> int:
    """Runs the imports confirmed since (each claimed by one process; an import whose worker
    stopped is taken up again, its rows already identified are not identified twice), and
    destroys the rows of imports left unconfirmed past their lifetime. Returns the rows run."""
    return run_waiting(system)


#: Seconds between two looks for confirmed imports.
IMPORTS_EVERY_SECONDS = 10

DAILY_JOBS = {
    "follow_up_reminders": follow_up_reminders,
    "agenda_drafts": agenda_drafts,
    "stalled_pathways": stalled_pathways,
    "nightly_replay_check": nightly_replay_check,
    "retention_deadlines": retention_deadlines,
    "expired_digest_keys": expired_digest_keys,
}


def run_once(system, job: str, day: date) -> str | None:
    """Runs a daily job for a day unless another process already did; returns its outcome."""
    if not job_runs.claim(system.engine, job, day, system.clock.now()):
        return None  # another process claimed this day's run
    outcome = f"{DAILY_JOBS[job](system, day)} action(s)"
    job_runs.record_outcome(system.engine, job, day, outcome)
    return outcome


def catch_up_missed(system) -> dict[str, str | None]:
    """Runs today's daily jobs that are past their hour and have not run (after a restart)."""
    now = system.clock.now()
    if now.hour < system.settings.jobs_hour:
        return {}
    return {job: run_once(system, job, system.clock.today()) for job in DAILY_JOBS}
