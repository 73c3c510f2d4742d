"""Patchwork-compatible REST API (CLIENTS.md section 1): git-pw and pwclient, unmodified."""
