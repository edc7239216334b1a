"""Content pages (Administrators): Help, FAQ, Terms & Conditions in English and Malay. Saved by
matrix.pages.services.content_page_update, which audits the texts before and after."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from matrix.backoffice.models import Role
from matrix.backoffice.permissions import staff_required
from matrix.pages.models import ContentPage
from matrix.pages.selectors import content_page_get
from matrix.pages.services import content_page_update

LAYOUT_HELP = gettext_lazy('Plain text. A blank line starts a new paragraph; "## " starts a heading; lines starting '
                           'with "1. " or "- " make a list.')


class ContentPageForm(forms.Form):
    title_en = forms.CharField(label=gettext_lazy("Title (English)"), max_length=120)
    body_en = forms.CharField(label=gettext_lazy("Text (English)"), widget=forms.Textarea(attrs={"rows": 12}),
                              help_text=LAYOUT_HELP)
    title_ms = forms.CharField(label=gettext_lazy("Title (Malay)"), max_length=120, required=False,
                               widget=forms.TextInput(attrs={"lang": "ms"}))
    body_ms = forms.CharField(label=gettext_lazy("Text (Malay)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 12, "lang": "ms"}),
                              help_text=gettext_lazy("Left empty, the English text is shown."))


@staff_required(Role.ADMINISTRATOR)
def content_list(request: HttpRequest) -> HttpResponse:
    pages = [content_page_get(slug=slug) for slug in ContentPage.Slug.values]
    return render(request, "backoffice/content/list.html", {"pages": pages})


@staff_required(Role.ADMINISTRATOR)
def content_edit(request: HttpRequest, slug: str) -> HttpResponse:
    if slug not in ContentPage.Slug.values:
        raise Http404
    page = content_page_get(slug=slug)
    initial = {name: getattr(page, name) for name in ("title_en", "title_ms", "body_en", "body_ms")}
    form = ContentPageForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        content_page_update(request=request, actor=request.user, slug=slug, **form.cleaned_data)
        messages.success(request, _("The page was saved."))
        return redirect("backoffice:content_list")
    return render(request, "backoffice/content/edit.html", {"form": form, "page": page},
                  status=400 if form.errors else 200)
