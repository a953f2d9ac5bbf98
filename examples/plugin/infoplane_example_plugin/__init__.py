"""An example infoplane estimator plugin: ``example_gaussian``, the Gaussian mutual information in bits.

infoplane finds :class:`Gaussian` through the ``infoplane.estimators`` entry point declared in this
package's ``pyproject.toml``; nothing here registers it by import.
"""

from __future__ import annotations

from infoplane_example_plugin.gaussian import Gaussian, gaussian_mi_bits, label_mi_bits

__all__ = ["Gaussian", "gaussian_mi_bits", "label_mi_bits"]
__version__ = "0.1.0"
