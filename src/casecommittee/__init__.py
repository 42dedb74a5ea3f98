"""casecommittee: the event-sourced backend of a Cité de l'emploi's comités d'orientation."""

__version__ = "0.1.0"
