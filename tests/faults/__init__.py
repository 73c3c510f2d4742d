"""Fault tests: concurrent ingests, a killed ingest resumed, the database going away."""
