"""`cs360-dbt`: dbt's own command line, as cs360 runs it (a console script of this package).

The same dbt, arguments and exit code as the `dbt` script beside it, with two differences:

- **A warm dbt.** Importing dbt and its DuckDB adapter takes about 2 s of CPU, most of dbt's
  start-up. A run that will call dbt starts :class:`WarmDbt` when its resources are set up
  (cs_pipeline.dbt_project.CsDbtCliResource): a process that imports dbt while the ingest
  runs, then waits for one dbt command. `cs360-dbt`, started by dagster-dbt as dbt's
  executable, finds it through ``CS_DBT_SERVER`` and hands it its arguments, environment,
  working directory and its stdin/stdout/stderr (the file descriptors themselves, over a Unix
  socket), forwards the signals it gets (dagster-dbt stops dbt with SIGINT, cs360 with
  SIGTERM) and exits with dbt's exit code, or dies of dbt's signal, once that process has
  exited (so DuckDB's lock on the build file is released, as before). Without a warm process
  (none started, already used, or dead before it took the command), `cs360-dbt` runs dbt
  itself. One warm process serves one dbt command and never outlives the run that started it.
- **No final garbage collection.** The process leaves out the collection Python runs over all
  its objects on the way out. dbt holds the parsed project, its adapters and agate's tables;
  that last collection took 0.8-1.4 s between dbt's last log line and its exit, every dbt step
  (measured at 10 000 accounts; README, "Measured by hand"), for memory the OS takes back
  anyway. The atexit handlers still run (dbt's and DuckDB's: the build file is closed and
  checkpointed as before), and objects outside reference cycles are still released. The same
  freeze as cs_pipeline/definitions.py's.
"""

import atexit
import contextlib
import gc
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import traceback

SERVER_ENV = "CS_DBT_SERVER"
_CODE = struct.Struct("!i")


def _dbt_cli():  # noqa: ANN202 - dbt's click group
    from dbt.cli.main import cli

    return cli


def _warm_up() -> None:
    """What every `dbt build` of cs360 imports before its first node: dbt's command line and
    tasks, and the DuckDB adapter."""
    _dbt_cli()
    import dbt.adapters.duckdb  # noqa: F401
    import dbt.adapters.duckdb.impl  # noqa: F401
    import dbt.task.build  # noqa: F401


def main() -> None:
    # Registered before dbt is imported: atexit runs handlers last-registered first, so dbt's
    # own run before the freeze.
    atexit.register(gc.freeze)
    sys.argv[0] = sys.argv[0].removesuffix(".exe")
    if os.environ.get(SERVER_ENV):
        _run_on_warm_dbt(os.environ[SERVER_ENV])  # returns only when no warm process took it
    sys.exit(_dbt_cli()())


def _run_on_warm_dbt(path: str) -> None:
    """Hand this command to the warm process at ``path``; exit as dbt exits there. Returns
    when there is none, or it ended before taking the command (dbt then runs here)."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
        env = {k: v for k, v in os.environ.items() if k != SERVER_ENV}
        payload = json.dumps({"argv": sys.argv, "env": env, "cwd": os.getcwd()}).encode()
        socket.send_fds(conn, [_CODE.pack(len(payload))], [0, 1, 2])
        conn.sendall(payload)
        pid = _CODE.unpack(_recv_exactly(conn, _CODE.size))[0]  # the process dbt runs in
    except OSError:  # no warm process, or it ended before it took the command
        conn.close()
        return
    forwarded: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        forwarded.append(signum)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, forward)
    reply = b""
    while chunk := conn.recv(64):  # the exit code, then end of file once the process is gone
        reply += chunk
    if len(reply) >= _CODE.size:
        os._exit(_CODE.unpack(reply[: _CODE.size])[0])
    # Ended without an exit code: killed, by the signal forwarded to it or another.
    if forwarded:
        signal.signal(forwarded[-1], signal.SIG_DFL)
        os.kill(os.getpid(), forwarded[-1])
    os._exit(2)  # dbt's code for an unhandled error


def serve(path: str, listener_fd: int, parent_fd: int) -> None:
    """The warm process: import dbt, take one command on the listening socket, run it.

    ``parent_fd`` is the read end of a pipe whose write end only the run's process holds: its
    end of file (the run ended or died) ends this process while it waits."""
    atexit.register(gc.freeze)  # runs last: after _report, after dbt's and DuckDB's handlers
    code = [2]
    conn: list[socket.socket] = []
    done = threading.Event()

    def _report() -> None:  # after dbt's atexit handlers: DuckDB's connections are closed
        if conn:
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
            done.set()
            with contextlib.suppress(OSError):  # cs360-dbt is gone: nobody waits for it
                conn[0].sendall(_CODE.pack(code[0]))

    atexit.register(_report)
    listener = socket.socket(fileno=listener_fd)
    try:
        _warm_up()
        readable, _, _ = select.select([listener, parent_fd], [], [])
        if listener not in readable:
            return
        conn.append(listener.accept()[0])
    except KeyboardInterrupt:
        return
    finally:
        listener.close()  # one command: a later cs360-dbt finds no socket and runs dbt itself
        os.close(parent_fd)
        with contextlib.suppress(FileNotFoundError):  # close() of an ended run removed it
            os.unlink(path)
    _take(conn[0], done, code)


def _take(conn: socket.socket, done: threading.Event, code: list[int]) -> None:
    """Run the command of the `cs360-dbt` at the other end of ``conn`` as if this process
    were it: its stdin/stdout/stderr, working directory, environment and arguments."""
    head, fds, _, _ = socket.recv_fds(conn, _CODE.size, 3)
    head += _recv_exactly(conn, _CODE.size - len(head))
    request = json.loads(_recv_exactly(conn, _CODE.unpack(head)[0]))
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = request["argv"]
    conn.sendall(_CODE.pack(os.getpid()))  # dbt starts: signals go here from now on
    threading.Thread(target=_stop_with_client, args=(conn, done), daemon=True).start()
    try:
        _dbt_cli()()
    except SystemExit as exit_:
        if isinstance(exit_.code, int):
            code[0] = exit_.code
        elif exit_.code is None:
            code[0] = 0
        else:
            print(exit_.code, file=sys.stderr)
            code[0] = 1
    except BaseException:
        traceback.print_exc()
        code[0] = 1
    sys.exit(code[0])


def _stop_with_client(conn: socket.socket, done: threading.Event) -> None:
    """`cs360-dbt` sends nothing more: its end of the socket closes only when it exits. If it
    is gone before dbt finished (killed without a signal to forward), dbt stops too."""
    with contextlib.suppress(OSError):
        conn.recv(1)
    if not done.is_set():
        os.kill(os.getpid(), signal.SIGTERM)


def _recv_exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the other end closed the connection")
        data += chunk
    return data


class WarmDbt:
    """A warm dbt process for one run (see the module's docstring): started here, ended by
    :meth:`close` (or, should the run's process die, by the end of file of its pipe)."""

    def __init__(self) -> None:
        self._dir = tempfile.mkdtemp(prefix="cs360-dbt-")
        self.path = os.path.join(self._dir, "dbt.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.path)
        listener.listen(1)
        parent_end, self._parent = os.pipe()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", "import cs_pipeline.dbt_cli as d; "
                 f"d.serve({self.path!r}, {listener.fileno()}, {parent_end})"],
                pass_fds=(listener.fileno(), parent_end),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},  # as dagster-dbt starts dbt
                start_new_session=True,  # a Ctrl-C reaches dbt through cs360-dbt only
            )
        finally:
            listener.close()
            os.close(parent_end)

    @property
    def env(self) -> dict[str, str]:
        """What tells `cs360-dbt` where the warm process is."""
        return {SERVER_ENV: self.path}

    def close(self) -> None:
        """End the process (idle, or its dbt command done: the run is over) and remove its
        socket."""
        os.close(self._parent)
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self._dir, ignore_errors=True)


if __name__ == "__main__":
    main()
