"""Notification routes: the caller's reminders and notices, marked as read."""

from datetime import datetime

from ...queries.notifications import for_user
from ...stores.notifications import mark_read
from ..context import web
from ..pagination import decode_keyset, page
from ..problems import Problem
from ..request_body import Blueprint
from ..schemas import committees as s
from ..security import current_principal
from .common import document_errors

blp = Blueprint("notifications", __name__, description="Rappels et notifications")


@blp.route("/notifications", methods=["GET"])
@document_errors(blp, 400, 401)
@blp.arguments(s.NotificationQuery, location="query")
@blp.response(200, s.NotificationPage)
def list_notifications(query):
    """The caller's notifications, newest first (`?unread=true` for the unread ones)."""
    after = decode_keyset(query["cursor"], datetime.fromisoformat)
    rows = for_user(web().system.engine, current_principal().user_id, unread_only=query["unread"],
                    limit=query["limit"] + 1, after=after)
    return page(rows, query["limit"], lambda r: [r["created_at"].isoformat(), r["id"]])


@blp.route("/notifications/<notification_id>/read", methods=["POST"])
@document_errors(blp, 401, 404)
@blp.response(200, s.Notification)
def read(notification_id):
    """Marks one of the caller's notifications as read."""
    system = web().system
    if not mark_read(system.engine, notification_id, current_principal().user_id, system.clock.now()):
        raise Problem(404, "aucune notification de ce numéro pour vous", type_="not_found")
    [notification] = for_user(system.engine, current_principal().user_id,
                              notification_id=notification_id)
    return notification
