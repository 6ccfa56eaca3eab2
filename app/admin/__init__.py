"""Administration: the organisation (departments, users and roles), the reference data (case
types, their time limits, categories) and the holiday calendar.

Every write here checks that its actor administers (app/auth/policy.py), checks its input
fully before it changes anything, writes an audit_log row (who, when, client address; never a
password) and commits once: a refusal changes nothing. Pages call these; a view holds no rule.
"""
