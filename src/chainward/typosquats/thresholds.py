# ruff: noqa: E501 - the generated table is wider than a line
"""The score at which each technique flags a name (generated: do not edit).

Written by ``python benchmarks/typosquat_cv.py --write``, which fits these thresholds on
all rows of the development data (``tests/data/typosquats/``) by the procedure in its
docstring, and cross-validates that procedure (folds by target and by technique):

Columns 'learned only' are the clean cross-validation: every combosquat filler is learned without the held-out rows. Columns 'learned + expert' add the expert list data/squat-words.txt (what ships); it was curated by hand from public reports of attacker naming habits, not chosen by cross-validation, and may overlap the development set, so those figures are not clean held-out figures (the learned part is still chosen per fold).

| measure | goal | learned only, CV by target | learned only, CV by technique | learned only, CV by name (info) | learned + expert, CV by target | learned + expert, CV by technique | learned + expert, CV by name (info) | learned + expert, fitted on all rows (not a test) |
|---|---|---|---|---|---|---|---|---|
| recall | >= 0.95 | 0.942 (550/584) MISS | 0.942 (550/584) MISS | 0.955 (558/584) | 0.973 (568/584) | 0.976 (570/584) | 0.978 (571/584) | 0.985 (575/584) |
| combosquat | >= 0.7 | 0.242 (8/33) MISS | 0.182 (6/33) MISS | 0.455 (15/33) MISS | 0.788 (26/33) | 0.788 (26/33) | 0.848 (28/33) | 0.909 (30/33) |
| edit distance 2 | >= 0.85 | 0.978 (44/45) | 0.978 (44/45) | 0.978 (44/45) | 0.978 (44/45) | 0.978 (44/45) | 0.978 (44/45) | 0.978 (44/45) |
| py-/python- affixes | >= 15/18 | 4/4 | 4/4 | 4/4 | 4/4 | 4/4 | 4/4 | 4/4 |
| version suffixes | >= 9/11 | 4/4 | 4/4 | 4/4 | 4/4 | 4/4 | 4/4 | 4/4 |
| word reorder | >= 6/8 | 1/1 | 1/1 | 1/1 | 1/1 | 1/1 | 1/1 | 1/1 |
| hard negatives flagged, --trusted-top 5000 | <= 8% | 1.9% (12/629) | 1.3% (8/629) | 1.7% (11/629) | 1.9% (12/629) | 1.3% (8/629) | 1.7% (11/629) | 1.1% (7/629) |
| real dependency names flagged (held out) | 0 | 0/713 | 0/713 | 0/713 | 0/713 | 0/713 | 0/713 | 0/713 |
| top-15,000 flagged (any fold's thresholds) | 0 | 0/14985 | 0/14985 | 0/14985 | 0/14985 | 0/14985 | 0/14985 | 0/14985 |
| filler host minimum, plugin namespaces per mille (per fit) | | none/1 x5 | none/1 x15 | none/1 x5 | none/1 x5 | none/1 x15 | none/1 x5 | none/1 x1 |

A technique not named here flags at ``detect.THRESHOLD``.
"""

from __future__ import annotations

FILLER_MIN_HOSTS = 1000000
"""A word attached to this many popular names is a combosquat filler (vocab.py)."""

PLUGIN_PER_MILLE = 1
"""A first word shared by this many per thousand trusted names (3 at least) is a plugin
namespace (trusted.py)."""

THRESHOLDS: dict[str, float] = {
    "combosquat": 0.50,
    "edit-distance-2": 0.45,
    "homoglyph": 0.45,
    "insertion": 0.40,
    "insertion-keyboard-adjacent": 0.45,
    "omission": 0.45,
    "py-affix": 0.45,
    "repetition": 0.45,
    "separator-change": 0.45,
    "substitution": 0.45,
    "substitution-keyboard-adjacent": 0.45,
    "transposition": 0.50,
    "version-suffix": 0.45,
    "word-reorder": 0.45,
}
