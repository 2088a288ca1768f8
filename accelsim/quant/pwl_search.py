"""GQA-LUT's genetic breakpoint search (DAC 2024), re-implemented in vectorized numpy.

Follows the official trainer (papers.md §3 [C]): an individual is the sorted vector of interior
breakpoints; its segments are the chords between consecutive points of
``[outer_lo, breakpoints..., outer_hi]``, slopes and intercepts rounded to ``2^-frac_bits``; fitness
is the MSE on a 0.01 grid of ``x_range``. Tournament selection (size 3), two-point crossover on
consecutive pairs (probability 0.7), mutation of an individual with probability 0.2, where each gene
is either rounded to a multiple of ``2^-j`` (probability 0.05 for each j of the decimal-bit range:
the *rounding mutation*) or moved by N(0, 0.2) (probability 0.1), then clipped to ``sp_range``.

Deviations (documented): the Gaussian step is applied at most once per gene (the trainer's loop can
apply it once per decimal bit); the best individual ever seen is kept (a hall of fame of one) and,
with ``elitism``, copied into the next population. The whole population is evaluated at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Fn = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class GeneticParams:
    """Search hyper-parameters; defaults are the trainer's (population 50, 500 generations)."""

    population: int = 50
    generations: int = 500
    crossover_prob: float = 0.7
    mutation_prob: float = 0.2
    tournament_size: int = 3
    sigma: float = 0.2
    gauss_prob: float = 0.1
    rounding_prob_per_bit: float = 0.05
    decimal_bits_range: tuple[int, int] = (0, 6)
    rounding_mutation: bool = True
    elitism: int = 1
    grid_step: float = 0.01


def chords(split: np.ndarray, fn: Fn) -> tuple[np.ndarray, np.ndarray]:
    """Slopes and intercepts of the chords between consecutive split points (rows = tables)."""
    f = fn(split)
    dx = np.diff(split, axis=-1)
    flat = dx == 0
    k = np.where(flat, 0.0, np.diff(f, axis=-1) / np.where(flat, 1.0, dx))
    b = np.where(flat, 0.0, f[..., :-1] - split[..., :-1] * k)
    return k, b


def round_to_bits(v: np.ndarray, frac_bits: int) -> np.ndarray:
    """Round to a multiple of 2^-frac_bits (half to even, as the trainer's np.round)."""
    return np.round(v * (1 << frac_bits)) / (1 << frac_bits)


def population_mse(pop: np.ndarray, fn: Fn, x: np.ndarray, y: np.ndarray,
                   outer: tuple[float, float], frac_bits: int) -> np.ndarray:
    """MSE of each individual's fixed-point PWL on the grid ``x`` (true values ``y``)."""
    p = pop.shape[0]
    split = np.concatenate([np.full((p, 1), outer[0]), pop, np.full((p, 1), outer[1])], axis=1)
    k, b = chords(split, fn)
    k, b = round_to_bits(k, frac_bits), round_to_bits(b, frac_bits)
    idx = np.count_nonzero(x[None, :, None] > pop[:, None, :], axis=2)  # bucketize, left-closed
    approx = np.take_along_axis(k, idx, 1) * x[None, :] + np.take_along_axis(b, idx, 1)
    mse: NDArray[np.float64] = np.mean((approx - y[None, :]) ** 2, axis=1)
    return mse


def _tournament(rng: np.random.Generator, fit: np.ndarray, size: int) -> np.ndarray:
    cand = rng.integers(0, fit.size, (fit.size, size))
    winners: NDArray[np.int64] = cand[np.arange(fit.size), np.argmin(fit[cand], axis=1)]
    return winners


def _two_point_crossover(rng: np.random.Generator, pop: np.ndarray, prob: float) -> None:
    """DEAP's cxTwoPoint on pairs (0,1), (2,3), ...; in place."""
    n_pairs, length = pop.shape[0] // 2, pop.shape[1]
    if length < 2 or n_pairs == 0:
        return
    c1 = rng.integers(1, length + 1, n_pairs)
    c2 = rng.integers(1, length, n_pairs)
    c2 = np.where(c2 >= c1, c2 + 1, c2)
    lo, hi = np.minimum(c1, c2), np.maximum(c1, c2)
    j = np.arange(length)
    swap = (j >= lo[:, None]) & (j < hi[:, None]) & (rng.random(n_pairs) < prob)[:, None]
    even, odd = pop[0:2 * n_pairs:2], pop[1:2 * n_pairs:2]
    tmp = np.where(swap, odd, even)
    pop[1:2 * n_pairs:2] = np.where(swap, even, odd)
    pop[0:2 * n_pairs:2] = tmp


def _mutate(rng: np.random.Generator, pop: np.ndarray, gp: GeneticParams,
            sp_range: tuple[float, float]) -> None:
    """Rounding mutation / Gaussian mutation of the selected individuals; in place."""
    chosen = (rng.random((pop.shape[0],)) < gp.mutation_prob)[:, None]
    u = rng.random(pop.shape)
    lo_bits, hi_bits = gp.decimal_bits_range
    n_bits = hi_bits - lo_bits + 1 if gp.rounding_mutation else 0
    rounding_zone = u < gp.rounding_prob_per_bit * n_bits
    bits = lo_bits + np.floor(u / gp.rounding_prob_per_bit).astype(np.int64)
    scale = np.exp2(np.where(rounding_zone, bits, 0).astype(np.float64))
    rounded = np.round(pop * scale) / scale
    gauss = u >= 1.0 - gp.gauss_prob
    moved = pop + rng.normal(0.0, gp.sigma, pop.shape)
    new = np.where(rounding_zone, rounded, np.where(gauss, moved, pop))
    pop[:] = np.where(chosen, np.clip(new, *sp_range), pop)


def genetic_breakpoints(fn: Fn, n_breakpoints: int, x_range: tuple[float, float],
                        sp_range: tuple[float, float], outer: tuple[float, float],
                        frac_bits: int, gp: GeneticParams, seed: int) -> tuple[np.ndarray, float]:
    """Best sorted interior breakpoints found, and their fitness (MSE)."""
    rng = np.random.default_rng(seed)
    x = np.arange(x_range[0], x_range[1], gp.grid_step)
    y = fn(x)
    pop = np.sort(rng.uniform(sp_range[0], sp_range[1], (gp.population, n_breakpoints)), axis=1)
    fit = population_mse(pop, fn, x, y, outer, frac_bits)
    best_i = int(np.argmin(fit))
    best, best_fit = pop[best_i].copy(), float(fit[best_i])
    for _ in range(gp.generations):
        pop = pop[_tournament(rng, fit, gp.tournament_size)]
        _two_point_crossover(rng, pop, gp.crossover_prob)
        _mutate(rng, pop, gp, sp_range)
        pop.sort(axis=1)
        fit = population_mse(pop, fn, x, y, outer, frac_bits)
        if gp.elitism:
            worst = np.argsort(fit)[-gp.elitism:]
            pop[worst], fit[worst] = best, best_fit
        i = int(np.argmin(fit))
        if fit[i] < best_fit:
            best, best_fit = pop[i].copy(), float(fit[i])
    return best, best_fit
