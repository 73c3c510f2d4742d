# The exact terms' and the subject's GIN indexes keep no planner statistics
# (archive 0018 and 0034 say why). An import into a new archive drops and builds
# them (archive/indexdeferral.py), and until this change its build left their
# statistics target at the default, so the next ANALYZE gathered statistics for
# them: PostgreSQL then planned each subject or exact-term search for its word
# again (0.8 ms a search at 17k) and could hash all of a common word's matches.
# An index built that way is built again, concurrently, with no statistics, and
# takes the old one's name (ANALYZE keeps what it gathered before even once the
# target is 0); one already without them is left alone.
from django.db import migrations

NAMES = ("message_terms_gin", "message_subject_gin")


def _rebuild_with_statistics(apps, schema_editor) -> None:
    cursor = schema_editor.connection.cursor()
    for name in NAMES:
        cursor.execute(
            "SELECT pg_get_indexdef(a.attrelid), a.attstattarget FROM pg_attribute a"
            " JOIN pg_class c ON c.oid = a.attrelid"
            " WHERE c.relname = %s AND c.relkind = 'i' AND a.attnum = 1",
            [name],
        )
        row = cursor.fetchone()
        if row is None or row[1] == 0:
            continue  # missing (an import builds it), or already without statistics
        definition = row[0]
        head = f"CREATE INDEX {name} ON "
        if not definition.startswith(head):
            raise RuntimeError(f"unexpected definition of {name}: {definition}")
        bare = f"{name}_bare"
        cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {bare}")
        cursor.execute(f"CREATE INDEX CONCURRENTLY {bare} ON {definition.removeprefix(head)}")
        cursor.execute(f"ALTER INDEX {bare} ALTER COLUMN 1 SET STATISTICS 0")
        cursor.execute(f"DROP INDEX CONCURRENTLY {name}")
        cursor.execute(f"ALTER INDEX {bare} RENAME TO {name}")


class Migration(migrations.Migration):
    atomic = False  # the indexes are built concurrently
    dependencies = [
        ("archive", "0037_body_kept_locks"),
    ]

    operations = [migrations.RunPython(_rebuild_with_statistics, migrations.RunPython.noop)]
