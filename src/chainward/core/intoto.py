"""The in-toto and SLSA type names that policy defaults and statements spell.

Its own module, standard library only, so that ``provenance.meta`` (read by every
``chainward check`` to list the checks and their policy keys) names the SLSA
predicate without importing :mod:`chainward.core.attestation` (issue 19, start-up).
"""

from __future__ import annotations

INTOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"
SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1"
