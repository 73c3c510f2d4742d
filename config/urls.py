"""Root URLs. Order matters: public-inbox style ``/<list>/<msgid>/`` routes are
catch-alls, so they come last (see archive/urls.py)."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", include("reviews.api.urls")),
    path("", include("reviews.urls")),
    path("", include("archive.urls")),
]
