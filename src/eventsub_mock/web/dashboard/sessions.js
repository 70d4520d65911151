// Sessions: who is connected, with the controls production's server has over them.

import { operate } from "./api.js";
import { act, empty, fill, h, shortId, since, statusBadge, table } from "./dom.js";

export class SessionsPanel {
  constructor(section, info) {
    this.content = section.querySelector(".content");
    this.count = section.querySelector(".count");
    this.closeCodes = info.close_codes;
    this.sessions = [];
    this.drawn = "";
    // The close code chosen in each row, kept when the list is drawn again.
    this.codes = new Map();
    section.querySelector("#reconnect-all").addEventListener("click", (event) =>
      act(event.currentTarget, () => operate("reconnect"), (result) =>
        `reconnect started: ${result.sessions.length} session(s) told to move`,
      ),
    );
    // Connected times count up between refreshes.
    setInterval(() => this.tick(), 1000);
  }

  render(sessions) {
    const drawn = JSON.stringify(sessions);
    if (drawn === this.drawn) return; // nothing changed: leave the rows (and any open menu) be
    this.drawn = drawn;
    this.sessions = sessions;
    const ids = new Set(sessions.map((session) => session.id));
    for (const id of this.codes.keys()) if (!ids.has(id)) this.codes.delete(id);
    this.count.textContent = `(${sessions.length})`;
    if (!sessions.length) {
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      fill(
        this.content,
        empty("No client is connected. Point one at ", h("code", {}, `${scheme}://${location.host}/ws`), "."),
      );
      return;
    }
    fill(
      this.content,
      table(
        ["Session", "Connected", "?Keepalive", "Status", "Subscriptions", ""],
        sessions.map((session) => this.row(session)),
      ),
    );
  }

  row(session) {
    const codes = h(
      "select",
      { class: "close-code", "aria-label": "close code", title: "close code" },
      this.closeCodes.map(({ code, reason }) => h("option", { value: String(code) }, `${code} ${reason}`)),
    );
    codes.value = this.codes.get(session.id) ?? "4006";
    codes.addEventListener("change", () => this.codes.set(session.id, codes.value));
    const keepaliveOn = session.keepalive_enabled;
    const connected = h("span", { class: "since", "data-since": session.connected_at, title: session.connected_at });
    connected.textContent = since(session.connected_at);
    return {
      attrs: { "data-session": session.id },
      cells: [
        shortId(session.id),
        connected,
        [`${session.keepalive_timeout_seconds}s `, keepaliveOn ? null : h("span", { class: "badge warn" }, "off")],
        statusBadge(session.status),
        String(session.subscriptions.length),
        [
          codes,
          h("button", {
            type: "button",
            class: "danger",
            title: "close the websocket with this code",
            onclick: (event) =>
              act(event.currentTarget, () =>
                operate("close", { session_id: session.id }, { reason: Number(codes.value) }),
                (result) => `closed session ${result.session} with ${result.code} ${result.reason}`,
              ),
          }, "Close"),
          h("button", {
            type: "button",
            class: "danger",
            title: "drop the TCP connection without a close frame",
            onclick: (event) =>
              act(event.currentTarget, () =>
                operate("close", { session_id: session.id }, { dirty: true }),
                (result) => `dropped session ${result.session}`,
              ),
          }, "Drop"),
          h("button", {
            type: "button",
            title: keepaliveOn ? "stop sending session_keepalive" : "send session_keepalive again",
            onclick: (event) =>
              act(event.currentTarget, () =>
                operate("keepalive", { session_id: session.id }, { enabled: !keepaliveOn }),
                (result) => `keepalives ${result.keepalive_enabled ? "resumed" : "stopped"} for ${result.session}`,
              ),
          }, keepaliveOn ? "Stop keepalives" : "Resume keepalives"),
        ],
      ],
    };
  }

  tick() {
    const now = Date.now();
    for (const cell of this.content.querySelectorAll(".since")) {
      cell.textContent = since(cell.dataset.since, now);
    }
  }
}
