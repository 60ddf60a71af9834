"""The words the reply bot and its training share, stated once.

The run-time side (``bot/replies/``) owns them; the learning side (``bot/learning/``)
imports them from here, never the other way round.

- The audiences: one guide each; ``index`` is the Introduction, linked when no guide fits.
- How much of a post each reader sees. Two readers, two different limits:
  ``features.py`` (the n-grams and cues) and ``encoder.py`` (the sentence vector).
"""

from __future__ import annotations

AUDIENCES = ("highschool", "engineers", "researchers", "hackers", "index")
SPECIFIC_AUDIENCES = AUDIENCES[:-1]  # the guides for one kind of asker, not the Introduction

# The n-gram and cue features read this much of the title and of the body. The labelled
# data cuts bodies at FEATURE_BODY_CHARS, so scoring must see no more than training saw.
FEATURE_TITLE_CHARS = 400
FEATURE_BODY_CHARS = 3000
# The sentence encoder reads the title and this much of the start of the body (its token
# limit, ``EncoderSpec.max_tokens``, usually ends the text sooner). The cache of training
# vectors is keyed by that text, so a change re-encodes the posts it cuts.
ENCODER_BODY_CHARS = 2000
