"""Scripts gate on torch.__version__: ember answers as the torch release it follows (2.13), with its own
release in the local label, and compares like torch's TorchVersion."""
from __future__ import annotations

import ember
import ember.vision


def test_version_compares_like_torch(torch):
    pv = ember_test_require_packaging()
    e, t = ember.__version__, torch.__version__
    assert e.startswith("2.13.0+") and t.startswith("2.13.0+")
    for other in ("2.0", "2.13", "2.13.0", "2.14", "1.13.1", (2, 0), (2, 13, 0), (2, 14)):
        assert (e >= other) == (t >= other), other
        assert (e < other) == (t < other), other
        assert (e == other) == (t == other), other
    assert pv.parse(e) >= pv.parse("2.0") and pv.parse(e).local == "ember0.1.0"
    assert ember.version.cuda is None and torch.version.cuda is None
    assert ember.vision.__version__ >= "0.15" and ember.version.ember == "0.1.0"


def ember_test_require_packaging():
    from ember_testutil import require
    return require("packaging.version")
