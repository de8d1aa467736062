"""`make dev`: ``dagster dev`` that stops cleanly on Ctrl-C or SIGTERM to its process group.

A process started in the background by a non-interactive shell (``make dev &``, a supervisor,
a CI step) inherits SIGINT *ignored*, and ``dagster dev`` gives SIGTERM the handler SIGINT has:
both were then ignored and the UI, the daemon and the code server kept running. Restoring
Python's SIGINT handler first makes both signals stop it the way Ctrl-C does: it shuts down
the webserver, the daemon and the code server, then exits.

    .venv/bin/python scripts/dev.py -w workspace.yaml -h 127.0.0.1 -p 3000
"""

import signal
import sys

from dagster._cli import main

if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.argv = ["dagster", "dev", *sys.argv[1:]]
    sys.exit(main())
