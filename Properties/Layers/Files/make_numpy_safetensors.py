#!/usr/bin/env python3
"""Writes numpy.safetensors, the file SafeTensorsTests reads: tensors made by NumPy, laid out by hand per the
safetensors spec (8-byte little-endian header length, a JSON header, raw little-endian C-order data), since the
safetensors package is not installed here. Rerun with `python3 make_numpy_safetensors.py` in this folder."""
import json
import struct

import numpy as np

tensors = {
    # (i, j) = (3i + j)/2 - 1
    "matrix": np.arange(6, dtype="<f8").reshape(2, 3) / 2 - 1,
    # (i, j, k) = 100i + 10j + k
    "tensor3": np.fromfunction(lambda i, j, k: 100 * i + 10 * j + k, (2, 3, 4), dtype="<f8"),
    # float32 values, to be widened exactly
    "weights32": np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], dtype="<f4"),
    "labels": np.array([3, 1, 4, 1], dtype="<i4"),
    "counts": np.array([[1, 2], [3, -4]], dtype="<i8"),
    "scalar": np.array(np.pi, dtype="<f8"),
}
codes = {"<f8": "F64", "<f4": "F32", "<i4": "I32", "<i8": "I64"}

header, data, offset = {"__metadata__": {"written_by": "numpy " + np.__version__}}, b"", 0
for name, array in tensors.items():
    raw = np.ascontiguousarray(array).tobytes(order="C")
    header[name] = {"dtype": codes[array.dtype.str], "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
    data += raw
    offset += len(raw)

# Header keys sorted (as the reference writer does), so a reader must follow the offsets, not the key order.
text = json.dumps(dict(sorted(header.items())), separators=(",", ":")).encode()
text += b" " * (-len(text) % 8)
with open("numpy.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + data)
