"""`python -m kiosk` runs the `pathstone` command."""

import sys

from kiosk.cli import main

sys.exit(main())
