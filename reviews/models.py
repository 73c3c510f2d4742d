"""What maintainers think in: projects, patches, cover letters, series, trailers, events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from archive.models import MailingList, Message, MessageList, Person
from reviews import patchtext
from reviews.eventfilters import ANY_PERSON, NO_PERSON, EventQuery
from reviews.listing import ACTION_REQUIRED, ACTIVITY_CHOICES, ALL_STATES, PatchListQuery
from reviews.turns import Reason


class ProjectQuerySet(models.QuerySet["Project"]):
    def with_counts(self) -> ProjectQuerySet:
        """Message, patch and open-patch counts and last activity, in one query."""
        messages = MessageList.objects.filter(mailing_list_id=models.OuterRef("mailing_list_id"))
        patches = Patch.objects.filter(project_id=models.OuterRef("id"))
        return self.annotate(
            message_count=_count(messages.values("mailing_list_id")),
            patch_count=_count(patches.values("project_id")),
            open_count=_count(patches.action_required().values("project_id")),
            last_activity=models.Subquery(
                messages.order_by("-message__date").values("message__date")[:1]
            ),
        ).order_by("link_name")


def _count(queryset: models.QuerySet) -> models.Subquery:
    return models.Subquery(
        # COUNT(*), not COUNT(id): the count can then be read from an index alone.
        queryset.annotate(
            n=models.Func(template="COUNT(*)", output_field=models.IntegerField())
        ).values("n"),
        output_field=models.IntegerField(),
    )


class Project(models.Model):
    """A mailing list as a review project (one per list, as on Patchwork)."""

    mailing_list = models.OneToOneField(
        MailingList, on_delete=models.CASCADE, related_name="project"
    )
    name = models.CharField(max_length=255)
    link_name = models.SlugField(max_length=100, unique=True)
    list_id = models.CharField(max_length=255, unique=True)
    list_email = models.CharField(max_length=254, blank=True)
    web_url = models.URLField(blank=True)
    scm_url = models.CharField(max_length=2000, blank=True)
    webscm_url = models.URLField(blank=True)
    auto_supersede = models.BooleanField(
        default=True, help_text="Mark older revisions Superseded when a new revision arrives."
    )
    # Off by default: anyone who can post to the list can write these headers.
    trust_patchwork_headers = models.BooleanField(
        default=False,
        help_text="Set a new patch's state and delegate from its X-Patchwork-State and "
        "X-Patchwork-Delegate headers. Anyone can write a header: turn this on only when "
        "the mail that reaches this list is trusted.",
    )
    maintainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="maintained_projects", blank=True
    )
    # Checks are reported by maintainers and by the accounts listed here.
    check_reporters = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="check_projects",
        blank=True,
        help_text="Accounts (CI bots) that may report checks on this project's patches.",
    )
    # Following patches into git (reviews/landing.py) and telling submitters.
    landing_overrides_person = models.BooleanField(
        default=False,
        help_text="A patch found in a followed git branch is marked Accepted even when a "
        "maintainer set its state by hand.",
    )
    notify_submitters = models.BooleanField(
        default=False,
        help_text="Mail submitters when their patches land, need changes or are rejected.",
    )
    notify_interval = models.PositiveIntegerField(
        default=60, help_text="Minutes between two notification mails of this project, at least."
    )

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["link_name"]

    def __str__(self) -> str:
        return self.name


class State(models.Model):
    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=100, unique=True)
    ordering = models.PositiveSmallIntegerField(default=0)
    action_required = models.BooleanField(default=False)

    class Meta:
        ordering = ["ordering"]

    def __str__(self) -> str:
        return self.name


class TurnChoice(models.TextChoices):
    """Whose move it is (``reviews.turns.Whose``); rules in docs/review-turns.md."""

    MAINTAINER = "maintainer", "the maintainer's"
    SUBMITTER = "submitter", "the submitter's"
    NOBODY = "nobody", "nobody's"


# Why it is that turn: the values of ``reviews.turns.Reason`` (words in
# ``turns.describe``), so the rules and the column cannot drift apart.
TurnReasonChoice = models.TextChoices(  # type: ignore[misc]
    "TurnReasonChoice", [(reason.name, reason.value) for reason in Reason]
)


class TurnFields(models.Model):
    """Whose turn, stored on patches and series by ``reviews.turnstore`` (derived data)."""

    turn = models.CharField(
        max_length=10, choices=TurnChoice.choices, default=TurnChoice.MAINTAINER
    )
    turn_reason = models.CharField(
        max_length=20, choices=TurnReasonChoice.choices, default=TurnReasonChoice.NO_REPLY
    )
    waiting_since = models.DateTimeField(null=True, blank=True)
    replies = models.PositiveIntegerField(default=0, help_text="Replies in its threads.")
    last_activity = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class SeriesQuerySet(models.QuerySet["Series"]):
    """The queues of ``/user/queue/``: series waiting on someone, oldest wait first."""

    def _scope(self, user) -> tuple[models.Q, models.Q]:  # type: ignore[no-untyped-def]
        """(waits on ``user``, waits on another maintainer), for the maintainer's move:
        delegated to ``user``, or in a project they maintain and delegated to nobody
        else; or there, but delegated to someone else."""
        patches = Patch.objects.filter(series_id=models.OuterRef("pk"), delegate__isnull=False)
        mine = models.Q(project_id__in=user.maintained_projects.values("id"))
        elsewhere = models.Exists(patches.exclude(delegate=user))
        to_them = mine & elsewhere
        return (mine & ~elsewhere) | models.Exists(patches.filter(delegate=user)), to_them

    def waiting_on(self, user) -> SeriesQuerySet:  # type: ignore[no-untyped-def]
        """The maintainer's move, and that maintainer is ``user``."""
        on_me, _ = self._scope(user)
        return self.filter(on_me, turn=TurnChoice.MAINTAINER, received_total__gt=0)

    def waiting_on_others_for(self, user) -> SeriesQuerySet:  # type: ignore[no-untyped-def]
        """``user``'s series whose move is someone else's: their submitter's, or another
        maintainer's it was delegated to."""
        on_me, on_them = self._scope(user)
        submitter = models.Q(turn=TurnChoice.SUBMITTER) & (on_me | on_them)
        # The two turns first, as an index condition: the OR below alone is read
        # from the table (a bitmap of both turns), which a count does not need.
        return self.filter(turn__in=(TurnChoice.SUBMITTER, TurnChoice.MAINTAINER)).filter(
            submitter | (models.Q(turn=TurnChoice.MAINTAINER) & on_them), received_total__gt=0
        )

    def submitted_by(self, user) -> SeriesQuerySet:  # type: ignore[no-untyped-def]
        """Open series posted from ``user``'s address, whoever has the move."""
        if not user.email:
            return self.none()
        return self.filter(submitter__email__iexact=user.email, received_total__gt=0).exclude(
            turn=TurnChoice.NOBODY
        )

    def oldest_wait_first(self) -> SeriesQuerySet:
        return self.order_by(models.F("waiting_since").asc(nulls_last=True), "id")


class Series(TurnFields):
    # Indexed by ``series_match`` and ``series_turn``, which lead with it.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="series", db_index=False
    )
    name = models.TextField(blank=True)
    name_locked = models.BooleanField(
        default=False, help_text="Set by a maintainer; mail won't rename it."
    )
    title = models.TextField(
        blank=True, help_text="Subject without prefixes, for revision matching."
    )
    version = models.PositiveIntegerField(default=1)
    total = models.PositiveIntegerField(default=1)
    received_total = models.PositiveIntegerField(default=0)
    submitter = models.ForeignKey(
        Person, null=True, on_delete=models.PROTECT, related_name="series"
    )
    date = models.DateTimeField(null=True)
    # Compared whole: indexed in Meta (``series_change_id``), with no pattern index.
    change_id = models.CharField(max_length=255, blank=True)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="next_revisions"
    )
    lineage = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The first revision; every revision of a series shares it.",
    )  # fmt: skip
    # The fewest Acked-by / Reviewed-by / Tested-by any of its patches has:
    # "2 Reviewed-by" on a series means on every patch.
    acked = models.PositiveIntegerField(default=0)
    reviewed = models.PositiveIntegerField(default=0)
    tested = models.PositiveIntegerField(default=0)

    objects = SeriesQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "series"
        indexes = [
            models.Index(fields=["project", "submitter", "title"], name="series_match"),
            models.Index(fields=["project", "turn", "waiting_since"], name="series_turn"),
            models.Index(fields=["change_id"], name="series_change_id"),
            # My queue: a tab's series in wait order, whatever their projects,
            # with the project to check read from the index (a count reads no row).
            models.Index(
                fields=["turn", "waiting_since", "id"],
                include=["project"],
                name="series_queue",
                condition=models.Q(received_total__gt=0),
            ),
            # My queue's "Mine as a submitter": a submitter's open series in wait
            # order, counted from the index alone (series_match leads with the
            # project, and its rows had to be read for the turn: 2,069 buffers
            # for one submitter's 1,440 series at ten times linux-rtc).
            models.Index(
                fields=["submitter", "waiting_since", "id"],
                name="series_submitted",
                condition=models.Q(received_total__gt=0) & ~models.Q(turn="nobody"),
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"series {self.pk}"

    @property
    def received_all(self) -> bool:
        return self.received_total >= self.total

    def revisions(self) -> list[Series]:
        """Every revision of this series' lineage, oldest version first."""
        root = self.lineage_id or self.id
        return list(
            Series.objects.filter(lineage_id=root)
            .union(Series.objects.filter(id=root))
            .order_by("version", "date", "id")  # id: revisions sent at the same second
        )


class SeriesReference(models.Model):
    """A Message-ID that belongs to a series (its mails and what they reference)."""

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="references")
    msgid = models.TextField()
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        # Its (project, msgid) prefix answers lookups by project and Message-ID.
        constraints = [
            models.UniqueConstraint(fields=["project", "msgid", "series"], name="series_ref_unique")
        ]

    def __str__(self) -> str:
        return self.msgid


class Cover(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="covers")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="covers")
    name = models.TextField()
    submitter = models.ForeignKey(
        Person, null=True, on_delete=models.PROTECT, related_name="covers"
    )
    date = models.DateTimeField(null=True)
    series = models.OneToOneField(
        Series, null=True, blank=True, on_delete=models.SET_NULL, related_name="cover"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "project"], name="cover_unique")]

    def __str__(self) -> str:
        return self.name


class StateOrigin(models.TextChoices):
    MAIL = "mail", "as the mail arrived"
    AUTO = "auto", "set by Threadwork"
    PERSON = "person", "set by a person"


class PatchQuerySet(models.QuerySet["Patch"]):
    def with_texts(self) -> PatchQuerySet:
        """Each patch with the body its commit message and diff are spans of, read
        in the same statement (and only where a text is such a span)."""
        spans = models.Q(diff_text__isnull=True) | models.Q(commit_message_text__isnull=True)
        return self.annotate(
            texts_body=models.Case(models.When(spans, then=models.F("message__body")))
        )

    def diffs(self) -> dict[int, str]:
        """Each patch's diff by id, in one statement (the body, unpacked, only where the
        diff is its span)."""
        body = models.Case(models.When(diff_text__isnull=True, then=models.F("message__body")))
        rows = self.annotate(texts_body=body).values_list(
            "id", "diff_text", "texts_body", "diff_start", "diff_len"
        )
        return {
            pid: text if text is not None else patchtext.span(body, start, length)
            for pid, text, body, start, length in rows
        }

    def action_required(self) -> PatchQuerySet:
        return self.filter(state__action_required=True, archived=False)

    def for_list(self) -> PatchQuerySet:
        """Rows of a patch table: related names joined in, big text left out."""
        # Submitters, delegates and series come by primary key in their own
        # queries: PostgreSQL takes longer to plan a seven-way outer join.
        return (
            self.select_related("state", "message", "project__mailing_list")
            .only(*_LIST_FIELDS)
            .prefetch_related(
                # With the address it is merged into, if any: rows show that one.
                models.Prefetch(
                    "submitter",
                    Person.objects.select_related("canonical").only(
                        "name", "email", "canonical__name", "canonical__email"
                    ),
                ),
                models.Prefetch("delegate", _user_model().objects.only("username")),
                models.Prefetch("series", Series.objects.only("name", "version", "total")),
            )
        )

    def for_navigation(self) -> PatchQuerySet:
        """Rows of a series' patch list: name, state, A/R/T, date and link only."""
        return self.select_related("state", "message", "project").only(
            "name", "number", "date", "archived", "acked", "reviewed", "tested", "series_id",
            "project__link_name", "state__name", "state__slug", "message__msgid",
        )  # fmt: skip

    def matching(
        self, query: PatchListQuery, action_states: list[int] | None = None
    ) -> PatchQuerySet:
        """Patches as the list page's filters select them, in its order.

        ``action_states``: the ids of the states that require action, if the
        caller has them; given as values, the list's indexes answer the filter
        (through the join, PostgreSQL reads every state's entries to match them).
        """
        qs = self
        if query.state == ACTION_REQUIRED and action_states is not None:
            qs = qs.filter(state_id__in=action_states)
        elif query.state == ACTION_REQUIRED:
            qs = qs.filter(state__action_required=True)
        elif query.state != ALL_STATES:
            qs = qs.filter(state__slug=query.state)
        if query.archived != "both":
            qs = qs.filter(archived=query.archived == "true")
        if query.submitter is not None:
            # Every address of the person (archive/people.py merges them).
            qs = qs.filter(submitter__in=Person.objects.same_person_as(query.submitter))
        filters = {
            "delegate_id": query.delegate,
            "series_id": query.series,
            "date__date__gte": query.since,
            "date__date__lte": query.until,
            "name__icontains": query.q or None,
        }
        qs = qs.filter(**{k: v for k, v in filters.items() if v is not None})
        return qs.waiting_as(query).order_by(*query.order_fields)

    def waiting_as(self, query: PatchListQuery) -> PatchQuerySet:
        """The list's review filters: whose turn, replies, trailers, wait, activity."""
        qs = self.filter(turn=query.turn) if query.turn else self
        if query.replied:
            qs = qs.filter(first_reply__isnull=query.replied == "no")
        if query.trailers == "none":
            qs = qs.filter(acked=0, reviewed=0)
        elif query.trailers == "reviewed":
            qs = qs.filter(models.Q(acked__gt=0) | models.Q(reviewed__gt=0))
        # From the minute, not the microsecond: the list keeps its count for the
        # minute (reviews.pages.patch_list), and its rows must agree with it.
        now = timezone.now().replace(second=0, microsecond=0)
        if query.waiting:
            qs = qs.exclude(turn="nobody").filter(
                waiting_since__lt=now - dt.timedelta(days=query.waiting)
            )
        days = ACTIVITY_CHOICES.get(query.activity)
        if days is not None and days > 0:
            qs = qs.filter(last_activity__gte=now - dt.timedelta(days=days))
        elif days is not None:
            qs = qs.filter(last_activity__lt=now + dt.timedelta(days=days))
        return qs


_LIST_FIELDS = (
    "name", "number", "date", "archived", "acked", "reviewed", "tested", "project_id",
    "project__link_name", "project__mailing_list__name", "submitter_id", "delegate_id",
    "series_id", "state__name", "state__slug", "message__msgid",
    "turn", "turn_reason", "waiting_since", "replies", "last_activity",
)  # fmt: skip


def _user_model():
    from django.contrib.auth import get_user_model

    return get_user_model()


class Patch(TurnFields):
    # Neither key has an index of its own: ``patch_list`` leads with the
    # project and ``patch_unique`` with the message (every index here is
    # written again by each update a patch gets while its thread comes in).
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="patches", db_index=False
    )
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="patches", db_index=False
    )
    name = models.TextField()
    title = models.TextField(blank=True)
    prefixes = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    number = models.PositiveIntegerField(null=True, blank=True)
    submitter = models.ForeignKey(
        Person, null=True, on_delete=models.PROTECT, related_name="patches"
    )
    date = models.DateTimeField(null=True, db_index=True)
    # The commit message and diff: read ``commit_message`` and ``diff`` below.
    # Each is a span of the message's body (``message_len``; ``diff_start``,
    # ``diff_len``) and its column NULL, or the text itself where it is no
    # such span (``reviews.patchtext``; stored twice they were 14 MB at 17k).
    # NULL, not "": an empty text is a text, NULL says "the span holds it".
    commit_message_text = models.TextField(  # noqa: DJ001
        null=True, blank=True, default="", db_column="commit_message"
    )
    message_len = models.IntegerField(null=True, blank=True)
    diff_text = models.TextField(null=True, blank=True, default="", db_column="diff")  # noqa: DJ001
    diff_start = models.IntegerField(null=True, blank=True)
    diff_len = models.IntegerField(null=True, blank=True)
    pull_url = models.TextField(blank=True)
    # Lowercase hex, looked up by equality: indexed in Meta (``patch_hash``,
    # ``patch_patchid``) without the pattern index ``db_index`` adds.
    hash = models.CharField(max_length=40, blank=True)
    patchid = models.CharField(max_length=40, blank=True)
    diffstat = models.JSONField(default=list, blank=True)
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="patches")
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="delegated_patches",
    )  # fmt: skip
    # Who set the state last: the mail (as created), Threadwork (superseding)
    # or a person. Only an automatic state is undone automatically, to the
    # one it replaced (``state_before``).
    state_origin = models.CharField(
        max_length=8, choices=StateOrigin.choices, default=StateOrigin.MAIL
    )
    state_before = models.ForeignKey(
        State, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The state an automatic change replaced.",
    )  # fmt: skip
    archived = models.BooleanField(default=False)
    commit_ref = models.CharField(max_length=255, blank=True)
    series = models.ForeignKey(
        Series, null=True, blank=True, on_delete=models.SET_NULL, related_name="patches"
    )
    acked = models.PositiveIntegerField(default=0)
    reviewed = models.PositiveIntegerField(default=0)
    tested = models.PositiveIntegerField(default=0)
    # When someone other than the submitter first replied (null: nobody yet).
    first_reply = models.DateTimeField(null=True, blank=True)
    # Its series' date (its own without one): the list sorts by it, then by
    # number, so a series' patches read 1..n.
    series_date = models.DateTimeField(null=True, blank=True)

    objects = PatchQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "patches"
        constraints = [
            models.UniqueConstraint(fields=["message", "project"], name="patch_unique"),
            # A text is either kept or located in the body: never neither.
            models.CheckConstraint(
                condition=models.Q(commit_message_text__isnull=False)
                | models.Q(message_len__isnull=False),
                name="patch_message_kept",
            ),
            models.CheckConstraint(
                condition=models.Q(diff_text__isnull=False)
                | models.Q(diff_start__isnull=False, diff_len__isnull=False),
                name="patch_diff_kept",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "archived", "state", "-date"], name="patch_list"),
            models.Index(fields=["hash"], name="patch_hash"),
            models.Index(fields=["patchid"], name="patch_patchid"),
            # Revision matching without a cover letter: same submitter, same title.
            models.Index(fields=["project", "submitter", "title"], name="patch_title_match"),
            # The list's review filters (whose turn, replies, trailers, wait, activity)
            # answered from the index alone, so counting what matches reads no row;
            # archived and state lead, as every view but "any state" narrows them
            # (the count of "no reply yet" read all 65k entries at ten times linux-rtc).
            models.Index(
                fields=["project", "archived", "state", "turn", "waiting_since"],
                name="patch_list_review",
                include=["first_reply", "acked", "reviewed", "last_activity"],
            ),
            # Sorted by wait or by last activity, a page of patches not archived
            # reads its rows in order (and "active this week" finds them at once).
            models.Index(
                fields=["project", "waiting_since", "id"],
                name="patch_open_waiting",
                condition=models.Q(archived=False),
            ),
            models.Index(
                fields=["project", "last_activity", "id"],
                name="patch_open_activity",
                condition=models.Q(archived=False),
            ),
            models.Index(
                fields=["project", "archived", "state", "-series_date", "-series", "number"],
                name="patch_list_series",
            ),
            # The list's own order (newest series first, each 1..n): read in
            # this order, a page stops after its rows instead of sorting every
            # open patch, which an IN list of states cannot give the one above.
            models.Index(
                fields=["project", "-series_date", "-series", "number", "-id"],
                name="patch_list_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def commit_message(self) -> str:
        """The body's text before the diff (the commit message, ``---`` and diffstat)."""
        if self.commit_message_text is not None:
            return self.commit_message_text
        return patchtext.span(self.body_for_texts(), 0, self.message_len)

    @commit_message.setter
    def commit_message(self, value: str) -> None:
        self.commit_message_text, self.message_len = value, None

    @property
    def diff(self) -> str:
        if self.diff_text is not None:
            return self.diff_text
        return patchtext.span(self.body_for_texts(), self.diff_start, self.diff_len)

    @diff.setter
    def diff(self, value: str) -> None:
        self.diff_text, self.diff_start, self.diff_len = value, None, None

    def body_for_texts(self) -> str:
        """The message body the texts are spans of: annotated (``with_texts``), loaded
        with the message, or read alone once."""
        body = self.__dict__.get("texts_body")
        if body is None:
            message = self._state.fields_cache.get("message")
            if message is not None and "body" in message.__dict__:
                body = message.body
            else:
                rows = Message.objects.using(self._state.db).filter(id=self.message_id)
                body = rows.values_list("body", flat=True).get()
            self.__dict__["texts_body"] = body
        return body


class Comment(models.Model):
    """A reply in the thread under a patch or cover letter, at any depth."""

    # Indexed by the two unique constraints, which lead with it.
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="review_comments", db_index=False
    )
    patch = models.ForeignKey(Patch, null=True, on_delete=models.CASCADE, related_name="comments")
    cover = models.ForeignKey(Cover, null=True, on_delete=models.CASCADE, related_name="comments")
    # Derived: the answers this reply writes under quoted lines of its patch's
    # diff (reviews.comment_anchors), stored when the comment is made.
    anchors = models.JSONField(default=list, blank=True)
    # What the reply says (``reviews.replies.Cue`` flags); null until read.
    cues = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "patch"], name="comment_patch_unique"),
            models.UniqueConstraint(fields=["message", "cover"], name="comment_cover_unique"),
        ]

    def __str__(self) -> str:
        return f"comment {self.message_id}"


class Trailer(models.Model):
    """A trailer line as written in one message (a patch's own, or a reply's)."""

    # Indexed by ``trailer_unique``, which leads with it.
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="trailers", db_index=False
    )
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=100)
    value = models.TextField()
    name = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=254, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "position"], name="trailer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.value}"


class EventCategory(models.TextChoices):
    PATCH_CREATED = "patch-created"
    PATCH_COMPLETED = "patch-completed"
    PATCH_STATE_CHANGED = "patch-state-changed"
    PATCH_DELEGATED = "patch-delegated"
    # Not Patchwork categories: every maintainer change is an Event here.
    PATCH_ARCHIVED = "patch-archived"
    PATCH_COMMIT_REF_CHANGED = "patch-commit-ref-changed"
    PATCH_RELATION_CHANGED = "patch-relation-changed"
    CHECK_CREATED = "check-created"
    SERIES_CREATED = "series-created"
    SERIES_COMPLETED = "series-completed"
    COVER_CREATED = "cover-created"
    SERIES_RENAMED = "series-renamed"
    # Not about a project's patches: kept for the account's owner, never listed.
    TOKEN_REGENERATED = "token-regenerated"


class ChangeSet(models.Model):
    """One bulk or series-wide change a person confirmed: its Events, undone together.

    The Events of the change hold each patch's values before and after
    (``reviews.services.changes``); undoing writes a new ChangeSet of the
    opposite Events and marks this one ``undone_by`` it.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="change_sets")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    date = models.DateTimeField()
    # What it did, in the words of its confirmation ("State → Rejected; archived").
    description = models.CharField(max_length=300)
    patches = models.PositiveIntegerField(help_text="How many patches it changed.")
    undone_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="undoes"
    )

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["project", "-date"], name="changeset_latest")]

    def __str__(self) -> str:
        return f"change {self.pk}: {self.description}"


class EventQuerySet(models.QuerySet["Event"]):
    def public(self) -> EventQuerySet:
        """Events about a project's patches, series and covers: what lists and feeds show."""
        return self.filter(project__isnull=False)

    def matching(self, query: EventQuery) -> EventQuerySet:
        """Events as the events page's filters (but the project) select them, newest first."""
        qs = self
        if query.category:
            qs = qs.filter(category=query.category)
        if query.person == ANY_PERSON:
            qs = qs.filter(actor__isnull=False)
        elif query.person == NO_PERSON:
            qs = qs.filter(actor__isnull=True)
        elif query.person_id is not None:
            qs = qs.filter(actor_id=query.person_id)
        # Whole UTC days, compared on the column itself so its index serves.
        if query.since:
            qs = qs.filter(date__gte=dt.datetime.combine(query.since, dt.time(), dt.UTC))
        if query.until:
            day_after = query.until + dt.timedelta(days=1)
            qs = qs.filter(date__lt=dt.datetime.combine(day_after, dt.time(), dt.UTC))
        if query.change:
            qs = qs.filter(change_set_id=query.change)
        return qs.order_by("-date", "-id")


class Event(models.Model):
    """History: one row per change, written by ``reviews.services.events`` and never deleted."""

    # Null only for an account's own events (a new API token), which no list shows.
    # Indexed by ``event_project_date`` and the others below, which lead with it.
    project = models.ForeignKey(
        Project, null=True, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    # Compared whole: indexed in Meta (``event_category``), with no pattern index.
    category = models.CharField(max_length=32, choices=EventCategory.choices)
    # When it happened: for what ingest records, the date of the mail it describes.
    date = models.DateTimeField(db_index=True)
    # When Threadwork wrote it. The API dates events by this, as Patchwork does:
    # a bot asking for events since its last poll must also get those of mail
    # that arrived late or was imported, whose mail dates are older.
    recorded = models.DateTimeField(default=timezone.now, db_index=True)
    # The keys most events leave empty (no one acted in what ingest records; a
    # series' or cover's event names no patch) are indexed only where set, in
    # Meta: ``= x`` and ``IN (...)`` (filters, cascades) imply "not null", so
    # those indexes serve them, without an entry for every empty one.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    patch = models.ForeignKey(
        Patch,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,
    )
    series = models.ForeignKey(
        Series, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    cover = models.ForeignKey(
        Cover,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,
    )
    payload = models.JSONField(default=dict, blank=True)
    # Set on the Events of a bulk or series-wide change, which are undone together.
    change_set = models.ForeignKey(
        ChangeSet,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
        db_index=False,
    )

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        # The events page: a project's newest, of one category, or by people.
        # Ascending, read backwards for "newest first": new events come with the
        # largest date and id, and a btree fills the pages it appends to on its
        # right, while a descending one inserts them on its left, where each
        # full page splits in half (2.6 against 4.1 MB for 60k events, #21).
        indexes = [
            models.Index(fields=["project", "date", "id"], name="event_project_date"),
            models.Index(fields=["category"], name="event_category"),
            models.Index(fields=["project", "category", "date"], name="event_project_category"),
            models.Index(
                fields=["project", "actor"], name="event_project_actor",
                condition=models.Q(actor__isnull=False),
            ),
            # "By people" and "by mail and Threadwork", newest first: either may be
            # rare among the newest events (a bulk change makes a thousand at once).
            models.Index(
                fields=["project", "date", "id"], name="event_people_date",
                condition=models.Q(actor__isnull=False),
            ),
            models.Index(
                fields=["project", "date", "id"], name="event_mail_date",
                condition=models.Q(actor__isnull=True),
            ),
            models.Index(
                fields=["actor"], name="event_actor", condition=models.Q(actor__isnull=False)
            ),
            models.Index(
                fields=["patch"], name="event_patch", condition=models.Q(patch__isnull=False)
            ),
            models.Index(
                fields=["cover"], name="event_cover", condition=models.Q(cover__isnull=False)
            ),
            models.Index(
                fields=["change_set"], name="event_change_set",
                condition=models.Q(change_set__isnull=False),
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.category} at {self.date:%Y-%m-%d %H:%M}"


class CheckState(models.TextChoices):
    PENDING = "pending"
    SUCCESS = "success"
    WARNING = "warning"
    FAIL = "fail"


# A patch's combined check is its worst latest-per-context result.
CHECK_SEVERITY = {
    CheckState.SUCCESS: 0,
    CheckState.PENDING: 1,
    CheckState.WARNING: 2,
    CheckState.FAIL: 3,
}


class Check(models.Model):
    """A CI result attached to a patch (Patchwork's checks)."""

    patch = models.ForeignKey(Patch, on_delete=models.CASCADE, related_name="checks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    date = models.DateTimeField()
    state = models.CharField(max_length=16, choices=CheckState.choices)
    target_url = models.URLField(max_length=2000, blank=True)
    context = models.SlugField(max_length=255, default="default")
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["patch", "context", "-date"], name="check_latest")]

    def __str__(self) -> str:
        return f"{self.context}: {self.state}"


def combined_check_state(checks: Iterable[Check]) -> str:
    """Patchwork's ``check`` field: the worst of each context's latest result."""
    latest: dict[str, Check] = {}
    for check in checks:
        seen = latest.get(check.context)
        if seen is None or (check.date, check.id) > (seen.date, seen.id):
            latest[check.context] = check
    if not latest:
        return CheckState.PENDING
    return max((c.state for c in latest.values()), key=lambda s: CHECK_SEVERITY[s])


class BundleQuerySet(models.QuerySet["Bundle"]):
    def visible_to(self, user) -> BundleQuerySet:
        """Public bundles, and the user's own."""
        if user is not None and user.is_authenticated:
            return self.filter(models.Q(public=True) | models.Q(owner=user))
        return self.filter(public=True)


class Bundle(models.Model):
    """A user's named, ordered collection of patches of one project."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bundles"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="bundles")
    name = models.CharField(max_length=50)
    public = models.BooleanField(default=False)
    patches = models.ManyToManyField(Patch, through="BundlePatch", related_name="bundles")

    objects = BundleQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="bundle_owner_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class BundlePatch(models.Model):
    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="entries")
    patch = models.ForeignKey(Patch, on_delete=models.CASCADE, related_name="+")
    order = models.PositiveIntegerField()

    class Meta:
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["bundle", "patch"], name="bundle_patch_unique")
        ]

    def __str__(self) -> str:
        return f"{self.bundle_id}#{self.order}"


class LandingMeaning(models.TextChoices):
    """What a commit on a followed branch says about a patch (Patchwork knows only Accepted)."""

    ACCEPTED = "accepted", "accepted"
    NEXT = "next", "in next"
    MAINLINE = "mainline", "in mainline"


class GitTree(models.Model):
    """A git repository on this server whose branches a project follows (fetched by cron)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="git_trees")
    path = models.CharField(max_length=1000, help_text="A local repository (bare or not).")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "path"], name="git_tree_unique")]

    def __str__(self) -> str:
        return self.path


class GitBranch(models.Model):
    tree = models.ForeignKey(GitTree, on_delete=models.CASCADE, related_name="branches")
    name = models.CharField(max_length=255)
    means = models.CharField(
        max_length=16, choices=LandingMeaning.choices, default=LandingMeaning.ACCEPTED
    )
    # Where ``track-git`` stopped: the next run reads only the commits after it.
    last_commit = models.CharField(max_length=64, blank=True)
    checked = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "git branches"
        constraints = [models.UniqueConstraint(fields=["tree", "name"], name="git_branch_unique")]

    def __str__(self) -> str:
        return self.name


class LandingMatch(models.TextChoices):
    EXACT = "exact", "same patch-id"
    EDITED = "edited", "edited when applied"
    SQUASHED = "squashed", "squashed into another patch's commit"


class Landing(models.Model):
    """A commit of a followed branch that carries a patch: the patch's git lineage."""

    patch = models.ForeignKey(Patch, on_delete=models.CASCADE, related_name="landings")
    branch = models.ForeignKey(GitBranch, on_delete=models.CASCADE, related_name="landings")
    commit = models.CharField(max_length=64)
    how = models.CharField(max_length=16, choices=LandingMatch.choices)
    similarity = models.FloatField(default=1.0)
    committed = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patch", "branch", "commit"], name="landing_unique")
        ]
        indexes = [models.Index(fields=["branch", "commit"], name="landing_commit")]

    def __str__(self) -> str:
        return f"{self.commit[:12]} on {self.branch_id}"


class NotificationOptOut(models.Model):
    """An address that asked never to be mailed about its patches."""

    email = models.CharField(max_length=254, unique=True)
    date = models.DateTimeField()

    def __str__(self) -> str:
        return self.email


class NotificationCursor(models.Model):
    """How far a project's notifications have read the Event log, and when they last mailed."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="+")
    last_event = models.PositiveBigIntegerField(default=0)
    last_sent = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"notifications of {self.project_id} after event {self.last_event}"


# Review health, stored (reviews.health.store): derived data written where its
# inputs change (ingest, the state-change services, reparse), so the health
# page reads a few hundred counted rows instead of every patch and reply.


class HealthPatch(models.Model):
    """Where one patch counts in its project's health: the days it arrived and was decided.

    Kept so a change can take back what the patch counted before (a delta on
    :class:`HealthDay`). No foreign key to the patch: reparse deletes patches
    in SQL and puts this table back whole.
    """

    patch_id = models.BigIntegerField(primary_key=True)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    arrived = models.DateField()
    decided = models.DateField(null=True)  # null: still open
    kind = models.CharField(max_length=16, blank=True)  # accepted, rejected, superseded, other
    applied = models.DateField(null=True)  # a reply says applied, the state still open
    reviewed = models.BooleanField(default=False)  # carries Reviewed-by or Acked-by

    def __str__(self) -> str:
        return f"health of patch {self.patch_id}"


class HealthDay(models.Model):
    """One UTC day of a project: patches arrived, decided (by kind), and still open."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    arrived = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)
    rejected = models.IntegerField(default=0)
    superseded = models.IntegerField(default=0)
    other = models.IntegerField(default=0)
    by_mail = models.IntegerField(default=0)
    reviewed = models.IntegerField(default=0)  # applied either way, with a review trailer
    open = models.IntegerField(default=0)  # arrived this day and open now

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "day"], name="health_day_unique")]

    def __str__(self) -> str:
        return f"health of {self.project_id} on {self.day}"


class HealthMonth(models.Model):
    """Time to a first reply of the patches posted in one month (recomputed per month)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # its first day
    patches = models.IntegerField()
    answered = models.IntegerField()
    median_hours = models.FloatField(null=True)
    p90_hours = models.FloatField(null=True)
    late = models.IntegerField()  # no reply within UNANSWERED_DAYS, whatever "now" is

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "month"], name="health_month_unique")
        ]

    def __str__(self) -> str:
        return f"health of {self.project_id} in {self.month:%Y-%m}"


class HealthReplies(models.Model):
    """Replies one address sent to patches and covers of the given submitters.

    By address and by the owners' addresses, so that merging people later
    (``archive.people``) needs no rewrite: the page reads them by person.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    author_id = models.BigIntegerField()
    owners = ArrayField(models.BigIntegerField())  # 0: a submitter without an address
    replies = models.IntegerField(default=0)
    reviewed = models.IntegerField(default=0)
    acked = models.IntegerField(default=0)
    tested = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "author_id", "owners"], name="health_replies_unique"
            )
        ]

    def __str__(self) -> str:
        return f"replies of {self.author_id} in {self.project_id}"


class RevisionPairing(models.Model):
    """Two revisions of a series paired patch by patch (``reviews.pairmemo``), stored
    at ingest under what pairing reads of both sides, so no page pairs on a first view.

    Keyed by content, not by series: a key names exactly one answer, so a row
    is never stale; one whose revisions changed is simply no longer asked for.
    """

    key = models.CharField(max_length=40, primary_key=True)
    pairs = models.JSONField()  # [[old id or null, new id or null, kind], ...]

    def __str__(self) -> str:
        return f"pairing {self.key}"


class ColouredDiff(models.Model):
    """A large patch's diff lines as coloured HTML, made at ingest (``reviews.diffcolours``):
    Pygments took 20-90 ms on the largest YAML, Rust or script diffs of a first view.

    No foreign key: a rebuild deletes patches in SQL, and an entry is used only
    for the diff and renderers it was made for (``made_for``), so a leftover is inert.
    """

    patch_id = models.BigIntegerField(primary_key=True)
    made_for = models.CharField(max_length=40)  # the renderers' version, the diff's checksum
    hunks = models.JSONField()  # reviews.rendering.diff.colour_diff's lists

    def __str__(self) -> str:
        return f"coloured diff of {self.patch_id}"


class RenderedMail(models.Model):
    """A long reply's body as the patch page's HTML, made at ingest
    (``reviews.renderedmail``), zstd-packed: every worker's first view of a long
    review thread rendered each reply again.

    No foreign key, like ``ColouredDiff``: an entry is used only for the body
    length and renderers it was made for (``made_for``), so a leftover is inert.
    """

    message_id = models.BigIntegerField(primary_key=True)
    made_for = models.CharField(max_length=40)  # the renderers' version, the body's bytes
    html = models.BinaryField()

    def __str__(self) -> str:
        return f"rendered mail of {self.message_id}"
