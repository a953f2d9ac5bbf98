"""Claim 6 by hand: Saxe et al.'s MNIST setting (784-1024-20-20-20-10, tanh vs ReLU, KDE σ² = 0.1).

Run: ``PYTHONPATH=$PWD python benchmarks/bench_mnist.py DATA_DIR [EPOCHS] [SEEDS] [OUT]`` (defaults: 400
epochs, 3 seeds, ``docs/results/mnist``). Runs :func:`infoplane.claims.mnist.mnist_claim` and writes, each
atomically: ``mi.csv`` (the per-epoch MI table, 4 decimals, with accuracies), ``timing.csv`` (per job: wall
seconds training, capturing, estimating), ``claims.csv`` (the claim rows), ``compression.csv`` (the verdict
statistic per activation and layer) and ``planes.html`` (the information planes, mean over seeds; plotly).

Recompute: ``bench_mnist.py --recompute [OUT]`` rebuilds ``claims.csv``, ``compression.csv`` and
``planes.html`` from the saved ``mi.csv`` and ``timing.csv`` with the current verdict rule (no training).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

from infoplane.claims.base import ClaimsConfig
from infoplane.claims.mnist import HIDDEN, mnist_claim, verdict_rows
from infoplane.outputs import atomic_write_text

MI_KEEP = ["run", "activation", "seed", "epoch", "layer", "layer_index", "estimator", "params", "I_XT", "I_TY",
           "train_accuracy", "test_accuracy"]  # fmt: skip


def planes_html(mi: pd.DataFrame) -> str:
    """I(T;Y) against I(X;T) per activation (σ² = 0.1), one line per layer, mean over seeds (plotly, CDN)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    activations = list(dict.fromkeys(mi["activation"]))
    fig = make_subplots(
        rows=1, cols=len(activations), subplot_titles=[f"MNIST {a}, KDE σ²=0.1" for a in activations]
    )
    for col, activation in enumerate(activations, start=1):
        part = mi[(mi["activation"] == activation) & (mi["params"] == "noise_variance=0.1")]
        mean = part.groupby(["layer_index", "layer", "epoch"], as_index=False)[["I_XT", "I_TY"]].mean()
        for (_, layer), curve in mean.groupby(["layer_index", "layer"]):
            fig.add_trace(
                go.Scatter(
                    x=curve["I_XT"], y=curve["I_TY"], mode="lines+markers", name=f"{activation} layer {layer}",
                    marker={"color": curve["epoch"], "colorscale": "Viridis", "size": 5}, text=curve["epoch"],
                ),
                row=1, col=col,
            )  # fmt: skip
        fig.update_xaxes(title_text="I(X;T) (bits)", row=1, col=col)
        fig.update_yaxes(title_text="I(T;Y) (bits)", row=1, col=col)
    return fig.to_html(include_plotlyjs="cdn", full_html=True)


def write_verdicts(mi: pd.DataFrame, timing: pd.DataFrame, out: Path) -> pd.DataFrame:
    """claims.csv, compression.csv and planes.html from an MI table and its timing; returns the claim rows."""
    widths = {str(2 * i + 1): w for i, w in enumerate(HIDDEN)} | {"output": 10}
    probe = int(timing["probe_size"].iloc[0]) if "probe_size" in timing else 2000
    rows, summary = verdict_rows(mi, widths, probe)
    rows["holds_under"] = rows["holds_under"].str.replace("{n}", str(probe), regex=False)
    atomic_write_text(out / "claims.csv", rows.to_csv(index=False, float_format="%.4f"))
    atomic_write_text(out / "compression.csv", summary.to_csv(index=False, float_format="%.4f"))
    atomic_write_text(out / "planes.html", planes_html(mi))
    return rows


def main(argv: list[str]) -> None:
    if argv and argv[0] == "--recompute":
        out = Path(argv[1]) if len(argv) > 1 else Path("docs/results/mnist")
        rows = write_verdicts(pd.read_csv(out / "mi.csv"), pd.read_csv(out / "timing.csv"), out)
        print(
            rows[["setting", "value", "low", "high", "verdict"]].to_string(index=False, float_format="%.3f")
        )
        return
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
    mi, timing = result.evidence["mi"][MI_KEEP], result.evidence["timing"]
    atomic_write_text(out / "mi.csv", mi.to_csv(index=False, float_format="%.4f"))
    atomic_write_text(out / "timing.csv", timing.to_csv(index=False, float_format="%.3f"))
    rows = write_verdicts(mi, timing, out)
    print(rows[["setting", "value", "low", "high", "verdict"]].to_string(index=False, float_format="%.3f"))
    print("\n".join(result.notes))
    print(f"total wall time {wall:.0f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
