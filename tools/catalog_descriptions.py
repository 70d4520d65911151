"""The one-line description of every subscription type and version, in the project's words.

`build_catalog.py` takes each catalogue entry's `description` from here and nowhere else, and
stops when a type or version has none (or when a row names no type of the reference). They
are what `eventsub-mock types`, the control operation `types` and the dashboard's trigger
list show to someone choosing a type: what happens on Twitch that sends the event, and for a
type with several versions, what this version's event has that the others lack. Written from
the reference's facts (conditions, fields, notes), never copied from its prose; a test
(tests/test_catalog.py) checks that no description repeats a sentence of Twitch's.

Keys are a type ("channel.raid") when all its versions read the same, else "type@version",
as in catalog_corrections.py.
"""

from __future__ import annotations

DESCRIPTIONS: dict[str, str] = {
    # --- AutoMod ---
    "automod.message.hold@1": (
        "AutoMod holds back a chatter's message for moderators to review; the event gives "
        "the AutoMod category and level that flagged it."
    ),
    "automod.message.hold@2": (
        "A chatter's message is held for review by AutoMod or by a public blocked term "
        "(a private term's catches send nothing); reason says which of the two caught it."
    ),
    "automod.message.update@1": (
        "A message AutoMod held is approved or denied by a moderator, or expires; with the "
        "AutoMod category and level, as in v1 of the hold."
    ),
    "automod.message.update@2": (
        "A held message is approved, denied or expires; like v2 of the hold, it says whether "
        "AutoMod or a public blocked term had caught it."
    ),
    "automod.settings.update": (
        "Someone changes the channel's AutoMod settings: the overall level or the level of "
        "one of its categories (bullying, swearing…)."
    ),
    "automod.terms.update": (
        "The channel's blocked or permitted terms are added or removed, by hand or from "
        "AutoMod; edits of private terms send nothing."
    ),
    # --- the channel ---
    "channel.ad_break.begin": (
        "Ads start playing on the channel, run by the broadcaster or on a schedule; gives "
        "their length in seconds."
    ),
    "channel.ban": "A moderator bans a user from the channel, or times them out until ends_at.",
    "channel.bits.use": (
        "Someone spends Bits in the channel, in a chat message or on a Power-up (a message "
        "effect, a celebration, a gigantified emote)."
    ),
    "channel.channel_points_automatic_reward_redemption.add@1": (
        "A viewer redeems one of Twitch's built-in Channel Points rewards (a highlighted "
        "message, an emote unlock…); v1 has the reward's cost and the user_input text."
    ),
    "channel.channel_points_automatic_reward_redemption.add@2": (
        "A viewer redeems a built-in Channel Points reward; v2 gives the points spent and the "
        "message as fragments, has no user_input, and leaves Power-ups to channel.bits.use."
    ),
    "channel.channel_points_custom_reward.add": (
        "The broadcaster creates a custom Channel Points reward."
    ),
    "channel.channel_points_custom_reward.remove": (
        "The broadcaster deletes a custom Channel Points reward; reward_id can narrow the "
        "subscription to one reward."
    ),
    "channel.channel_points_custom_reward.update": (
        "The broadcaster edits a custom Channel Points reward (title, cost, cooldown, "
        "paused…); reward_id can narrow the subscription to one reward."
    ),
    "channel.channel_points_custom_reward_redemption.add": (
        "A viewer spends Channel Points on one of the channel's custom rewards; reward_id can "
        "narrow the subscription to one reward."
    ),
    "channel.channel_points_custom_reward_redemption.update": (
        "A custom reward's redemption is marked fulfilled or canceled (refunding the points); "
        "reward_id can narrow the subscription to one reward."
    ),
    "channel.charity_campaign.donate": (
        "A viewer gives money to the charity the channel is raising funds for."
    ),
    "channel.charity_campaign.progress": (
        "A charity fundraiser's amount raised goes up, or the broadcaster changes its target."
    ),
    "channel.charity_campaign.start": (
        "The broadcaster opens a charity fundraiser on the channel, with its target amount."
    ),
    "channel.charity_campaign.stop": (
        "The broadcaster closes the channel's charity fundraiser; gives the amount it raised."
    ),
    "channel.chat.clear": (
        "Every message in the chat room is wiped, by a moderator's /clear or a bot."
    ),
    "channel.chat.clear_user_messages": (
        "All of one user's messages are removed from the chat room, as when they are banned "
        "or timed out."
    ),
    "channel.chat.message": (
        "Someone posts in the chat room: text, emotes, mentions, replies, Bits, highlighted "
        "messages; in shared chat, also messages from the other channels."
    ),
    "channel.chat.message_delete": "A moderator deletes one message from the chat room.",
    "channel.chat.notification": (
        "Chat shows a system notice (a sub, resub, gifted subs, a raid, an announcement, a "
        "Bits badge, a charity donation…); notice_type says which."
    ),
    "channel.chat.user_message_hold": (
        "AutoMod holds back a message that the subscribed user (the condition's user_id) "
        "sent in the channel; sent to that user."
    ),
    "channel.chat.user_message_update": (
        "A message of the subscribed user that AutoMod held is approved, denied or becomes "
        "invalid; sent to that user."
    ),
    "channel.chat_settings.update": (
        "The chat room's modes change: emote-only, followers-only, slow, subscribers-only or "
        "unique messages."
    ),
    "channel.cheer": "A viewer cheers Bits in the channel's chat, possibly anonymously.",
    "channel.custom_power_up_redemption.add": (
        "A viewer spends Bits on one of the channel's custom Power-ups. Not in Twitch's docs: "
        "shaped as twurple reads it."
    ),
    "channel.follow@1": (
        "A user follows the channel; the old version without a moderator in the condition, "
        "which Twitch no longer accepts (use v2)."
    ),
    "channel.follow@2": (
        "A user follows the channel; the condition names a moderator (or the broadcaster) "
        "allowed to see followers."
    ),
    "channel.goal.begin": (
        "The broadcaster sets a creator goal (followers, subscriptions, Bits…) with its target."
    ),
    "channel.goal.end": "A creator goal is over; is_achieved says whether its target was met.",
    "channel.goal.progress": "A creator goal's current amount rises or falls.",
    # Guest Star: beta types.
    "channel.guest_star_guest.update": (
        "Beta: a guest's state in a Guest Star slot changes (invited, backstage, live, "
        "removed…), or the host changes their audio or video."
    ),
    "channel.guest_star_session.begin": "Beta: the host starts a Guest Star session.",
    "channel.guest_star_session.end": "Beta: the channel's Guest Star session is over.",
    "channel.guest_star_settings.update": (
        "Beta: the host changes Guest Star settings (slot count, layout, browser source "
        "audio, moderators sending guests live)."
    ),
    "channel.guest_star_slot.update": (
        "Beta, removed: a Guest Star slot's guest or audio and video changed; "
        "channel.guest_star_guest.update took its place."
    ),
    "channel.hype_train.begin@1": (
        "A Hype Train starts; the deprecated version, with last_contribution and "
        "is_golden_kappa_train, no train type and no shared trains."
    ),
    "channel.hype_train.begin@2": (
        "A Hype Train starts; gives its type (regular, golden Kappa, treasure), whether it is "
        "shared with other channels, and the channel's record level and total."
    ),
    "channel.hype_train.end@1": (
        "A Hype Train is over; the deprecated version, with is_golden_kappa_train, no train "
        "type and no shared trains."
    ),
    "channel.hype_train.end@2": (
        "A Hype Train is over: its final level and total, top contributors, when the next can "
        "start, its type and whether it was shared."
    ),
    "channel.hype_train.progress@1": (
        "Contributions move a Hype Train along; the deprecated version, with "
        "last_contribution, no train type and no shared trains."
    ),
    "channel.hype_train.progress@2": (
        "Contributions move a Hype Train along: level, progress toward its goal, top "
        "contributors, its type and whether it is shared."
    ),
    "channel.moderate@1": (
        "A moderator acts in the channel (bans, timeouts, deletions, chat modes, mods and "
        "VIPs, terms, unban requests, raids); action says which."
    ),
    "channel.moderate@2": (
        "A moderator acts in the channel, as in v1, and v2 also reports the warnings they "
        "send (action warn)."
    ),
    "channel.moderator.add": "A user is made a moderator of the channel.",
    "channel.moderator.remove": "A user loses the moderator role in the channel.",
    "channel.poll.begin": "A poll opens in the channel, with its choices and closing time.",
    "channel.poll.end": (
        "A poll closes, is stopped early or archived; gives the final votes per choice."
    ),
    "channel.poll.progress": "Viewers vote in the channel's open poll; gives the running counts.",
    "channel.prediction.begin": (
        "A prediction opens in the channel, with its outcomes and when it locks."
    ),
    "channel.prediction.end": (
        "A prediction is settled with a winning outcome, or canceled and its points refunded."
    ),
    "channel.prediction.lock": (
        "A prediction stops taking Channel Points while its result is still open."
    ),
    "channel.prediction.progress": (
        "Viewers put Channel Points on a prediction's outcomes; gives the totals so far."
    ),
    "channel.raid": (
        "One channel sends its viewers to another; the condition names either the raiding or "
        "the raided channel."
    ),
    "channel.shared_chat.begin": (
        "The channel joins a shared chat session, linking its chat room with other channels'."
    ),
    "channel.shared_chat.end": (
        "Shared chat is over for the channel: it left the session, or the session closed."
    ),
    "channel.shared_chat.update": (
        "Who takes part in the channel's shared chat session changes: another channel joins "
        "or leaves it."
    ),
    "channel.shield_mode.begin": "The broadcaster or a moderator turns Shield Mode on.",
    "channel.shield_mode.end": "The broadcaster or a moderator turns Shield Mode off.",
    "channel.shoutout.create": (
        "The channel gives another broadcaster a shoutout; gives the viewer count and the "
        "cooldowns it starts."
    ),
    "channel.shoutout.receive": "Another broadcaster gives the channel a shoutout.",
    "channel.subscribe": (
        "A user subscribes to the channel, paid or gifted; not sent for resubscriptions."
    ),
    "channel.subscription.end": ("A user's subscription to the channel (paid or gifted) runs out."),
    "channel.subscription.gift": (
        "A viewer, possibly anonymous, gifts one or more subscriptions to the channel."
    ),
    "channel.subscription.message": (
        "A subscriber shares their resubscription in chat, with their months subscribed."
    ),
    "channel.suspicious_user.message": (
        "A chat message from a user the channel treats as suspicious: monitored or restricted "
        "by hand, a likely ban evader, or banned in a channel it shares bans with."
    ),
    "channel.suspicious_user.update": (
        "A moderator sets a user's suspicious status: none, monitored or restricted."
    ),
    "channel.unban": "A moderator lifts a user's ban from the channel.",
    "channel.unban_request.create": "A user banned from the channel asks to be unbanned.",
    "channel.unban_request.resolve": (
        "An unban request is approved or denied by a moderator, or withdrawn by the user."
    ),
    "channel.update@1": (
        "The broadcaster changes the channel's title, category or language; the deprecated "
        "version, with is_mature instead of content labels."
    ),
    "channel.update@2": (
        "The broadcaster changes the channel's title, category, language or content "
        "classification labels."
    ),
    "channel.vip.add": "A user is made a VIP of the channel.",
    "channel.vip.remove": "A user stops being a VIP of the channel.",
    "channel.warning.acknowledge": (
        "A user who was warned in the channel accepts the warning, and may chat again."
    ),
    "channel.warning.send": (
        "A moderator warns a user in the channel, with a reason and the chat rules broken."
    ),
    # --- beyond one channel ---
    "conduit.shard.disabled": (
        "Twitch turns off a shard of one of your conduits because its websocket or webhook "
        "failed; status says why. Webhooks only."
    ),
    "drop.entitlement.grant": (
        "A user earns a Drop of your organization's campaign; webhooks only, several grants "
        "to a notification."
    ),
    "extension.bits_transaction.create": (
        "A viewer buys a product of your extension with Bits. Webhooks only."
    ),
    "stream.offline": "The broadcaster's stream ends.",
    "stream.online": (
        "The broadcaster goes live (or starts a playlist, watch party, premiere or rerun)."
    ),
    "user.authorization.grant": (
        "A user connects your app (client_id) to their account. Webhooks only."
    ),
    "user.authorization.revoke": (
        "A user disconnects your app (client_id) from their account. Webhooks only."
    ),
    "user.update": (
        "A user edits their account: name, description or email (the email is sent only "
        "with the user:read:email scope)."
    ),
    "user.whisper.message": "Another user sends the subscribed user a whisper.",
}


class MissingDescription(LookupError):
    """A type or version with no row here: the catalogue would show it undescribed."""


def description_for(type_name: str, version: str) -> str:
    """The version's own row, else its type's."""
    found = DESCRIPTIONS.get(f"{type_name}@{version}") or DESCRIPTIONS.get(type_name)
    if found is None:
        raise MissingDescription(
            f"{type_name} v{version} has no description: add one to tools/catalog_descriptions.py"
        )
    return found


def unused_rows(keys: set[tuple[str, str]]) -> list[str]:
    """Rows that describe no (type, version) of `keys`: a renamed or dropped type."""
    used = {f"{t}@{v}" for t, v in keys} | {t for t, _ in keys}
    return sorted(set(DESCRIPTIONS) - used)
