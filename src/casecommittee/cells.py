"""One rule for every cell the application writes into a CSV or XLSX file: a text that a
spreadsheet would take for a formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage
return) is prefixed with an apostrophe, so it shows as typed and never runs (CSV injection)."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as a cell may hold it: a text that starts like a formula gets a leading
    apostrophe; numbers, dates and other texts are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values) -> list:
    """Every cell of a row made safe (`safe_cell`)."""
    return [safe_cell(value) for value in values]
