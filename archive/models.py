"""The mail archive: lists, people, messages (raw bytes kept forever) and threads."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import connections, models
from django.db.models import Subquery
from django.db.models.functions import Coalesce, Upper
from django.utils.functional import cached_property

from archive.bodyfield import PackedTextField
from archive.parsing import mail_headers
from archive.prepared import execute_prepared
from archive.rawcodec import Codec, splice_body, unpack
from archive.rawmail import COLUMNS as MAIL_COLUMNS
from archive.rawmail import whole as whole_mail


class MailingList(models.Model):
    list_id = models.CharField(max_length=255, unique=True)
    name = models.SlugField(max_length=100, unique=True, help_text="Short name used in URLs.")
    description = models.CharField(max_length=255, blank=True)
    posting_address = models.EmailField(max_length=254, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AliasOrigin(models.TextChoices):
    """Who said that two addresses are one person (archive/people.py)."""

    MAILMAP = "mailmap", "a mailmap file"
    ADMIN = "admin", "an administrator"


class PersonQuerySet(models.QuerySet["Person"]):
    def identities(self) -> PersonQuerySet:
        """People as pages and the API list them: one row per person, aliases left out."""
        return self.filter(canonical__isnull=True)

    def same_person_as(self, person_id: int) -> PersonQuerySet:
        """Every address of the person behind ``person_id`` (itself an alias or not)."""
        root = (
            Person.objects.filter(id=person_id)
            .annotate(root=Coalesce("canonical_id", "id"))
            .values("root")[:1]
        )
        return self.filter(models.Q(id=Subquery(root)) | models.Q(canonical_id=Subquery(root)))


class Person(models.Model):
    """One address mail came from. Several addresses of one person point to
    one of them, their ``canonical`` row; only archive/people.py sets it."""

    name = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=254, unique=True)
    canonical = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="aliases",
        help_text="The address this one is merged into: pages and the API show that one.",
    )  # fmt: skip
    # A default in the database too: ingest inserts people in raw SQL (services.py).
    alias_origin = models.CharField(
        max_length=8, choices=AliasOrigin.choices, blank=True, default="", db_default=""
    )

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "people"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(canonical=models.F("id")), name="person_not_own_alias"
            )
        ]
        # An address asked for in any case (``email__iexact``: a user's own
        # address for My queue's "Mine as a submitter", API filters) is
        # UPPER(email) = UPPER(%s), which the unique index cannot answer: without
        # this, every such page read all of the archive's people.
        indexes = [models.Index(Upper("email"), name="person_email_upper")]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email

    @property
    def display_name(self) -> str:
        return self.name or self.email

    @property
    def identity_id(self) -> int:
        """The id pages link to and the API shows: the canonical row's, or this one's."""
        return self.canonical_id or self.id

    @property
    def identity(self) -> Person:
        """The row shown for this address (load ``canonical`` with the row to save a query)."""
        return self.canonical if self.canonical_id else self  # type: ignore[return-value]


class ThreadQuerySet(models.QuerySet["Thread"]):
    def in_list(self, mailing_list: MailingList) -> ThreadQuerySet:
        return self.filter(lists=mailing_list)

    def latest_first(self) -> ThreadQuerySet:
        return self.order_by("-last_activity", "-id")


class Thread(models.Model):
    root = models.ForeignKey(
        "Message", null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    subject = models.TextField(blank=True)
    message_count = models.PositiveIntegerField(default=0)
    first_date = models.DateTimeField(null=True)
    last_activity = models.DateTimeField(null=True, db_index=True)
    lists = models.ManyToManyField(MailingList, related_name="threads", blank=True)

    objects = ThreadQuerySet.as_manager()

    def __str__(self) -> str:
        return self.subject or f"thread {self.pk}"


# Columns only searches read: no page needs them, and loading them costs.
SEARCH_VECTORS = ("search", "header_search", "search_terms", "list_ids")


class TermsVector(models.Func):
    """``search_terms`` as the tsvector its GIN index holds (archive migration 0018)."""

    function = "threadwork_terms_vector"
    output_field = SearchVectorField()


class SubjectVector(models.Func):
    """The header vector's subject lexemes alone (weight A), as their GIN index holds them.

    ``s:`` asks this without a weight: asked of the whole header vector with
    one, every row whose sender's name holds the word was rechecked (archive
    migration 0031).
    """

    function = "ts_filter"
    template = "%(function)s(%(expressions)s, '{a}')"
    output_field = SearchVectorField()


class MessageQuerySet(models.QuerySet["Message"]):
    def real(self) -> MessageQuerySet:
        return self.filter(is_ghost=False)

    def in_list(self, mailing_list: MailingList) -> MessageQuerySet:
        return self.filter(lists=mailing_list)


class Message(models.Model):
    """One mail, unique by Message-ID across the archive.

    A *ghost* row stands in for a Message-ID that other mail references but
    that has not arrived; it is filled in when the mail comes, so replies
    that arrived first are already attached to it.
    """

    # Unique through ``message_msgid_unique`` (Meta), one index for both
    # lookups by id and ``m:prefix*`` searches.
    msgid = models.TextField()
    is_ghost = models.BooleanField(default=False)
    synthetic_msgid = models.BooleanField(default=False)
    subject = models.TextField(blank=True)
    author = models.ForeignKey(Person, null=True, on_delete=models.PROTECT, related_name="messages")
    date = models.DateTimeField(null=True, db_index=True)
    utc_offset = models.SmallIntegerField(default=0, help_text="Sender's offset in minutes.")
    in_reply_to = models.TextField(blank=True)
    references = ArrayField(models.TextField(), default=list, blank=True)
    to = models.TextField(blank=True)
    cc = models.TextField(blank=True)
    # Headers are read from the raw mail (the ``headers`` property), not stored twice.
    # Packed by the application (archive.bodycodec), read as ``str``; SQL reads the
    # packed bytes (archive migration 0030).
    body = PackedTextField(blank=True)
    html_only = models.BooleanField(default=False)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    # Indexed by ``message_thread_date``, which leads with it.
    thread = models.ForeignKey(
        Thread, null=True, on_delete=models.SET_NULL, related_name="messages", db_index=False
    )
    lists = models.ManyToManyField(MailingList, through="MessageList", related_name="messages")
    # The same lists' ids, sorted, in the row (written with the MessageList rows by
    # archive.services): a search within a list tests each match where it reads
    # its date, instead of probing the list index once per match (about 2 us
    # each: 353 matches of b:calibration at 17k, 1.24 ms counted, 0.45 this way).
    list_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    # Body text: B unquoted prose, C quoted prose, D diff lines, with positions.
    search = SearchVectorField(null=True)
    # The exact ``prefix:value`` lexemes and identifiers (archive.searchterms),
    # space-separated and sorted: compressed text takes 14 MB at 17k where
    # they took 36 MB inside the vector, and only the index needs them as a
    # vector (``TermsVector``). Their lexemes have no positions, so nothing
    # is lost apart from the vector.
    search_terms = models.TextField(blank=True, default="", db_default="")
    # Subject (A) and sender (D), apart from the body: a weight restriction on
    # one vector holding both makes PostgreSQL recheck every candidate against
    # its whole TOASTed vector (50-100 ms for a common word), while each vector
    # on its own answers s:, b: and bare words from its index.
    header_search = SearchVectorField(null=True)
    archived_at = models.DateTimeField(auto_now_add=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        constraints = [
            # text_pattern_ops: its equality is the default one (lookups, ON
            # CONFLICT (msgid)) and it also answers ``m:prefix*`` (LIKE under
            # a C.UTF-8 database), so a second, pattern index is not kept.
            models.UniqueConstraint(
                fields=["msgid"], name="message_msgid_unique", opclasses=["text_pattern_ops"]
            ),
        ]
        indexes = [
            GinIndex(fields=["search"], name="message_search_gin"),
            GinIndex(TermsVector("search_terms"), name="message_terms_gin"),
            GinIndex(fields=["header_search"], name="message_header_gin"),
            GinIndex(SubjectVector("header_search"), name="message_subject_gin"),
            models.Index(fields=["thread", "date"], name="message_thread_date"),
        ]

    def __str__(self) -> str:
        return self.msgid

    @cached_property
    def headers(self) -> list[list[str]]:
        """Every header as ``[name, value]``, read from the raw mail (none for a ghost).

        Load ``rawmail`` with the row (``select_related``) when reading many.
        """
        try:
            raw = self.rawmail  # type: ignore[attr-defined]  # the reverse one-to-one
        except RawMail.DoesNotExist:
            return []
        return mail_headers(raw.stored_mail)  # the header block: no body needed


class MessageList(models.Model):
    """A message as delivered to one list (cross-posts are stored once)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE)
    # Indexed by ``message_list_unique``, which leads with it.
    mailing_list = models.ForeignKey(MailingList, on_delete=models.CASCADE, db_index=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mailing_list", "message"], name="message_list_unique")
        ]

    def __str__(self) -> str:
        return f"{self.message_id} in {self.mailing_list_id}"


_MAIL_OF_SQL = (
    f"SELECT {MAIL_COLUMNS} FROM archive_rawmail r"
    " JOIN archive_message m ON m.id = r.message_id WHERE r.message_id = %s"
)


class RawMailQuerySet(models.QuerySet["RawMail"]):
    def mail_by_message(self) -> dict[int, bytes]:
        """The mail of these rows, unpacked, by message id (one query)."""
        # The message's body only where it holds some of the mail's bytes.
        body = models.Case(
            models.When(body_at__isnull=False, then=models.F("message__body")),
            output_field=models.BinaryField(),
        )
        rows = self.values_list("message_id", "codec", "stored", "body_at", body)
        return {row[0]: whole_mail(*row[1:]) for row in rows}

    def mail_of(self, message_id: int) -> bytes | None:
        """The mail of one message exactly as received, or None if none is kept.

        A statement prepared once per connection: built by the ORM, the query
        (its body only where the mail needs it) cost more to compile than to run.
        """
        with connections[self.db].cursor() as cursor:
            execute_prepared(cursor, "threadwork_mail_of", _MAIL_OF_SQL, [message_id])
            row = cursor.fetchone()
        return whole_mail(*row) if row is not None else None


class RawMail(models.Model):
    """The bytes exactly as received: the source every derived table is rebuilt from.

    ``stored`` holds them packed as ``codec`` says (archive/rawcodec.py); read
    the mail through :attr:`mail` or the QuerySet methods, never ``stored``
    itself. ``size`` and ``sha256`` are those of the mail, not of ``stored``.
    """

    message = models.OneToOneField(Message, primary_key=True, on_delete=models.CASCADE)
    # The column keeps its first name, so SQL reading it says ``r.data``.
    stored = models.BinaryField(db_column="data")
    codec = models.PositiveSmallIntegerField(
        choices=[(c.value, c.name.lower()) for c in Codec], default=Codec.NONE,
        db_default=Codec.NONE,
    )  # fmt: skip
    # Not indexed: no query looks mail up by its hash (two indexes, 4.4 MB at 17k).
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    # Where the message's body goes back into the stored bytes, which then leave
    # it out (archive.rawcodec.cut_body); null: they are the whole mail. Such a
    # body may not change (trigger message_body_kept, migration 0036).
    body_at = models.PositiveIntegerField(null=True, blank=True)

    objects = RawMailQuerySet.as_manager()

    def __str__(self) -> str:
        return f"raw mail of {self.message_id}"

    @property
    def mail(self) -> bytes:
        """The mail exactly as received (reads the message's body when it holds part of it)."""
        rest = unpack(self.codec, self.stored)
        if self.body_at is None:
            return rest
        return splice_body(rest, self.body_at, self.message.body.encode())

    @property
    def stored_mail(self) -> bytes:
        """The mail as stored: whole, or without its body's bytes, but always with its
        whole header block (rawcodec.cut_body), which is all headers need."""
        return unpack(self.codec, self.stored)


class RawDictionary(models.Model):
    """A zstd dictionary raw mail is packed with (codec ZSTD_DICT, archive/rawdicts.py).

    ``id`` is the dictionary's own id, written into every mail packed with it.
    Never delete one: the mail packed with it could no longer be read.
    """

    id = models.IntegerField(primary_key=True)
    data = models.BinaryField()
    samples = models.PositiveIntegerField()  # how many mails it was trained on
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"raw mail dictionary {self.id}"


class QuarantineReason(models.TextChoices):
    UNPARSEABLE = "unparseable", "Not readable as mail"
    TOO_LARGE = "too-large", "Larger than the size limit"
    STORE_FAILED = "store-failed", "Could not be stored"


class QuarantinedMail(models.Model):
    """Input we could not archive yet, kept with its bytes and the reason."""

    data = models.BinaryField()
    sha256 = models.CharField(max_length=64, unique=True)
    size = models.PositiveIntegerField()
    reason = models.CharField(max_length=32, choices=QuarantineReason.choices)
    detail = models.TextField(blank=True)
    origin = models.TextField(blank=True)
    list_hint = models.CharField(max_length=255, blank=True)
    received = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.reason}: {self.origin}"


class SearchTier(models.Model):
    """The newest messages' search indexes (``archive.searchtier``): one row, written
    only by ``searchtier.roll``, naming the date they start from."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    since = models.DateTimeField()
    built = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="searchtier_one_row")]

    def __str__(self) -> str:
        return f"search tier since {self.since.isoformat()}"
