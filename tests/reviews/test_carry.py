"""What became of answered diff lines one revision later (no database)."""

from __future__ import annotations

from reviews.carry import AnsweredLine, AnswerStatus, line_fates

V1 = """diff --git a/x.c b/x.c
--- a/x.c
+++ b/x.c
@@ -10,2 +10,6 @@ int f(void)
 int a;
+int b;
+	if (x)
+		return -EINVAL;
+	return 0;
 int c;
diff --git a/Kconfig b/Kconfig
--- a/Kconfig
+++ b/Kconfig
@@ -1,1 +1,2 @@
 config A
+config B
"""
# v2: the -EINVAL line changed, "int b;" moved down by two lines (still open),
# the Kconfig change dropped.
V2 = """diff --git a/x.c b/x.c
--- a/x.c
+++ b/x.c
@@ -12,2 +12,6 @@ int f(void)
 int a;
+int  b;
+	if (x)
+		return -ERANGE;
+	return 0;
 int c;
"""


def test_open_addressed_and_gone():
    open_, addressed = AnsweredLine("x.c", None, 11), AnsweredLine("x.c", None, 13)
    gone = AnsweredLine("Kconfig", None, 2)
    fates = line_fates(V1, V2, [open_, addressed, gone])
    assert fates[open_].status is AnswerStatus.OPEN  # spacing aside, the same line
    assert fates[addressed].status is AnswerStatus.ADDRESSED
    assert fates[addressed].line == "+\t\treturn -EINVAL;"
    assert fates[gone].status is AnswerStatus.GONE


def test_a_hunk_replaced_whole_is_gone_and_unknown_lines_are_left_out():
    other = V2.replace(" int a;", " long q;").replace("+int  b;", "+long r;")
    for old, new in (("+\tif (x)", "+\twhile (y)"), ("+\treturn 0;", "+\tbreak;")):
        other = other.replace(old, new)
    other = other.replace("-ERANGE", "-EBUSY").replace(" int c;", " long s;")
    line = AnsweredLine("x.c", None, 13)
    assert line_fates(V1, other, [line])[line].status is AnswerStatus.GONE
    assert line_fates(V1, V2, [AnsweredLine("x.c", None, 99)]) == {}
