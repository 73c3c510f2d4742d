"""Review pages. Thin: parse input, call one QuerySet method or service, render."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from reviews.models import Project


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "reviews/home.html", {"projects": Project.objects.with_counts()})
