"""SMILE: the clipped Donsker–Varadhan lower bound (Song & Ermon 2020), on the shared critic core."""

from __future__ import annotations

from typing import Any, ClassVar

from infoplane.estimators.base import Interval, register
from infoplane.estimators.critics import CriticEstimator


@register("smile")
class Smile(CriticEstimator):
    """SMILE estimate of I(A;B), in bits (Song & Ermon 2020, Eq. 16).

    E_P[T] − log E_{P_A⊗P_B}[clip(e^T, e^{−τ}, e^{τ})], τ = ``clip``, with the critic ``T`` trained on the
    Jensen–Shannon objective (as in their code; see :mod:`infoplane.estimators.critics`). Clipping bounds the
    variance of the partition term; the price is a bias that vanishes as τ grows (with τ = ∞ it is the DV
    bound of MINE). Ceiling: log2 of the held-out count (McAllester & Stratos 2020; :meth:`ceiling_bits`).

    Args:
        clip: τ > 0 (Song & Ermon use 1, 5 or ∞; default 5).
        others: as :class:`infoplane.estimators.infonce.InfoNCE`.
    """

    _bound = "smile"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **CriticEstimator._parameter_constraints,
        "clip": [Interval(float, 0, None, closed="neither")],
    }
    quantity = (
        "SMILE: clipped Donsker–Varadhan estimate of MI from a critic trained on the Jensen–Shannon bound "
        "(Song & Ermon 2020), capped in practice at O(log N)"
    )

    @property
    def is_lower_bound(self) -> bool:  # type: ignore[override]
        """False: clipping the partition term at e^τ can lower it below its true value, so for a finite
        ``clip`` SMILE is not a lower bound for every critic (a constant critic c > τ reports c − τ whatever
        the data; Song & Ermon 2020, §4); its bias vanishes as τ grows."""
        return False

    def __init__(
        self,
        clip: float = 5.0,
        critic: str = "separable",
        hidden: int = 64,
        n_layers: int = 4,
        embed: int = 32,
        steps: int = 3000,
        batch_size: int = 256,
        lr: float = 5e-3,
        holdout: float = 0.3,
        eval_every: int = 25,
        patience: int = 4,
        min_improvement: float = 0.25,
        weight_average: float = 0.9,
        negatives: int = 16,
        n_marginal: int = 32,
        eval_size: int = 512,
        ensemble: int = 3,
        preprocess: str | None = "copula",
        warm_start: bool = True,
        seed: int = 0,
        device: str | None = None,
    ) -> None:
        params = dict(locals())
        del params["self"], params["clip"], params["__class__"]
        super().__init__(**params)
        self.clip = clip
