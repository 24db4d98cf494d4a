"""The personas: each one a way real applicants use (and struggle with) the site.

Every persona is an async function of a ``Visitor`` and an ``Applicant``. It
drives the site and records ground-truth labels for what it does on purpose
(``Visitor.label``), so analysis can be scored against known behaviour.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from clearsight.demo import flows
from clearsight.demo.flows import Applicant
from clearsight.demo.visitor import Visitor, now_ms

PersonaFn = Callable[[Visitor, Applicant], Awaitable[None]]


@dataclass(frozen=True)
class Persona:
    name: str
    run: PersonaFn
    speed: float
    consent: bool = True
    every_viewport: bool = True


async def fast_completer(v: Visitor, a: Applicant) -> None:
    """Knows what they want: straight through every step to the confirmation."""
    await flows.open_site(v)
    await flows.start_application(v, v.rng.randrange(3_000, 20_000, 500))
    await flows.through_to_complete(v, a, "details")
    await flows.leave(v)


async def hesitant(v: Visitor, a: Applicant) -> None:
    """Reads everything: lingers on the offer's figures, opens the disclosures one by one,
    hovers over Accept for a long time before finally completing."""
    await flows.open_site(v)
    await v.hover("#calculator", v.rng.uniform(2.0, 4.0))
    await v.scroll_to_fraction(0.6)
    await v.click("#faq-credit-score-q")
    await v.pause(2.0, 4.0)
    await v.scroll_to_fraction(0.0)
    await flows.start_application(v, v.rng.randrange(8_000, 45_000, 1_000), 48)
    await flows.do_steps(v, a, ["details", "income"])
    # The offer: long dwell on the figures, then on each disclosure.
    t = await v.hover("#offer-figures", v.rng.uniform(4.0, 6.0))
    v.label("hesitation", "#offer-figures", t)
    for did in ("#disclosure-tila", "#disclosure-credit", "#disclosure-privacy"):
        await v.click(f"{did}-toggle")
        await v.pause(2.5, 5.0)
        await v.scroll(v.viewport.height * 0.3)
    await v.click("#consent-hard-pull")
    t = await v.hover("#accept-offer", v.rng.uniform(4.0, 6.5))
    v.label("hesitation", "#accept-offer", t)
    await v.click("#accept-offer")
    await v.wait_path("/esign")
    await flows.through_to_complete(v, a, "esign")
    await flows.leave(v)


async def abandon_income(v: Visitor, a: Applicant) -> None:
    """Asks for a large loan, gives their details, then drops out at income verification
    after looking at what documents are required."""
    await flows.open_site(v)
    await flows.start_application(v, v.rng.randrange(21_000, 50_000, 1_000), 60)
    await flows.fill_details(v, a)
    await flows.submit_details(v)
    await v.choose("#employment-status", v.rng.choice(["employed", "self_employed"]))
    await v.hover("#upload-zone", v.rng.uniform(1.5, 3.0))
    await v.scroll_to_fraction(0.5)
    await v.hover("#income-help", v.rng.uniform(2.0, 4.0))
    await v.pause(1.0, 3.0)
    await flows.leave(v)


async def rage_clicker(v: Visitor, a: Applicant) -> None:
    """Hammers the disabled Accept offer button before noticing the consent box, then
    ticks it and finishes."""
    await flows.open_site(v)
    await flows.start_application(v, v.rng.randrange(6_000, 32_000, 500))
    await flows.do_steps(v, a, ["details", "income"])
    await flows.read_offer(v)
    x, y = await v.move_to("#accept-offer")
    await v.pause(0.2, 0.5)
    first = now_ms()
    for _ in range(v.rng.randint(5, 8)):
        await v.press(x + v.rng.uniform(-4, 4), y + v.rng.uniform(-3, 3))
        await asyncio.sleep(v.rng.uniform(0.07, 0.18))
    v.label("rage_click", "#accept-offer", first)
    await v.pause(1.5, 3.0)
    await flows.accept_offer(v)
    await flows.through_to_complete(v, a, "esign")
    await flows.leave(v)


async def dead_clicker(v: Visitor, a: Applicant) -> None:
    """Expects "See how we calculate your rate" to explain something; clicks it a few
    times, seconds apart, gets nothing, and applies anyway."""
    await flows.open_site(v)
    await flows.set_amount(v, v.rng.randrange(2_000, 26_000, 500))
    for _ in range(v.rng.randint(2, 4)):
        t = await v.click("#rate-explainer")
        v.label("dead_click", "#rate-explainer", t)
        await v.pause(1.8, 4.0)
    await v.click("#calc-apply")
    await v.wait_path("/demo/apply/details")
    await flows.through_to_complete(v, a, "details")
    await flows.leave(v)


async def error_clicker(v: Visitor, a: Applicant) -> None:
    """Tries "Verify instantly with my bank", which fails with a script error; tries once
    more, then uploads a pay stub instead."""
    await flows.open_site(v)
    await flows.start_application(v, v.rng.randrange(5_000, 40_000, 1_000))
    await flows.do_steps(v, a, ["details"])
    await flows.fill_income(v, a)
    for _ in range(2):
        t = await v.click("#verify-bank")
        v.label("error_click", "#verify-bank", t)
        await v.pause(2.0, 4.0)
    await flows.upload_document(v, a)
    await flows.submit_income(v)
    await flows.through_to_complete(v, a, "offer")
    await flows.leave(v)


def _broken_email(a: Applicant, rng: random.Random) -> str:
    user, domain = a.email.split("@")
    return rng.choice([f"{user}{domain}", f"{user}@{domain.split('.')[0]}", f"{user}@@{domain}"])


async def failed_submit(v: Visitor, a: Applicant) -> None:
    """Mistypes the email, presses Continue three times without seeing why it fails,
    then spots the error and fixes it."""
    await flows.open_site(v)
    await flows.start_application(v, v.rng.randrange(4_000, 30_000, 500))
    await flows.fill_details(v, a, email=_broken_email(a, v.rng))
    for _ in range(3):
        t = await v.click("#details-continue")
        v.label("failed_submit", "#details-form", t)
        await v.pause(1.2, 2.5)
    await v.fill("#email", a.email, kind="email")
    await flows.submit_details(v)
    await flows.through_to_complete(v, a, "income")
    await flows.leave(v)


async def form_abandoner(v: Visitor, a: Applicant) -> None:
    """Starts the details form for a large loan, stalls at the phone number and leaves
    the site from that field."""
    await flows.open_site(v)
    await flows.start_application(v, v.rng.randrange(22_000, 50_000, 1_000), 60)
    await v.fill("#full-name", a.full_name, kind="name")
    await v.fill("#email", a.email, kind="email")
    await v.click("#phone")
    await v.type_text(a.phone[: v.rng.randint(3, 7)], slow=True)
    v.typed.append(("phone", a.phone))
    await v.pause(3.0, 6.0)
    v.label("form_abandon", "#phone")
    await flows.leave(v)


async def u_turn(v: Visitor, a: Applicant) -> None:
    """Reaches the offer, goes straight back to the income step, then returns to the offer
    and accepts it."""
    await flows.open_site(v)
    await flows.start_application(v, v.rng.randrange(5_000, 35_000, 500))
    await flows.do_steps(v, a, ["details", "income"])
    await v.pause(0.8, 1.8)
    v.label("u_turn", "", now_ms())
    await v.page.go_back(wait_until="load")
    await v.pause(2.0, 4.0)
    if not await v.page.evaluate("() => document.getElementById('income-doc').files.length"):
        await flows.fill_income(v, a)
        await flows.upload_document(v, a)
    await flows.submit_income(v)
    await flows.through_to_complete(v, a, "offer")
    await flows.leave(v)


async def toggler(v: Visitor, a: Applicant) -> None:
    """Can't decide on a term: flips the 36/48/60-month choice back and forth many times,
    then accepts."""
    await flows.open_site(v)
    await flows.start_application(v, v.rng.randrange(10_000, 45_000, 1_000))
    await flows.do_steps(v, a, ["details", "income"])
    await v.pause(1.0, 2.0)
    pair = v.rng.sample(["#term-36", "#term-48", "#term-60"], 2)
    first = 0
    for i in range(v.rng.randint(6, 10)):
        t = await v.click(pair[i % 2])
        first = first or t
        await v.pause(0.5, 1.4)
    v.label("toggling", "#term-toggle", first)
    await flows.accept_offer(v)
    await flows.through_to_complete(v, a, "esign")
    await flows.leave(v)


async def _sticky(v: Visitor, sel: str) -> None:
    """Click something in the sticky header or the floating advisor button."""
    if sel.startswith("#nav-") and v.viewport.width <= 960:
        t = await v.click("#menu-toggle", fixed=True)
        v.label("sticky_click", "#menu-toggle", t)
        await v.pause(0.4, 0.9)
    t = await v.click(sel, fixed=True)
    v.label("sticky_click", sel, t)
    await v.pause(1.0, 2.2)


async def sticky_clicker(v: Visitor, a: Applicant) -> None:
    """Uses the sticky header and the floating Contact advisor button from all over the page:
    jumps to rates and FAQ mid-scroll, opens the advisor panel on the offer."""
    await flows.open_site(v)
    await v.scroll_to_fraction(0.35)
    await _sticky(v, "#nav-rates")
    await v.scroll_to_fraction(0.7)
    await _sticky(v, "#nav-faq")
    await _sticky(v, "#advisor-fab")
    await v.click("#advisor-close")
    await v.scroll_to_fraction(0.0)
    await flows.start_application(v, v.rng.randrange(5_000, 30_000, 500))
    await flows.do_steps(v, a, ["details", "income"])
    await v.scroll_to_fraction(0.55)
    await _sticky(v, "#advisor-fab")
    await v.click("#advisor-callback")
    await v.pause(1.0, 2.0)
    await _sticky(v, "#advisor-fab")  # closes the panel again
    await flows.accept_offer(v)
    await flows.through_to_complete(v, a, "esign")
    await flows.leave(v)


async def declines_consent(v: Visitor, a: Applicant) -> None:
    """Declines recording in the banner, then checks a rate and starts the form: nothing of
    this visit may reach the ingest endpoint."""
    await flows.open_site(v, consent=False)
    await flows.start_application(v, v.rng.randrange(3_000, 25_000, 500))
    await v.fill("#full-name", a.full_name, kind="name")
    await v.fill("#email", a.email, kind="email")
    await v.pause(1.0, 2.0)
    await flows.leave(v)


PERSONAS: dict[str, Persona] = {
    p.name: p
    for p in [
        Persona("fast_completer", fast_completer, 0.45),
        Persona("hesitant", hesitant, 1.4),
        Persona("abandon_income", abandon_income, 0.9),
        Persona("rage_clicker", rage_clicker, 0.6),
        Persona("dead_clicker", dead_clicker, 0.7),
        Persona("error_clicker", error_clicker, 0.7),
        Persona("failed_submit", failed_submit, 0.7),
        Persona("form_abandoner", form_abandoner, 0.9),
        Persona("u_turn", u_turn, 0.6),
        Persona("toggler", toggler, 0.6),
        Persona("sticky_clicker", sticky_clicker, 0.6),
        Persona("declines_consent", declines_consent, 0.6, False, False),
    ]
}
