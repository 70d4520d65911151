// Conduits: each with its shards and where they point.

import { operate } from "./api.js";
import { act, empty, fill, h, shortId, statusBadge, table } from "./dom.js";

const SHARDS_SHOWN = 50;

export class ConduitsPanel {
  constructor(section) {
    this.content = section.querySelector(".content");
    this.count = section.querySelector(".count");
    this.drawn = "";
  }

  render(conduits) {
    const drawn = JSON.stringify(conduits);
    if (drawn === this.drawn) return;
    this.drawn = drawn;
    this.count.textContent = `(${conduits.length})`;
    if (!conduits.length) {
      fill(this.content, empty("No conduits. Apps create them at ", h("code", {}, `${location.origin}/eventsub/conduits`), "."));
      return;
    }
    fill(this.content, conduits.map((conduit) => this.conduit(conduit)));
  }

  conduit(conduit) {
    const shards = conduit.shards.slice(0, SHARDS_SHOWN);
    return h(
      "div",
      { class: "conduit", "data-conduit": conduit.id },
      h("p", {}, "Conduit ", shortId(conduit.id), h("span", { class: "muted" }, ` · ${conduit.shard_count} shard(s) · client ${conduit.client_id}`)),
      table(
        ["Shard", "Status", "Transport", ""],
        shards.map((shard) => ({
          cells: [
            shard.id,
            statusBadge(shard.status),
            shard.transport.method === "webhook"
              ? h("span", { class: "mono" }, shard.transport.callback)
              : shortId(shard.transport.session_id),
            shard.status === "enabled"
              ? h("button", {
                  type: "button",
                  class: "danger",
                  title: "disable the shard as production does when its transport fails",
                  onclick: (event) =>
                    act(event.currentTarget, () =>
                      operate("disable_shard", { conduit_id: conduit.id, shard_id: shard.id }),
                      (result) => `shard ${result.data[0].id} is now ${result.data[0].status}`,
                    ),
                }, "Disable")
              : null,
          ],
        })),
      ),
      conduit.shards.length > SHARDS_SHOWN
        ? h("p", { class: "muted" }, `and ${conduit.shards.length - SHARDS_SHOWN} more shards`)
        : null,
    );
  }
}
