"""Panel batches: many recorded reactions to one ad, analysed in parallel into one study."""

from emolab.batch.reactions import Reaction, read_reactions
from emolab.batch.runner import ENGINES, BatchResult, Tally, default_workers, run_batch

__all__ = ["ENGINES", "BatchResult", "Reaction", "Tally", "default_workers", "read_reactions", "run_batch"]
