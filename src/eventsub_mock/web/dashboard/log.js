// What the server sent: every message to every session (the feed's message_sent items), and
// every webhook delivery (webhook_delivery items), newest first.

import { clockTime, empty, fill, h, shortId, tail } from "./dom.js";

const KEPT = 2000; // entries kept in this page, per list
const SHOWN = 300; // of which at most this many are on it at once

/**
 * A list of feed items, newest first, with filters: the messages sent and the activity panel.
 * A subclass says which entries its filters let through (`matches`), how one is drawn (`row`)
 * and what its empty list says (`emptyText`, `noMatchText`); `search` is the text filter.
 */
export class FeedLog {
  constructor(section, search, clear) {
    this.content = section.querySelector(".content");
    this.count = section.querySelector(".count");
    this.search = search;
    this.entries = [];
    this.skipped = 0;
    this.list = h("ol", { class: "log-list", reversed: true });
    this.note = h("p", { class: "log-note" });
    search.addEventListener("input", () => this.render());
    clear.addEventListener("click", () => {
      this.entries = [];
      this.render();
    });
  }

  /** Render again when any of these filter controls changes. */
  watch(...controls) {
    for (const control of controls) control.addEventListener("change", () => this.render());
  }

  /** A feed item for this list. */
  add(item) {
    const entry = { ...item, text: null };
    this.entries.push(entry);
    if (this.entries.length > KEPT) this.entries.splice(0, this.entries.length - KEPT);
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

  /** Whether every word of the search box is in `json` (the entry's JSON, made once). */
  searched(entry, json) {
    const words = this.search.value.toLowerCase().split(/\s+/).filter(Boolean);
    if (!words.length) return true;
    entry.text ??= JSON.stringify(json()).toLowerCase();
    return words.every((word) => entry.text.includes(word));
  }

  render() {
    const shown = [];
    for (let i = this.entries.length - 1; i >= 0 && shown.length < SHOWN; i--) {
      if (this.matches(this.entries[i])) shown.push(this.row(this.entries[i]));
    }
    if (!this.entries.length) {
      fill(this.content, empty(this.emptyText), this.note);
    } else if (!shown.length) {
      fill(this.content, empty(this.noMatchText), this.note);
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
}

/** An expandable entry: `summary` parts, and `json()` shown in full once opened. */
export function expandable(attrs, summary, json) {
  const pre = h("pre");
  const details = h(
    "details",
    {
      ontoggle: () => {
        if (details.open && !pre.textContent) pre.textContent = JSON.stringify(json(), null, 2);
      },
    },
    h("summary", {}, summary),
    pre,
  );
  return h("li", attrs, details);
}

export class MessageLog extends FeedLog {
  constructor(section) {
    super(section, section.querySelector("#log-search"), section.querySelector("#log-clear"));
    this.session = section.querySelector("#log-session");
    this.type = section.querySelector("#log-type");
    this.keepalives = section.querySelector("#log-keepalives");
    this.sessions = new Set();
    this.emptyText = "Nothing sent yet: messages appear here as the server sends them.";
    this.noMatchText = "No message matches the filters.";
    this.watch(this.session, this.type, this.keepalives);
    this.render();
  }

  /** A message_sent item of the feed. */
  add(item) {
    if (item.session_id && !this.sessions.has(item.session_id)) {
      this.sessions.add(item.session_id);
      this.session.append(h("option", { value: item.session_id }, `session ${tail(item.session_id)}`));
    }
    super.add(item);
  }

  matches(entry) {
    if (this.session.value && entry.session_id !== this.session.value) return false;
    if (this.type.value && entry.message_type !== this.type.value) return false;
    if (!this.keepalives.checked && !this.type.value && entry.message_type === "session_keepalive") return false;
    return this.searched(entry, () => entry.message);
  }

  row(entry) {
    return expandable(
      { "data-message-id": entry.message_id || "", "data-type": entry.message_type },
      [
        h("span", { class: "when" }, clockTime(entry.time)),
        h("span", { class: `what kind-${entry.message_type}` }, entry.message_type),
        entry.subscription_type ? h("span", { class: "mono" }, entry.subscription_type) : null,
        h("span", { class: "muted" }, "to "),
        shortId(entry.session_id),
        entry.message_id ? h("span", { class: "muted optional", title: "message_id" }, entry.message_id) : null,
      ],
      () => entry.message || {},
    );
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
    return expandable(
      { "data-message-id": item.message_id || "", "data-outcome": item.outcome || "" },
      [
        h("span", { class: "when" }, clockTime(item.time)),
        h("span", { class: `badge ${good ? "ok" : "bad"}` }, item.outcome + (item.status ? ` ${item.status}` : "")),
        h("span", { class: "what" }, item.message_type || ""),
        item.subscription_type ? h("span", { class: "mono" }, item.subscription_type) : null,
        h("span", { class: "muted" }, "to"),
        h("span", { class: "mono" }, item.callback || ""),
        item.attempt > 1 ? h("span", { class: "muted" }, `attempt ${item.attempt}`) : null,
        item.reason ? h("span", { class: "muted" }, item.reason) : null,
        item.retry_in !== null && item.retry_in !== undefined ? h("span", { class: "muted" }, `retry in ${item.retry_in}s`) : null,
      ],
      () => item.message ?? null,
    );
  }
}
