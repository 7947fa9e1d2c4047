"""``python -m sentiment_lib`` runs the command line."""

import sys

from .cli import main

sys.exit(main())
