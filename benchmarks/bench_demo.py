"""``infoplane demo`` end to end: wall time of the README's main job (training both networks, binning,
report). Run by hand: ``python benchmarks/bench_demo.py [EPOCHS]`` (default 8000, the demo's default).
Target (issue 2): within 5 minutes on a 2-core CPU.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time


def main() -> None:
    epochs = sys.argv[1] if len(sys.argv) > 1 else "8000"
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "infoplane.cli", "demo", "--epochs", epochs, "-q", "-o", folder], check=True)
        print(f"infoplane demo --epochs {epochs}: {time.perf_counter() - start:.0f} s wall time")


if __name__ == "__main__":
    main()
