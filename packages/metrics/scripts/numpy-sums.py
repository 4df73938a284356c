"""Writes fixtures/numpy_sums.json: np.sum / np.mean of the float64 vectors
values[i] = ((i * 7919) % 1000) / 3 + 1 / (i + 1), i < n (exact in IEEE doubles, so the TypeScript test
rebuilds them), recorded with numpy to check that numpySum reproduces numpy's pairwise summation bit for bit.

Run: python3 scripts/numpy-sums.py  (numpy 1.24+; the values do not depend on the version)."""
import json
import numpy as np

cases = []
for n in [0, 1, 7, 8, 9, 15, 16, 127, 128, 129, 255, 256, 1000, 4099]:
    values = [((i * 7919) % 1000) / 3.0 + 1.0 / (i + 1) for i in range(n)]
    a = np.array(values, dtype=np.float64)
    cases.append({
        "n": n,
        "sum": float(np.sum(a)),
        "mean": float(np.mean(a)) if n else None,
    })
meta = {"numpy": np.__version__, "generator": "scripts/numpy-sums.py"}
with open("fixtures/numpy_sums.json", "w") as f:
    json.dump({"meta": meta, "cases": cases}, f)
