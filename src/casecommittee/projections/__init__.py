"""Read models, fed from the notification log and rebuildable from it at any time."""
