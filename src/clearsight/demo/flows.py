"""The application's steps, done the ordinary way: the building blocks of every persona."""

from __future__ import annotations

import asyncio
import contextlib
import random
from dataclasses import dataclass

from faker import Faker
from playwright.async_api import FilePayload

from clearsight.demo.origin import ORIGIN
from clearsight.demo.visitor import FlowError, Visitor


@dataclass(frozen=True)
class Applicant:
    """One synthetic applicant. Everything here is made up by Faker."""

    full_name: str
    email: str
    phone: str
    dob: str
    street: str
    city: str
    state: str
    zip: str
    ssn_last4: str
    employer: str
    income: int
    card: str
    card_expiry: str
    routing: str
    account: str
    iban: str
    uses_iban: bool
    existing_customer: bool


def make_applicant(fake: Faker, rng: random.Random) -> Applicant:
    first, last = fake.first_name(), fake.last_name()
    card = fake.credit_card_number(
        card_type=rng.choice(["visa16", "mastercard", "discover", "visa16"])
    )
    if rng.random() < 0.5:
        # Some people type the card the way it is printed, in groups of four.
        card = " ".join(card[i : i + 4] for i in range(0, len(card), 4))
    return Applicant(
        full_name=f"{first} {last}",
        email=f"{first}.{last}{rng.randint(1, 99)}@{fake.free_email_domain()}".lower(),
        phone=f"({rng.randint(201, 989)}) {rng.randint(201, 989)}-{rng.randint(0, 9999):04d}",
        dob=fake.date_of_birth(minimum_age=21, maximum_age=72).isoformat(),
        street=fake.street_address(),
        city=fake.city(),
        state=fake.state_abbr(include_territories=False, include_freely_associated_states=False),
        zip=fake.postcode()[:5],
        ssn_last4=f"{rng.randint(0, 9999):04d}",
        employer=fake.company(),
        income=rng.randrange(32_000, 240_000, 500),
        card=card,
        card_expiry=fake.credit_card_expire(),
        routing=fake.aba(),
        account=str(rng.randint(10**9, 10**12 - 1)),
        iban=fake.iban(),
        uses_iban=rng.random() < 0.3,
        existing_customer=rng.random() < 0.35,
    )


# ---------- landing ----------


async def open_site(v: Visitor, consent: bool = True) -> None:
    await v.page.goto(f"{ORIGIN}/demo/", wait_until="load")
    await v.pause(0.8, 2.0)
    if await v.page.is_visible("#consent-banner"):
        await v.click("#consent-accept" if consent else "#consent-decline", fixed=True)
        await v.pause(0.4, 1.0)


async def set_amount(v: Visitor, amount: int, term: int = 36) -> None:
    await v.fill("#amount-input", str(amount))
    await v.page.keyboard.press("Tab")
    await v.pause(0.3, 0.9)
    if term != 36:
        await v.click("#term-range")
        await v.page.keyboard.press("Home")
        for _ in range((term - 12) // 12):
            await v.page.keyboard.press("ArrowRight")
            await asyncio.sleep(v.rng.uniform(0.12, 0.3))
    await v.pause(0.5, 1.5)


async def start_application(v: Visitor, amount: int, term: int = 36) -> None:
    await set_amount(v, amount, term)
    await v.click("#calc-apply")
    await v.wait_path("/demo/apply/details")


# ---------- details ----------


async def fill_details(v: Visitor, a: Applicant, email: str | None = None) -> None:
    await v.fill("#full-name", a.full_name, kind="name")
    await v.fill("#email", email if email is not None else a.email, kind="email")
    await v.fill("#phone", a.phone, kind="phone")
    await v.set_date("#dob", a.dob, kind="dob")
    await v.fill("#ssn-last4", a.ssn_last4, kind="ssn_last4")
    await v.fill("#street", a.street, kind="street")
    await v.fill("#city", a.city)
    await v.choose("#state", a.state)
    await v.fill("#zip", a.zip)
    if a.existing_customer:
        await v.click("#existing-customer")


async def submit_details(v: Visitor) -> None:
    await v.click("#details-continue")
    await v.wait_path("/income")


# ---------- income ----------


def pay_stub(a: Applicant) -> bytes:
    """A tiny synthetic PDF: enough for the file input, never real data."""
    text = f"Pay statement - {a.employer} - synthetic demo document"
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n% " + text.encode() + b"\n%%EOF\n"
    )


async def fill_income(v: Visitor, a: Applicant) -> None:
    await v.choose("#employment-status", "employed")
    await v.fill("#employer", a.employer, kind="employer")
    await v.fill("#annual-income", str(a.income))


async def upload_document(v: Visitor, a: Applicant) -> None:
    x, y = await v.move_to("#income-doc")
    await v.pause(0.2, 0.5)
    async with v.page.expect_file_chooser() as chooser:
        await v.press(x, y)
    name = v.rng.choice(["paystub.pdf", "w2-2025.pdf", "payslip-october.pdf"])
    stub: FilePayload = {"name": name, "mimeType": "application/pdf", "buffer": pay_stub(a)}
    await (await chooser.value).set_files(files=[stub])
    await v.pause(0.6, 1.5)


async def submit_income(v: Visitor) -> None:
    await v.click("#income-continue")
    await v.wait_path("/offer")


# ---------- offer ----------


async def read_offer(v: Visitor) -> None:
    await v.pause(1.0, 2.5)
    await v.scroll(v.viewport.height * v.rng.uniform(0.3, 0.6))
    await v.pause(0.8, 2.0)


async def accept_offer(v: Visitor) -> None:
    await v.click("#consent-hard-pull")
    await v.pause(0.4, 1.2)
    if await v.page.is_disabled("#accept-offer"):
        raise FlowError("Accept offer stayed disabled after ticking consent")
    await v.click("#accept-offer")
    await v.wait_path("/esign")


# ---------- e-sign, disbursement ----------


async def sign(v: Visitor, a: Applicant) -> None:
    await v.pause(1.0, 2.5)
    await v.hover("#agreement-text", v.rng.uniform(1.0, 2.5))
    await v.scroll_to_fraction(0.45)
    await v.fill("#signature", a.full_name, kind="name", slow=True)
    await v.click("#esign-consent")
    await v.click("#sign-button")
    await v.wait_path("/disbursement")


async def disburse(v: Visitor, a: Applicant) -> None:
    await v.fill("#account-holder", a.full_name, kind="name")
    if a.uses_iban:
        await v.click("#method-iban")
        await v.fill("#iban", a.iban, kind="iban")
    else:
        await v.fill("#routing-number", a.routing, kind="routing")
        await v.fill("#account-number", a.account, kind="account")
    await v.fill("#card-number", a.card, kind="card")
    await v.fill("#card-expiry", a.card_expiry)
    await v.click("#disburse-button")
    await v.wait_path("/complete")
    await v.pause(1.5, 3.0)


STEPS = ["details", "income", "offer", "esign", "disbursement"]


async def through_to_complete(v: Visitor, a: Applicant, from_step: str) -> None:
    """Finish the application from the given step, the ordinary way."""
    await do_steps(v, a, STEPS[STEPS.index(from_step) :])


async def do_steps(v: Visitor, a: Applicant, steps: list[str]) -> None:
    """Complete the given steps in order, the ordinary way."""
    for step in steps:
        if step == "details":
            await fill_details(v, a)
            await submit_details(v)
        elif step == "income":
            await fill_income(v, a)
            await upload_document(v, a)
            await submit_income(v)
        elif step == "offer":
            await read_offer(v)
            await accept_offer(v)
        elif step == "esign":
            await sign(v, a)
        else:
            await disburse(v, a)


# ---------- leaving ----------


async def flush(v: Visitor) -> None:
    """Ask the capture script to send what it holds, and wait for it."""
    # A page mid-navigation has no script to ask; the pagehide beacon covers it.
    with contextlib.suppress(Exception):
        await v.page.evaluate(
            """async () => {
                const cs = window.clearsight;
                if (cs && typeof cs.flush === 'function') await cs.flush();
            }"""
        )
    await asyncio.sleep(0.3)


async def leave(v: Visitor) -> None:
    """Flush, then leave the site so pagehide fires and its beacon goes out."""
    sid: str = await v.page.evaluate(
        "() => (window.clearsight && window.clearsight.sessionId && clearsight.sessionId()) || ''"
    )
    if sid:
        v.sids.add(sid)
    await flush(v)
    await v.page.goto("about:blank")
