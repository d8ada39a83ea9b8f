"""``python -m guabao_rules``."""

import sys

from guabao_rules.cli import main

sys.exit(main())
