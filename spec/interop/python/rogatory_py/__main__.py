"""``python -m rogatory_py``: the interop peer's command line (see cli.py)."""

import sys

from .cli import main

sys.exit(main())
