"""infoplane: the information plane of PyTorch networks, with estimators you can check.

Capture activations with :class:`Tracker`, save and load them as a :class:`Run`, estimate
I(X;T) and I(T;Y) in bits with :func:`estimate` and the :mod:`infoplane.estimators` registry, and
write an HTML report with :func:`infoplane.pipeline.build_report` (what ``infoplane report`` does).
"""

from infoplane import estimators
from infoplane._version import __version__
from infoplane.analysis.mi_table import estimate
from infoplane.echo_noise import EchoNoise
from infoplane.hooks import Tracker, log_spaced_epochs
from infoplane.run import Run, RunFileError, load_run

__all__ = ["EchoNoise", "Run", "RunFileError", "Tracker", "__version__", "estimate", "estimators", "load_run", "log_spaced_epochs"]
