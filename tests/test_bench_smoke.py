"""The benchmark's quick fan-out still runs and counts every notification exactly once.

It runs the documented command (`python bench/run.py --quick --only fanout`) against a real
`eventsub-mock start-server` subprocess. Timings are not asserted: only correctness.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "bench" / "run.py"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the benchmark reads /proc")
def test_quick_fanout_delivers_every_notification_once(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    completed = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--only", "fanout", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.exists(), completed.stdout + completed.stderr
    document = json.loads(out.read_text())
    fanouts = [w for w in document["workloads"] if w["name"].startswith("fanout_")]
    assert len(fanouts) == 2, completed.stdout + completed.stderr
    for workload in fanouts:
        metrics = workload["metrics"]
        sessions, events = (int(n) for n in workload["name"].removeprefix("fanout_").split("x"))
        assert metrics["lost"]["median"] == 0, workload
        assert metrics["duplicated"]["median"] == 0, workload
        assert metrics["received"]["median"] == sessions * events, workload
        assert workload["ok"], workload["checks"]
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "correctness: OK" in completed.stdout
