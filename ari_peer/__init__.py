"""A simulated Asterisk 22 ARI server for the tests and the local demo (our own rendition).

`ari_peer.testing.Peer` runs it in a thread for tests; `python -m ari_peer serve` is the demo's
Asterisk and `python -m ari_peer call` its phone. It never imports `app` or `ari_bridge`.
"""
