"""Delivery of notifications beyond the message centre: e-mail (SMTP) and SMS (an HTTP
gateway), behind one interface (channels.py), fed by an outbox (outbox.py) that the action's
own transaction writes and a worker (`deliver_due`) sends, retries with backoff, and leaves
visible to the administrator when it fails."""
