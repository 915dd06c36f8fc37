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
#: claim scale, C++/CUDA builds, sweeps on a Dask cluster, the wheel install, and every test that
#: took over ~4 s on the project's 2-core machine (pytest --durations, 2026-12-04)
SLOW = (
    "test_network.py::test_claim",                          # claims 1-6 and the claims table
    "test_network.py::test_stdp_pair_rule_and_three_factor_gate",
    "test_network.py::test_synapses_land_on_their_compartment",
    "test_network.py::test_ring_is_w25_all_to_all_with_gaussian_weights",
    "test_devices.py::test_build_run_elsewhere_collect_equals_direct_run",
    "test_devices.py::test_build_cuda_compiles_for_sm90",
    "test_diffusion.py::test_grid_in_cpp_standalone_matches_runtime",
    "test_diffusion.py::test_solver_matches_point_source_after_10_steps",
    "test_sweep.py::",                                      # Dask clusters, protocol runs
    "test_rates.py::test_neural_mass_",
    "test_rates.py::test_meanfield_two_populations_match_network",
    "test_rates.py::test_meanfield_one_population_matches_network_runtime",
    "test_rates.py::test_meanfield_protocol_cli",
    "test_rates.py::test_rnn_neuromod_protocol_cli",
    "test_rates.py::test_rnn_protocol_refuses_bad_networks",
    "test_rates.py::test_transfer_fit_",
    "test_w25_reference.py::test_fi_gain_at_the_plateau_threshold_matches_w25",
    "test_w25_reference.py::test_single_cell_spike_train_is_w25s",
    "test_neuromod_protocols.py::test_lc_burst",
    "test_neuromod_protocols.py::test_dose_response_sigmoid",
    "test_neuromod_protocols.py::test_no_modulator_leaves_the_cell_unchanged",
    "test_neuromod_protocols.py::test_ne_inverted_u",
    "test_neuromod_protocols.py::test_ach_state",
    "test_shared_inputs.py::",
    "test_protocols_core.py::test_script_and_cli_are_the_same_code",
    "test_protocols_core.py::test_bac_writes_its_contract",
    "test_io_export.py::test_export_unknown_format_one_line",
    "test_io_export.py::test_nix_keeps_annotations_and_groups",
    "test_io_export.py::test_nwb_validates_and_reads_as_units_table",
    "test_bad_inputs.py::test_subprocess",                  # a fresh interpreter per case
    "test_rates.py::test_meanfield_protocol_refuses_bad_options",
    "test_cells.py::test_zero_coupling_reproduces_soma_alone_exactly",
    "test_connectivity.py::test_distance_profile_matches_kernel",
    "test_neuromod_protocols.py::test_neuropeptide_only_bursts_release",
    "test_trust_failures.py::test_ctrl_c_stops_a_multi_step_run_at_once",
    "test_trust_failures.py::test_force_replaces_the_whole_result",
    "test_trust_failures.py::test_out_below_a_file_subprocess",
    "test_trust_failures.py::test_outputs_respect_the_umask",
    "test_trust_parameters.py::test_provenance_records_what_was_applied",
    "test_trust_files.py::test_nwb_of_a_protocol_run_is_inspector_clean",
    "test_trust_files.py::test_nwbinspector_cli_reports_no_issue",
    "test_trust_files.py::test_nwb_of_a_circuit_protocol_names_each_units_copy",
    "test_wheel.py::",
    "test_w25_protocols.py::",                              # W25 detection and rivalry runs
)

#: module fixtures that take long to set up (every test using one is slow); "file::name" for a
#: name that other files use for something cheap
SLOW_FIXTURES = {"fi_by_device", "bac_runs", "rheobase_grid", "compiled_grid", "reference_net",
                 "reference_single", "relaxed", "vt_out", "test_metaplasticity.py::runs",
                 "test_modulated_perception.py::runs", "test_integration.py::runs"}

#: parameter values that mean a standalone build
_STANDALONE = {"cpp_standalone", "cuda_standalone"}


def pytest_collection_modifyitems(config, items):
    slow = pytest.mark.slow
    for item in items:
        node = item.nodeid.rsplit("/", 1)[-1]               # file::test[params]
        fixtures = set(item.fixturenames)
        fixtures |= {f"{node.split('::')[0]}::{f}" for f in fixtures}
        params = getattr(getattr(item, "callspec", None), "params", {})
        standalone = _STANDALONE & {v for v in params.values() if isinstance(v, str)}
        if node.startswith(SLOW) or standalone or SLOW_FIXTURES & fixtures:
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
