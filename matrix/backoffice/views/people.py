"""Contributors, seen by staff: search, a person's page, a document viewed in the browser. Opening a person's
page or a document writes an audit row."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from matrix.backoffice import selectors
from matrix.backoffice.audit import audit_record
from matrix.backoffice.forms import SearchForm
from matrix.backoffice.models import Role
from matrix.backoffice.permissions import staff_required
from matrix.registrations.uploads import document_response


@staff_required(Role.OFFICER)
def person_search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    results = None
    if form.is_valid() and form.cleaned_data["q"].strip():
        query = form.cleaned_data["q"].strip()
        results = selectors.person_search(query=query)
        audit_record(request=request, action="person.search", details={"query": query[:150], "hits": len(results)})
    # A person's address is this prefix and their id: one reversal for the page, not one per row.
    detail_prefix = reverse("backoffice:person_detail", args=[0]).removesuffix("0/")
    return render(request, "backoffice/person_search.html", {
        "form": form, "query": request.GET.get("q", "") if form.is_bound else "", "results": results,
        "detail_prefix": detail_prefix})


@staff_required(Role.OFFICER)
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_detail(user_id=pk)
    if person is None:
        raise Http404
    audit_record(request=request, action="person.view", target=person["account"])
    return render(request, "backoffice/person_detail.html", {"person": person})


@staff_required(Role.OFFICER)
def person_document(request: HttpRequest, pk: int) -> HttpResponse:
    """A registration document, shown inline (no owner check: staff may see every contributor's documents)."""
    document = selectors.document_get(document_id=pk)
    if document is None:
        raise Http404
    audit_record(request=request, action="document.view", target=document,
                 details={"person": document.registration.person.user_id})
    return document_response(document, inline=True)
