"""The product surface over HTTP: JSON read API, server-rendered pages, static assets."""
