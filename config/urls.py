"""Root URLs. Order matters: public-inbox style ``/<list>/<msgid>/`` routes are
catch-alls, so they come last (see archive/urls.py). The apps' URLs are named
by dotted path: config imports no app."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever a page names (the admin names none)."""
    return redirect(static("favicon.svg"), permanent=True)


urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    # Our login view (it explains lockouts) in front of Django's other account views.
    path("accounts/", include("reviews.account_urls")),
    path("api/", include("reviews.api.urls")),
    path("", include("reviews.urls")),
    path("", include("archive.urls")),
]
