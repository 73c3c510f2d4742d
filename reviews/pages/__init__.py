# SPDX-License-Identifier: AGPL-3.0-or-later
"""What each review page shows, fetched in a fixed number of queries.

Each function takes the parsed request values and returns a plain context
value for the template; views stay thin and tests can count queries here.
"""
