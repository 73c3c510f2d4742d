from django.db import migrations

# As archive 0004: lz4 where the server has it, else no compression, so that
# storing a patch's text does not cost more than parsing it.
COLUMNS = [("reviews_patch", "diff"), ("reviews_patch", "commit_message")]


def _sql(action: str) -> str:
    return "\n".join(f"ALTER TABLE {t} ALTER COLUMN {c} SET {action};" for t, c in COLUMNS)


FORWARD = f"""
DO $$
BEGIN
{_sql("COMPRESSION lz4")}
EXCEPTION WHEN feature_not_supported THEN
{_sql("STORAGE EXTERNAL")}
END $$;
"""
BACKWARD = _sql("STORAGE EXTENDED") + "\n" + _sql("COMPRESSION DEFAULT")


class Migration(migrations.Migration):
    dependencies = [("reviews", "0005_more_event_categories")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
