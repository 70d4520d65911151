"""The benchmark's quick fan-out, webhooks and conduits still run and count every notification
once.

They run the documented command (`python bench/run.py --quick --only fanout`, and `webhooks`
shrunk further) against a real `eventsub-mock start-server` subprocess. Timings are not
asserted: only correctness.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "bench" / "run.py"


def _run_bench(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    out = tmp_path / "bench.json"
    command = [sys.executable, str(RUN), "--quick", "--json", str(out), *args]
    completed = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert out.exists(), completed.stdout + completed.stderr
    return completed, json.loads(out.read_text())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the benchmark reads /proc")
def test_quick_fanout_delivers_every_notification_once(tmp_path: Path) -> None:
    completed, document = _run_bench(tmp_path, "--only", "fanout")
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


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the benchmark reads /proc")
def test_tiny_webhooks_deliver_every_notification_once(tmp_path: Path) -> None:
    completed, document = _run_bench(
        tmp_path, "--only", "webhooks", "--webhooks", "1x20,3x5", "--forward-count", "5"
    )
    by_name = {w["name"]: w for w in document["workloads"]}
    assert set(by_name) == {"webhooks_1x20", "webhooks_3x5", "webhooks_cli"}, by_name
    for name, expected in (("webhooks_1x20", 20), ("webhooks_3x5", 15)):
        metrics = by_name[name]["metrics"]
        assert metrics["received"]["median"] == expected, by_name[name]
        assert metrics["lost"]["median"] == 0, by_name[name]
        assert metrics["duplicated"]["median"] == 0, by_name[name]
    assert by_name["webhooks_cli"]["metrics"]["cli_lost"]["median"] == 0
    assert all(w["ok"] for w in by_name.values()), completed.stdout
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the benchmark reads /proc")
def test_tiny_conduit_delivers_every_notification_once_on_one_shard(tmp_path: Path) -> None:
    completed, document = _run_bench(tmp_path, "--only", "conduits", "--conduit", "4x40x3")
    (workload,) = document["workloads"]
    assert workload["name"] == "conduits_4x40", workload
    metrics = workload["metrics"]
    assert metrics["received"]["median"] == 40 * 3, workload
    assert metrics["lost"]["median"] == 0, workload
    assert metrics["duplicated"]["median"] == 0, workload
    assert metrics["split_channels"]["median"] == 0, workload
    assert workload["ok"], workload["checks"]
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the benchmark reads /proc")
def test_tiny_helix_chat_reaches_every_client_once_with_latencies(tmp_path: Path) -> None:
    completed, document = _run_bench(tmp_path, "--only", "helix", "--helix", "3x20")
    (workload,) = document["workloads"]
    assert workload["name"] == "helix", workload
    metrics = workload["metrics"]
    assert metrics["received"]["median"] == 3 * 20, workload
    for key in ("call_p50_ms", "first_p99_ms", "all_p50_ms", "mention_call_p50_ms"):
        assert metrics[key]["median"] > 0, (key, workload)
    assert workload["ok"], workload["checks"]
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the benchmark reads /proc")
def test_tiny_play_delivers_every_event_of_the_gift_bomb_once(tmp_path: Path) -> None:
    completed, document = _run_bench(tmp_path, "--only", "play", "--play", "3x10")
    (workload,) = document["workloads"]
    metrics = workload["metrics"]
    assert metrics["events"]["median"] == 2 + 2 * 10, workload
    assert metrics["received"]["median"] == 3 * 22, workload
    assert workload["ok"], workload["checks"]
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the benchmark reads /proc")
def test_tiny_faulted_fanout_arrives_as_the_faults_say(tmp_path: Path) -> None:
    completed, document = _run_bench(tmp_path, "--only", "faults", "--faults", "4x20")
    (workload,) = document["workloads"]
    assert workload["name"] == "faults_4x20", workload
    metrics = workload["metrics"]
    assert metrics["none_received"]["median"] == 80, workload
    assert metrics["duplicate_received"]["median"] == 160, workload
    assert 0 < metrics["drop_received"]["median"] < 80, workload
    assert metrics["reorder_received"]["median"] == 80, workload
    assert workload["ok"], workload["checks"]
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the benchmark reads /proc")
def test_tiny_watched_fanout_is_seen_by_the_feed_viewer(tmp_path: Path) -> None:
    completed, document = _run_bench(tmp_path, "--only", "feed", "--fanout", "5x10")
    (workload,) = document["workloads"]
    assert workload["name"] == "feed_5x10", workload
    metrics = workload["metrics"]
    assert metrics["viewer_messages"]["median"] == 5 * 10, workload  # each notification
    assert metrics["viewer_missed"]["median"] == 0, workload  # 50 fit the history
    assert metrics["watched_ratio_pct"]["median"] > 0, workload
    assert workload["ok"], workload["checks"]
    assert completed.returncode == 0, completed.stdout + completed.stderr
