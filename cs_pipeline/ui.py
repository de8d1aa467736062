"""The Dagster UI as a program sees it: start ``dagster-webserver`` and ask its GraphQL API.

Used by ``scripts/screenshots.py`` and ``tests/test_ui.py``; ``make dev`` starts the UI for
people.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cs_pipeline.config import PROJECT_ROOT

BIN = Path(sys.executable).parent

# Every asset, with what the data team reads first: owners, description, latest row count.
ASSETS_QUERY = """
{
  assetNodes {
    assetKey { path }
    description
    groupName
    owners {
      ... on TeamAssetOwner { team }
      ... on UserAssetOwner { email }
    }
    assetMaterializations(limit: 1) {
      runId
      metadataEntries {
        label
        ... on IntMetadataEntry { intValue }
      }
    }
  }
}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def webserver(env: Mapping[str, str], timeout: float = 180) -> Iterator[str]:
    """``dagster-webserver`` for cs360's code location on a free local port, with ``env``
    (its ``DAGSTER_HOME``); yields its URL and stops its process group afterwards."""
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "dagster-webserver"), "-m", "cs_pipeline.definitions", "-h", "127.0.0.1",
         "-p", str(port)],
        cwd=PROJECT_ROOT, env=dict(env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/server_info", timeout=5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("dagster-webserver did not start") from None
                time.sleep(1)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def graphql(url: str, query: str) -> dict[str, Any]:
    """The ``data`` of a GraphQL query to the UI's API; raises on GraphQL errors."""
    request = urllib.request.Request(
        f"{url}/graphql", data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"}, method="POST",
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        body = json.load(response)
    if body.get("errors"):
        raise RuntimeError(f"GraphQL errors: {body['errors']}")
    return body["data"]
