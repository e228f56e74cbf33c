"""unsafe-model-load: loads of pickles from non-constant sources, with aliases."""

from __future__ import annotations

import pytest

from chainward.models.load_calls import find_unsafe_loads

BAD = [
    ("import torch\ntorch.load(path)\n", "torch.load", "medium"),
    ("import torch\ntorch.load(path, weights_only=False)\n", "torch.load", "high"),
    ("import torch as T\nT.load(f, weights_only=flag)\n", "torch.load", "medium"),
    ("import pickle\npickle.loads(blob)\n", "pickle.loads", "high"),
    ("from pickle import load as l\nl(handle)\n", "pickle.load", "high"),
    ("import joblib\njoblib.load(model_path)\n", "joblib.load", "high"),
    ("import numpy as np\nnp.load(p, allow_pickle=True)\n", "numpy.load", "high"),
    ("import pandas as pd\npd.read_pickle(url)\n", "pandas.read_pickle", "high"),
    ("import dill\ndill.load(open(name, 'rb'))\n", "dill.load", "high"),
    (
        "from tensorflow import keras\nkeras.models.load_model(p, safe_mode=False)\n",
        "tensorflow.keras.models.load_model",
        "high",
    ),
    ("import pickle\npickle.load(open('https://x/y.pkl', 'rb'))\n", "pickle.load", "high"),
]
GOOD = [
    "import torch\ntorch.load(path, weights_only=True)\n",
    "import torch\ntorch.load('weights/model.pt')\n",
    "import pickle\npickle.load(open('cache.pkl', 'rb'))\n",
    "import numpy as np\nnp.load(p)\n",
    "import keras\nkeras.models.load_model(p)\n",
    "def load(x):\n    return x\nload(path)\n",
    "import json\njson.load(f)\n",
    "import dill\nx = dill.loads(f.read())  # noqa: S301\n",
    "import torch\ntorch.load(p)  # nosec B614\n",
]


@pytest.mark.parametrize(("source", "callee", "severity"), BAD)
def test_unsafe_loads_are_found(source: str, callee: str, severity: str) -> None:
    (found,) = find_unsafe_loads(source)
    assert (found.callee, found.severity.label, found.line) == (callee, severity, 2)


@pytest.mark.parametrize("source", GOOD)
def test_safe_loads_are_not(source: str) -> None:
    assert find_unsafe_loads(source) == []
