"""Reference data every page and API client looks things up in: departments, case types,
categories, limits, the calendar."""
