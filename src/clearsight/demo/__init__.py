"""The demo: a loan-application site, recordings of real-browser personas on it,
and the loader that expands those recordings into a month of traffic."""
