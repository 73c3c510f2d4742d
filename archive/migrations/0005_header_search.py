from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import migrations

# The message vector loses the subject (A) and the sender (D): they move to a
# small vector of their own, so that b:, nq: and q: never need a weight
# recheck against a whole TOASTed body vector (and b: needs no weight at all:
# everything left in ``search`` is body text or an exact ``prefix:value``
# term, which no plain word can equal).
FUNCTIONS = """
DROP FUNCTION IF EXISTS threadwork_search_vector(text, text, text, text, text[]);
CREATE FUNCTION threadwork_search_vector(
    unquoted text, quoted text, terms text[]
) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('english'::regconfig, left(coalesce(unquoted, ''), 200000)), 'B')
        || setweight(to_tsvector('english'::regconfig, left(coalesce(quoted, ''), 100000)), 'C')
        || array_to_tsvector(array_remove(coalesce(terms, '{}'), ''))
$$;
CREATE FUNCTION threadwork_header_vector(subject text, people text)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('english'::regconfig, coalesce(subject, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, left(coalesce(people, ''), 20000)), 'D')
$$;
"""

# Existing vectors are split in place rather than recomputed from raw mail:
# body positions keep their weights (B, C) and the exact terms are the only
# lexemes without positions.
SPLIT = """
UPDATE archive_message m SET
    header_search = threadwork_header_vector(
        m.subject,
        coalesce((SELECT p.name || ' ' || p.email FROM archive_person p WHERE p.id = m.author_id), '')
    ),
    search = ts_filter(m.search, '{b,c}') || array_to_tsvector(
        ARRAY(SELECT u.lexeme FROM unnest(m.search) u WHERE u.positions IS NULL)
    )
WHERE m.search IS NOT NULL;
"""

BACKWARD = """
DROP FUNCTION IF EXISTS threadwork_header_vector(text, text);
DROP FUNCTION IF EXISTS threadwork_search_vector(text, text, text[]);
CREATE FUNCTION threadwork_search_vector(
    subject text, unquoted text, quoted text, people text, terms text[]
) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('english'::regconfig, coalesce(subject, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, left(coalesce(unquoted, ''), 200000)), 'B')
        || setweight(to_tsvector('english'::regconfig, left(coalesce(quoted, ''), 100000)), 'C')
        || setweight(to_tsvector('english'::regconfig, left(coalesce(people, ''), 20000)), 'D')
        || array_to_tsvector(array_remove(coalesce(terms, '{}'), ''))
$$;
UPDATE archive_message SET search = coalesce(header_search, '') || search
WHERE search IS NOT NULL;
"""


class Migration(migrations.Migration):
    dependencies = [("archive", "0004_fast_toast")]
    operations = [
        migrations.RemoveIndex(model_name="message", name="message_subject_gin"),
        migrations.RemoveField(model_name="message", name="subject_search"),
        migrations.AddField(
            model_name="message",
            name="header_search",
            field=SearchVectorField(null=True),
        ),
        migrations.RunSQL(FUNCTIONS + SPLIT, BACKWARD),
        migrations.AddIndex(
            model_name="message",
            index=GinIndex(fields=["header_search"], name="message_header_gin"),
        ),
    ]
