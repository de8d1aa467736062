"""`cs360-dbt`: dbt's own command line, as cs360 runs it (a console script of this package).

The same dbt, arguments and exit code as the `dbt` script beside it, with one difference: the
process leaves out the garbage collection Python runs over all its objects on the way out. dbt
holds the parsed project, its adapters and agate's tables; that last collection took 0.8-1.4 s
between dbt's last log line and its exit, every dbt step (measured at 10 000 accounts;
docs/performance.md, "Measured by hand"), for memory the OS takes back anyway. The atexit
handlers still run (dbt's and DuckDB's: the build file is closed and checkpointed as before),
and objects outside reference cycles are still released. The same freeze as
cs_pipeline/definitions.py's.
"""

import atexit
import gc
import sys


def main() -> None:
    # Registered before dbt is imported: atexit runs handlers last-registered first, so dbt's
    # own run before the freeze.
    atexit.register(gc.freeze)
    from dbt.cli.main import cli

    sys.argv[0] = sys.argv[0].removesuffix(".exe")
    sys.exit(cli())


if __name__ == "__main__":
    main()
