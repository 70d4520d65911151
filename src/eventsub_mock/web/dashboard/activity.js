// What else the server did that a client would not see as such: delivery faults it injected
// (the feed's fault items), the steps of plays (play items) and Helix calls with the events
// they emitted (helix items), newest first.

import { clockTime, h, shortId } from "./dom.js";
import { FeedLog, expandable } from "./log.js";

export const ACTIVITY_KINDS = new Set(["fault", "play", "helix"]);
// How a play ended (its last item's action): anything else is a step or its start.
const PLAY_ENDS = { done: "ok", stopped: "warn", failed: "bad" };

/** Drop the fields every item has, for the expanded JSON. */
function details(item) {
  const { seq, time, kind, text, ...rest } = item;
  return rest;
}

export class ActivityLog extends FeedLog {
  constructor(section) {
    super(section, section.querySelector("#activity-search"), section.querySelector("#activity-clear"));
    this.kind = section.querySelector("#activity-kind");
    this.emptyText = "Nothing yet: injected delivery faults, play steps and Helix calls appear here.";
    this.noMatchText = "Nothing matches the filters.";
    this.watch(this.kind);
    this.render();
  }

  matches(entry) {
    if (this.kind.value && entry.kind !== this.kind.value) return false;
    return this.searched(entry, () => details(entry));
  }

  row(entry) {
    const summary = { fault: faultSummary, play: playSummary, helix: helixSummary }[entry.kind](entry);
    const attrs = { "data-kind": entry.kind };
    if (entry.kind === "fault") attrs["data-message-id"] = entry.message_id || "";
    if (entry.kind === "play") attrs["data-play"] = entry.play;
    if (entry.kind === "helix") attrs["data-endpoint"] = entry.endpoint;
    return expandable(attrs, [h("span", { class: "when" }, clockTime(entry.time)), ...summary], () => details(entry));
  }
}

function faultSummary(item) {
  return [
    h("span", { class: "badge bad" }, "fault"),
    h("span", { class: "what" }, item.fault),
    h("span", { class: "muted" }, "to"),
    item.session_id ? shortId(item.session_id) : h("span", { class: "mono" }, item.callback || "–"),
    item.message_id ? h("span", { class: "muted optional", title: "message_id" }, item.message_id) : null,
  ];
}

function playSummary(item) {
  const end = PLAY_ENDS[item.action];
  const parts = [
    h("span", { class: end ? `badge ${end}` : "badge" }, "play"),
    h("span", { class: "mono", title: "play id" }, item.play),
    h("span", {}, item.name),
  ];
  if (item.action === "start") {
    parts.push(h("span", { class: "what" }, "start"), h("span", { class: "muted" }, `${item.steps} step(s)`));
  } else if (end) {
    parts.push(h("span", { class: "what" }, item.action), h("span", { class: "muted" }, `${item.delivered} delivered`));
    if (item.error) parts.push(h("span", { class: "error" }, item.error));
  } else {
    parts.push(h("span", { class: "muted" }, `step ${item.step}`), h("span", { class: "what" }, item.action));
    if (item.type) parts.push(h("span", { class: "mono" }, item.type));
    if (item.delivered !== undefined) parts.push(h("span", { class: "muted" }, `${item.delivered} delivered`));
    else if (item.events !== undefined) parts.push(h("span", { class: "muted" }, `${item.events} event(s)`));
  }
  return parts;
}

function helixSummary(item) {
  const events = item.events || [];
  const ok = typeof item.status === "number" && item.status < 400;
  return [
    h("span", { class: "badge" }, "helix"),
    h("span", { class: "mono what" }, item.endpoint),
    item.status !== null && item.status !== undefined ? h("span", { class: `badge ${ok ? "ok" : "bad"}` }, String(item.status)) : null,
    events.length
      ? h("span", { class: "muted" }, `sent ${events.map((event) => `${event.type} (${event.delivered} delivered)`).join(", ")}`)
      : h("span", { class: "muted" }, "no events"),
  ];
}
