"""The read side: what views, pages, jobs and the command line ask of the read models and stores.

None of them writes SQL; they call these functions, which take the engine and answer plain
values (dicts, rows, dataclasses):

- `caseload`: one pathway's row, pages of the visible pathways, those in follow-up or still open
- `agenda`: which pathways of a group need the committee on a date, and why
- `session_documents`: the agenda and the minutes of a committee session
- `sessions`: pages of committee sessions, a group's previous session, the coming ones, the
  decisions taken on one pathway
- `statistics`: the outcome figures as of a date and as known at a time (with their cache)
- `audit`: the access log
- `notifications`: a user's notifications
- `retention`: the identities the retention period concerns

The read models they read are declared beside the projector that fills them (`projections/`).
"""
