# SPDX-License-Identifier: AGPL-3.0-or-later
"""API URLs, mounted at ``/api/`` and at each of ``/api/1.0/`` … ``/api/1.3/``."""

from __future__ import annotations

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from archive import converters  # noqa: F401  (registers segment)
from reviews.api import activity, views

__all__ = ["urlpatterns"]

resource_patterns = [
    path("", views.api_root, name="api-index"),
    path("projects/", views.ProjectList.as_view(), name="api-project-list"),
    path("projects/<segment:pk>/", views.ProjectDetail.as_view(), name="api-project-detail"),
    path("people/", views.PersonList.as_view(), name="api-person-list"),
    path("people/<int:pk>/", views.PersonDetail.as_view(), name="api-person-detail"),
    path("users/", views.UserList.as_view(), name="api-user-list"),
    path("users/<int:pk>/", views.UserDetail.as_view(), name="api-user-detail"),
    path("patches/", views.PatchList.as_view(), name="api-patch-list"),
    path("patches/<int:pk>/", views.PatchDetail.as_view(), name="api-patch-detail"),
    path("patches/<int:pk>/comments/", views.PatchCommentList.as_view(),
         name="api-patch-comment-list"),
    path("patches/<int:pk>/comments/<int:comment_id>/", views.PatchCommentDetail.as_view(),
         name="api-patch-comment-detail"),
    path("patches/<int:pk>/checks/", activity.CheckList.as_view(), name="api-check-list"),
    path("patches/<int:pk>/checks/<int:check_id>/", activity.CheckDetail.as_view(),
         name="api-check-detail"),
    path("covers/", views.CoverList.as_view(), name="api-cover-list"),
    path("covers/<int:pk>/", views.CoverDetail.as_view(), name="api-cover-detail"),
    path("covers/<int:pk>/comments/", views.CoverCommentList.as_view(),
         name="api-cover-comment-list"),
    path("covers/<int:pk>/comments/<int:comment_id>/", views.CoverCommentDetail.as_view(),
         name="api-cover-comment-detail"),
    path("series/", views.SeriesList.as_view(), name="api-series-list"),
    path("series/<int:pk>/", views.SeriesDetail.as_view(), name="api-series-detail"),
    path("events/", activity.EventList.as_view(), name="api-event-list"),
    path("bundles/", activity.BundleList.as_view(), name="api-bundle-list"),
    path("bundles/<int:pk>/", activity.BundleDetail.as_view(), name="api-bundle-detail"),
]  # fmt: skip

urlpatterns = [
    path(
        "schema/",
        SpectacularAPIView.as_view(patterns=[path("api/", include(resource_patterns))]),
        name="api-schema",
    ),
    re_path(r"^(?P<version>1\.[0-3])/", include(resource_patterns)),
    path("", include(resource_patterns)),
]
