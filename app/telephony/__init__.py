"""Telephony (issue 11): the web app's side of the ARI bridge and the agents' phones.

The bridge (ari_bridge/, its own process) calls /api/v1/telephony (app/api/telephony.py) with
its service account; the pages call these services. One home per rule:

    calls.py         a call's record: the merge rule of repeated PUTs, its side effects
    agents.py        agents' states, skill groups, extensions; offering a call (ACD)
    config.py        what the bridge runs on: menu, schedule, calendar, blacklist (ETag)
    ivr.py           the IVR menu tree and service hours: validation, versions
    blacklist.py     numbers refused or told a message
    status_query.py  a case's status by keypad (number + query password), rate-limited
    voicemail.py     a voicemail becomes a case with the recording attached
    recordings.py    a call's recording stored and attached to its case
    commands.py      callbacks, conferences and transfers asked for by pages, taken by the bridge
"""
