# The trigger of archive 0036, made safe beside ``manage.py compact --bodies``:
# a body's change now locks its raw mail row (FOR SHARE) before reading
# body_at, so it and a batch cutting that row out (which locks the row first,
# FOR UPDATE, then reads the body: archive.compaction.cut_bodies) wait for
# each other instead of one reading what the other is changing.
import importlib

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION threadwork_body_kept() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    cut integer;
BEGIN
    IF NEW.body IS DISTINCT FROM OLD.body THEN
        SELECT body_at INTO cut FROM archive_rawmail WHERE message_id = OLD.id FOR SHARE;
        IF cut IS NOT NULL THEN
            RAISE EXCEPTION 'the body of message % is part of its stored raw mail', OLD.id
                USING HINT = 'Store its raw mail whole (archive_rawmail.body_at NULL) first.';
        END IF;
    END IF;
    RETURN NEW;
END $$
"""
# Going back: the function as archive 0036 created it.
BACKWARD = next(
    sql
    for sql in importlib.import_module("archive.migrations.0036_raw_without_body").FORWARD
    if "CREATE OR REPLACE FUNCTION threadwork_body_kept" in sql
)


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0036_raw_without_body"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
