"""Staff edit reference data here. Rates are end-dated and a new row added, never rewritten in place."""

from django.contrib import admin

from matrix.reference.models import (
    Bank,
    Branch,
    City,
    Nationality,
    Plan,
    Race,
    Sector,
    SectorClass,
    SelfEmployedStatus,
    State,
)


class SectorClassInline(admin.TabularInline):
    model = SectorClass
    extra = 0


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ["name_en", "name_ms", "code", "effective_from", "required_document", "is_active"]
    list_filter = ["is_active", "required_document"]
    search_fields = ["name_en", "name_ms", "code"]
    inlines = [SectorClassInline]


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["number", "insured_monthly_earnings", "monthly_contribution", "effective_from", "effective_to"]
    list_filter = ["number"]

    def has_delete_permission(self, request, obj=None):
        return False  # contributions keep a reference to the plan they were bought under

    def get_readonly_fields(self, request, obj=None):
        # A rate in force is end-dated and replaced by a new row, never edited.
        if obj is not None:
            return ["number", "insured_monthly_earnings", "monthly_contribution", "effective_from"]
        return []


class CityInline(admin.TabularInline):
    model = City
    extra = 0


class BranchInline(admin.TabularInline):
    model = Branch
    extra = 0


@admin.register(State)
class StateAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    inlines = [CityInline, BranchInline]


@admin.register(Bank)
class BankAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ["name", "state", "is_active"]
    list_filter = ["state", "is_active"]


@admin.register(Race, Nationality, SelfEmployedStatus)
class BilingualChoiceAdmin(admin.ModelAdmin):
    list_display = ["name_en", "name_ms", "code", "sort_order"]
