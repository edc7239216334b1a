"""Public pages. Help, FAQ and Terms & Conditions come from ContentPage rows (edited in the back office)."""

from django.shortcuts import render

from matrix.pages.selectors import content_page_shown


def home(request):
    return render(request, "pages/home.html")


def _content(request, slug: str):
    return render(request, "pages/content.html", {"page": content_page_shown(slug=slug)})


def help_page(request):
    return _content(request, "help")


def faq(request):
    return _content(request, "faq")


def terms(request):
    return _content(request, "terms")


def benefits(request):
    return render(request, "pages/benefits.html")
