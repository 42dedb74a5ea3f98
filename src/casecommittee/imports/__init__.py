"""Partners' spreadsheets brought in: read, mapped to our columns, checked row by row against
the API's identification, previewed, then identified by one job (issue 16)."""
