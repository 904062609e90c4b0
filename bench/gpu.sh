#!/usr/bin/env bash
# GPU benchmarks and correctness checks, in one short run (under 8 minutes on one GPU).
# Usage: bench/gpu.sh [OUT_DIR]   (default: bench/gpu-results). Needs a CUDA build of torch and a visible GPU.
# Each check compares --device cuda with --device cpu on the same inputs and writes its figures to OUT_DIR:
#   score.txt     per-row exact Gaussian abduction (10 and 50 nodes; 10^4, 10^6 units) and PN per row (10^6 rows)
#   exact.txt     exact batched contraction: P(Y | do(X), evidence) for 10^5 evidence rows of a bnlearn network
#   nuts.txt      NUTS, 2 chains, confounded linear model (10^4 rows): posterior means on CPU and GPU
#   svi.txt       SVI on 10^6 rows (bench.svi_large --device cuda)
#   summary.txt   one line per check: PASS/FAIL and the CPU/GPU times
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-bench/gpu-results}"
mkdir -p "$OUT"
PY="${PYTHON:-.venv/bin/python}"
[ -x "$PY" ] || PY=python3
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-4}"
SUMMARY="$OUT/summary.txt"
{ date -u; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "nvidia-smi: none";
  "$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'available', torch.cuda.is_available())"; } > "$SUMMARY"

run() {  # run NAME SECONDS PYTHON-CODE
    local name="$1" limit="$2" code="$3"
    if timeout "$limit" "$PY" -c "$code" > "$OUT/$name.txt" 2>&1; then
        echo "PASS $name: $(tail -1 "$OUT/$name.txt")" >> "$SUMMARY"
    else
        echo "FAIL $name (exit $?): $(tail -1 "$OUT/$name.txt")" >> "$SUMMARY"
    fi
}

run score 150 '
import time, numpy as np, pandas as pd, torch, causalppl as cp
from bench.score import linear_scm, simulate, PN_MODEL
def timed(f):
    f(); torch.cuda.synchronize(); t = time.perf_counter(); v = f(); torch.cuda.synchronize(); return v, time.perf_counter() - t
for nodes in (10, 50):
    source, weights = linear_scm(nodes); m = cp.loads(source)
    q = f"cf = E[X{nodes-1}[X0 = 1] | " + ", ".join(f"X{k}" for k in range(nodes)) + "]"
    for units in (10_000, 1_000_000):
        data = simulate(weights, units)
        cpu, tc = timed(lambda: m.score(data, q, device="cpu", chunk_size=1_000_000))
        gpu, tg = timed(lambda: m.score(data, q, device="cuda", chunk_size=1_000_000))
        diff = float(np.abs(cpu["cf"].to_numpy() - gpu["cf"].to_numpy()).max())
        assert diff < 1e-9, diff
        print(f"gaussian {nodes} nodes {units} units: cpu {tc*1e3:.0f} ms gpu {tg*1e3:.0f} ms ({tc/tg:.1f}x) max|diff| {diff:.1e}")
m = cp.loads(PN_MODEL); rng = np.random.default_rng(0)
rows = pd.DataFrame({"X": rng.integers(0, 2, 1_000_000), "Y": rng.integers(0, 2, 1_000_000)})
cpu, tc = timed(lambda: m.score(rows, "pn = P(Y[X = 0] = 0 | X, Y)", device="cpu"))
gpu, tg = timed(lambda: m.score(rows, "pn = P(Y[X = 0] = 0 | X, Y)", device="cuda"))
diff = float(np.abs(cpu["pn"].to_numpy() - gpu["pn"].to_numpy()).max()); assert diff < 1e-12, diff
print(f"PN per row 10^6 rows: cpu {tc:.2f} s gpu {tg:.2f} s ({tc/tg:.1f}x) max|diff| {diff:.1e}")
'

run exact 120 '
import time, numpy as np, pandas as pd, torch, causalppl as cp
m = cp.load("stdlib:alarm"); rng = np.random.default_rng(0); n = 100_000
rows = pd.DataFrame({"INTUBATION": rng.choice(["NORMAL", "ESOPHAGEAL", "ONESIDED"], n), "KINKEDTUBE": rng.choice(["TRUE", "FALSE"], n)})
q = "d = P(SAO2 | do(FIO2 = LOW), INTUBATION, KINKEDTUBE)"
def timed(f):
    f(); torch.cuda.synchronize(); t = time.perf_counter(); v = f(); torch.cuda.synchronize(); return v, time.perf_counter() - t
cpu, tc = timed(lambda: m.score(rows, q, device="cpu")); gpu, tg = timed(lambda: m.score(rows, q, device="cuda"))
cols = [c for c in cpu.columns if c.startswith("d[")]
diff = float(np.abs(cpu[cols].to_numpy() - gpu[cols].to_numpy()).max()); assert diff < 1e-12, diff
print(f"exact batched contraction, alarm, {n} evidence rows: cpu {tc:.2f} s gpu {tg:.2f} s ({tc/tg:.1f}x) max|diff| {diff:.1e}")
'

run nuts 150 '
import time, torch, causalppl as cp
from bench.common import CONFOUNDED_LINEAR, simulate_confounded_linear
m = cp.loads(CONFOUNDED_LINEAR); data = simulate_confounded_linear(10_000, seed=0)
opts = dict(method="nuts", num_chains=2, num_warmup=200, num_samples=200, seed=0, workers=1)
t = time.perf_counter(); cpu = m.query("E[effect]", data=data, device="cpu", **opts).estimate; tc = time.perf_counter() - t
t = time.perf_counter(); gpu = m.query("E[effect]", data=data, device="cuda", **opts).estimate; tg = time.perf_counter() - t
assert abs(cpu - 1.5) < 0.05 and abs(gpu - 1.5) < 0.05, (cpu, gpu)
print(f"NUTS 2 chains x 400, 10^4 rows: cpu {tc:.1f} s ({cpu:.4f}) gpu {tg:.1f} s ({gpu:.4f}) ({tc/tg:.2f}x)")
'

run svi 150 '
import subprocess, sys
out = subprocess.run([sys.executable, "-m", "bench.svi_large", "--device", "cuda"], capture_output=True, text=True, timeout=140)
print(out.stdout[-2000:], out.stderr[-500:]); assert out.returncode == 0
print(out.stdout.strip().splitlines()[-1] if out.stdout.strip() else "no output")
'

cat "$SUMMARY"
