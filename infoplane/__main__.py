"""``python -m infoplane``: the ``infoplane`` command."""

import sys

from infoplane.cli import main

sys.exit(main())
