"""Privacy filters run on every batch before it is stored.

``scrub.scrub`` masks PII in raw batches; ``tokenize``, ``network`` and
``urlrules`` hold the other filters. Import from the submodules.
"""
