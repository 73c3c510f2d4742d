"""Review URLs, keyed by Message-ID as on Patchwork.

Message-IDs may contain ``/``, so they are matched with a catch-all group;
the lookbehinds keep ``.../mbox/`` and ``.../raw/`` free for the download
views, which go in front of these routes when they are added.
"""

from django.urls import include, path, re_path

from archive.converters import MSGID_GROUP
from reviews import views
from reviews.feeds import ProjectEventsFeed
from reviews.pages import actions, bundles, changes, events, health, profile, queue
from reviews.pages.notices import opt_out

_MSGID = MSGID_GROUP + r"(?<!/mbox)(?<!/raw)"
# segment: one path segment without NUL (archive/converters.py).
# Two revisions of a patch; in front of the patch route, whose Message-ID takes any path.
_INTERDIFF = rf"^project/(?P<link_name>[-\w]+)/patch/{MSGID_GROUP}/interdiff/(?P<other>[^\x00]+?)/$"
_BUNDLE = "bundle/<segment:owner>/<segment:name>/"

urlpatterns = [
    path("", views.home, name="home"),
    path("project/<slug:link_name>/list/", views.patch_list, name="patch-list"),
    re_path(_INTERDIFF, views.patch_interdiff, name="patch-interdiff"),
    re_path(rf"^project/(?P<link_name>[-\w]+)/patch/{_MSGID}/$", views.patch_detail, name="patch"),
    re_path(rf"^project/(?P<link_name>[-\w]+)/cover/{_MSGID}/$", views.cover_detail, name="cover"),
    path("project/<slug:link_name>/series/<int:series_id>/", views.series_detail, name="series"),
    path(
        "project/<slug:link_name>/series/<int:series_id>/compare/<int:other_id>/",
        views.series_compare,
        name="series-compare",
    ),
    path("patch/<int:patch_id>/", views.patch_by_id, name="patch-by-id"),
    path("person/<int:person_id>/", views.person_detail, name="person"),
    path("", include("reviews.downloads")),
    # Maintainer workflow (issue 5): pages, and form posts that go through services.
    path("user/", profile.profile, name="profile"),
    path("user/token/", profile.regenerate_token, name="token-regenerate"),
    path("notifications/opt-out/<str:token>/", opt_out, name="notifications-opt-out"),
    path("user/queue/", queue.queue, name="queue"),
    path("project/<slug:link_name>/events/", events.events, name="project-events"),
    path("project/<slug:link_name>/health/", health.health, name="project-health"),
    path("project/<slug:link_name>/health.json", health.health_json, name="project-health-json"),
    path("project/<slug:link_name>/events.atom", ProjectEventsFeed(), name="project-events-atom"),
    path("project/<slug:link_name>/list/bulk/", actions.bulk_update, name="patch-bulk"),
    # Bulk and series-wide changes (issue 17): what one did, and undoing it.
    path("project/<slug:link_name>/changes/<int:change_id>/", changes.change_detail, name="change"),
    path(
        "project/<slug:link_name>/changes/<int:change_id>/undo/",
        changes.change_undo,
        name="change-undo",
    ),
    path("events/", events.events, name="events"),
    path("patch/<int:patch_id>/update/", actions.patch_update, name="patch-update"),
    path("series/<int:series_id>/state/", actions.series_state, name="series-state"),
    path("bundles/add/", actions.bundle_add, name="bundle-add"),
    path(_BUNDLE, bundles.bundle_detail, name="bundle"),
    path(f"{_BUNDLE}remove/", bundles.bundle_remove, name="bundle-remove"),
    path(f"{_BUNDLE}update/", bundles.bundle_update, name="bundle-update"),
    path(f"{_BUNDLE}delete/", bundles.bundle_delete, name="bundle-delete"),
]
