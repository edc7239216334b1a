"""Steps that several browser tests take through the pages."""

from playwright.sync_api import expect

from matrix.fpx_simulator import services as simulator


def pay_at_the_bank(page, contribution, *, button: str, bank: str = "Affin Bank", join_direct_ac: bool = True) -> None:
    """Pay `contribution` through the pages and the simulated bank, pressing `button` there; ends on PAYMENT
    DETAILS. With `join_direct_ac` (the default) it then waits for the simulator's direct AC to land, so the test
    reads a settled database; a test that holds the direct AC back (`direct_ac_hold`) passes False."""
    page.goto(f"{page.base_url}/payments/contribution/{contribution.pk}/pay/")
    expect(page.get_by_role("heading", name="PAY NOW")).to_be_visible()
    expect(page.get_by_text("RM 77.60").first).to_be_visible()
    page.get_by_role("button", name="Pay with FPX").click()  # without agreeing first
    expect(page.get_by_text("There is a problem")).to_be_visible()
    page.get_by_label("I acknowledge that I have read and agree to the above Terms and Conditions").check()
    expect(page.get_by_label("Internet Banking")).to_be_checked()
    page.get_by_role("button", name="Pay with FPX").click()

    expect(page.get_by_role("heading", name="PAY WITH FPX")).to_be_visible()
    select = page.get_by_label("Select Bank")
    expect(select.locator("option", has_text="HSBC Bank (Offline)")).to_be_disabled()
    select.select_option(label=bank)
    page.get_by_role("button", name="Pay with FPX").click()

    # Our page posts the signed AR to FPX by itself (autosubmit.js); the simulator shows the bank.
    expect(page.get_by_role("heading", name=f"{bank} (FPX simulator)")).to_be_visible()
    page.get_by_label("Username").fill("siti90")
    page.get_by_label("Password").fill("anything goes")
    page.get_by_role("button", name="Log In").click()
    expect(page.get_by_text("RM 77.60")).to_be_visible()
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.get_by_role("heading", name="PAYMENT DETAILS")).to_be_visible()
    # The direct AC leaves host to host after the bank's page; let it land before the test reads the database.
    if join_direct_ac:
        assert simulator.direct_ac_deliveries_join(timeout=60)


def detail_value(page, label: str):
    return page.locator(f"dt:text-is('{label}:') + dd")


def next_part(page) -> None:
    """The registration form on a phone shows one part at a time: go on to the next one (JavaScript)."""
    page.locator("[data-form-part]:not(.part-hidden) [data-part-next]").click()


LANGUAGE_BUTTONS = {"en": "English", "ms": "Bahasa Malaysia"}


def language_choose(page, code: str) -> None:
    """Open the one visible "Languages (Bahasa) ▾" control and choose a language."""
    menu = page.locator("details[data-language-switch]:visible").first
    menu.locator("summary").click()
    menu.get_by_role("button", name=LANGUAGE_BUTTONS[code], exact=True).click()
