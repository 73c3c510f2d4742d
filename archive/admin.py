"""Admin for lists and the quarantine; messages are read-only (raw mail is the truth)."""

from django.contrib import admin

from archive.models import MailingList, Person, QuarantinedMail


@admin.register(MailingList)
class MailingListAdmin(admin.ModelAdmin):
    list_display = ("name", "list_id", "description", "posting_address")
    search_fields = ("name", "list_id")


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("email", "name")
    search_fields = ("email", "name")


@admin.register(QuarantinedMail)
class QuarantinedMailAdmin(admin.ModelAdmin):
    list_display = ("id", "reason", "size", "origin", "received", "attempts")
    list_filter = ("reason",)
    readonly_fields = ("data", "sha256", "size", "reason", "detail", "origin", "received")
