#!/usr/bin/env bash
# GPU benchmarks and correctness checks, in one short run (about 6 minutes on one GPU).
# Usage: bench/gpu.sh [OUT_DIR]   (default: bench/gpu-results). Needs a CUDA build of torch and a visible GPU.
# Each check compares the GPU with the CPU on the same inputs, asserts equal answers and writes its figures:
#   score.txt     per-row exact Gaussian abduction (10 and 50 nodes; 10^4, 10^6 units) and PN per row (10^6 rows)
#   exact.txt     exact batched contraction: P(Y | do(X), evidence) for 10^5 evidence rows of a bnlearn network
#   nuts.txt      NUTS (Pyro route), 2 chains, confounded linear model (10^4 rows): posterior means on CPU and GPU
#   numpyro.txt   NUTS (NumPyro route) on the logistic regression of bench.nuts_vs_numpyro: causalppl against
#                 hand-written NumPyro on the GPU, and causalppl's GPU fit against its CPU fit
#   queries.txt   Model.query on the GPU against the CPU: exact, Monte Carlo, counterfactual, NUTS and SVI answers
#   svi.txt       SVI on 10^6 rows (bench.svi_large --device cuda)
#   summary.txt   one line per check: PASS/FAIL and the CPU/GPU times
# GPU_CHECKS="score exact" runs only the checks named.
# GPU_DEVICE=cpu GPU_SMALL=1 bench/gpu.sh runs the same code on the CPU at small sizes (a smoke test of the script).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-bench/gpu-results}"
mkdir -p "$OUT"
PY="${PYTHON:-.venv/bin/python}"
[ -x "$PY" ] || PY=python3
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-4}" PYTHONUNBUFFERED=1
export GPU_DEVICE="${GPU_DEVICE:-cuda}" GPU_SMALL="${GPU_SMALL:-}"
SUMMARY="$OUT/summary.txt"
{ date -u; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "nvidia-smi: none";
  "$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'available', torch.cuda.is_available())";
  "$PY" -c "import jax; print('jax', jax.__version__, jax.devices())" 2>&1 | tail -1; } > "$SUMMARY"

run() {  # run NAME SECONDS PYTHON-CODE (skipped unless GPU_CHECKS, if set, names it)
    local name="$1" limit="$2" code="$3" status
    case " ${GPU_CHECKS:-$name} " in *" $name "*) ;; *) return ;; esac
    timeout "$limit" "$PY" -c "import bench.gpu_common
$code" > "$OUT/$name.txt" 2>&1
    status=$?
    if [ "$status" -eq 0 ]; then
        echo "PASS $name: $(tail -1 "$OUT/$name.txt")" >> "$SUMMARY"
    else
        echo "FAIL $name (exit $status): $(tail -1 "$OUT/$name.txt")" >> "$SUMMARY"
    fi
}

run score 100 '
import numpy as np, pandas as pd, causalppl as cp
from bench.gpu_common import DEVICE, SMALL, timed
from bench.score import linear_scm, simulate, PN_MODEL
big = 20_000 if SMALL else 1_000_000
for nodes in (10, 50):
    source, weights = linear_scm(nodes); m = cp.loads(source)
    q = f"cf = E[X{nodes-1}[X0 = 1] | " + ", ".join(f"X{k}" for k in range(nodes)) + "]"
    for units in (10_000, big):  # kernels and caches are warmed at the small size
        data = simulate(weights, units); warm = units == 10_000
        cpu, tc = timed(lambda: m.score(data, q, device="cpu", chunk_size=1_000_000), warm)
        gpu, tg = timed(lambda: m.score(data, q, device=DEVICE, chunk_size=1_000_000), warm)
        diff = float(np.abs(cpu["cf"].to_numpy() - gpu["cf"].to_numpy()).max())
        assert diff < 1e-9, diff
        print(f"gaussian {nodes} nodes {units} units: cpu {tc*1e3:.0f} ms gpu {tg*1e3:.0f} ms ({tc/tg:.1f}x) max|diff| {diff:.1e}")
m = cp.loads(PN_MODEL); rng = np.random.default_rng(0)
rows = pd.DataFrame({"X": rng.integers(0, 2, big), "Y": rng.integers(0, 2, big)})
for device in ("cpu", DEVICE):
    m.score(rows.head(1000), "pn = P(Y[X = 0] = 0 | X, Y)", device=device)
cpu, tc = timed(lambda: m.score(rows, "pn = P(Y[X = 0] = 0 | X, Y)", device="cpu"), False)
gpu, tg = timed(lambda: m.score(rows, "pn = P(Y[X = 0] = 0 | X, Y)", device=DEVICE), False)
diff = float(np.abs(cpu["pn"].to_numpy() - gpu["pn"].to_numpy()).max()); assert diff < 1e-12, diff
print(f"PN per row {big} rows: cpu {tc:.2f} s gpu {tg:.2f} s ({tc/tg:.1f}x) max|diff| {diff:.1e}")
'

run exact 60 '
import numpy as np, pandas as pd, causalppl as cp
from bench.gpu_common import DEVICE, SMALL, timed
m = cp.load("stdlib:alarm"); rng = np.random.default_rng(0); n = 10_000 if SMALL else 100_000
rows = pd.DataFrame({"INTUBATION": rng.choice(["NORMAL", "ESOPHAGEAL", "ONESIDED"], n), "KINKEDTUBE": rng.choice(["TRUE", "FALSE"], n)})
q = "d = P(SAO2 | do(FIO2 = LOW), INTUBATION, KINKEDTUBE)"
cpu, tc = timed(lambda: m.score(rows, q, device="cpu")); gpu, tg = timed(lambda: m.score(rows, q, device=DEVICE))
cols = [c for c in cpu.columns if c.startswith("d[")]
diff = float(np.abs(cpu[cols].to_numpy() - gpu[cols].to_numpy()).max()); assert diff < 1e-12, diff
print(f"exact batched contraction, alarm, {n} evidence rows: cpu {tc:.2f} s gpu {tg:.2f} s ({tc/tg:.1f}x) max|diff| {diff:.1e}")
'

run numpyro 120 '
import time, argparse, jax, numpy as np, causalppl as cp
from bench.gpu_common import DEVICE, SMALL
from bench.nuts_vs_numpyro import logistic, hand_numpyro
from causalppl.inference.bayesian import clear_fit_cache, fit
from causalppl.inference.options import parse_options
case = logistic(); model = cp.loads(case.source); data = model.load_data(case.frame)
def ours(device, steps):
    clear_fit_cache(); t = time.perf_counter()
    options = parse_options(dict(method="nuts", seed=0, num_chains=2, num_warmup=steps, num_samples=steps, backend="numpyro", device=device))
    draws = fit(model.ir, data, "nuts", options).draws
    return {k: draws[k].numpy() for k in case.parameters}, time.perf_counter() - t
def hand(device, steps):
    t = time.perf_counter()
    with jax.default_device(jax.devices("gpu" if device == "cuda" else "cpu")[0]):
        draws = hand_numpyro(case, argparse.Namespace(chains=2, warmup=steps, samples=steps, seed=0))
    return draws, time.perf_counter() - t
steps = 50 if SMALL else 200
for device in ("cpu", DEVICE):
    hand(device, 10); ours(device, 10)  # the JAX runtime and our code generation, outside the timing
    (h, th), (o, to) = hand(device, steps), ours(device, steps)
    gap = max(float(np.abs(h[k].mean((0, 1)) - o[k].mean((0, 1))).max()) for k in case.parameters)
    print(f"NumPyro NUTS logistic 2x({steps}+{steps}) on {device}: hand-written {th:.2f} s, causalppl {to:.2f} s (ratio {to/th:.2f}, compilation included on both sides), max |mean diff| {gap:.3f}")
    assert gap < 0.1, gap
'

run nuts 150 '
import time, causalppl as cp
from bench.gpu_common import DEVICE, SMALL, sync
from bench.common import CONFOUNDED_LINEAR, simulate_confounded_linear
rows = 2_000 if SMALL else 10_000
m = cp.loads(CONFOUNDED_LINEAR); data = simulate_confounded_linear(rows, seed=0)
steps = 30 if SMALL else 60
for device in ("cpu", DEVICE):  # code generation and CUDA start-up, outside the timing
    m.query("E[effect]", data=data, device=device, method="nuts", num_chains=1, num_warmup=5, num_samples=5, seed=0)
opts = dict(method="nuts", num_chains=2, num_warmup=steps, num_samples=steps, seed=0, workers=1)
t = time.perf_counter(); cpu = m.query("E[effect]", data=data, device="cpu", **opts).estimate; tc = time.perf_counter() - t
t = time.perf_counter(); gpu = m.query("E[effect]", data=data, device=DEVICE, **opts).estimate; sync(); tg = time.perf_counter() - t
assert abs(cpu - 1.5) < 0.1 and abs(gpu - 1.5) < 0.1, (cpu, gpu)
print(f"NUTS 2 chains x ({steps}+{steps}), {rows} rows: cpu {tc:.1f} s ({cpu:.4f}) gpu {tg:.1f} s ({gpu:.4f}) ({tc/tg:.2f}x)")
'

run queries 150 '
# Query paths through Model.query on the GPU against the CPU: exact, Monte Carlo, counterfactuals, NUTS and SVI
# answers (draws stay on the device until the interval is taken). Sampled answers use different random streams
# on the two devices, so they are compared within a tolerance of the posterior or Monte Carlo spread.
import time, numpy as np, causalppl as cp
from bench.gpu_common import DEVICE, SMALL
from bench.common import CONFOUNDED_LINEAR, simulate_confounded_linear
steps = 30 if SMALL else 150
linear = cp.loads(CONFOUNDED_LINEAR); rows = simulate_confounded_linear(2_000, seed=0)
cases = [
    ("asia exact", cp.load("stdlib:asia"), "P(dysp = yes | do(smoke = yes))", {}, None, 1e-9),
    ("asia mc", cp.load("stdlib:asia"), "P(dysp = yes | do(smoke = yes))", dict(method="mc", samples=200_000), None, 0.01),
    ("mediation nde", cp.load("stdlib:mediation"), "E[Y[X = 1, M = M[X = 0]] - Y[X = 0]]", {}, None, 0.02),
    ("eight schools nuts", cp.load("stdlib:eight_schools"), "E[mu]", dict(method="nuts", num_chains=1, num_warmup=steps, num_samples=steps), "stdlib", 3.0),
    ("linear svi", linear, "E[effect]", dict(method="svi", num_steps=10 * steps), rows, 0.1),
    ("linear cf nuts", linear, "E[Y[X = 1] - Y[X = 0] | X = 0]", dict(method="nuts", num_chains=1, num_warmup=steps, num_samples=steps), rows, 0.1),
]
failed = []
for name, model, query, options, data, tolerance in cases:
    answers = {}
    for device in ("cpu", DEVICE):
        kwargs = dict(options, seed=0, device=device)
        if data is not None and not isinstance(data, str):
            kwargs["data"] = data
        start = time.perf_counter()
        result = model.query(query, **kwargs)
        answers[device] = (result.estimate, time.perf_counter() - start, result.method)
    (cpu, tc, method), (gpu, tg, _) = answers["cpu"], answers[DEVICE]
    ok = cpu is not None and gpu is not None and np.isfinite(gpu) and abs(cpu - gpu) <= tolerance
    failed += [] if ok else [name]
    status = "ok  " if ok else "FAIL"
    print(f"{status} {name} ({method}): cpu {cpu:.5g} in {tc:.2f} s, gpu {gpu:.5g} in {tg:.2f} s")
assert not failed, failed
print(f"{len(cases)} query paths agree on cpu and {DEVICE}")
'

run svi 120 '
import subprocess, sys
from bench.gpu_common import DEVICE, SMALL
extra = ["--rows", "20000", "--steps", "20", "--fit-steps", "100"] if SMALL else ["--steps", "100", "--fit-steps", "500", "--full-batch"]
for device in ("cpu", DEVICE):
    out = subprocess.run([sys.executable, "-m", "bench.svi_large", "--device", device, *extra], capture_output=True, text=True, timeout=80)
    print(out.stdout[-2000:], out.stderr[-500:]); assert out.returncode == 0
print("svi: see the two runs above (cpu, then gpu)")
'

cat "$SUMMARY"
