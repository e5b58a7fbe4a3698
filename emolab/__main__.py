import sys

from emolab.cli.main import main

sys.exit(main())
