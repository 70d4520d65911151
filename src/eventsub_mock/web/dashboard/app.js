// The dashboard: lists from the control API, kept current by the live feed.

import { ACTIVITY_KINDS, ActivityLog } from "./activity.js";
import { connect, operate, readFeed } from "./api.js";
import { ConduitsPanel } from "./conduits.js";
import { CHANGED, coalesced, notice } from "./dom.js";
import { MessageLog, WebhookLog } from "./log.js";
import { SessionsPanel } from "./sessions.js";
import { SubscriptionsPanel } from "./subscriptions.js";
import { TriggerPanel } from "./trigger.js";

// Feed items after which the lists are read again.
const CHANGES = new Set([
  "session_opened",
  "session_closed",
  "session_handed_off",
  "reconnect_started",
  "subscription_created",
  "subscription_deleted",
  "subscription_status",
  "conduit_created",
  "conduit_updated",
  "conduit_deleted",
  "shard_status",
  "control",
]);
const POLL_MS = 2000; // without a feed (an older server), the lists are polled

const section = (id) => document.getElementById(id);

async function main() {
  let info;
  try {
    info = await connect();
  } catch (error) {
    notice(`cannot reach the mock server: ${error.message}`, "bad");
    return;
  }
  section("mode").textContent = info.require_subscription ? "strict mode" : "lenient mode";

  const sessions = new SessionsPanel(section("sessions"), info);
  const subscriptions = new SubscriptionsPanel(section("subscriptions"), info);
  const trigger = new TriggerPanel(section("trigger"));
  const log = new MessageLog(section("log"));
  const webhooks = new WebhookLog(section("webhooks"));
  const activity = new ActivityLog(section("activity"));
  const conduits = new ConduitsPanel(section("conduits"));

  const refresh = coalesced(async () => {
    try {
      const [s, subs, c] = await Promise.all([operate("sessions"), operate("subscriptions"), operate("conduits")]);
      sessions.render(s.data);
      subscriptions.render(subs.data);
      conduits.render(c.data);
      trigger.setTargets(s.data, subs.data);
    } catch (error) {
      notice(error.message, "bad");
    }
  });
  document.addEventListener(CHANGED, refresh);
  await refresh();
  operate("types").then(
    (types) => trigger.setTypes(types.data),
    (error) => notice(error.message, "bad"),
  );

  const live = section("live");
  let poller = null;
  const onState = (state) => {
    if (state === "live") {
      live.textContent = "live";
      live.className = "badge ok";
      refresh(); // what changed while the feed was away
    } else if (state === "retrying") {
      live.textContent = "reconnecting…";
      live.className = "badge warn";
    } else {
      live.textContent = "polling";
      live.className = "badge warn";
      live.title = "this server has no live feed: the lists are read every 2 s";
      poller ??= setInterval(refresh, POLL_MS);
    }
  };
  const onItem = (item) => {
    if (item.kind === "message_sent") log.add(item);
    else if (item.kind === "webhook_delivery") webhooks.add(item);
    else if (ACTIVITY_KINDS.has(item.kind)) activity.add(item);
    else if (item.kind === "missed") {
      log.missed(item.count);
      activity.missed(item.count);
    }
    if (CHANGES.has(item.kind)) refresh();
  };
  readFeed({ since: 0, onItem, onState, signal: new AbortController().signal });
}

main();
