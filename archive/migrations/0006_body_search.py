from django.db import migrations

# b: and bare words search the whole body, diff lines and text attachments
# included, as in public-inbox (issue 19). Diff lines go into the body vector
# with weight D and the 'simple' configuration: code is not English, and not
# stemming it costs half the time (linux-rtc: 3.0 s instead of 5.6 s of
# to_tsvector over 40 MB of diff lines). nq: (B) and q: (C) stay prose.
# threadwork_body_query is what b: and bare words ask of the body: the words
# stemmed (prose) or not (code), folded into one constant at planning. A word
# both configurations leave alone ("regmap") is asked once: 'regmap' |
# 'regmap' doubled the planner's estimate into a sequential scan (20x slower).
FUNCTIONS = """
DROP FUNCTION IF EXISTS threadwork_search_vector(text, text, text[]);
CREATE FUNCTION threadwork_search_vector(
    unquoted text, quoted text, code text, terms text[]
) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('english'::regconfig, left(coalesce(unquoted, ''), 200000)), 'B')
        || setweight(to_tsvector('english'::regconfig, left(coalesce(quoted, ''), 100000)), 'C')
        || setweight(to_tsvector('simple'::regconfig, left(coalesce(code, ''), 200000)), 'D')
        || array_to_tsvector(array_remove(coalesce(terms, '{}'), ''))
$$;
CREATE FUNCTION threadwork_body_query(query text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN to_tsquery('english'::regconfig, query) = to_tsquery('simple'::regconfig, query)
        THEN to_tsquery('simple'::regconfig, query)
        ELSE to_tsquery('english'::regconfig, query) || to_tsquery('simple'::regconfig, query)
    END
$$;
"""

BACKWARD = """
DROP FUNCTION IF EXISTS threadwork_body_query(text);
DROP FUNCTION IF EXISTS threadwork_search_vector(text, text, text, text[]);
CREATE FUNCTION threadwork_search_vector(
    unquoted text, quoted text, terms text[]
) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('english'::regconfig, left(coalesce(unquoted, ''), 200000)), 'B')
        || setweight(to_tsvector('english'::regconfig, left(coalesce(quoted, ''), 100000)), 'C')
        || array_to_tsvector(array_remove(coalesce(terms, '{}'), ''))
$$;
UPDATE archive_message SET search = ts_filter(search, '{b,c}') || array_to_tsvector(
    ARRAY(SELECT u.lexeme FROM unnest(search) u WHERE u.positions IS NULL AND u.lexeme LIKE '%:%')
) WHERE search IS NOT NULL;
"""

# Existing vectors gain the diff lines and the identifiers (rtc_class_ops as one
# lexeme: archive.searchterms.identifier_tokens) of the stored body in place;
# what text attachments hold comes with the next `manage.py reparse` (it
# rebuilds the vectors from raw mail).
ADD_CODE = """
UPDATE archive_message m SET
    search = m.search || setweight(to_tsvector('simple'::regconfig, left(u.code, 200000)), 'D')
        || array_to_tsvector(string_to_array(u.identifiers, ' '))
FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS u(id, code, identifiers)
WHERE m.id = u.id
"""


def add_code(apps, schema_editor) -> None:
    from archive.searchterms import split_body

    connection = schema_editor.connection
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, body FROM archive_message WHERE id > %s AND NOT is_ghost"
                " AND search IS NOT NULL ORDER BY id LIMIT 1000",
                [last],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            last = rows[-1][0]
            todo = [(pk, split_body(body).code, _identifiers(body)) for pk, body in rows if body]
            todo = [row for row in todo if row[1] or row[2]]
            if todo:
                cursor.execute(ADD_CODE, [list(column) for column in zip(*todo, strict=True)])


def _identifiers(body: str) -> str:
    from archive.searchterms import MAX_IDENTIFIERS, identifier_tokens

    return " ".join(sorted(identifier_tokens(body))[:MAX_IDENTIFIERS]) if "_" in body else ""


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0005_header_search"),
    ]

    operations = [
        migrations.RunSQL(FUNCTIONS, BACKWARD),
        migrations.RunPython(add_code, migrations.RunPython.noop, elidable=True),
    ]
