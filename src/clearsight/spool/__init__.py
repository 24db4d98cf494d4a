"""The durable spool between ingest and the event store.

Accepted batches are appended to segment files and fsynced in groups; a batch
is acknowledged only after its group's fsync. A writer thread moves spooled
batches into the event store; on start, whatever the spool still holds is
replayed (the store skips batch ids it already has).
"""
