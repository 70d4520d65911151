// Drives twurple's EventSub listeners against eventsub-mock, one command at a time: the WebSocket
// one (@twurple/eventsub-ws) and the webhook receiver (@twurple/eventsub-http).
//
// Run by tests/compat/test_twurple.py with TWURPLE_MOCK_API_PORT set to the mock's port:
// twurple's mock mode sends the websocket to ws://127.0.0.1:PORT/ws, the subscription API to
// http://localhost:PORT/eventsub/subscriptions and token validation to /auth/validate (the
// client-credentials grant to /auth/token).
//
// Protocol: one JSON command per line on stdin ({"seq", "cmd", ...}); every line this script
// writes for the test starts with "@@ " and is JSON: replies ({"seq", "ok", ...}) and news
// ({"kind": "event" | "revoke" | "socket" | ...}). Anything else on stdout is twurple's logging.

import { createInterface } from 'node:readline';

import { ApiClient } from '@twurple/api';
import { AppTokenAuthProvider, StaticAuthProvider } from '@twurple/auth';
import { EventSubHttpListener, ReverseProxyAdapter } from '@twurple/eventsub-http';
import { EventSubWsListener } from '@twurple/eventsub-ws';

const CLIENT_ID = process.env.COMPAT_CLIENT_ID;
const TOKEN = process.env.COMPAT_TOKEN;
const USER_ID = process.env.COMPAT_USER_ID;

function send(message) {
	process.stdout.write(`@@ ${JSON.stringify(message)}\n`);
}

// Each test's listener is one generation; news from a stopped listener is not passed on.
let generation = 0;

function sendFrom(gen, message) {
	if (gen === generation) {
		send(message);
	}
}

const iso = date => (date instanceof Date ? date.toISOString() : date);

const broadcaster = e => ({
	broadcaster_user_id: e.broadcasterId,
	broadcaster_user_login: e.broadcasterName,
	broadcaster_user_name: e.broadcasterDisplayName,
});
const user = e => ({ user_id: e.userId, user_login: e.userName, user_name: e.userDisplayName });

// What twurple parsed, under the wire's names (every value through twurple's own getters).
const asWire = {
	'channel.follow': e => ({ ...broadcaster(e), ...user(e), followed_at: iso(e.followDate) }),
	'channel.subscribe': e => ({ ...broadcaster(e), ...user(e), tier: e.tier, is_gift: e.isGift }),
	'channel.subscription.message': e => ({
		...broadcaster(e),
		...user(e),
		tier: e.tier,
		cumulative_months: e.cumulativeMonths,
		streak_months: e.streakMonths,
		duration_months: e.durationMonths,
		message: { text: e.messageText },
	}),
	'channel.cheer': e => ({
		...broadcaster(e),
		...user(e),
		is_anonymous: e.isAnonymous,
		message: e.message,
		bits: e.bits,
	}),
	'channel.raid': e => ({
		from_broadcaster_user_id: e.raidingBroadcasterId,
		from_broadcaster_user_login: e.raidingBroadcasterName,
		from_broadcaster_user_name: e.raidingBroadcasterDisplayName,
		to_broadcaster_user_id: e.raidedBroadcasterId,
		to_broadcaster_user_login: e.raidedBroadcasterName,
		to_broadcaster_user_name: e.raidedBroadcasterDisplayName,
		viewers: e.viewers,
	}),
	'channel.ban': e => ({
		...broadcaster(e),
		...user(e),
		moderator_user_id: e.moderatorId,
		moderator_user_login: e.moderatorName,
		moderator_user_name: e.moderatorDisplayName,
		reason: e.reason,
		banned_at: iso(e.startDate),
		ends_at: iso(e.endDate),
		is_permanent: e.isPermanent,
	}),
	'channel.update': e => ({
		...broadcaster(e),
		title: e.streamTitle,
		language: e.streamLanguage,
		category_id: e.categoryId,
		category_name: e.categoryName,
		content_classification_labels: e.contentClassificationLabels,
	}),
	'channel.channel_points_custom_reward_redemption.add': e => ({
		...broadcaster(e),
		...user(e),
		id: e.id,
		user_input: e.input,
		status: e.status,
		redeemed_at: iso(e.redemptionDate),
		reward: { id: e.rewardId, title: e.rewardTitle, cost: e.rewardCost, prompt: e.rewardPrompt },
	}),
	'channel.poll.begin': e => ({
		...broadcaster(e),
		id: e.id,
		title: e.title,
		choices: e.choices.map(c => ({ id: c.id, title: c.title })),
		bits_voting: { is_enabled: e.isBitsVotingEnabled, amount_per_vote: e.bitsPerVote },
		channel_points_voting: {
			is_enabled: e.isChannelPointsVotingEnabled,
			amount_per_vote: e.channelPointsPerVote,
		},
		started_at: iso(e.startDate),
		ends_at: iso(e.endDate),
	}),
	'channel.chat.message': e => ({
		...broadcaster(e),
		chatter_user_id: e.chatterId,
		chatter_user_login: e.chatterName,
		chatter_user_name: e.chatterDisplayName,
		message_id: e.messageId,
		message: { text: e.messageText, fragments: e.messageParts },
		message_type: e.messageType,
		color: e.color ?? '',
		// twurple keeps badges as {set_id: id}; "badges" is rebuilt in the wire's order below.
		badges_by_set: e.badges,
		channel_points_custom_reward_id: e.rewardId,
		source_broadcaster_user_id: e.sourceBroadcasterId,
		source_message_id: e.sourceMessageId,
	}),
	'stream.online': e => ({ ...broadcaster(e), id: e.id, type: e.type, started_at: iso(e.startDate) }),
	'stream.offline': e => ({ ...broadcaster(e) }),
};

let apiClient = null; // the current test's client and listener
let listener = null;
const subscriptions = new Map(); // key ("type.vN") -> EventSubSubscription
const pendingCreates = new Map(); // EventSubSubscription -> resolve

function handler(type) {
	const gen = generation;
	return event => {
		let wire;
		try {
			wire = asWire[type](event);
		} catch (e) {
			sendFrom(gen, { kind: 'parse_error', type, error: String(e?.stack ?? e) });
			return;
		}
		sendFrom(gen, { kind: 'event', type, wire });
	};
}

const subscribe = {
	'channel.follow.v2': () => listener.onChannelFollow(USER_ID, USER_ID, handler('channel.follow')),
	'channel.subscribe.v1': () => listener.onChannelSubscription(USER_ID, handler('channel.subscribe')),
	'channel.subscription.message.v1': () =>
		listener.onChannelSubscriptionMessage(USER_ID, handler('channel.subscription.message')),
	'channel.cheer.v1': () => listener.onChannelCheer(USER_ID, handler('channel.cheer')),
	'channel.raid.v1': () => listener.onChannelRaidTo(USER_ID, handler('channel.raid')),
	'channel.ban.v1': () => listener.onChannelBan(USER_ID, handler('channel.ban')),
	'channel.update.v2': () => listener.onChannelUpdate(USER_ID, handler('channel.update')),
	'channel.channel_points_custom_reward_redemption.add.v1': () =>
		listener.onChannelRedemptionAdd(USER_ID, handler('channel.channel_points_custom_reward_redemption.add')),
	'channel.poll.begin.v1': () => listener.onChannelPollBegin(USER_ID, handler('channel.poll.begin')),
	'channel.chat.message.v1': () =>
		listener.onChannelChatMessage(USER_ID, USER_ID, handler('channel.chat.message')),
	'stream.online.v1': () => listener.onStreamOnline(USER_ID, handler('stream.online')),
	'stream.offline.v1': () => listener.onStreamOffline(USER_ID, handler('stream.offline')),
};

const subscriptionInfo = s => ({
	id: s.id,
	status: s.status,
	type: s.type,
	cost: s.cost,
	condition: s.condition,
	created_at: iso(s.creationDate),
	transport_method: s.transportMethod,
});

function setCurrent(client, eventSubListener) {
	apiClient = client;
	listener = eventSubListener;
}

function watch(client, eventSubListener) {
	const news = watchAny(client, eventSubListener);
	eventSubListener.onUserSocketConnect(userId => news({ kind: 'socket', what: 'connect', userId }));
	eventSubListener.onUserSocketReady((userId, sessionId) =>
		news({ kind: 'socket', what: 'ready', userId, sessionId }),
	);
	eventSubListener.onUserSocketDisconnect((userId, error) =>
		news({ kind: 'socket', what: 'disconnect', userId, error: error ? String(error) : null }),
	);
}

// What every listener reports, WebSocket or webhook; returns the news function of its generation.
function watchAny(client, eventSubListener) {
	setCurrent(client, eventSubListener);
	const gen = ++generation;
	const news = message => sendFrom(gen, message);
	eventSubListener.onRevoke((subscription, status) =>
		news({ kind: 'revoke', id: subscription._twitchId ?? null, status }),
	);
	eventSubListener.onSubscriptionCreateSuccess((subscription, apiSubscription) => {
		news({ kind: 'created', id: apiSubscription.id, type: apiSubscription.type });
		pendingCreates.get(subscription)?.resolve(apiSubscription.id);
	});
	eventSubListener.onSubscriptionCreateFailure((subscription, error) => {
		news({ kind: 'create_failed', error: String(error) });
		pendingCreates.get(subscription)?.reject(error);
	});
	eventSubListener.onSubscriptionDeleteSuccess(subscription =>
		news({ kind: 'deleted', id: subscription._twitchId ?? null }),
	);
	return news;
}

const commands = {
	connect() {
		// --- the README's lines (tests/compat/README.md, "twurple") ---
		const authProvider = new StaticAuthProvider(CLIENT_ID, TOKEN);
		const apiClient = new ApiClient({ authProvider });
		const listener = new EventSubWsListener({ apiClient });
		listener.start();
		// --- end of the README's lines ---
		watch(apiClient, listener);
		return {};
	},

	// A listener whose user token is `token`, which twurple is told has `scopes`: twurple checks
	// a subscription's scopes against those, and the mock checks them against the token's own.
	connect_as({ token, scopes }) {
		const authProvider = new StaticAuthProvider(CLIENT_ID, token, scopes);
		const apiClient = new ApiClient({ authProvider });
		const listener = new EventSubWsListener({ apiClient });
		listener.start();
		watch(apiClient, listener);
		return {};
	},

	// A webhook receiver on plain HTTP `port` that advertises https://`hostName`/event/...; its
	// app token comes from the client-credentials grant (/auth/token in mock mode).
	webhook({ appSecret, hostName, port, secret }) {
		const authProvider = new AppTokenAuthProvider(CLIENT_ID, appSecret);
		const apiClient = new ApiClient({ authProvider });
		const adapter = new ReverseProxyAdapter({ hostName, port });
		const listener = new EventSubHttpListener({ apiClient, adapter, secret });
		listener.start();
		const news = watchAny(apiClient, listener);
		listener.onVerify((success, subscription) =>
			news({ kind: 'verify', success, id: subscription._twitchId ?? null }),
		);
		return {};
	},

	// The client-credentials grant at the mock (/auth/token in mock mode), then an app-token call.
	async app_token({ secret }) {
		const authProvider = new AppTokenAuthProvider(CLIENT_ID, secret);
		const token = await authProvider.getAppAccessToken();
		const listed = await new ApiClient({ authProvider }).eventSub.getSubscriptions();
		return { accessToken: token.accessToken, listed: listed.data.length };
	},

	async subscribe({ key }) {
		const make = subscribe[key];
		if (!make) {
			throw new Error(`no subscription recipe for ${key}`);
		}
		let done;
		const created = new Promise((resolve, reject) => {
			done = { resolve, reject };
		});
		const subscription = make();
		pendingCreates.set(subscription, done);
		subscriptions.set(key, subscription);
		const id = await created;
		pendingCreates.delete(subscription);
		return { id };
	},

	async list() {
		const result = await apiClient.eventSub.getSubscriptions();
		return {
			data: result.data.map(subscriptionInfo),
			total: result.total,
			totalCost: result.totalCost,
			maxTotalCost: result.maxTotalCost,
		};
	},

	async list_paginated() {
		const all = await apiClient.eventSub.getSubscriptionsPaginated().getAll();
		return { data: all.map(subscriptionInfo) };
	},

	async delete({ id }) {
		await apiClient.eventSub.deleteSubscription(id);
		return {};
	},

	stop({ key }) {
		subscriptions.get(key).stop();
		return {};
	},

	set_env({ name, value }) {
		process.env[name] = value;
		return {};
	},

	disconnect() {
		generation += 1;
		listener?.stop();
		listener = null;
		apiClient = null;
		subscriptions.clear();
		pendingCreates.clear();
		return {};
	},

	quit() {
		listener?.stop();
		setTimeout(() => process.exit(0), 50);
		return {};
	},
};

const input = createInterface({ input: process.stdin });
input.on('line', async line => {
	let request;
	try {
		request = JSON.parse(line);
	} catch {
		return;
	}
	const { seq, cmd } = request;
	try {
		const fn = commands[cmd];
		if (!fn) {
			throw new Error(`unknown command ${cmd}`);
		}
		send({ seq, ok: true, ...(await fn(request)) });
	} catch (e) {
		send({
			seq,
			ok: false,
			error: String(e?.stack ?? e),
			name: e?.name ?? null,
			statusCode: e?.statusCode ?? null,
			body: e?.body ?? null,
		});
	}
});
input.on('close', () => {
	listener?.stop();
	process.exit(0);
});

send({ kind: 'ready', node: process.version });
