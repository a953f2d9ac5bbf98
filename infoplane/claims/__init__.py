"""The claims of the compression debate, each a named experiment with a statistic, an interval and a verdict.

``infoplane claims`` runs them (:func:`run_claims`); see :mod:`infoplane.claims.base` for the framework and
:mod:`infoplane.claims.compression_claims` for claims 1, 2, 3 and 5.
"""

from infoplane.claims.base import (
    ACTIVATIONS,
    CLAIMS,
    ROW_COLUMNS,
    VERDICTS,
    ClaimResult,
    ClaimsConfig,
    register_claim,
)
from infoplane.claims.runner import default_ids, run_claims

__all__ = [
    "ACTIVATIONS", "CLAIMS", "ROW_COLUMNS", "VERDICTS", "ClaimResult", "ClaimsConfig", "default_ids", "register_claim",
    "run_claims",
]  # fmt: skip
