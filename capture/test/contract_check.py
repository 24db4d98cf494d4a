"""Checks captured POST bodies against the wire contract in events.py.

Reads JSON from stdin: {"ingest": [raw body, ...], "consent": [raw body, ...]}.
Decoding with the server's own msgspec structs catches wrong types, tags
and envelope fields; comparing each event's keys with its struct's fields
catches misspelled or invented fields, which msgspec would silently ignore.
Prints one line per problem and exits 1 if there is any.
"""

import importlib.util
import json
import sys
from pathlib import Path

import msgspec

path = Path(__file__).resolve().parents[2] / "src" / "clearsight" / "events.py"
spec = importlib.util.spec_from_file_location("events", path)
events = importlib.util.module_from_spec(spec)
sys.modules["events"] = events
spec.loader.exec_module(events)

# The brief asks every event to carry the page's url; Identify and
# Experiment have no url field, and the server ignores it there.
TOLERATED = {"identify": {"url"}, "experiment": {"url"}}

tags = {}
for cls in events.InteractionEvent.__args__:
    info = msgspec.inspect.type_info(cls)
    tags[info.tag] = {f.encode_name for f in info.fields} | {"t"}

data = json.load(sys.stdin)
problems = []
for raw in data["ingest"]:
    try:
        msgspec.json.decode(raw.encode(), type=events.Batch)
    except msgspec.ValidationError as e:
        problems.append(f"Batch: {e}")
        continue
    for ev in json.loads(raw)["events"]:
        extra = set(ev) - tags.get(ev.get("t"), set()) - TOLERATED.get(ev.get("t"), set())
        if extra:
            problems.append(f"{ev.get('t')}: unknown fields {sorted(extra)}")
for raw in data["consent"]:
    try:
        msgspec.json.decode(raw.encode(), type=events.ConsentDecision)
    except msgspec.ValidationError as e:
        problems.append(f"ConsentDecision: {e}")

for p in sorted(set(problems)):
    print(p)
sys.exit(1 if problems else 0)
