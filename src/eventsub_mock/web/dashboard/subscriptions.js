// Subscriptions: every client's, filterable, with production's revocations a click away.

import { operate } from "./api.js";
import { act, conditionText, empty, fill, h, shortId, statusBadge, table } from "./dom.js";

/** Where a subscription's notifications go, for people. */
export function destination(transport) {
  if (transport.method === "websocket") return shortId(transport.session_id);
  if (transport.method === "webhook") return h("span", { class: "id" }, transport.callback);
  if (transport.method === "conduit") return h("span", {}, "conduit ", shortId(transport.conduit_id));
  return h("span", {}, transport.method);
}

export class SubscriptionsPanel {
  constructor(section, info) {
    this.content = section.querySelector(".content");
    this.count = section.querySelector(".count");
    this.filter = section.querySelector("#subscription-filter");
    this.statuses = info.revocation_statuses;
    this.subscriptions = [];
    this.drawn = "";
    // The status chosen in each row, kept when the list is drawn again.
    this.choices = new Map();
    this.filter.addEventListener("input", () => this.render(this.subscriptions, true));
  }

  render(subscriptions, filtered = false) {
    const drawn = JSON.stringify(subscriptions);
    if (drawn === this.drawn && !filtered) return; // nothing changed: leave the rows be
    this.drawn = drawn;
    this.subscriptions = subscriptions;
    const words = this.filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    const shown = subscriptions.filter((sub) => {
      const text = [
        sub.id,
        sub.type,
        `v${sub.version}`,
        sub.status,
        conditionText(sub.condition),
        ...Object.values(sub.transport),
      ]
        .join(" ")
        .toLowerCase();
      return words.every((word) => text.includes(word));
    });
    this.count.textContent =
      shown.length === subscriptions.length ? `(${subscriptions.length})` : `(${shown.length} of ${subscriptions.length})`;
    if (!subscriptions.length) {
      fill(
        this.content,
        empty("No subscriptions yet. Clients create them at ", h("code", {}, `${location.origin}/eventsub/subscriptions`), "."),
      );
      return;
    }
    if (!shown.length) {
      fill(this.content, empty("No subscription matches the filter."));
      return;
    }
    fill(this.content, table(["Type", "Condition", "Status", "Delivered to", ""], shown.map((sub) => this.row(sub))));
  }

  row(sub) {
    const choice = h(
      "select",
      { class: "new-status", "aria-label": "new status", title: "the status to set" },
      this.statuses.map((status) => h("option", { value: status }, status)),
      h("option", { value: "enabled" }, "enabled"),
    );
    const button = h("button", { type: "button", class: "danger" }, "Revoke");
    const chosen = () => {
      button.textContent = choice.value === "enabled" ? "Enable" : "Revoke";
    };
    choice.value = this.choices.get(sub.id) ?? this.statuses[0];
    chosen();
    choice.addEventListener("change", () => {
      this.choices.set(sub.id, choice.value);
      chosen();
    });
    button.addEventListener("click", () =>
      act(button, () =>
        operate("subscription_status", { subscription_id: sub.id }, { status: choice.value }),
        (result) => `subscription ${sub.id} is now ${result.data[0].status}`,
      ),
    );
    return {
      attrs: { "data-subscription": sub.id },
      cells: [
        [h("span", { class: "mono", title: sub.id }, sub.type), h("span", { class: "muted" }, ` v${sub.version}`)],
        h("span", { class: "mono" }, conditionText(sub.condition)),
        statusBadge(sub.status),
        destination(sub.transport),
        [choice, button],
      ],
    };
  }
}
