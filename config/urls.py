"""Root URLs. Order matters: public-inbox style ``/<list>/<msgid>/`` routes are
catch-alls, so they come last (see archive/urls.py)."""

from django.contrib import admin
from django.urls import include, path

from reviews.auth import LoginView

urlpatterns = [
    path("admin/", admin.site.urls),
    # Our login view (it explains lockouts) in front of Django's other account views.
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", include("reviews.api.urls")),
    path("", include("reviews.urls")),
    path("", include("archive.urls")),
]
