"""Production server settings: `gunicorn -c gunicorn.conf.py terroir.wsgi` (behind a reverse proxy).

One process per core, as Python runs one thread at a time per process; two threads each, so that a
request waiting on the database does not hold the core. bench/search.py measures this configuration.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = "gthread"
threads = 2
# Searches answer in milliseconds; a request still running after this is stuck.
timeout = 30
loglevel = os.environ.get("LOG_LEVEL", "warning")
accesslog = os.environ.get("ACCESS_LOG") or None
