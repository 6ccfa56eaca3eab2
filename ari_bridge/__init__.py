"""The Asterisk ARI bridge (`python -m ari_bridge`): turns phone calls into call records and
cases.

It speaks to Asterisk only through ARI (REST + the events WebSocket, with the asyncari client)
and to the web app only through its JSON API (`/api/v1/telephony`, with the `ari_bridge`
service account's token). It imports neither `app` nor `ari_peer`.

Modules: settings (the environment), spool (the durable log of writes to the web app and
the kept config), webapp (the JSON API client), sender (replays the spool in order), config
(the menu, schedule and blacklist, reloaded by ETag), ari (the connection loop, reconnects,
event routing), call (one call's channels and media), flow (the IVR: menu, voicemail,
status query, announcement, transfer), acd (queues by skill group, agents, survey),
commands (callback, conference, transfer from the pages), service (ties them together).
"""
