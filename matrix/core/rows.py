"""Model instances from statements written once (issue 13): the hot paths (the signed-in user of every request,
the payment an FPX message locks) read their rows with SQL made once per process instead of a queryset compiled
per request, and build the same instances the ORM would."""

from django.db import DEFAULT_DB_ALIAS, connections

_converters: dict[tuple[str, str], list] = {}


def model_columns(model, alias: str | None = None) -> list[str]:
    """The model's concrete columns, quoted (and qualified by `alias`), in the order model_from_row reads them."""
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    prefix = f"{alias}." if alias else ""
    return [f"{prefix}{quote(field.column)}" for field in model._meta.concrete_fields]


def _model_converters(model) -> list:
    """Each concrete column with the ORM's converters for this database (SQLite's text datetimes, its integer
    booleans; none for most columns on PostgreSQL)."""
    connection = connections[DEFAULT_DB_ALIAS]
    key = (model._meta.label, connection.vendor)
    found = _converters.get(key)
    if found is None:
        found = []
        for field in model._meta.concrete_fields:
            column = field.get_col(model._meta.db_table)
            found.append((column, connection.ops.get_db_converters(column) + column.get_db_converters(connection)))
        _converters[key] = found
    return found


def model_from_row(model, row, start: int = 0):
    """(an instance of `model` from its columns' values at row[start:], as the ORM loads it; where the next
    model's values start)."""
    connection = connections[DEFAULT_DB_ALIAS]
    values = []
    for value, (column, converters) in zip(row[start:], _model_converters(model), strict=False):
        for converter in converters:
            value = converter(value, column, connection)
        values.append(value)
    fields = model._meta.concrete_fields
    return model.from_db(DEFAULT_DB_ALIAS, [field.attname for field in fields], values), start + len(fields)
