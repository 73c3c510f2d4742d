"""Review URLs, keyed by Message-ID as on Patchwork.

Message-IDs may contain ``/``, so they are matched with a catch-all group;
the lookbehinds keep ``.../mbox/`` and ``.../raw/`` free for the download
views, which go in front of these routes when they are added.
"""

from django.urls import include, path, re_path

from reviews import views

_MSGID = r"(?P<msgid>.+?)(?<!/mbox)(?<!/raw)"

urlpatterns = [
    path("", views.home, name="home"),
    path("project/<slug:link_name>/list/", views.patch_list, name="patch-list"),
    re_path(rf"^project/(?P<link_name>[-\w]+)/patch/{_MSGID}/$", views.patch_detail, name="patch"),
    re_path(rf"^project/(?P<link_name>[-\w]+)/cover/{_MSGID}/$", views.cover_detail, name="cover"),
    path("project/<slug:link_name>/series/<int:series_id>/", views.series_detail, name="series"),
    path("patch/<int:patch_id>/", views.patch_by_id, name="patch-by-id"),
    path("person/<int:person_id>/", views.person_detail, name="person"),
    path("", include("reviews.downloads")),
]
