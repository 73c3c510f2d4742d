# No planner statistics on a patch's diff and commit message: no query filters
# or sorts on them, and every ANALYZE of reviews_patch (autovacuum's, several
# times during a large import, and the import's own) otherwise unpacked the
# diffs of its whole sample to build statistics nothing reads (#21).
from django.db import migrations

_SQL = """
ALTER TABLE reviews_patch ALTER COLUMN diff SET STATISTICS 0,
    ALTER COLUMN commit_message SET STATISTICS 0;
"""

_REVERSE = """
ALTER TABLE reviews_patch ALTER COLUMN diff SET STATISTICS -1,
    ALTER COLUMN commit_message SET STATISTICS -1;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0022_patch_tail"),
    ]

    operations = [migrations.RunSQL(_SQL, _REVERSE)]
