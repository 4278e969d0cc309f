"""Threads of the compiled kernels, and parallel work whose results never depend on the number of threads.

Three rules keep every run reproducible from its scenario and seed, whatever the thread count:
- kernels loop over farmers in parallel, each writing its own rows (no cross-farmer reduction inside a ``prange``);
- reductions run in parallel but in a fixed order: sums follow NumPy's own pairwise order (``segment_sums`` equals
  ``np.add.reduceat`` bit for bit), percentiles are computed from exact order statistics (``segment_percentiles``
  equals ``np.percentile``), and histograms add blocks of ``BLOCK_FARMS`` rows counted from the start of each segment,
  then the blocks in order;
- per-farm random draws come in blocks of ``BLOCK_FARMS`` farms (``BlockStreams``): block 0 from the room's own
  stream, block b from a generator spawned from that stream once; threads fill blocks, each from its own generator.
A population of at most ``BLOCK_FARMS`` farmers (per region, for histograms) is one block and is computed exactly as
a serial run would; larger ones are split at the same places whatever the thread count.
Compiled code is cached on disk (``cache=True``): only the first run on a machine pays the compilation.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import numba
import numpy as np
from numba import njit, prange

#: Farms per block of parallel work (random draws, histograms): 65,536 rows of float64 are 512 KiB, a core's cache.
BLOCK_FARMS = 1 << 16
#: Below this many values a segment's sum is one serial pairwise sum; above, its pairwise tree is cut into leaves of
#: at most this size, summed in parallel and combined in the tree's order.
SUM_LEAF = 1 << 14
#: Segments up to this size find their percentiles by a serial partition; larger ones by parallel bucket selection.
SELECT_SERIAL = 1 << 15
#: Buckets of one pass of bucket selection, and the chunks the values are split into to count them in parallel.
SELECT_BUCKETS = 1024
SELECT_CHUNKS = 64


def set_threads(threads: int) -> None:
    """Limit the kernels' threads and the block pool (sweep workers run one model per core: use 1)."""
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))


def threads() -> int:
    """Threads the kernels and the block pool use now."""
    return numba.get_num_threads()


@cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=numba.config.NUMBA_NUM_THREADS, thread_name_prefix="casim-blocks")


def for_each_block(work: Callable[[int], None], blocks: int) -> None:
    """Call ``work(b)`` for b = 0 .. blocks - 1 on up to ``threads()`` threads (NumPy releases the GIL while it fills).

    ``work`` must write only its own block, so the result does not depend on which thread ran which block.
    """
    workers = min(threads(), blocks)
    if workers <= 1:
        for b in range(blocks):
            work(b)
        return
    futures = [_pool().submit(lambda first: [work(b) for b in range(first, blocks, workers)], w) for w in range(workers)]
    for future in futures:
        future.result()


def block_bounds(n: int) -> np.ndarray:
    """Starts of the blocks of ``BLOCK_FARMS`` rows among ``n`` rows, and n: (blocks + 1,) int64 (one block if n = 0)."""
    return np.append(np.arange(0, max(n, 1), BLOCK_FARMS, dtype=np.int64), n)


def segment_blocks(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Blocks of at most ``BLOCK_FARMS`` rows counted from the start of each segment [start, end).

    Returns (B, 2) int64 [first row, end row) of each block, in order, and (B,) int64 the segment of each block.
    """
    bounds = [block_bounds(int(end - start)) + start for start, end in zip(starts, ends, strict=True)]
    blocks = np.concatenate([np.stack([b[:-1], b[1:]], axis=1) for b in bounds]).astype(np.int64)
    return blocks, np.repeat(np.arange(len(bounds), dtype=np.int64), [b.size - 1 for b in bounds])


class BlockStreams:
    """Per-farm random draws of a room's stream for ``n`` farms, filled in parallel blocks (module docstring).

    Args:
        rng: the room's generator. It draws block 0, so a population of at most ``BLOCK_FARMS`` farmers draws
            exactly what ``rng.standard_normal(n)`` would; the room's other draws (e.g. one per region) keep coming
            from it, in the room's order.
        n: farms.

    """

    def __init__(self, rng: np.random.Generator, n: int) -> None:
        self.rng = rng
        self.n = n
        self.bounds = block_bounds(n)
        self.generators = [rng, *rng.spawn(self.bounds.size - 2)] if self.bounds.size > 2 else [rng]

    def _fill(self, dtype: type, draw: Callable[[np.random.Generator, np.ndarray], None]) -> np.ndarray:
        out = np.empty(self.n, dtype)
        bounds = self.bounds
        for_each_block(lambda b: draw(self.generators[b], out[bounds[b]:bounds[b + 1]]), len(self.generators))
        return out

    def standard_normal(self, dtype: type = np.float64) -> np.ndarray:
        """(n,) standard normal draws of ``dtype`` (float32 or float64)."""
        return self._fill(dtype, lambda g, out: g.standard_normal(out=out, dtype=dtype))

    def random(self) -> np.ndarray:
        """(n,) uniform draws in [0, 1), float64."""
        return self._fill(np.float64, lambda g, out: g.random(out=out))


@njit(cache=True)
def _value(values, weights, selected, i):  # pragma: no cover - compiled
    """Element i of values x weights where selected, 0.0 elsewhere.

    ``weights`` or ``selected`` None: absent (the branch is pruned when compiled).
    """
    if selected is not None and not selected[i]:
        return 0.0
    if weights is not None:
        return values[i] * weights[i]
    return np.float64(values[i])


@njit(cache=True)
def pairwise_sum(values, weights, selected, first, count):  # pragma: no cover - compiled
    """NumPy's pairwise sum of elements first .. first + count - 1 (numpy/_core/src/umath/loops_utils.h.src).

    Fewer than 8 elements: in order from 0.0; up to 128: eight interleaved partial sums, combined as
    ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)), then the rest in order; more: the two halves (the first
    rounded down to a multiple of 8), each summed the same way.
    """
    if count < 8:
        total = 0.0
        for i in range(first, first + count):
            total += _value(values, weights, selected, i)
        return total
    if count <= 128:
        r0 = _value(values, weights, selected, first)
        r1 = _value(values, weights, selected, first + 1)
        r2 = _value(values, weights, selected, first + 2)
        r3 = _value(values, weights, selected, first + 3)
        r4 = _value(values, weights, selected, first + 4)
        r5 = _value(values, weights, selected, first + 5)
        r6 = _value(values, weights, selected, first + 6)
        r7 = _value(values, weights, selected, first + 7)
        i = first + 8
        whole = first + count - count % 8
        while i < whole:
            r0 += _value(values, weights, selected, i)
            r1 += _value(values, weights, selected, i + 1)
            r2 += _value(values, weights, selected, i + 2)
            r3 += _value(values, weights, selected, i + 3)
            r4 += _value(values, weights, selected, i + 4)
            r5 += _value(values, weights, selected, i + 5)
            r6 += _value(values, weights, selected, i + 6)
            r7 += _value(values, weights, selected, i + 7)
            i += 8
        total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < first + count:
            total += _value(values, weights, selected, i)
            i += 1
        return total
    half = count // 2
    half -= half % 8
    return (pairwise_sum(values, weights, selected, first, half)
            + pairwise_sum(values, weights, selected, first + half, count - half))


class SumPlan:
    """How ``segment_sums`` splits segments [starts, ends) into leaves of NumPy's pairwise tree (built once).

    A segment's sum is its first element plus the pairwise sum of the rest (as ``np.add.reduceat``). That pairwise
    tree is expanded down to leaves of at most ``SUM_LEAF`` elements: ``first``/``count`` are the leaves' ranges,
    nodes are numbered in breadth-first order (children after their parent), ``left``/``right`` are a node's
    children (-1 for a leaf, whose value comes from ``leaf_of``), and ``root`` is each segment's root node.
    """

    def __init__(self, starts: np.ndarray, ends: np.ndarray) -> None:
        self.starts = np.asarray(starts, np.int64)
        self.ends = np.asarray(ends, np.int64)
        first, count, left, right, leaf_of, root = [], [], [], [], [], []
        for start, end in zip(self.starts, self.ends, strict=True):
            root.append(len(left))
            queue = [(start + 1, max(end - start - 1, 0))]
            while queue:
                a, n = queue.pop(0)
                node = len(left)
                if n > SUM_LEAF:
                    half = n // 2
                    half -= half % 8
                    left.append(node + 1 + len(queue))  # children are appended after the nodes already queued
                    right.append(node + 2 + len(queue))
                    leaf_of.append(-1)
                    queue += [(a, half), (a + half, n - half)]
                else:
                    left.append(-1)
                    right.append(-1)
                    leaf_of.append(len(first))
                    first.append(a)
                    count.append(n)
        self.first, self.count = np.array(first, np.int64), np.array(count, np.int64)
        self.left, self.right = np.array(left, np.int64), np.array(right, np.int64)
        self.leaf_of, self.root = np.array(leaf_of, np.int64), np.array(root, np.int64)


def segment_sums(plan: SumPlan, values: np.ndarray, weights: np.ndarray | None = None,
                 selected: np.ndarray | None = None) -> np.ndarray:
    """Sum of ``values`` (x ``weights``; only where ``selected``) over each segment of ``plan``, shape (S,) float64.

    Bit for bit ``np.add.reduceat(np.where(selected, values * weights, 0.0), starts)`` for contiguous segments
    covering the array, computed in parallel; all zeros (+0.0) when every value is zero (flags count 1).
    """
    sums = np.empty(plan.starts.size)
    if values.dtype == np.bool_:
        values = values.view(np.uint8)
    nonzero = _segment_sums(values, weights, selected, plan.starts, plan.ends, plan.first, plan.count, plan.left,
                            plan.right, plan.leaf_of, plan.root, sums)
    return sums if nonzero else np.zeros(plan.starts.size)


@njit(cache=True, parallel=True)
def _segment_sums(values, weights, selected, starts, ends, first, count, left, right, leaf_of, root,
                  sums):  # pragma: no cover - compiled
    """Leaves of every segment's pairwise tree in parallel, then the tree combined in order; True if any value != 0."""
    leaves = np.empty(first.size)
    leaf_nonzero = np.zeros(first.size, np.bool_)
    for k in prange(first.size):
        leaves[k] = pairwise_sum(values, weights, selected, first[k], count[k])
        for i in range(first[k], first[k] + count[k]):
            if _value(values, weights, selected, i) != 0.0:
                leaf_nonzero[k] = True
                break
    node_value = np.empty(left.size)
    for node in range(left.size - 1, -1, -1):
        node_value[node] = (leaves[leaf_of[node]] if left[node] < 0
                            else node_value[left[node]] + node_value[right[node]])
    nonzero = leaf_nonzero.any()
    for s in range(starts.size):
        head = _value(values, weights, selected, starts[s]) if ends[s] > starts[s] else 0.0
        nonzero = nonzero or head != 0.0
        sums[s] = head if ends[s] - starts[s] == 1 else head + node_value[root[s]]
    return nonzero


def segment_percentiles(values: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                        percentiles: tuple[float, ...]) -> np.ndarray:
    """``np.percentile(values[start:end], percentiles)`` (linear method) of each segment, bit for bit: shape (Q, S).

    The order statistics NumPy would interpolate between are found exactly, small segments in parallel (one
    partition each), large ones by parallel bucket selection; NumPy's interpolation is then applied to them. A
    segment holding NaN gives NaN, as NumPy does.
    """
    starts, ends = np.asarray(starts, np.int64), np.asarray(ends, np.int64)
    q = np.true_divide(np.asarray(percentiles), 100)
    counts = ends - starts
    virtual = (counts[None, :] - 1) * q[:, None]  # NumPy's 'linear' virtual index, (Q, S)
    previous = np.floor(virtual)
    following = previous + 1
    above = virtual >= counts[None, :] - 1
    previous[above] = following[above] = -1  # NumPy takes the last value
    below = virtual < 0
    previous[below] = following[below] = 0
    previous, following = previous.astype(np.intp), following.astype(np.intp)
    gamma = virtual - previous
    ranks = np.concatenate([np.where(previous < 0, counts[None, :] - 1, previous),
                            np.where(following < 0, counts[None, :] - 1, following)])  # (2Q, S)
    found = np.empty(ranks.shape)
    small = counts <= SELECT_SERIAL
    chosen = np.empty((int(small.sum()), ranks.shape[0]))
    _select_in_segments(values, starts[small], ends[small], np.ascontiguousarray(ranks[:, small].T), chosen)
    found[:, small] = chosen.T
    for s in np.flatnonzero(~small):
        segment = values[starts[s]:ends[s]]
        found[:, s] = np.nan if _has_nan(segment) else order_statistics(segment, ranks[:, s])
    low, high = found[: q.size], found[q.size:]
    diff = high - low
    result = low + diff * gamma
    np.subtract(high, diff * (1 - gamma), out=result, where=gamma >= 0.5)
    return result


@njit(cache=True, parallel=True)
def _select_in_segments(values, starts, ends, ranks, out):  # pragma: no cover - compiled
    """out[s, j] = the ranks[s, j]-th smallest value of segment s (NaN when it holds NaN), one partition each."""
    for s in prange(starts.size):
        segment = values[starts[s]:ends[s]]
        if np.isnan(segment).any():
            out[s, :] = np.nan
            continue
        wanted = np.unique(ranks[s])
        ordered = np.partition(segment, wanted)
        for j in range(ranks.shape[1]):
            out[s, j] = ordered[ranks[s, j]]


@njit(cache=True, parallel=True)
def _has_nan(values):  # pragma: no cover - compiled
    """True when some value is NaN."""
    found = 0
    for i in prange(values.size):
        if np.isnan(values[i]):
            found += 1
    return found > 0


@njit(cache=True, parallel=True)
def _extremes(values, chunks):  # pragma: no cover - compiled
    """(min, max) of values without NaN, from ``chunks`` chunks scanned in parallel."""
    low, high = np.empty(chunks), np.empty(chunks)
    size = -(-values.size // chunks)
    for c in prange(chunks):
        lo, hi = np.inf, -np.inf
        for i in range(c * size, min((c + 1) * size, values.size)):
            lo = min(lo, values[i])
            hi = max(hi, values[i])
        low[c], high[c] = lo, hi
    return low.min(), high.max()


@njit(cache=True)
def _bucket(value, low, scale, buckets):  # pragma: no cover - compiled
    """Bucket of a value: floor((value - low) x scale), at most buckets - 1; never decreases as the value grows."""
    return min(int((value - low) * scale), buckets - 1)


@njit(cache=True, parallel=True)
def _bucket_counts(values, low, scale, buckets, chunks):  # pragma: no cover - compiled
    """Values per (chunk, bucket), shape (chunks, buckets)."""
    counts = np.zeros((chunks, buckets), np.int64)
    size = -(-values.size // chunks)
    for c in prange(chunks):
        for i in range(c * size, min((c + 1) * size, values.size)):
            counts[c, _bucket(values[i], low, scale, buckets)] += 1
    return counts


@njit(cache=True, parallel=True)
def _gather(values, low, scale, buckets, chunks, slot_of_bucket, offsets, out):  # pragma: no cover - compiled
    """Copy the values of wanted buckets (``slot_of_bucket`` >= 0) to ``out``, chunk c of slot j from offsets[c, j]."""
    size = -(-values.size // chunks)
    for c in prange(chunks):
        position = offsets[c].copy()
        for i in range(c * size, min((c + 1) * size, values.size)):
            slot = slot_of_bucket[_bucket(values[i], low, scale, buckets)]
            if slot >= 0:
                out[position[slot]] = values[i]
                position[slot] += 1


def order_statistics(values: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """The ``ranks``-th smallest of ``values`` (no NaN), exactly.

    Buckets of equal width between the extremes are counted in parallel, and only the buckets holding a wanted rank
    are searched further (recursively, down to a serial partition).
    """
    ranks = np.asarray(ranks, np.int64)
    if values.size <= SELECT_SERIAL:
        out = np.empty((1, ranks.size))
        _select_in_segments(values, np.zeros(1, np.int64), np.array([values.size]), ranks[None, :].copy(), out)
        return out[0]
    low, high = _extremes(values, SELECT_CHUNKS)
    scale = SELECT_BUCKETS / (high - low) if high > low else 0.0
    if not 0.0 < scale < np.inf:  # every value equal, or a range too wide for a float: one value or a serial search
        return np.full(ranks.size, low) if high == low else np.sort(values)[ranks]
    counts = _bucket_counts(values, low, scale, SELECT_BUCKETS, SELECT_CHUNKS)
    cumulative = np.cumsum(counts.sum(axis=0))
    bucket = np.searchsorted(cumulative, ranks, side="right")
    wanted = np.unique(bucket)
    slot_of_bucket = np.full(SELECT_BUCKETS, -1, np.int64)
    slot_of_bucket[wanted] = np.arange(wanted.size)
    per_chunk = counts[:, wanted]  # (chunks, slots)
    slot_start = np.concatenate([[0], np.cumsum(per_chunk.sum(axis=0))])
    offsets = slot_start[None, :-1] + np.cumsum(per_chunk, axis=0) - per_chunk
    candidates = np.empty(int(slot_start[-1]))
    _gather(values, low, scale, SELECT_BUCKETS, SELECT_CHUNKS, slot_of_bucket, offsets, candidates)
    found = np.empty(ranks.size)
    before = cumulative - counts.sum(axis=0)  # values in lower buckets
    for j, b in enumerate(wanted):
        mine = bucket == b
        found[mine] = order_statistics(candidates[slot_start[j]:slot_start[j + 1]], ranks[mine] - before[b])
    return found
