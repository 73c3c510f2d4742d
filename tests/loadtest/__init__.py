"""``make loadtest``: many concurrent HTTP clients against `make serve` on linux-rtc."""
