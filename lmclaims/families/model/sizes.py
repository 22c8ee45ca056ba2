"""Sample sizes of the sanity claim (model.beats_unigram) per profile."""

from dataclasses import dataclass

from lmclaims.profiles import by_profile


@dataclass(frozen=True)
class UnigramSizes:
    docs: int  # evaluated documents (paired per document)
    tokens: int  # tokens per evaluated window


SIZES = by_profile(smoke=UnigramSizes(docs=16, tokens=32),
                   standard=UnigramSizes(docs=32, tokens=64),
                   full=UnigramSizes(docs=256, tokens=256))
