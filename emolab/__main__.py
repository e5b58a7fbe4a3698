import multiprocessing
import sys

from emolab.cli.main import main

# A frozen app's worker processes (emolab batch) start this script again: let them be workers.
multiprocessing.freeze_support()
sys.exit(main())
