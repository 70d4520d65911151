// What the server sent: every message to every session (the feed's message_sent items), and
// every webhook delivery (webhook_delivery items), newest first.

import { clockTime, empty, fill, h, shortId, tail } from "./dom.js";

const KEPT = 2000; // messages kept in this page
const SHOWN = 300; // of which at most this many are on it at once

export class MessageLog {
  constructor(section) {
    this.content = section.querySelector(".content");
    this.count = section.querySelector(".count");
    this.session = section.querySelector("#log-session");
    this.type = section.querySelector("#log-type");
    this.keepalives = section.querySelector("#log-keepalives");
    this.search = section.querySelector("#log-search");
    this.entries = [];
    this.sessions = new Set();
    this.skipped = 0;
    this.list = h("ol", { class: "log-list", reversed: true });
    this.note = h("p", { class: "log-note" });
    for (const control of [this.session, this.type, this.keepalives]) {
      control.addEventListener("change", () => this.render());
    }
    this.search.addEventListener("input", () => this.render());
    section.querySelector("#log-clear").addEventListener("click", () => {
      this.entries = [];
      this.render();
    });
    this.render();
  }

  /** A message_sent item of the feed. */
  add(item) {
    const entry = { ...item, text: null };
    this.entries.push(entry);
    if (this.entries.length > KEPT) this.entries.splice(0, this.entries.length - KEPT);
    if (item.session_id && !this.sessions.has(item.session_id)) {
      this.sessions.add(item.session_id);
      this.session.append(h("option", { value: item.session_id }, `session ${tail(item.session_id)}`));
    }
    if (!this.matches(entry)) {
      this.showCount();
      return;
    }
    if (!this.list.isConnected) {
      this.render();
      return;
    }
    this.list.prepend(this.row(entry));
    while (this.list.children.length > SHOWN) this.list.lastElementChild.remove();
    this.showCount();
  }

  /** The feed skipped items because this page fell behind. */
  missed(count) {
    this.skipped += count;
    this.showCount();
  }

  matches(entry) {
    if (this.session.value && entry.session_id !== this.session.value) return false;
    if (this.type.value && entry.message_type !== this.type.value) return false;
    if (!this.keepalives.checked && !this.type.value && entry.message_type === "session_keepalive") return false;
    const words = this.search.value.toLowerCase().split(/\s+/).filter(Boolean);
    if (!words.length) return true;
    entry.text ??= JSON.stringify(entry.message).toLowerCase();
    return words.every((word) => entry.text.includes(word));
  }

  render() {
    const shown = [];
    for (let i = this.entries.length - 1; i >= 0 && shown.length < SHOWN; i--) {
      if (this.matches(this.entries[i])) shown.push(this.row(this.entries[i]));
    }
    if (!this.entries.length) {
      fill(this.content, empty("Nothing sent yet: messages appear here as the server sends them."), this.note);
    } else if (!shown.length) {
      fill(this.content, empty("No message matches the filters."), this.note);
    } else {
      fill(this.list, shown);
      fill(this.content, this.list, this.note);
    }
    this.showCount();
  }

  showCount() {
    this.count.textContent = `(${this.entries.length})`;
    const parts = [];
    if (this.entries.length >= KEPT) parts.push(`The newest ${KEPT} are kept here.`);
    if (this.skipped) parts.push(`${this.skipped} feed item(s) were skipped while this page fell behind.`);
    this.note.textContent = parts.join(" ");
  }

  row(entry) {
    const message = entry.message || {};
    const pre = h("pre");
    const details = h(
      "details",
      {
        ontoggle: () => {
          if (details.open && !pre.textContent) pre.textContent = JSON.stringify(message, null, 2);
        },
      },
      h(
        "summary",
        {},
        h("span", { class: "when" }, clockTime(entry.time)),
        h("span", { class: `what kind-${entry.message_type}` }, entry.message_type),
        entry.subscription_type ? h("span", { class: "mono" }, entry.subscription_type) : null,
        h("span", { class: "muted" }, "to "),
        shortId(entry.session_id),
        entry.message_id ? h("span", { class: "muted optional", title: "message_id" }, entry.message_id) : null,
      ),
      pre,
    );
    return h("li", { "data-message-id": entry.message_id || "", "data-type": entry.message_type }, details);
  }
}

export class WebhookLog {
  constructor(section) {
    this.content = section.querySelector(".content");
    this.count = section.querySelector(".count");
    this.items = [];
    this.render();
  }

  /** A webhook_delivery item of the feed: one answer of a callback (or its absence). */
  add(item) {
    this.items.unshift(item);
    this.items.length = Math.min(this.items.length, 200);
    this.render();
  }

  render() {
    this.count.textContent = `(${this.items.length})`;
    if (!this.items.length) {
      fill(this.content, empty("No webhook deliveries yet: challenges, notifications and revocations to callbacks appear here."));
      return;
    }
    fill(this.content, h("ol", { class: "log-list" }, this.items.map((item) => this.row(item))));
  }

  row(item) {
    const good = item.outcome === "delivered" || item.outcome === "verified";
    const pre = h("pre");
    const details = h(
      "details",
      {
        ontoggle: () => {
          if (details.open && !pre.textContent) pre.textContent = JSON.stringify(item.message ?? null, null, 2);
        },
      },
      h(
        "summary",
        {},
        h("span", { class: "when" }, clockTime(item.time)),
        h("span", { class: `badge ${good ? "ok" : "bad"}` }, item.outcome + (item.status ? ` ${item.status}` : "")),
        h("span", { class: "what" }, item.message_type || ""),
        item.subscription_type ? h("span", { class: "mono" }, item.subscription_type) : null,
        h("span", { class: "muted" }, "to"),
        h("span", { class: "mono" }, item.callback || ""),
        item.attempt > 1 ? h("span", { class: "muted" }, `attempt ${item.attempt}`) : null,
        item.reason ? h("span", { class: "muted" }, item.reason) : null,
        item.retry_in !== null && item.retry_in !== undefined ? h("span", { class: "muted" }, `retry in ${item.retry_in}s`) : null,
      ),
      pre,
    );
    return h("li", { "data-message-id": item.message_id || "", "data-outcome": item.outcome || "" }, details);
  }
}
