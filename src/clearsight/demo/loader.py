"""Loads the expanded demo traffic through the real ingest pipeline."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

from tqdm import tqdm

from clearsight.analyse.conversion import GOAL_KEY, Goal, goal_of
from clearsight.demo import journeys
from clearsight.demo.expand import expand, load_recordings
from clearsight.demo.surveys import ensure_demo_surveys, with_answers
from clearsight.ingest.accept import Ingestor
from clearsight.privacy.rules import RULES_KEY, PrivacyRules, check
from clearsight.privacy.secrets import project_secret
from clearsight.store.base import EventStore, SessionFilter
from clearsight.store.control import ControlPlane, Project

DEMO_PROJECT = "demo"
DEMO_KEY = "pk_demo_loans"
log = logging.getLogger("clearsight.demo")
# The lender's own public values, shown in unmasked copy on every page: its
# service number, the example IBAN in a field hint, a placeholder date.
DEMO_ALLOW_VALUES = ("800-555-0142", "+1 800 555 0142", "GB29 NWBK 6016 1331 9268 19", "1900-01-01")


def ensure_demo_project(control: ControlPlane) -> Project:
    project = control.project(DEMO_PROJECT) or control.create_project(
        DEMO_PROJECT, "Northwind Lending (demo)", key=DEMO_KEY
    )
    if not goal_of(control, DEMO_PROJECT).url_pattern:
        control.settings.set(
            DEMO_PROJECT, GOAL_KEY, Goal("/demo/loan/*/complete", "Application completed")
        )
    if RULES_KEY not in control.settings.all(DEMO_PROJECT):
        # Without these the server would catch the service number in every snapshot.
        control.settings.set(
            DEMO_PROJECT,
            RULES_KEY,
            check(PrivacyRules(allow_values=list(DEMO_ALLOW_VALUES))),
        )
    journeys.setup(control, DEMO_PROJECT)
    return project


def demo_sessions(store: EventStore) -> int:
    return store.list_sessions(SessionFilter(projects=(DEMO_PROJECT,), per_page=1)).total


def load_demo(
    control: ControlPlane,
    store: EventStore,
    ingestor: Ingestor,
    *,
    sessions: int,
    seed: int = 7,
    days: int = 30,
    progress: bool = True,
    keys_dir: Path | None = None,
) -> int:
    """Top the demo project up to ``sessions`` sessions. Returns how many were added.

    With ``keys_dir`` (where the tokenization secrets live), also import the demo's
    loan-system export, post its server-side events and refresh the saved segments."""
    ensure_demo_project(control)
    ensure_demo_surveys(control, DEMO_PROJECT)
    missing = sessions - demo_sessions(store)
    now = int(time.time() * 1000)
    shaper = journeys.Shaper(now, seed + sessions - missing) if keys_dir else None
    if missing > 0:
        _load(store, ingestor, missing, now, days, seed + sessions - missing, progress, shaper)
    if keys_dir is not None:
        secret = project_secret(keys_dir, DEMO_PROJECT)
        done = journeys.load_customer_data(store, control, DEMO_PROJECT, secret, shaper)
        log.info("demo: journeys %s", done)
    return max(0, missing)


def _load(
    store: EventStore,
    ingestor: Ingestor,
    missing: int,
    now: int,
    days: int,
    seed: int,
    progress: bool,
    shaper: journeys.Shaper | None,
) -> None:
    generated = with_answers(
        expand(load_recordings(), missing, now_ms=now, days=days, seed=seed, reshape=shaper), seed
    )
    bar = tqdm(
        total=missing,
        unit="session",
        desc="loading demo sessions",
        disable=None if progress else True,
        mininterval=1.0,
    )

    def bodies() -> Iterator[bytes]:
        for session in generated:
            yield from session
            bar.update(1)

    ingestor.bulk_load(bodies())
    bar.close()
