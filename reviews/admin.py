"""Admin: projects (with maintainers and superseding switch) and states are edited here."""

from django.contrib import admin

from reviews.models import Bundle, Check, Cover, Event, Patch, Project, Series, State


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("link_name", "name", "list_id", "auto_supersede")
    search_fields = ("link_name", "name", "list_id")
    filter_horizontal = ("maintainers",)
    readonly_fields = ("mailing_list",)


@admin.register(State)
class StateAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "ordering", "action_required")
    list_editable = ("ordering", "action_required")


@admin.register(Patch)
class PatchAdmin(admin.ModelAdmin):
    list_display = ("name", "project", "state", "delegate", "archived", "date")
    list_filter = ("project", "state", "archived")
    search_fields = ("name",)
    raw_id_fields = ("message", "submitter", "series", "delegate")
    list_select_related = ("project", "state", "delegate")


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ("name", "project", "version", "total", "received_total", "date")
    list_filter = ("project",)
    search_fields = ("name",)
    raw_id_fields = ("submitter", "previous", "lineage")


@admin.register(Cover)
class CoverAdmin(admin.ModelAdmin):
    list_display = ("name", "project", "date")
    raw_id_fields = ("message", "submitter", "series")


@admin.register(Check)
class CheckAdmin(admin.ModelAdmin):
    list_display = ("patch", "context", "state", "user", "date")
    raw_id_fields = ("patch", "user")


@admin.register(Bundle)
class BundleAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "project", "public")
    raw_id_fields = ("owner",)


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("category", "project", "actor", "date")
    list_filter = ("category", "project")
    raw_id_fields = ("patch", "series", "cover", "actor")
