"""onodig: avoidable (failure) demand in a Swedish municipality's contact-centre and e-service logs.

The one import root. The packages under it live in the checkout's top-level folders (``pipelines/``,
``assets/``, ``classifiers/``, ...), mapped here by ``pyproject.toml``; installed, they sit under
``onodig/`` like any package. Kept free of imports, so that ``onodig --help`` starts at once.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("onodig")
except PackageNotFoundError:  # imported from a checkout that was never installed
    __version__ = "0+unknown"
