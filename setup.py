"""Package discovery for setuptools; all other metadata and options are in setup.cfg.

The model files and the protocols stay at the top of the repository (``models/``,
``protocols/``: the source of truth, edited in place) and are mapped into the package as
``spikemod.models`` and ``spikemod.protocols``. A wheel carries them inside ``spikemod/``; an
editable install (``make test``) maps the two names onto the repository's directories. The
library finds both through ``importlib.resources`` (``spikemod.params.MODELS_DIR``,
``spikemod.protocol.PROTOCOLS_DIR``), never relative to the repository. This file exists because
setup.cfg cannot combine ``find:`` (every ``spikemod.*`` subpackage, present and future) with
the two mapped packages.
"""

from setuptools import find_packages, setup

DATA_PACKAGES = {"spikemod.models": "models", "spikemod.protocols": "protocols"}

setup(
    packages=find_packages(include=["spikemod", "spikemod.*"]) + list(DATA_PACKAGES),
    package_dir=DATA_PACKAGES,
    package_data={"spikemod": ["py.typed"], "spikemod.models": ["*.toml"]},
)
