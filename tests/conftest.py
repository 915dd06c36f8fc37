"""Shared test set-up.

Networks are small and runs short; expensive simulations are module- or session-scoped
fixtures shared by several tests. ``DEVICES`` lists the devices the device-parametrised tests
run on (runtime and cpp_standalone by default; ``SPIKEMOD_TEST_DEVICES=runtime`` to skip the
C++ builds when iterating). Standalone builds go to a per-session temporary directory.

Tiers: the tests that take minutes are marked ``slow`` here, centrally (:data:`SLOW`, and every
case parametrised on a standalone device), so the test files stay as they are: ``make
test-fast`` (``pytest -m "not slow"``) is the quick loop, ``make test`` runs everything.
"""

import os

import pytest

DEVICES = os.environ.get("SPIKEMOD_TEST_DEVICES", "runtime,cpp_standalone").split(",")

#: node-id prefixes (file::test name) of the slow tests: the paper's claims through the CLI at
#: claim scale, C++/CUDA builds, sweeps on a Dask cluster, the wheel install
SLOW = (
    "test_network.py::test_claim",                          # claims 1-6 and the claims table
    "test_devices.py::test_rerun_with_new_values_equals_fresh_build",   # compile-once grid
    "test_devices.py::test_seed_changes_without_rebuild",
    "test_devices.py::test_rerun_does_not_recompile",
    "test_devices.py::test_runtime_device_gives_same_values",
    "test_devices.py::test_build_run_elsewhere_collect_equals_direct_run",
    "test_devices.py::test_build_cuda_compiles_for_sm90",
    "test_sweep.py::test_kill9_then_resume_every_point_once",
    "test_sweep.py::test_standalone_sweep_compiles_once_and_workers_share_the_build",
    "test_neuromod_protocols.py::test_lc_burst",
    "test_wheel.py::",
)

#: parameter values that mean a standalone build
_STANDALONE = {"cpp_standalone", "cuda_standalone"}


def pytest_collection_modifyitems(config, items):
    slow = pytest.mark.slow
    for item in items:
        node = item.nodeid.rsplit("/", 1)[-1]               # file::test[params]
        params = getattr(getattr(item, "callspec", None), "params", {})
        if node.startswith(SLOW) or _STANDALONE & {v for v in params.values()
                                                   if isinstance(v, str)}:
            item.add_marker(slow)


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
