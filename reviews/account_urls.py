# SPDX-License-Identifier: AGPL-3.0-or-later
"""``/accounts/``: our login view (it explains lockouts) in front of Django's other account views.

The root URLconf includes this by dotted path, so ``config`` imports no app.
"""

from django.urls import include, path

from reviews.auth import LoginView

urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("", include("django.contrib.auth.urls")),
]
