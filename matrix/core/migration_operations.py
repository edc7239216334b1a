"""Migration operations for a portal that migrates while the previous release serves (README "Upgrades").

`AddIndexConcurrently`: an index on a big table built with PostgreSQL's CREATE INDEX CONCURRENTLY, so writes to the
table go on while it builds (the migration must say `atomic = False`); on SQLite, the embedded default, a plain
CREATE INDEX. The migration state is the same as AddIndex's either way."""

from django.contrib.postgres.operations import AddIndexConcurrently as PostgresAddIndexConcurrently
from django.db.migrations.operations import AddIndex


class AddIndexConcurrently(PostgresAddIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)

    def deconstruct(self):
        name, args, kwargs = super().deconstruct()
        return "AddIndexConcurrently", args, kwargs
