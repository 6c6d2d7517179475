"""Issue 10, "Done means": every role signs in (password, then TOTP) at 1366 px, opens the staff
home and every section the home's own list of sections shows it, and on each page finds no
English label, no Gregorian date, no Latin-digit date or amount, no raw Rial, and no sideways
scroll. Screenshots: artifacts/roles-<role>-<n>.png (0 is the staff home).

The page text is checked by P1's walk (core/tests/test_admin_persian.py `_problems`), run on the
DOM as the browser has it (after the admin's scripts ran), plus what that walk leaves out: the
month «مه»/May (a whole word only: «مه» is inside many Persian words) and a raw Rial amount (a
long Latin-digit number, or the seeded order's total in Rials shown as if it were Toman).

A page that really shows English, a Gregorian date or a raw Rial is not fixed here: it is
listed in KNOWN_FINDINGS, and the role's case ends as xfail naming the page and the text.
"""

from __future__ import annotations

import re
import struct

import pytest
from django.conf import settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from metavast.checkout.demo import seed_shipping
from metavast.core.tests.test_admin_persian import _Labels, _problems
from metavast.invoices.services import invoice_issue_for_order
from metavast.orders.services import Receiver, order_mark_paid, order_start_processing
from metavast.orders.tests.factories import PASSWORD, fill_cart, make_customer, make_variant, place
from metavast.payments.models import Payment
from metavast.staff.roles import ROLES
from metavast.staff.services import roles_sync, staff_role_assign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADMIN = f"/{settings.ADMIN_PATH}"
WIDTH = 1366
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
# P1's month list leaves out «مه» and May: as words they are months; inside words they are not.
MAY = re.compile(r"(?<![\w\u200c])(?:مه|May)(?![\w\u200c])")
# A long Latin-digit number standing alone (not part of a code such as MV-0828 or SKU-be59):
# an amount in Rials that nothing formatted.
RAW_NUMBER = re.compile(r"(?<![\w\-./#:+])[0-9][0-9,]{4,}(?![\w\-./])")
# A year in Latin digits (a Jalali 13xx/14xx or a Gregorian 19xx/20xx) among a filter's choices.
LATIN_YEAR = re.compile(r"(?<![\w\-./])(?:1[34]|19|20)[0-9]{2}(?![\w\-./])")
# An event, status or choice shown by its code because it has no Persian label
# (accounts.staff_2fa_verified); a model's code (accounts.user) is data and passes.
RAW_KEY = re.compile(r"(?<![\w.])[a-z]+\.[a-z0-9]+_[a-z0-9_]+(?![\w.])")

# (role, path) -> what the page really shows, found by this walk and reported, not fixed here
# (app code); each text is part of the finding's message. Once fixed, the case fails until the
# entry goes.
KNOWN_FINDINGS: dict[tuple[str, str], tuple[str, ...]] = {}


def _code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _seed(root):
    """An order in processing for another receiver, its payment and its invoice."""
    seed_shipping()
    buyer = make_customer(first_name="سارا", last_name="محمدی")
    fill_cart(buyer, (make_variant(title="فرش دستباف", price=32_200_000), 1))
    order = place(
        buyer,
        receiver=Receiver(
            is_self=False, first_name="فاطمه", last_name="صادقی", mobile="09351234567"
        ),
    )
    order = order_mark_paid(order_id=order.pk, payment_id=1)
    Payment.objects.create(
        order=order, gateway="sandbox", authority="roles-authority", amount=order.total
    )
    invoice_issue_for_order(order_id=order.pk)
    return order_start_processing(order=order, actor=root)


def _raw_rial(rials: int) -> re.Pattern:
    """The Rial total written in any of the ways a page might, Latin or Persian digits."""
    forms = {str(rials), f"{rials:,}", f"{rials:,}".replace(",", "٬")}
    forms |= {f.translate(PERSIAN_DIGITS) for f in forms}
    alternatives = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    return re.compile(rf"(?<![0-9۰-۹٬,])(?:{alternatives})(?![0-9۰-۹٬,])(?!\s*ریال)")


def _findings(html: str, rials: re.Pattern) -> list[str]:
    problems = _problems(html)
    parser = _Labels()
    parser.feed(html)
    for text in parser.visible:
        if MAY.search(text):
            problems.append(f"Gregorian month: {text!r}")
        if RAW_NUMBER.search(text) or rials.search(text):
            problems.append(f"raw Rial amount: {text!r}")
        if RAW_KEY.search(text):
            problems.append(f"English label (a code without its Persian label): {text!r}")
    return problems


def _page_findings(page) -> list[str]:
    """What only the rendered page shows: a filter's choices and the list's width."""
    problems = []
    side = page.locator("#changelist-filter")
    if side.count():
        for line in side.inner_text().splitlines():
            if LATIN_YEAR.search(line):
                problems.append(f"Latin-digit date in a filter: {line.strip()!r}")
    table, box = page.locator("#result_list"), page.locator("#changelist .results")
    if table.count() and box.count():
        wide, room = table.bounding_box(), box.first.bounding_box()
        if wide and room and wide["width"] > room["width"] + 1:
            problems.append(
                f"the list scrolls sideways: {wide['width']:.0f} px table in {room['width']:.0f} px"
            )
    return problems


def _png_width(path) -> int:
    with open(path, "rb") as png:
        return struct.unpack(">I", png.read(24)[16:20])[0]


def _no_sideways_scroll(page, shot) -> list[str]:
    """The document is no wider than the window: the full-page screenshot (the whole document)
    is 1366 px wide, the page's frame lies inside the window, and a sideways wheel over the
    header moves nothing."""
    problems = []
    if _png_width(shot) > WIDTH:
        problems.append(f"document is {_png_width(shot)} px wide")
    for selector in ("#header", "#container", "#content", "#content-main", "#footer"):
        box = (
            page.locator(selector).first.bounding_box() if page.locator(selector).count() else None
        )
        if box and (box["x"] < -1 or box["x"] + box["width"] > WIDTH + 1):
            problems.append(f"{selector} spans {box['x']:.0f}..{box['x'] + box['width']:.0f} px")
    header = page.locator("#header")
    before = header.bounding_box()
    page.mouse.move(WIDTH / 2, 10)
    for dx in (-2000, 2000):
        page.mouse.wheel(dx, 0)
        after = header.bounding_box()
        if before and after and abs(after["x"] - before["x"]) > 1:
            problems.append(f"the page scrolls sideways ({after['x'] - before['x']:+.0f} px)")
            break
    return problems


def _sign_in(page, staff, device) -> None:
    page.goto(f"{ADMIN}/")
    page.fill("input[name=username]", staff.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    expect(page).to_have_url(re.compile(r"/accounts/staff/2fa/"))
    page.fill("input[name=token]", _code(device))
    page.click("form:has(input[name=token]) button[type=submit]")
    expect(page).to_have_url(re.compile(rf"{ADMIN}/$"))


@pytest.mark.parametrize("role", [spec.key for spec in ROLES])
def test_each_role_sees_only_persian_at_1366(role, new_browser_context, screenshot):
    roles_sync()
    root = make_customer(is_staff=True, email="root@example.com")  # a superuser
    staff = staff_role_assign(
        user=make_customer(email=f"{role}@example.com", first_name="کارمند", last_name="آزمایشی"),
        role=role,
        actor=root,
    )
    assert not staff.is_superuser
    device = TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    order = _seed(root)
    rials = _raw_rial(order.total)

    context = new_browser_context(viewport={"width": WIDTH, "height": 900}, device_scale_factor=1)
    page = context.new_page()
    _sign_in(page, staff, device)

    # The sections the staff home lists for this role: the links it shows are what it may see.
    sections = page.locator("#content-main .module th[scope=row] a")
    links = []
    for i in range(sections.count()):
        href = sections.nth(i).get_attribute("href")
        if href and href not in links:
            links.append(href)
    found: dict[str, list[str]] = {}
    for n, url in enumerate([f"{ADMIN}/", *links]):
        if n:
            response = page.goto(url)
            assert response is not None and response.status == 200, (url, response.status)
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        shot = screenshot(page, f"roles-{role}-{n}")
        problems = _findings(page.content(), rials) + _page_findings(page)
        problems = sorted(set(problems)) + _no_sideways_scroll(page, shot)
        if problems:
            found[url] = problems

    assert links, f"{role}: the staff home lists no sections"
    known = {path: texts for (who, path), texts in KNOWN_FINDINGS.items() if who == role}
    unknown = {
        url: [p for p in problems if not any(t in p for t in known.get(url, ()))]
        for url, problems in found.items()
    }
    unknown = {url: problems for url, problems in unknown.items() if problems}
    assert unknown == {}, f"{role}: {unknown}"
    gone = {
        url: [t for t in texts if not any(t in p for p in found.get(url, []))]
        for url, texts in known.items()
    }
    gone = {url: texts for url, texts in gone.items() if texts}
    assert gone == {}, f"{role}: fixed now, remove from KNOWN_FINDINGS: {gone}"
    if found:
        pytest.xfail(f"{role}: the app shows it (reported, not fixed here): {found}")
