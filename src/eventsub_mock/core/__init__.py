"""The pure domain of the mock: no sockets, no sleeps; time comes from a clock.

Import from the modules themselves: this package loads nothing, so that the CLI can read the
operations table (`core.operations`) with the standard library alone.

* `hub`: `EventSubCore`, the facade the web layer and the Python API call;
* `sessions`: websocket sessions, their timers and close codes; `reconnect`: the handoff;
* `subscriptions`: the subscription API's rules (`requests`: its request parsing; `store`:
  where subscriptions live);
* `transports/`: how notifications travel (websocket); `delivery`: routing a trigger;
* `triggers`: from a trigger request to a delivery; `control` and `operations`: the control
  API; `auth`: tokens and callers; `errors`: every refusal; `timers`: the deadline heap;
* `play`: plays of built-in `sequences` (correlated events) and `scenario` files.
"""
