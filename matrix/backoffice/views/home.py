"""The back office's start page: what this staff member may open."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from matrix.backoffice.forms import SearchForm
from matrix.backoffice.models import Role
from matrix.backoffice.permissions import staff_required


@staff_required(Role.OFFICER)
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "backoffice/home.html", {"search_form": SearchForm()})
