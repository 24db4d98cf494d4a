"""Loads the expanded demo traffic through the real ingest pipeline."""

from __future__ import annotations

import time
from collections.abc import Iterator

from tqdm import tqdm

from clearsight.analyse.conversion import GOAL_KEY, Goal, goal_of
from clearsight.demo.expand import expand, load_recordings
from clearsight.demo.surveys import ensure_demo_surveys, with_answers
from clearsight.ingest.accept import Ingestor
from clearsight.store.base import EventStore, SessionFilter
from clearsight.store.control import ControlPlane, Project

DEMO_PROJECT = "demo"
DEMO_KEY = "pk_demo_loans"


def ensure_demo_project(control: ControlPlane) -> Project:
    project = control.project(DEMO_PROJECT) or control.create_project(
        DEMO_PROJECT, "Northwind Lending (demo)", key=DEMO_KEY
    )
    if not goal_of(control, DEMO_PROJECT).url_pattern:
        control.settings.set(
            DEMO_PROJECT, GOAL_KEY, Goal("/demo/loan/*/complete", "Application completed")
        )
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
) -> int:
    """Top the demo project up to ``sessions`` sessions. Returns how many were added."""
    ensure_demo_project(control)
    ensure_demo_surveys(control, DEMO_PROJECT)
    missing = sessions - demo_sessions(store)
    if missing <= 0:
        return 0
    generated = with_answers(
        expand(
            load_recordings(),
            missing,
            now_ms=int(time.time() * 1000),
            days=days,
            seed=seed + sessions - missing,
        ),
        seed + sessions - missing,
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
    return missing
