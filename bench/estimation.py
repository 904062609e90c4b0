"""Effects from observational rows: causalppl's g-formula and AIPW against AIPW written with statsmodels.

The peer is what a Python user writes with the field's regression library:
statsmodels OLS per treatment arm and a Logit propensity, and a
nonparametric bootstrap of 1,000 replicates that refits both (a loop over
replicates).  causalppl answers ``E[Y | do(T = 1)] - E[Y | do(T = 0)]`` on
the same rows with 1,000 Bayesian-bootstrap draws, every fit of a chunk of
draws batched.  Runs are interleaved and repeated; medians are reported.

    python -m bench.estimation [--rows 5000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
import pandas as pd

import causalppl as cp

MODEL = """
model Observational {
    Age : real
    Sick : bool <- Age
    Treated : bool <- Age, Sick
    Outcome : real <- Treated, Age, Sick
}
"""
ATE = "E[Outcome | do(Treated = 1)] - E[Outcome | do(Treated = 0)]"
DRAWS = 1000


def simulate(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.normal(size=n)
    sick = (rng.random(n) < 1 / (1 + np.exp(-(0.5 + age)))).astype(int)
    treated = (rng.random(n) < 1 / (1 + np.exp(-(-0.3 + 1.2 * age - 0.8 * sick)))).astype(int)
    outcome = 1.5 * age - 2 * sick + (2 + 0.5 * age + sick) * treated + rng.normal(size=n)
    return pd.DataFrame({"Age": age, "Sick": sick, "Treated": treated, "Outcome": outcome})


def statsmodels_aipw(data: pd.DataFrame, replicates: int, seed: int) -> tuple[float, tuple[float, float]]:
    import statsmodels.api as sm

    def estimate(frame: pd.DataFrame) -> float:
        covariates = sm.add_constant(frame[["Age", "Sick"]].to_numpy(dtype=float))
        t = frame["Treated"].to_numpy()
        y = frame["Outcome"].to_numpy()
        e = sm.Logit(t, covariates).fit(disp=0).predict(covariates).clip(0.01, 0.99)
        m1 = sm.OLS(y[t == 1], covariates[t == 1]).fit().predict(covariates)
        m0 = sm.OLS(y[t == 0], covariates[t == 0]).fit().predict(covariates)
        psi = m1 - m0 + t * (y - m1) / e - (1 - t) * (y - m0) / (1 - e)
        return float(psi.mean())

    rng = np.random.default_rng(seed)
    point = estimate(data)
    boot = [estimate(data.iloc[rng.integers(0, len(data), len(data))]) for _ in range(replicates)]
    return point, (float(np.quantile(boot, 0.025)), float(np.quantile(boot, 0.975)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    data = simulate(args.rows, 0)
    model = cp.loads(MODEL)
    times: dict[str, list[float]] = {"g-formula": [], "aipw": [], "statsmodels": []}
    answers = {}
    for repeat in range(args.repeats):  # interleaved
        for name in ("g-formula", "aipw", "statsmodels"):
            start = time.perf_counter()
            if name == "statsmodels":
                answers[name] = statsmodels_aipw(data, DRAWS, repeat)
            else:
                estimator = "gformula" if name == "g-formula" else "aipw"
                result = model.query(ATE, data=data, seed=repeat, draws=DRAWS, estimator=estimator)
                answers[name] = (result.estimate, result.interval)
            times[name].append(time.perf_counter() - start)
    print(f"rows {args.rows}, {DRAWS} draws or bootstrap replicates, OMP_NUM_THREADS="
          f"{os.environ.get('OMP_NUM_THREADS', 'unset')}, median of {args.repeats}")
    peer = statistics.median(times["statsmodels"])
    for name, values in times.items():
        median = statistics.median(values)
        estimate, interval = answers[name]
        ratio = "" if name == "statsmodels" else f"  {peer / median:.1f}x faster than statsmodels AIPW"
        print(f"{name:12s} {median:8.2f} s  ATE {estimate:.3f} [{interval[0]:.3f}, {interval[1]:.3f}]{ratio}")


if __name__ == "__main__":
    main()
