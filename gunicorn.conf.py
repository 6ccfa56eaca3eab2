"""gunicorn's settings for production: `gunicorn -c gunicorn.conf.py wsgi:app` (README).

Worker class gthread, many threads: every open page holds one server-sent-events stream (the
message centre's live badge, app/notifications/feed.py), which is a request that lasts minutes.
A thread per stream costs a little memory and nothing else while it waits (it blocks on its
queue; the process's one feed thread listens for the database's NOTIFY and wakes it), so 2
workers x 256 threads hold 200+ open pages on a 2-core machine with room for the ordinary
requests beside them. gevent would hold thousands, but it monkeypatches the standard library
under psycopg's pipelines, the engine's sandbox watchdog and the SMTP client, and a CPU-bound
step would stall every stream of its worker; threads need none of that. Past ~400 open pages
per worker, raise MINQING_GUNICORN_THREADS (or add workers) before reaching for gevent.

A stream holds no database connection while it waits, so the pool (DB_* settings) is sized
for the ordinary requests, not for the threads.
"""

import multiprocessing
import os

bind = os.environ.get("MINQING_BIND", "127.0.0.1:8000")
# One worker per core: the work is CPU (the engine, rendering) and the database.
workers = int(os.environ.get("MINQING_GUNICORN_WORKERS", multiprocessing.cpu_count()))
worker_class = "gthread"
threads = int(os.environ.get("MINQING_GUNICORN_THREADS", "256"))
# gthread's limit of open client connections per worker (streams and keep-alive included).
worker_connections = int(os.environ.get("MINQING_GUNICORN_CONNECTIONS", "1000"))
# A request's own limit; the streams are not held to it (gthread's worker keeps telling the
# arbiter it is alive while its threads serve), and end themselves after SSE_MAX_SECONDS.
timeout = 30
# A stopping worker waits this long for its requests: an open stream is cut after it, and the
# page reconnects to another worker with Last-Event-ID.
graceful_timeout = 10
keepalive = 5
# Empty: no access log.
accesslog = os.environ.get("MINQING_ACCESS_LOG", "-") or None
# The app is created in each worker, after the fork: the feed's thread belongs to its process.
preload_app = False


def post_worker_init(worker):
    """A worker told to stop ends its open streams first (their pages reconnect, to another
    worker, with Last-Event-ID) instead of waiting graceful_timeout for them."""
    import signal

    from app.notifications import feed
    from app.wallboard import live

    stop = worker.handle_exit

    def end_streams_then_stop(signum, frame):
        feed.hub(worker.wsgi).end_streams()
        live.hub(worker.wsgi).end_streams()
        stop(signum, frame)

    signal.signal(signal.SIGTERM, end_streams_then_stop)
