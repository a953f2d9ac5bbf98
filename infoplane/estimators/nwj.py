"""NWJ: the Nguyen–Wainwright–Jordan lower bound on MI (MINE-f), on the shared critic core."""

from __future__ import annotations

from infoplane.estimators.base import register
from infoplane.estimators.critics import CriticEstimator


@register("nwj")
class NWJ(CriticEstimator):
    """NWJ lower bound on I(A;B), in bits (Nguyen, Wainwright & Jordan 2010; Poole et al. 2019, Eq. 6).

    I(A;B) ≥ E_P[T] − E_{P_A⊗P_B}[e^{T − 1}], maximised over a critic ``T`` (see
    :mod:`infoplane.estimators.critics`). Unbiased minibatch gradients, but the variance of its estimate
    grows like e^{I}: use it at low MI. Its ceiling (McAllester & Stratos 2020, O(log N)) is stated as log2
    of the held-out count (:meth:`ceiling_bits`).

    Args: as :class:`infoplane.estimators.infonce.InfoNCE`.
    """

    _bound = "nwj"
    quantity = (
        "NWJ (f-divergence) lower bound on MI from a trained critic, capped in practice at O(log N) "
        "(McAllester & Stratos 2020)"
    )
