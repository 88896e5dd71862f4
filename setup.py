"""Optional build step: compile the extraction engine's hot modules with mypyc.

Everything else about the package is in pyproject.toml. By default (``pip install .``,
``pip install -e .``, ``make setup``) the build is pure Python. With ``XXGK_COMPILE=1``
and mypyc importable in the build environment (``make setup-fast`` installs the
``compile`` extra and builds with ``--no-build-isolation``), the modules in ``HOT`` are
compiled to C extensions that sit beside their ``.py`` sources in the installed package
and take precedence over them. See benchmarks/README.md, "Compiled build".

Compiling is never required: if mypyc is missing, or the C compiler or Python headers
are, or the compile fails, the build warns and installs the same package as pure
Python. It also refuses to compile into an editable install, where the extensions would
land in the source tree and shadow an edited ``.py`` until rebuilt.
"""

from __future__ import annotations

import os
import sys

from setuptools import setup
from setuptools.command.build_ext import build_ext

# Where extraction spends its time (benchmarks/README.md). Only these are compiled.
HOT = [
    "extract/cells.py",
    "extract/tables.py",
    "extract/values.py",
    "extract/report.py",
    "extract/identity.py",
    "extract/decode.py",
    "extract/html.py",
    "extract/totals.py",
    "extract/glued.py",
    "extract/orphans.py",
    "transform/labels.py",
    "transform/checks.py",
    "transform/keys.py",
    "transform/template.py",
]


def _warn(message: str) -> None:
    print(f"xxgk setup.py: {message}; installing pure Python", file=sys.stderr)


class OptionalBuildExt(build_ext):
    """build_ext that falls back to pure Python instead of failing the install."""

    def run(self) -> None:
        if getattr(self, "editable_mode", False) or self.inplace:
            _warn("no compiled modules in an editable install")
            self.extensions = []
            return
        try:
            super().run()
        except Exception as exc:  # no compiler, no headers, a mypyc error...
            _warn(f"compiling failed ({exc})")
            self._remove_outputs()
            self.extensions = []

    def get_outputs(self) -> list[str]:
        return [path for path in super().get_outputs() if os.path.exists(path)]

    def _remove_outputs(self) -> None:
        # All or nothing: a module's shim without the shared library cannot import.
        for ext in self.extensions:
            path = self.get_ext_fullpath(ext.name)
            if os.path.exists(path):
                os.remove(path)


def _extensions() -> list:
    if os.environ.get("XXGK_COMPILE") != "1":
        return []
    if not {"bdist_wheel", "build", "build_ext"} & set(sys.argv):
        return []  # pip also runs this file for metadata: type-check only to build
    try:
        from mypyc.build import mypycify
    except ImportError:
        _warn("XXGK_COMPILE=1 but mypyc is not installed (pip install '.[compile]')")
        return []
    try:
        return mypycify(HOT, opt_level="3")
    except (Exception, SystemExit) as exc:  # mypyc exits on a type error
        _warn(f"mypyc failed ({exc})")
        return []


setup(ext_modules=_extensions(), cmdclass={"build_ext": OptionalBuildExt})
