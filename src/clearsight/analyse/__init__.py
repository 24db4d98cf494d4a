"""Analyses over stored rows: portable SQL built here, run by whichever store is configured."""
