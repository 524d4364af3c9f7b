"""``python -m soundmosaic_local.cli``: the ``soundmosaic`` command."""

import sys

from soundmosaic_local.cli import main

sys.exit(main())
