from django.shortcuts import render


def home(request):
    return render(request, "pages/home.html")


def help_page(request):
    return render(request, "pages/help.html")


def terms(request):
    return render(request, "pages/terms.html")


def benefits(request):
    return render(request, "pages/benefits.html")
