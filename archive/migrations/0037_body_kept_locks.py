# The trigger of archive 0036, made safe beside ``manage.py compact --bodies``:
# a body's change now locks its raw mail row (FOR SHARE) before reading
# body_at, so it and a batch cutting that row out (which locks the row first,
# FOR UPDATE, then reads the body: archive.compaction.cut_bodies) wait for
# each other instead of one reading what the other is changing.
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
BACKWARD = """
CREATE OR REPLACE FUNCTION threadwork_body_kept() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.body IS DISTINCT FROM OLD.body AND EXISTS (
        SELECT 1 FROM archive_rawmail WHERE message_id = OLD.id AND body_at IS NOT NULL
    ) THEN
        RAISE EXCEPTION 'the body of message % is part of its stored raw mail', OLD.id
            USING HINT = 'Store its raw mail whole (archive_rawmail.body_at NULL) first.';
    END IF;
    RETURN NEW;
END $$
"""


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0036_raw_without_body"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
