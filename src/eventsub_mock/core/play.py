"""Plays: built-in sequences and scenario files, run on the server's clock.

A play is a list of steps (`core.scenario`; a sequence is a one-step scenario). Each step maps
to a control operation and its request (`trigger`, `reconnect`, `close`, `subscription_status`,
`keepalive`, `faults`) or is the player's own control flow (`wait`, `wait_for`, `play`,
`repeat`). Waits are the core's timers, so under a manual clock a ten-minute scenario runs as
fast as the clock is advanced; `wait_for` resumes from the core's observers. Every step
played is a `play` notification (the feed shows it) and an entry of the play's results.

Pure: no sockets, no sleeps.
"""

from __future__ import annotations

import itertools
import random
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from . import errors, scenario, sequences, triggers
from .control import FaultsRequest
from .scenario import Scenario, Step

if TYPE_CHECKING:
    from .hub import EventSubCore

# Finished plays kept for their status, newest last.
KEPT = 50
# Results a play keeps (a long one counts the rest in `results_dropped`).
MAX_RESULTS = 10_000
# A play runs at most this many steps, or until its triggers have delivered this many
# notifications, before it lets the server serve other clients (it goes on from a timer due
# at once): a sequence at interval 0 must not hold up every other client until it ends.
SLICE_STEPS = 64
SLICE_NOTIFICATIONS = 200
# Request keys of a play besides a sequence's options.
PLAY_KEYS = ("sequence", "scenario", "file", "speed", "seed")
_WAKING_KINDS = frozenset(
    {"session_opened", "session_handed_off", "subscription_created", "subscription_status"}
)


@dataclass
class _Frame:
    """Steps being run: the scenario's, or a repeat's with the repetitions left."""

    steps: tuple[Step, ...]
    times: int
    index: int = 0


@dataclass(frozen=True)
class WaitFor:
    """What a `wait_for` step waits for."""

    what: str  # "session" or "subscription"
    type: str | None
    count: int
    timeout: float

    def describe(self) -> str:
        noun = self.what if self.count == 1 else f"{self.what}s"
        kind = f" {self.type}" if self.type else ""
        return f"{self.count}{kind} {noun}"


@dataclass
class Run:
    """One play: its steps, where it is, and what it did."""

    id: str
    name: str
    file: str | None
    speed: float
    seed: int | str | None
    rng: random.Random
    started: float
    stack: list[_Frame]
    state: str = "running"  # then "done", "failed" or "stopped"
    error: str | None = None
    delivered: int = 0
    results: list[dict[str, Any]] = field(default_factory=list)
    results_dropped: int = 0
    # The sequence being played: its cues, when it started and the step it is.
    cues: deque[sequences.Cue] = field(default_factory=deque)
    cues_started: float = 0.0
    cue_step: Step | None = None
    step: Step | None = None
    # A sleeping play wakes at `wake_at`; timers carry the token they were set with.
    wake_at: float | None = None
    token: int = 0
    waiting_for: WaitFor | None = None

    @property
    def running(self) -> bool:
        return self.state == "running"

    def next_step(self) -> Step | None:
        while self.stack:
            frame = self.stack[-1]
            if frame.index < len(frame.steps):
                frame.index += 1
                return frame.steps[frame.index - 1]
            frame.times -= 1
            if frame.times > 0:
                frame.index = 0
            else:
                self.stack.pop()
        return None

    def describe(self, after: int | None = 0) -> dict[str, Any]:
        """The play as the control API reports it; results from index `after` (None: none)."""
        body: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "state": self.state,
            "speed": self.speed,
            "seed": self.seed,
            "delivered": self.delivered,
            "steps": len(self.results) + self.results_dropped,
            "error": self.error,
        }
        if self.waiting_for is not None:
            body["waiting_for"] = self.waiting_for.describe()
        if after is not None:
            body["results"] = self.results[after:]
        return body


@dataclass(frozen=True)
class PlayResult:
    """What `MockServer.play` returns: how the play ended and what each step did."""

    id: str
    name: str
    state: str
    delivered: int
    steps: list[dict[str, Any]]


class Player:
    def __init__(self, core: EventSubCore, notify: Callable[..., None]) -> None:
        self._core = core
        self._notify_core = notify
        self._ids = itertools.count(1)
        self.runs: OrderedDict[str, Run] = OrderedDict()
        core.observers.append(self._observed)

    # --- starting, finding, stopping --------------------------------------------------------

    def start(self, request: Mapping[str, Any]) -> Run:
        """Check a play request whole (a sequence with its options, or a scenario) and start
        it; it runs at once as far as its first wait or the end of its first slice."""
        play = self._parse(request)
        speed = _speed(play.speed if request.get("speed") is None else request["speed"])
        seed = play.seed if request.get("seed") is None else request["seed"]
        if not triggers.valid_seed(seed):
            raise errors.InvalidControlRequest(reason=triggers.SEED_RULE)
        now = self._core.clock.monotonic()
        run = Run(
            id=f"p{next(self._ids)}",
            name=play.name,
            file=play.file,
            speed=speed,
            seed=seed,
            rng=random.Random(seed),
            started=now,
            stack=[_Frame(play.steps, 1)],
        )
        self.runs[run.id] = run
        self._forget_old()
        self._notify(run, action="start", steps=len(play.steps))
        self._continue(run, now)
        return run

    def _parse(self, request: Mapping[str, Any]) -> Scenario:
        has_sequence, has_scenario = "sequence" in request, "scenario" in request
        if has_sequence == has_scenario:
            raise errors.InvalidControlRequest(
                reason="give a sequence (with its options) or a scenario"
            )
        file = request.get("file")
        if file is not None and not isinstance(file, str):
            raise errors.InvalidControlRequest(reason="file must be a string")
        if has_sequence:
            name = request["sequence"]
            options = {k: v for k, v in request.items() if k not in PLAY_KEYS}
            sequences.parse_options(options, sequences.find(name))
            step = Step("play", name, options, "1", None)
            return Scenario(name, None, (step,))
        unknown = sorted(set(request) - set(PLAY_KEYS))
        if unknown:
            raise errors.InvalidControlRequest(
                reason=f"a scenario takes speed and seed, not {', '.join(unknown)}"
            )
        document, text = request["scenario"], None
        if isinstance(document, str):
            text, document = document, scenario.parse_toml(document, file)
        return scenario.load(document, file=file, text=text, clock=self._core.clock)

    def find(self, play_id: str) -> Run:
        run = self.runs.get(play_id)
        if run is None:
            raise errors.PlayNotFound(id=play_id, kept=KEPT)
        return run

    def stop(self, play_id: str, reason: str | None = None) -> Run:
        """Stop a play (`reason`: it failed, else someone stopped it)."""
        run = self.find(play_id)
        if run.running:
            self._finish(run, "failed" if reason else "stopped", reason)
        return run

    def clear(self) -> None:
        """Stop every play and forget them (the server is being reset)."""
        for run in list(self.runs.values()):
            if run.running:
                self._finish(run, "stopped")
        self.runs.clear()

    def result(self, run: Run) -> PlayResult:
        """A finished play's result; one that failed raises `PlayFailed` with its error."""
        if run.state == "failed":
            raise errors.PlayFailed(reason=run.error)
        return PlayResult(run.id, run.name, run.state, run.delivered, list(run.results))

    def _forget_old(self) -> None:
        finished = [run_id for run_id, run in self.runs.items() if not run.running]
        for run_id in finished[: max(0, len(self.runs) - KEPT)]:
            del self.runs[run_id]

    # --- running ------------------------------------------------------------------------------

    def _continue(self, run: Run, now: float) -> None:
        """Run steps until the play waits or ends, or has done a slice's work: then it goes
        on from a timer due now, after whatever else the server has to do."""
        steps, delivered = 0, run.delivered
        try:
            while run.running:
                if steps >= SLICE_STEPS or run.delivered - delivered >= SLICE_NOTIFICATIONS:
                    self._sleep(run, now)
                    return
                steps += 1
                if run.cues:
                    cue = run.cues[0]
                    due = run.cues_started + cue.at / run.speed
                    if due > now:
                        self._sleep(run, due)
                        return
                    run.cues.popleft()
                    assert run.cue_step is not None
                    run.step = run.cue_step
                    self._trigger(run, run.cue_step, cue.request, now)
                    continue
                step = run.step = run.next_step()
                if step is None:
                    self._finish(run, "done")
                    return
                if not self._execute(run, step, now):
                    return
        except errors.ApiError as exc:
            self._finish(run, "failed", f"{self._where(run)}: {exc.message}")
        except Exception as exc:
            # A failure of the mock's own: the play ends rather than stay "running" with
            # nothing left to wake it, and the error goes on to whoever drives the play (a
            # 500 for the request that started it, a logged error from a timer).
            reason = f"{self._where(run)}: the mock failed: {type(exc).__name__}: {exc}"
            self._finish(run, "failed", reason)
            raise

    @staticmethod
    def _where(run: Run) -> str:
        step = run.step
        if step is None:
            return scenario.describe(run.file, None, None, None)
        return scenario.describe(run.file, step.line, step.label, None)

    def _execute(self, run: Run, step: Step, now: float) -> bool:
        """Run one step; False when the play now waits."""
        action, value, options = step.action, step.value, step.options
        if action == "trigger":
            request = step.trigger_request()
            request.setdefault("seed", run.rng.getrandbits(48))
            self._trigger(run, step, request, now)
        elif action == "play":
            self._start_sequence(run, step, now)
        elif action == "wait":
            self._record(run, step, now, seconds=value)
            if value > 0:
                self._sleep(run, now + value / run.speed)
                return False
        elif action == "wait_for":
            wait = WaitFor(
                value,
                options.get("type"),
                options.get("count", 1),
                float(options.get("timeout", scenario.DEFAULT_WAIT_FOR_TIMEOUT)),
            )
            if not self._satisfied(wait):
                run.waiting_for = wait
                run.token += 1
                self._core.timers.add(now + wait.timeout, self._timed_out, (run, run.token))
                self._record(run, step, now, waiting_for=wait.describe())
                return False
            self._record(run, step, now, waiting_for=wait.describe())
        elif action == "repeat":
            run.stack.append(_Frame(step.steps, value))
            self._record(run, step, now, times=value)
        elif action == "reconnect":
            self._record(run, step, now, **self._core.operate("reconnect", {}))
        elif action == "close":
            closed = []
            for session_id in self._sessions(options.get("session", "all")):
                body = {"dirty": True} if value == "dirty" else {"reason": value}
                self._core.operate("close", {**body, "session_id": session_id})
                closed.append(session_id)
            self._record(run, step, now, code=value, sessions=closed)
        elif action == "revoke":
            revoked = []
            for sub_id in self._subscriptions(options):
                request = {"subscription_id": sub_id, "status": value}
                self._core.operate("subscription_status", request)
                revoked.append(sub_id)
            self._record(run, step, now, status=value, subscriptions=revoked)
        elif action == "keepalive":
            sessions = self._sessions(options.get("session", "all"))
            for session_id in sessions:
                self._core.operate("keepalive", {"session_id": session_id, "enabled": value})
            self._record(run, step, now, enabled=value, sessions=sessions)
        elif action == "faults":
            self._faults(run, step, now)
        return True

    def _faults(self, run: Run, step: Step, now: float) -> None:
        """A faults step: the faults operation, for the session `session` picks if given.
        Faults it sets without a seed take one from the play's, so a seeded play meets the
        same faults each time."""
        request = dict(step.value)
        if FaultsRequest.parse(request).settings is not None:
            request.setdefault("seed", run.rng.getrandbits(48))
        selector = step.options.get("session")
        if selector is None:
            result = self._core.operate("faults", request)
            self._record(run, step, now, request=request, result=result)
            return
        sessions = self._sessions(selector)
        result = None
        for session_id in sessions:
            result = self._core.operate("faults", {**request, "session_id": session_id})
        self._record(run, step, now, request=request, sessions=sessions, result=result)

    def _trigger(self, run: Run, step: Step, request: dict[str, Any], now: float) -> None:
        # The trigger operation's own method: an event nobody receives is delivered 0, not
        # an error that ends the play.
        result = self._core.trigger(request)
        run.delivered += result.delivered
        if step.action == "play":  # one of a sequence's events
            details: dict[str, Any] = {"action": "trigger", "sequence": step.value}
        else:
            details = {}
        self._record(
            run,
            step,
            now,
            **details,
            type=result.type,
            version=result.version,
            delivered=result.delivered,
            request=request,
        )

    def _start_sequence(self, run: Run, step: Step, now: float) -> None:
        options = sequences.parse_options(step.options, sequences.find(step.value))
        if options.to_user is None:
            channel = self._default_channel()
            if channel is not None:
                options = replace(options, to_user=channel)
        cues = sequences.plan(
            step.value,
            options,
            rng=random.Random(run.rng.getrandbits(64)),
            start_ns=self._core.clock.wall_ns(),
            speed=run.speed,
        )
        run.cues = deque(cues)
        run.cues_started = now
        run.cue_step = step
        self._record(run, step, now, sequence=step.value, events=len(cues))

    def _default_channel(self) -> str | None:
        """A sequence without a channel plays to the broadcaster of the oldest enabled
        subscription that names one (a bot subscribed to its channel sees it)."""
        for sub in self._core.subscriptions.values():
            if sub.enabled:
                for key in ("broadcaster_user_id", "to_broadcaster_user_id"):
                    if sub.condition.get(key):
                        return str(sub.condition[key])
        return None

    def _delivering_sessions(self) -> list[str]:
        return [s.id for s in self._core.sessions.values() if s.delivering]

    def _enabled_subscriptions(self, sub_type: str | None) -> list[str]:
        """The enabled subscriptions, of `sub_type` if given."""
        return [
            sub.id
            for sub in self._core.subscriptions.values()
            if sub.enabled and (sub_type is None or sub.type == sub_type)
        ]

    def _sessions(self, selector: str) -> list[str]:
        ids = self._delivering_sessions()
        if selector == "all":
            return ids
        if selector in ("newest", "oldest"):
            if not ids:
                return []
            return [ids[-1] if selector == "newest" else ids[0]]
        return [selector]  # a session id: the operation refuses an unknown one

    def _subscriptions(self, options: Mapping[str, Any]) -> list[str]:
        sub_id = options.get("subscription")
        if sub_id is not None:
            return [sub_id]
        return self._enabled_subscriptions(options.get("type"))

    def _satisfied(self, wait: WaitFor) -> bool:
        if wait.what == "session":
            found = self._delivering_sessions()
        else:
            found = self._enabled_subscriptions(wait.type)
        return len(found) >= wait.count

    # --- time and observers -------------------------------------------------------------------

    def _sleep(self, run: Run, when: float) -> None:
        run.token += 1
        run.wake_at = when
        self._core.timers.add(when, self._wake, (run, run.token))

    def _wake(self, target: tuple[Run, int], now: float) -> None:
        run, token = target
        if run.running and run.token == token:
            run.wake_at = None
            self._continue(run, now)

    def _timed_out(self, target: tuple[Run, int], now: float) -> None:
        run, token = target
        wait = run.waiting_for
        if run.running and run.token == token and wait is not None:
            self.stop(run.id, self.timeout_reason(run, wait))

    def timeout_reason(self, run: Run, wait: WaitFor) -> str:
        return (
            f"{self._where(run)}: timed out after {wait.timeout:g} s waiting for {wait.describe()}"
        )

    def _observed(self, kind: str, details: dict[str, Any]) -> None:
        """A session or subscription changed: plays whose wait_for it satisfies resume, from
        a timer due now (not inside the change being reported)."""
        if kind not in _WAKING_KINDS:
            return
        now = self._core.clock.monotonic()
        for run in self.runs.values():
            wait = run.waiting_for
            if run.running and wait is not None and self._satisfied(wait):
                run.waiting_for = None
                self._sleep(run, now)

    # --- what it did --------------------------------------------------------------------------

    def _record(self, run: Run, step: Step, now: float, **details: Any) -> None:
        entry: dict[str, Any] = {
            "step": step.label,
            "line": step.line,
            "action": details.pop("action", step.action),
            "at": round(now - run.started, 6),
            **details,
        }
        request = entry.pop("request", None)
        if len(run.results) < MAX_RESULTS:
            run.results.append(entry)
        else:
            run.results_dropped += 1
        if request is not None:
            entry = {**entry, "request": request}
        self._notify(run, **entry)

    def _finish(self, run: Run, state: str, error: str | None = None) -> None:
        run.state, run.error = state, error
        run.waiting_for = None
        run.wake_at = None
        run.token += 1  # its timers no longer apply
        run.cues.clear()
        details: dict[str, Any] = {"action": state, "delivered": run.delivered}
        if error is not None:
            details["error"] = error
        self._notify(run, **details)
        self._forget_old()

    def _notify(self, run: Run, **details: Any) -> None:
        self._notify_core("play", play=run.id, name=run.name, **details)


def _speed(value: Any) -> float:
    if value is None:
        return 1.0
    if not scenario.valid_speed(value):
        raise errors.InvalidControlRequest(reason=scenario.SPEED_RULE)
    return float(value)
