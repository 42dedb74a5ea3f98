"""The notifications inbox: the scheduled jobs' reminders, each with a link to its pathway."""

from flask import Blueprint, flash, g, redirect, render_template, url_for

from ...queries.notifications import for_user
from ...stores.notifications import mark_read
from ..context import web
from ..problems import Problem

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("/")
def index():
    """My notifications, newest first."""
    items = for_user(web().system.engine, g.principal.user_id, limit=200)
    return render_template("pages/notifications.html", items=items,
                           unread=sum(1 for n in items if n["read_at"] is None))


@bp.route("/<notification_id>/lue", methods=["POST"])
def read(notification_id):
    """Marks one of my notifications as read."""
    system = web().system
    if not mark_read(system.engine, notification_id, g.principal.user_id, system.clock.now()):
        raise Problem(404, "aucune notification de ce numéro pour vous")
    flash("Notification marquée comme lue.")
    return redirect(url_for(".index"))
