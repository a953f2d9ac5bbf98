"""Claim 6 by hand: Saxe et al.'s MNIST setting (784-1024-20-20-20-10, tanh vs ReLU, KDE σ² = 0.1).

``PYTHONPATH=$PWD python benchmarks/bench_mnist.py DATA_DIR [EPOCHS] [SEEDS] [OUT]`` (defaults: 400 epochs,
3 seeds, ``docs/results/mnist``). Runs :func:`infoplane.claims.mnist.mnist_claim` and writes, each
atomically: ``claims.csv`` (the claim rows), ``mi.csv`` (the per-epoch MI table, 4 decimals),
``compression.csv`` (the verdict statistic per activation and layer), ``timing.csv`` (per job: wall seconds
training, capturing, estimating) and ``planes.png`` (the information planes, mean over seeds).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

from infoplane.claims.base import ClaimsConfig
from infoplane.claims.mnist import mnist_claim
from infoplane.outputs import atomic_write, atomic_write_text


def plot_planes(mi: pd.DataFrame, path: Path) -> None:
    """I(T;Y) against I(X;T), one panel per activation, one line per layer (mean over seeds), coloured by epoch."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    activations = list(dict.fromkeys(mi["activation"]))
    fig, axes = plt.subplots(1, len(activations), figsize=(5 * len(activations), 4), squeeze=False)
    for ax, activation in zip(axes[0], activations):
        part = mi[(mi["activation"] == activation) & (mi["params"] == "noise_variance=0.1")]
        mean = part.groupby(["layer_index", "layer", "epoch"], as_index=False)[["I_XT", "I_TY"]].mean()
        for (_, layer), curve in mean.groupby(["layer_index", "layer"]):
            ax.plot(curve["I_XT"], curve["I_TY"], color="0.7", lw=0.8, zorder=1)
            points = ax.scatter(
                curve["I_XT"], curve["I_TY"], c=curve["epoch"], cmap="viridis", s=10, zorder=2
            )
            ax.annotate(layer, (curve["I_XT"].iloc[-1], curve["I_TY"].iloc[-1]), fontsize=8)
        ax.set(title=f"MNIST {activation}, KDE σ²=0.1", xlabel="I(X;T) (bits)", ylabel="I(T;Y) (bits)")
    fig.colorbar(points, ax=axes[0].tolist(), label="epoch")
    atomic_write(path, lambda handle: fig.savefig(handle, format="png", dpi=80))
    plt.close(fig)


def main(argv: list[str]) -> None:
    data_dir = argv[0]
    epochs = int(argv[1]) if len(argv) > 1 else 400
    n_seeds = int(argv[2]) if len(argv) > 2 else 3
    out = Path(argv[3]) if len(argv) > 3 else Path("docs/results/mnist")
    out.mkdir(parents=True, exist_ok=True)
    config = ClaimsConfig(
        seeds=tuple(range(n_seeds)), epochs=epochs, log_points=60, data_dir=data_dir, noise_variance=(0.1,)
    )
    start = time.perf_counter()
    result = mnist_claim(config, lambda message: print(message, flush=True))
    wall = time.perf_counter() - start
    atomic_write_text(out / "claims.csv", result.rows.to_csv(index=False, float_format="%.4f"))
    atomic_write_text(out / "mi.csv", result.evidence["mi"].to_csv(index=False, float_format="%.4f"))
    atomic_write_text(
        out / "compression.csv", result.evidence["compression"].to_csv(index=False, float_format="%.4f")
    )
    atomic_write_text(out / "timing.csv", result.evidence["timing"].to_csv(index=False, float_format="%.3f"))
    plot_planes(result.evidence["mi"], out / "planes.png")
    print(
        result.rows[["setting", "value", "low", "high", "verdict"]].to_string(
            index=False, float_format="%.3f"
        )
    )
    print("\n".join(result.notes))
    print(f"total wall time {wall:.0f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
