"""Statistics for experiments: two proportions, their difference, and the sample size.

Written out with ``math`` and ``statistics.NormalDist`` (the tests check them
against scipy). Conventions: two-sided tests; ``confidence`` 0.95 means
alpha 0.05.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

_N = NormalDist()


def z_for(confidence: float) -> float:
    """The two-sided critical value: 1.96 for 0.95."""
    return _N.inv_cdf(1 - (1 - confidence) / 2)


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for one proportion: sound near 0 and 1 and for small n."""
    if n <= 0:
        return (0.0, 1.0)
    z = z_for(confidence)
    p = successes / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    denominator = 1 + z * z / n
    return (max(0.0, (centre - spread) / denominator), min(1.0, (centre + spread) / denominator))


@dataclass(frozen=True)
class Comparison:
    difference: float
    """Rate of the variant minus rate of the control."""
    ci_low: float
    ci_high: float
    """Confidence interval of the difference (unpooled normal approximation)."""
    z: float
    p_value: float
    """Two-sided p-value of the pooled two-proportion z-test."""


def two_proportions(
    c_control: int, n_control: int, c_variant: int, n_variant: int, confidence: float = 0.95
) -> Comparison:
    """The pooled two-proportion z-test and the interval of the difference."""
    if n_control <= 0 or n_variant <= 0:
        raise ValueError("both groups need at least one session")
    p1, p2 = c_control / n_control, c_variant / n_variant
    pooled = (c_control + c_variant) / (n_control + n_variant)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / n_control + 1 / n_variant))
    diff = p2 - p1
    if se_pooled == 0:
        z, p_value = 0.0, 1.0
    else:
        z = diff / se_pooled
        p_value = math.erfc(abs(z) / math.sqrt(2))
    se = math.sqrt(p1 * (1 - p1) / n_control + p2 * (1 - p2) / n_variant)
    half = z_for(confidence) * se
    return Comparison(diff, diff - half, diff + half, z, p_value)


def required_sample_size(
    baseline: float, minimum_effect: float, alpha: float = 0.05, power: float = 0.8
) -> int | None:
    """Sessions per variant needed to detect a relative change of ``minimum_effect`` (0.1
    = 10 %) from ``baseline`` with a two-sided test; None when it cannot be said (a
    baseline of 0 or 1, or a target rate outside 0..1)."""
    target = baseline * (1 + minimum_effect)
    if not 0 < baseline < 1 or not 0 < target < 1 or minimum_effect == 0:
        return None
    z_a = _N.inv_cdf(1 - alpha / 2)
    z_b = _N.inv_cdf(power)
    mean = (baseline + target) / 2
    top = z_a * math.sqrt(2 * mean * (1 - mean)) + z_b * math.sqrt(
        baseline * (1 - baseline) + target * (1 - target)
    )
    return math.ceil(top * top / (target - baseline) ** 2)
