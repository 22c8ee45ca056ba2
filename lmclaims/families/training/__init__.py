"""Models the suite trains itself (grokking, induction formation, plateau emergence, incidental polysemanticity): one trainer, a checkpoint cache, the tasks and their measurements."""
