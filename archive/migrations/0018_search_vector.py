# Disk: the body search vector's storage (#21). The exact terms (t:, c:,
# dfa:, dfb:, patchid:, hint:ignore, identifiers: lexemes without positions)
# leave the vector for a compressed text column, indexed through
# threadwork_terms_vector; the vector keeps the words with their positions
# and weights (phrases, nq:, q:, ranking) and the f: and dfn: terms, which
# queries leave out beside body words (archive.searchterms.IN_BODY_VECTOR).
# Same lexemes, same matches.
#
# Every message row is rewritten once, in batches that commit one by one, so
# searches and pages go on meanwhile (no lock beyond the batch's rows); stop
# ingest while it runs, or mail archived by the old code meanwhile keeps its
# terms in the vector until `manage.py reparse`. At 17k messages it took
# about 20 s on a loaded machine, at ten times that about ten times as long.
# The old row versions stay in the files until VACUUM FULL archive_message
# (a plain VACUUM lets new mail reuse their space).
import django.contrib.postgres.indexes
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models

import archive.models

FUNCTION = """
CREATE FUNCTION threadwork_terms_vector(terms text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array_to_tsvector(string_to_array(terms, ' '))
$$;
"""
DROP_FUNCTION = "DROP FUNCTION IF EXISTS threadwork_terms_vector(text);"

# The lexemes without positions are the exact terms: words always have one.
MOVE = """
UPDATE archive_message m SET search_terms = coalesce(a.terms, ''),
    search = ts_delete(m.search, coalesce(a.lexemes, '{}'))
FROM (
    SELECT id, string_agg(u.lexeme, ' ' ORDER BY u.lexeme COLLATE "C") AS terms,
        array_agg(u.lexeme) AS lexemes
    FROM archive_message, unnest(search) u
    WHERE id > %s AND id <= %s AND u.positions IS NULL
        AND u.lexeme NOT LIKE 'f:%%' AND u.lexeme NOT LIKE 'dfn:%%'
    GROUP BY id
) a
WHERE m.id = a.id
"""
BATCH = 2000
MOVE_BACK = """
UPDATE archive_message SET search = coalesce(search, ''::tsvector)
    || threadwork_terms_vector(search_terms)
WHERE search_terms <> '';
"""
# What the rewrite left in the body index (an entry per row version), packed.
REPACK = "REINDEX INDEX CONCURRENTLY message_search_gin;"
# No statistics for the terms' vector either, as for the body's (migration
# 0016): with them the planner would read a common term (f:, t:) by testing
# every row, which here also means building every row's vector. Nor for the
# text, which no query filters on (as body's, migration 0013).
NO_STATISTICS = """
ALTER INDEX message_terms_gin ALTER COLUMN 1 SET STATISTICS 0;
ALTER TABLE archive_message ALTER COLUMN search_terms SET STATISTICS 0;
"""


def move_terms(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM archive_message")
        last = cursor.fetchone()[0]
        for start in range(0, last, BATCH):
            cursor.execute(MOVE, [start, start + BATCH])


class Migration(migrations.Migration):
    atomic = False  # each batch commits; the indexes are built concurrently
    dependencies = [
        ("archive", "0017_lean_disk"),
    ]

    operations = [
        migrations.RunSQL(FUNCTION, DROP_FUNCTION),
        migrations.AddField(
            model_name="message",
            name="search_terms",
            # A default in the database too: ghosts are inserted by SQL that names none.
            field=models.TextField(blank=True, db_default="", default=""),
        ),
        migrations.RunPython(move_terms, migrations.RunPython.noop),
        migrations.RunSQL(migrations.RunSQL.noop, MOVE_BACK),
        migrations.RunSQL(REPACK, migrations.RunSQL.noop),
        AddIndexConcurrently(
            model_name="message",
            index=django.contrib.postgres.indexes.GinIndex(
                archive.models.TermsVector("search_terms"), name="message_terms_gin"
            ),
        ),
        migrations.RunSQL(NO_STATISTICS, migrations.RunSQL.noop),
    ]
