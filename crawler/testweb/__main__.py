"""`python -m crawler.testweb serve|truth|seeds ...`, the same as `linkgraph testweb ...`."""

import sys

from crawler.testweb.command import main

sys.exit(main())
