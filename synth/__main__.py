"""``python -m synth``: write a synthetic corpus (see ``synth.corpus.main``)."""

from __future__ import annotations

import sys

from .corpus import main

sys.exit(main())
