"""The pairwise Gaussian kernel-sum engine behind the KDE bounds: S[k, u, c] = Σ_v exp(−‖p_u − p_v‖²/h_k)·W[v, c].

Generic (it knows nothing of mutual information; :mod:`infoplane.estimators.kde` builds the bounds on it).
Rows are deduplicated exactly by the caller (:func:`unique_rows`), then the kernel sums are formed over
the upper triangle of the pair matrix in row chunks, in float64: with numpy on the CPU (chunks spread over
``torch.get_num_threads()`` threads, each with single-threaded BLAS), with torch on another device
(``device="cuda"``). Every row sum holds its own term exp(0)·W[u], the largest of its terms, so no
logsumexp shift is needed: no overflow, no underflow. Pairs farther apart than the radius where
exp(−d²/h) falls below 2⁻⁶⁴/N cannot change a row sum in float64 (the self term alone is ≥ 1), so they
are skipped exactly: the points are sorted along their main axis and each chunk of rows only meets the
columns within that radius along it (sort and sweep); and on the CPU, when few pairs lie within the
radius (small widths), a float32 screen picks them and only they are computed, from explicit differences.

Points should be of moderate magnitude (the KDE scales them by a power of two to max |p| in [0.5, 1),
exactly): squared norms are formed in float64 and, for the screen, in float32.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Any, Literal, TypeVar

import numpy as np
import torch

Method = Literal["auto", "dense", "neighbors"]
#: Rows [start, stop) of the sorted points against columns [start, end).
Block = tuple[int, int, int]
_T = TypeVar("_T")
_A = TypeVar("_A")

#: Pairs with exp(−d²/h) < 2^-SKIP_BITS / N may be skipped: all of them together move a row sum (≥ 1)
#: by less than 2^-SKIP_BITS, far below float64's 2^-53 resolution.
SKIP_BITS = 64
#: The neighbour path is taken when at most this fraction of pairs lies within the skip radius.
NEIGHBOR_MAX_FRACTION = 0.05
#: Below this many distinct points the dense path is always cheap.
NEIGHBOR_MIN_POINTS = 512
#: Default chunk on the CPU: about this many pair entries per block (2^20 float64 = 8 MiB per temporary).
BLOCK_ELEMENTS = 2**20
#: Default chunk on another device (GPU): larger blocks, fewer kernel launches (2^24 float64 = 128 MiB).
DEVICE_BLOCK_ELEMENTS = 2**24
#: Exponents are clipped here: exp below it is slow (subnormals) and ≪ 2⁻⁵³ of any row sum (≥ 1).
MIN_EXPONENT = -700.0
_ESTIMATE_ROWS = 64
_FLOAT32_EPS = 2.0**-24


def skip_radius_sq(width: float, n_points: int) -> float:
    """Squared distance beyond which exp(−d²/h) < 2^-SKIP_BITS / N, so such pairs cannot change a row sum."""
    return width * (SKIP_BITS * math.log(2.0) + math.log(max(n_points, 1)))


def unique_rows(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of ``points`` (exact equality) and, for each row, the index of its distinct row.

    A per-row key is built column by column with elementwise operations (so equal rows get bit-equal
    keys), grouped with a 1-d ``np.unique``, and checked; a collision of distinct rows falls back to
    ``np.unique(axis=0)``.

    Args:
        points: float (N, d).

    Returns:
        ``(distinct (M, d), inverse (N,))`` with ``distinct[inverse] == points``.
    """
    factors = np.random.default_rng(0x4B4445).uniform(1.0, 2.0, size=points.shape[1])
    key = np.zeros(points.shape[0])
    for column, factor in zip(points.T, np.asarray(factors).tolist()):  # a loop over features, not samples
        key += column * factor
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    distinct = points[first]
    if np.array_equal(distinct[inverse], points):
        return distinct, inverse
    distinct, inverse = np.unique(points, axis=0, return_inverse=True)
    return distinct, inverse.reshape(-1)


def pairwise_kernel_sums(
    points: np.ndarray,
    weights: np.ndarray,
    widths: Sequence[float],
    *,
    method: Method = "auto",
    chunk_size: int | None = None,
    device: str | torch.device | None = None,
) -> np.ndarray:
    """Weighted Gaussian kernel sums S[k, u, c] = Σ_v exp(−‖p_u − p_v‖²/h_k)·W[v, c], in float64.

    The points are sorted along their main axis (sort and sweep): a block of rows is paired only with
    the columns whose projection lies within the skip radius of :data:`SKIP_BITS`, and only with the
    upper triangle. Every column of weights (class) shares one distance computation; the widths sent to
    one path share its work too (the neighbour path: one screen and one set of pair distances; the
    dense path: one product per block, then one ``exp`` per width). The self term (v = u) is exactly
    W[u, c]. Memory is O(chunk_size · M) per thread; no M × M matrix is formed.

    On the CPU the blocks are numpy arrays, one chunk per thread with single-threaded BLAS (numpy's
    float64 ``exp`` is about twice torch's, and whole chunks per thread do not stall on a busy
    machine as per-operation threading does); on another device they are torch tensors.

    Args:
        points: float (M, d), distinct rows (duplicates are allowed but cost time).
        weights: (M, C) counts, at least one sample per row, e.g. the per-class counts of each distinct
            row; the skip radius assumes each row's own weight is ≥ 1.
        widths: kernel widths h_k > 0 (2σ² for the upper bound, 8σ² for the lower).
        method: ``"dense"`` (every pair in the sweep band), ``"neighbors"`` (a float32 screen, then only
            the pairs within the skip radius, from explicit float64 differences; always on the CPU), or
            ``"auto"`` (per width: neighbours on the CPU when sample rows show at most
            ``NEIGHBOR_MAX_FRACTION`` of pairs within its radius, else dense).
        chunk_size: rows per chunk; ``None``: about ``BLOCK_ELEMENTS / M`` rows on the CPU,
            ``DEVICE_BLOCK_ELEMENTS / M`` on another device.
        device: torch device for the dense path (``None``: CPU).

    Returns:
        float64 array (len(widths), M, C).

    Raises:
        ValueError: invalid method, chunk size, widths or device.
    """
    _check_method(method)
    _check_chunk_size(chunk_size)
    dev = _check_device(device)
    if not widths or not all(math.isfinite(h) and h > 0 for h in widths):
        raise ValueError(f"kde: kernel widths must be positive and finite, got {list(widths)!r}")
    m = points.shape[0]
    if points.ndim != 2 or weights.ndim != 2 or weights.shape[0] != m or m == 0:
        shapes = f"{points.shape} and {weights.shape}"
        raise ValueError(f"kde: points (M, d) and weights (M, C) must pair, got {shapes}")
    if chunk_size is None:
        rows = max(1, min(m, (BLOCK_ELEMENTS if dev.type == "cpu" else DEVICE_BLOCK_ELEMENTS) // m))
    else:
        rows = int(chunk_size)
    centred = np.asarray(points, dtype=np.float64)
    centred = centred - (centred.max(0) + centred.min(0)) / 2  # small norms: little cancellation below
    weights = np.asarray(weights, dtype=np.float64)
    widths = [float(h) for h in widths]
    n_samples = int(round(float(weights.sum())))
    order, projection, slack = _sweep_order(centred)
    centred, weights = centred[order], weights[order]
    left, right = _augmented(centred)
    sums = np.empty((len(widths), weights.shape[1], m))
    with _single_threaded_blas():
        for path, members in _plan(method, dev, left, right, widths, n_samples):
            group = [widths[k] for k in members]
            radius_sq = skip_radius_sq(max(group), n_samples)
            blocks = _sweep_blocks(projection, rows, math.sqrt(radius_sq) * (1.0 + 1e-9) + slack)
            shape = (len(group), weights.shape[1], m)
            if path == "neighbors":
                screen = _screen(left, right, radius_sq)
                parts = _map_in_threads(partial(_neighbor_block, centred, screen, weights, group), blocks)
                sums[members] = _accumulate(parts, blocks, shape) + weights.T  # the self terms: exp(0)·W[u]
            elif dev.type == "cpu":
                weights_t = np.ascontiguousarray(weights.T)
                parts = _map_in_threads(partial(_dense_block, left, right, weights_t, group), blocks)
                sums[members] = _accumulate(parts, blocks, shape)
            else:
                sums[members] = _torch_dense_sums(left, right, weights, group, blocks, dev)
    unsorted = np.empty_like(sums)
    unsorted[:, :, order] = sums
    return np.ascontiguousarray(unsorted.transpose(0, 2, 1))


def _torch_dense_sums(
    left: np.ndarray,
    right: np.ndarray,
    weights: np.ndarray,
    widths: list[float],
    blocks: list[Block],
    device: torch.device,
) -> np.ndarray:
    """(K, C, M) dense kernel sums with torch tensors on ``device`` (what ``device="cuda"`` runs)."""
    on_device = [torch.from_numpy(np.ascontiguousarray(a)).to(device) for a in (left, right, weights.T)]
    parts = map(partial(_dense_block, *on_device, widths), blocks)  # type: ignore[call-arg, arg-type]
    shape = (len(widths), weights.shape[1], left.shape[0])
    return _accumulate(parts, blocks, shape).cpu().numpy()  # type: ignore[no-any-return]


def _plan(
    method: Method,
    device: torch.device,
    left: np.ndarray,
    right: np.ndarray,
    widths: list[float],
    n_samples: int,
) -> list[tuple[Method, list[int]]]:
    """Which widths go to which path: ``[(path, indices of widths)]``.

    ``"auto"`` sends a width to the neighbour path when, on the CPU and for at least
    ``NEIGHBOR_MIN_POINTS`` points, sample rows show at most ``NEIGHBOR_MAX_FRACTION`` of pairs within its
    skip radius; those widths then share one screen, and the others one dense pass.
    """
    everything = list(range(len(widths)))
    if method != "auto":
        return [(method, everything)]
    m = left.shape[0]
    if device.type != "cpu" or m < NEIGHBOR_MIN_POINTS:
        return [("dense", everything)]
    sample = np.unique(np.linspace(0, m - 1, min(m, _ESTIMATE_ROWS)).round().astype(np.int64))
    neg_sq = left[sample] @ right.T  # evenly spaced rows of the sorted points
    sparse: list[int] = []
    dense: list[int] = []
    for k, width in enumerate(widths):
        near = int(np.count_nonzero(neg_sq > -skip_radius_sq(width, n_samples))) - len(sample)
        (sparse if near <= NEIGHBOR_MAX_FRACTION * len(sample) * (m - 1) else dense).append(k)
    paths: list[tuple[Method, list[int]]] = [("neighbors", sparse), ("dense", dense)]
    return [(path, members) for path, members in paths if members]


def _sweep_order(centred: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Sort the points along their main axis (sort and sweep).

    Returns:
        ``(order (M,), projection (M,), slack)``: the sorting permutation, the sorted projections on a
        unit vector, and a bound on their rounding (≤ d·2⁻⁵³·‖p‖ each) with room to spare.
    """
    direction = _main_axis(centred)
    projection = centred @ direction
    order = np.argsort(projection, kind="stable")
    norm = float(np.sqrt(np.einsum("ij,ij->i", centred, centred).max()))
    return order, projection[order], 8.0 * centred.shape[1] * 2.0**-52 * norm


def _sweep_blocks(projection: np.ndarray, rows: int, reach: float) -> list[Block]:
    """Blocks (start, stop, end) of the sorted points: rows [start, stop) meet columns [start, end).

    For a unit vector v, |v·p_i − v·p_j| ≤ ‖p_i − p_j‖, so the columns whose projection exceeds the
    block's last (largest) projection by more than ``reach`` (the radius, plus rounding) lie beyond the
    radius from every row of the block.
    """
    m = len(projection)
    starts = np.arange(0, m, rows)
    stops = np.minimum(starts + rows, m)
    ends = np.searchsorted(projection, projection[stops - 1] + reach, side="right")
    ends = np.maximum(ends, stops)  # the diagonal block is always whole
    return list(zip(starts.tolist(), stops.tolist(), ends.tolist()))


def _main_axis(centred: np.ndarray, iterations: int = 16) -> np.ndarray:
    """A unit vector along which the points spread most (power iteration from the widest coordinate)."""
    direction = np.zeros(centred.shape[1])
    direction[int(np.argmax(np.ptp(centred, axis=0)))] = 1.0
    for _ in range(iterations):  # a loop over iterations, not samples: O(M·d) each
        grown = centred.T @ (centred @ direction)
        size = float(np.linalg.norm(grown))
        if not size > 0:
            break
        direction = grown / size
    return direction / np.linalg.norm(direction)


def _augmented(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row vectors a_u = [p_u, ‖p_u‖², 1] and b_v = [2p_v, −1, −‖p_v‖²], so that a_u·b_v = −‖p_u − p_v‖²."""
    sq = np.einsum("ij,ij->i", p, p)[:, None]
    ones = np.ones_like(sq)
    return np.hstack([p, sq, ones]), np.hstack([2.0 * p, -ones, -sq])


_BLAS_CONTROLLER: Any = None


def _single_threaded_blas() -> Any:
    """A context in which numpy's BLAS runs on one thread (our threads split the work instead)."""
    global _BLAS_CONTROLLER
    if _BLAS_CONTROLLER is None:
        from threadpoolctl import ThreadpoolController  # a dependency of scikit-learn

        _BLAS_CONTROLLER = ThreadpoolController()
    return _BLAS_CONTROLLER.limit(limits=1, user_api="blas")


def _map_in_threads(fn: Callable[[_A], _T], items: Sequence[_A]) -> Iterator[_T]:
    """``fn`` over ``items`` on ``torch.get_num_threads()`` threads, yielded in order, few in flight.

    numpy releases the GIL in ``matmul``, ``exp`` and ``clip``, so chunks run in parallel; results are
    consumed in order, so the sums (and their rounding) do not depend on the scheduling.
    """
    workers = min(torch.get_num_threads(), len(items))
    if workers <= 1:
        yield from (fn(item) for item in items)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque[Future[_T]] = deque()
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) > 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _screen(left: np.ndarray, right: np.ndarray, radius_sq: float) -> tuple[np.ndarray, np.ndarray, float]:
    """float32 augmented vectors and a threshold on their product (≈ −d²) that keeps every pair within
    the radius: the float32 product's error is at most (d + 4)·2⁻²⁴·4·max‖p‖² (inputs rounded, then a
    dot product of d + 2 terms whose absolute sum is ≤ 4·max‖p‖²); the margin takes it 4 times over.
    """
    d = left.shape[1] - 2
    margin = 16.0 * (d + 4) * _FLOAT32_EPS * float(left[:, d].max())
    return left.astype(np.float32), right.astype(np.float32), -(radius_sq + margin)


def _kernel_from_exponent_(block: Any, diagonal: int) -> None:
    """In place: exp(clip(e, MIN_EXPONENT, 0)), with the first ``diagonal`` diagonal entries set to e = 0.

    Rounding can leave −d² slightly positive (clip at 0: d² ≥ 0); the self pairs are exactly exp(0) = 1;
    below MIN_EXPONENT exp is slow (subnormal results) and far below float64 resolution of a row sum.
    """
    if isinstance(block, torch.Tensor):
        block.clamp_(MIN_EXPONENT, 0.0)
        block[:, :diagonal].fill_diagonal_(0.0)
        block.exp_()
    else:
        np.clip(block, MIN_EXPONENT, 0.0, out=block)
        np.fill_diagonal(block[:, :diagonal], 0.0)
        np.exp(block, out=block)


def _dense_block(left: Any, right: Any, weights_t: Any, widths: list[float], block: Block) -> tuple[Any, Any]:
    """Kernel sums of rows I = [start, stop) against columns J = [start, end), both ways.

    Works on numpy arrays and torch tensors alike. −d² comes from one float64 product of augmented
    vectors (error ≈ 1e-16·max‖p‖² after centring), shared by all widths.

    Args:
        left, right: (M, d + 2) from :func:`_augmented`.
        weights_t: (C, M) weights, transposed.
        widths: kernel widths h_k.
        block: ``(start, stop, end)`` from :func:`_sweep_blocks`.

    Returns:
        ``(row_sums (K, C, stop − start), column_sums (K, C, end − stop))``: for the rows of I, the sums
        over J; for the columns of J after I, the sums over I.
    """
    start, stop, end = block
    neg_sq = left[start:stop] @ right[start:end].T
    row_sums, column_sums = [], []
    for k, width in enumerate(widths):
        if k + 1 < len(widths):
            kernel = neg_sq * (1.0 / width)
        else:  # the last width takes the buffer itself
            neg_sq *= 1.0 / width
            kernel = neg_sq
        _kernel_from_exponent_(kernel, stop - start)
        row_sums.append(weights_t[:, start:end] @ kernel.T)
        column_sums.append(weights_t[:, start:stop] @ kernel[:, stop - start :])
    if isinstance(left, torch.Tensor):
        return torch.stack(row_sums), torch.stack(column_sums)
    return np.stack(row_sums), np.stack(column_sums)


def _accumulate(parts: Iterable[tuple[Any, Any]], blocks: Sequence[Block], shape: tuple[int, ...]) -> Any:
    """Add the (row, column) sums of the blocks into one (K, C, M) array, in block order."""
    out: Any = None
    for (start, stop, end), (row_sums, column_sums) in zip(blocks, parts):
        if out is None:
            out = row_sums.new_zeros(shape) if isinstance(row_sums, torch.Tensor) else np.zeros(shape)
        out[:, :, start:stop] += row_sums
        out[:, :, stop:end] += column_sums
    return out


def _neighbor_block(
    centred: np.ndarray,
    screen: tuple[np.ndarray, np.ndarray, float],
    weights: np.ndarray,
    widths: list[float],
    block: Block,
) -> tuple[np.ndarray, np.ndarray]:
    """Like :func:`_dense_block` (self pairs left out), over the pairs within the skip radius only.

    A float32 product of augmented vectors screens the block with a margin that covers its rounding;
    the kept pairs' squared distances come from explicit float64 differences, computed once for all
    widths and classes.

    Args:
        centred: (M, d) points.
        screen: ``(left32, right32, threshold)``: float32 augmented vectors and the screen's threshold.
        weights: (M, C).
        widths: kernel widths h_k.
        block: ``(start, stop, end)``.

    Returns:
        ``(row_sums (K, C, stop − start), column_sums (K, C, end − stop))``.
    """
    start, stop, end = block
    left32, right32, threshold = screen
    rows = stop - start
    i, j = np.divmod(np.flatnonzero(left32[start:stop] @ right32[start:end].T > threshold), end - start)
    upper = j > i  # local indices: row start + i, column start + j
    i, j = i[upper], j[upper]
    diff = centred[start + i] - centred[start + j]
    dist_sq = np.einsum("ij,ij->i", diff, diff)
    w_i, w_j = weights[start + i], weights[start + j]
    inside = j < rows  # pairs whose column is also a row of the block
    outside = ~inside
    row_sums = np.zeros((len(widths), weights.shape[1], rows))
    column_sums = np.zeros((len(widths), weights.shape[1], end - stop))
    for k, width in enumerate(widths):
        kernel = np.exp(np.maximum(dist_sq * (-1.0 / width), MIN_EXPONENT))
        for c in range(weights.shape[1]):  # a loop over classes, not samples
            row_sums[k, c] = np.bincount(i, kernel * w_j[:, c], minlength=rows)
            row_sums[k, c] += np.bincount(j[inside], kernel[inside] * w_i[inside, c], minlength=rows)
            column_sums[k, c] = np.bincount(
                j[outside] - rows, kernel[outside] * w_i[outside, c], minlength=end - stop
            )
    return row_sums, column_sums


def _check_method(value: Any) -> None:
    if value not in ("auto", "dense", "neighbors"):
        raise ValueError(f"kde: method must be 'auto', 'dense' or 'neighbors', got {value!r}")


def _check_chunk_size(value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"kde: chunk_size must be a positive integer (rows per chunk) or None: {value!r}")


def _check_device(value: Any) -> torch.device:
    if value is None:
        return torch.device("cpu")
    try:
        device = torch.device(value)
    except (RuntimeError, TypeError, ValueError):
        raise ValueError(f"kde: device must be a torch device like 'cpu' or 'cuda', got {value!r}") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"kde: device {value!r} requested but torch.cuda.is_available() is False")
    return device
