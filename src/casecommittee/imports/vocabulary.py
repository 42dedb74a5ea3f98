"""The closed lists of imports, in a module of their own (the API's document names them)."""

#: Our columns, as the template and the mappings spell them (`columns.COLUMNS` describes them).
COLUMN_KEYS = ("nom", "prenom", "date_naissance", "telephone", "email", "adresse",
               "date_reperage", "canal", "structure_reperage", "sexe", "code_qpv",
               "niveau_qualification", "publics", "consentement", "date_consentement")
#: What the user may decide for a row: create it (keep), leave it out (skip), or update the
#: person already known with its contacts (merge).
DECISIONS = ("keep", "skip", "merge")
