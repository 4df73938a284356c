"""Writes fixtures/pretraining-order/pcg64_dxsm.json: numpy PCG64DXSM states, raw draws and
Generator(PCG64DXSM(seed)).permutation(n), the sample order of ModernBERT's DistributedSamplerPCG64DXSM.
Run: python3 packages/datasets/scripts/pcg64_dxsm_reference.py (numpy >= 1.21)."""
import json
import pathlib

import numpy as np

cases = []
for seed, n in [(0, 10), (17, 1000), (2998, 4097)]:
    bg = np.random.PCG64DXSM(seed)
    state = bg.state["state"]
    raw = np.random.PCG64DXSM(seed).random_raw(8)
    cases.append(
        {
            "seed": seed,
            "n": n,
            "state": str(state["state"]),
            "inc": str(state["inc"]),
            "first8_uint64": [str(int(x)) for x in raw],
            "permutation": np.random.Generator(np.random.PCG64DXSM(seed)).permutation(n).tolist(),
        }
    )
out = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "pretraining-order" / "pcg64_dxsm.json"
out.write_text(json.dumps({"numpy": np.__version__, "cases": cases}) + "\n")
