"""Shared test set-up.

Networks are small and runs short; expensive simulations are module- or session-scoped
fixtures shared by several tests. ``DEVICES`` lists the devices the device-parametrised tests
run on (runtime and cpp_standalone by default; ``SPIKEMOD_TEST_DEVICES=runtime`` to skip the
C++ builds when iterating). Standalone builds go to a per-session temporary directory.
"""

import os

import pytest

DEVICES = os.environ.get("SPIKEMOD_TEST_DEVICES", "runtime,cpp_standalone").split(",")


@pytest.fixture(scope="session")
def model():
    from spikemod.params import load_model
    return load_model()


@pytest.fixture(scope="session")
def build_root(tmp_path_factory):
    return tmp_path_factory.mktemp("builds")


@pytest.fixture(scope="session", autouse=True)
def _isolated_build_cache(tmp_path_factory):
    """Protocols run by the tests build into a temporary cache, not the user's."""
    old = os.environ.get("SPIKEMOD_BUILD_DIR")
    os.environ["SPIKEMOD_BUILD_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if old is None:
        os.environ.pop("SPIKEMOD_BUILD_DIR", None)
    else:
        os.environ["SPIKEMOD_BUILD_DIR"] = old
