from django.db import migrations

# One definition of the search vector, used by ingest (in the INSERT) and by
# rebuilds (UPDATE). Weights: A subject, B unquoted body, C quoted body,
# D the sender's name and address; then exact ``prefix:value`` lexemes verbatim.
# Caps keep every vector under PostgreSQL's 1 MB tsvector limit.
CREATE = """
CREATE OR REPLACE FUNCTION threadwork_search_vector(
    subject text, unquoted text, quoted text, people text, terms text[]
) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('english'::regconfig, coalesce(subject, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, left(coalesce(unquoted, ''), 200000)), 'B')
        || setweight(to_tsvector('english'::regconfig, left(coalesce(quoted, ''), 100000)), 'C')
        || setweight(to_tsvector('english'::regconfig, left(coalesce(people, ''), 20000)), 'D')
        || array_to_tsvector(array_remove(coalesce(terms, '{}'), ''))
$$;
"""
DROP = "DROP FUNCTION IF EXISTS threadwork_search_vector(text, text, text, text, text[]);"


class Migration(migrations.Migration):
    dependencies = [("archive", "0001_initial")]
    operations = [migrations.RunSQL(CREATE, DROP)]
