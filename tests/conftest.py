"""Suite-wide settings: encoded audio is cached in a folder of this test
session (never the user's ~/.cache)."""
import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _audio_cache(tmp_path_factory):
    os.environ["LAVA_DELAYS_CACHE"] = str(tmp_path_factory.mktemp("audio_cache"))
    yield
