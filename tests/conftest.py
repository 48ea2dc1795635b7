"""Suite-wide settings: encoded audio is cached in a folder of this test
session (never the user's ~/.cache)."""
import os
import subprocess
import sys

import pytest


@pytest.fixture(autouse=True, scope="session")
def _audio_cache(tmp_path_factory):
    os.environ["LAVA_DELAYS_CACHE"] = str(tmp_path_factory.mktemp("audio_cache"))
    yield


@pytest.fixture
def fresh_python():
    """``run(code)``: ``code`` in a new interpreter (a process that has not
    imported anything yet, as a user's script); fails with its stderr."""
    def run(code: str) -> None:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
    return run
