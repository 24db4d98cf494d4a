"""The demo's journeys: its funnel, segments and experiment, a loan-system export to
import, and the shaping of expanded traffic so the seeds' story shows up.

The seeds' story: a personal-loans team found the drop-off at income
verification concentrated in loans above $20K only after segmenting by amount
tier. The shipped recordings hold the behaviour (``abandon_income`` asks for a
large loan and leaves at income verification); this module makes the amounts
consistent with each persona and the customer records consistent with the
amounts:

- every identified session gets a requested amount drawn from its persona's
  range (the ranges ``personas.py`` uses), its ``amount_tier`` trait set to
  that amount's tier, and a customer from ``customers.csv`` (a synthetic
  loan-system export, imported by the demo loader) with the same tier;
- a few sessions of every persona leave at income verification anyway (3 %),
  so the smaller tiers show a realistic, small drop-off there;
- offer layout A loses 16 % of its sessions at the offer, B 6 %, so the
  experiment has an effect to find;
- the loan system reports ``approved`` and (mostly) ``disbursed`` for completed
  applications, hours later, as server-side events.
"""

from __future__ import annotations

import csv
import io
import random
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import msgspec

from clearsight import events as ev
from clearsight.analyse import customer_data, experiments, funnels, imports, segments
from clearsight.analyse.segments import Condition, Segment
from clearsight.store.base import EventStore
from clearsight.store.control import ControlPlane
from clearsight.store.rows import path_of, rrweb_time_range

CUSTOMERS = "customers.csv"
FUNNEL = funnels.Funnel(
    "loan-application",
    "Loan application",
    [
        funnels.Step("Application start", url="/demo/apply/details"),
        funnels.Step("Income verification", url="/demo/loan/*/income"),
        funnels.Step("Offer", url="/demo/loan/*/offer"),
        funnels.Step("E-sign", url="/demo/loan/*/esign"),
        funnels.Step("Disbursement", url="/demo/loan/*/disbursement"),
        funnels.Step("Funds disbursed (loan system)", server="disbursed"),
    ],
    window_minutes=7 * 24 * 60,
    description="The five loan steps, ending with the loan system's disbursement event.",
)
SEGMENTS = [
    Segment(
        "large-loans",
        "Loans above $20K",
        "Loan-system export: requested amount above $20,000",
        [Condition("import.loan_amount_tier", "is", ">20k")],
    ),
    Segment(
        "existing-customers",
        "Existing customers",
        "identify() trait client_profile",
        [Condition("trait.client_profile", "is", "existing_customer")],
    ),
    Segment("mobile", "Mobile", "Phones, by viewport", [Condition("device", "is", "mobile")]),
]

# Requested amounts per persona, as the personas ask for them (demo/personas.py).
AMOUNTS: dict[str, tuple[int, int]] = {
    "fast_completer": (3_000, 20_000),
    "hesitant": (8_000, 45_000),
    "abandon_income": (21_000, 50_000),
    "rage_clicker": (6_000, 32_000),
    "dead_clicker": (2_000, 26_000),
    "error_clicker": (5_000, 40_000),
    "failed_submit": (4_000, 30_000),
    "u_turn": (5_000, 35_000),
    "toggler": (10_000, 45_000),
    "sticky_clicker": (5_000, 30_000),
}
# Where visitors come from: the recordings all open /demo/ directly.
SOURCES = [
    ("", "", 45),
    ("https://www.google.com/", "", 28),
    ("https://www.linkedin.com/", "", 9),
    ("https://mail.example.com/", "utm_source=newsletter&utm_medium=email", 12),
    ("https://www.ratecompare.example/personal-loans", "", 6),
]
LEAVE_AT_INCOME = 0.03
LEAVE_AT_OFFER = {"A": 0.16, "B": 0.06}
DISBURSED = 0.93
_INCOME = re.compile(r"/demo/loan/[^/]+/income$")
_OFFER = re.compile(r"/demo/loan/[^/]+/offer$")


class _Frame(msgspec.Struct):
    timestamp: int = 0


_rrweb = msgspec.json.Decoder(list[msgspec.Raw])
_frame = msgspec.json.Decoder(_Frame)
_encode = msgspec.json.Encoder().encode


def amount_tier(amount: int) -> str:
    """The site's tiers (``amountTier`` in demo/site/site.js)."""
    return "<5k" if amount < 5_000 else "5k-20k" if amount <= 20_000 else ">20k"


def customers_csv() -> bytes:
    return (resources.files("clearsight.demo") / CUSTOMERS).read_bytes()


def customers_by_tier(data: bytes) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for row in csv.DictReader(io.StringIO(data.decode())):
        out.setdefault(row["loan_amount_tier"], []).append(row["customer_id"])
    return out


def setup(control: ControlPlane, project: str) -> None:
    """The demo's saved funnel, segments and experiment settings (kept if already there)."""
    if funnels.saved(control).get(project, FUNNEL.id) is None:
        funnels.saved(control).put(project, FUNNEL.id, FUNNEL)
    for segment in SEGMENTS:
        if segments.saved(control).get(project, segment.id) is None:
            segments.saved(control).put(project, segment.id, segment)
    if not control.settings.all(project).get("exp:offer-layout"):
        experiments.save_settings(
            control, project, "offer-layout", experiments.Settings(funnel=FUNNEL.id)
        )


@dataclass
class Shaper:
    """``expand(reshape=...)``: shapes each expanded session, and collects the loan
    system's events for the sessions that completed."""

    now_ms: int
    seed: int = 7
    rng: random.Random = field(init=False)
    pool: dict[str, list[str]] = field(init=False)
    events: list[customer_data.ServerEvent] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed * 7919 + 3)
        self.pool = customers_by_tier(customers_csv())

    def __call__(self, persona: str, batches: list[ev.Batch]) -> list[ev.Batch]:
        low, high = AMOUNTS.get(persona, (3_000, 30_000))
        tier = amount_tier(self.rng.randrange(low, high + 1, 500))
        customer = self.rng.choice(self.pool[tier])
        batches = [_identify(b, customer, tier) for b in batches]
        ref, query, _ = self.rng.choices(SOURCES, [w for _, _, w in SOURCES])[0]
        batches = _arrive(batches, ref, query)
        if persona != "abandon_income" and self.rng.random() < LEAVE_AT_INCOME:
            return truncate(batches, _INCOME, self.rng.uniform(0.3, 0.8)) or batches
        variant = _variant(batches)
        if variant and self.rng.random() < LEAVE_AT_OFFER.get(variant, 0.0):
            return truncate(batches, _OFFER, self.rng.uniform(0.3, 0.8)) or batches
        self._loan_system(batches, customer)
        return batches

    def _loan_system(self, batches: list[ev.Batch], customer: str) -> None:
        done = [
            e.ts
            for b in batches
            for e in b.events
            if isinstance(e, ev.PageView) and path_of(e.url).endswith("/complete")
        ]
        if not done or not any(isinstance(e, ev.Identify) for b in batches for e in b.events):
            return
        approved = done[0] + self.rng.randrange(5, 60) * 60_000
        disbursed = approved + self.rng.randrange(2 * 60, 48 * 60) * 60_000
        for name, ts, happens in (("approved", approved, True), ("disbursed", disbursed, None)):
            if ts <= self.now_ms and (happens or self.rng.random() < DISBURSED):
                self.events.append(customer_data.ServerEvent(customer, name, ts))


def _identify(b: ev.Batch, customer: str, tier: str) -> ev.Batch:
    if not any(isinstance(e, ev.Identify) for e in b.events):
        return b
    events = [
        msgspec.structs.replace(e, uid=customer, traits=e.traits | {"amount_tier": tier})
        if isinstance(e, ev.Identify)
        else e
        for e in b.events
    ]
    return msgspec.structs.replace(b, events=events)


def _arrive(batches: list[ev.Batch], ref: str, query: str) -> list[ev.Batch]:
    """The first page view came from ``ref``, with ``query`` on its URL."""
    for n, b in enumerate(batches):
        views = [e for e in b.events if isinstance(e, ev.PageView)]
        if views:
            first = views[0]
            url = f"{first.url}{'&' if '?' in first.url else '?'}{query}" if query else first.url
            entry = msgspec.structs.replace(first, ref=ref, url=url)
            events = [entry if e is first else e for e in b.events]
            return [*batches[:n], msgspec.structs.replace(b, events=events), *batches[n + 1 :]]
    return batches


def _variant(batches: list[ev.Batch]) -> str:
    found = [e.variant for b in batches for e in b.events if isinstance(e, ev.Experiment)]
    return found[0] if found else ""


def truncate(batches: list[ev.Batch], page: re.Pattern[str], share: float) -> list[ev.Batch] | None:
    """The session as if the visitor left ``share`` of the way through their first view
    of ``page``: later events and rrweb frames dropped. None when the page is never seen."""
    views = [e for b in batches for e in b.events if isinstance(e, ev.PageView)]
    starts = [e.ts for e in views if page.search(path_of(e.url))]
    if not starts:
        return None
    start = starts[0]
    after = [e.ts for e in views if e.ts > start]
    end = min(after) if after else max(e.ts for b in batches for e in b.events)
    cutoff = start + int((end - start) * share)
    out = []
    for b in batches:
        kept = _cut(b, cutoff)
        if kept is None:
            break
        out.append(kept)
    return out


def _cut(b: ev.Batch, cutoff: int) -> ev.Batch | None:
    raw = bytes(b.rrweb)
    first, last, _ = rrweb_time_range(raw)
    stamps = [e.ts for e in b.events] + ([first, last] if first else [])
    if stamps and min(stamps) > cutoff:
        return None
    if not stamps or max(stamps) <= cutoff:
        return b
    frames = [f for f in _rrweb.decode(raw) if _frame.decode(f).timestamp <= cutoff]
    return msgspec.structs.replace(
        b,
        events=[e for e in b.events if e.ts <= cutoff],
        rrweb=msgspec.Raw(_encode(frames)),
    )


def load_customer_data(
    store: EventStore, control: ControlPlane, project: str, secret: bytes, shaper: Shaper | None
) -> dict[str, Any]:
    """Import the loan-system export, post the loan system's events, refresh segments."""
    options = imports.Options(fmt="csv", source="loan-system")
    report = imports.run_import(store, project, secret, customers_csv(), options)
    stored = 0
    if shaper is not None and shaper.events:
        stored = customer_data.record(store, secret, project, shaper.events).stored
    members = segments.refresh_project(store, control, project)
    return {"imported": report.imported, "server_events": stored, "segments": members}
