"""Sample sizes of the induction claims per profile."""

from dataclasses import dataclass

from lmclaims.profiles import by_profile


@dataclass(frozen=True)
class InductionSizes:
    seqs: int  # repeated random-token sequences
    copy_len: int  # length of one copy (a sequence is twice this, plus BOS)


SIZES = by_profile(smoke=InductionSizes(seqs=16, copy_len=16),
                   standard=InductionSizes(seqs=32, copy_len=32),
                   full=InductionSizes(seqs=200, copy_len=64))
