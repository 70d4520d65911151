// twurple's own Helix methods against eventsub-mock: send a chat message, ban a user and start a
// poll through @twurple/api, and receive each resulting event through @twurple/eventsub-ws.
//
// Run by tests/compat/test_helix_twurple.py with TWURPLE_MOCK_API_PORT set to the mock's port:
// twurple's mock mode sends these calls to http://localhost:PORT/mock/... (the Twitch CLI
// mock-api's prefix), the subscription API to /eventsub/subscriptions and the socket to /ws.
// One run, no input: it prints one line, "@@ " and JSON, with what twurple's calls returned and
// what its listener parsed; anything else on stdout is twurple's logging.

import { ApiClient } from '@twurple/api';
import { StaticAuthProvider } from '@twurple/auth';
import { EventSubWsListener } from '@twurple/eventsub-ws';

const { COMPAT_CLIENT_ID: CLIENT_ID, COMPAT_TOKEN: TOKEN, COMPAT_USER_ID: USER_ID } = process.env;
const VIEWER = process.env.COMPAT_VIEWER_ID;
const WAIT_MS = 5000;

const authProvider = new StaticAuthProvider(CLIENT_ID, TOKEN);
const apiClient = new ApiClient({ authProvider });
const listener = new EventSubWsListener({ apiClient });

// Events by type, each awaited once.
const waiting = new Map();
const arrived = new Map();
function deliver(type, wire) {
	const resolve = waiting.get(type);
	if (resolve) {
		waiting.delete(type);
		resolve(wire);
	} else {
		arrived.set(type, wire);
	}
}
function next(type) {
	if (arrived.has(type)) {
		const wire = arrived.get(type);
		arrived.delete(type);
		return Promise.resolve(wire);
	}
	return within(new Promise(resolve => waiting.set(type, resolve)), `a ${type} event`);
}
function within(promise, what) {
	let timer;
	const timeout = new Promise((_, reject) => {
		timer = setTimeout(() => reject(new Error(`no ${what} within ${WAIT_MS} ms`)), WAIT_MS);
	});
	return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

let created = 0;
const allCreated = within(
	new Promise((resolve, reject) => {
		listener.onSubscriptionCreateSuccess(() => {
			created += 1;
			if (created === 3) {
				resolve();
			}
		});
		listener.onSubscriptionCreateFailure((_, error) => reject(error));
	}),
	'three subscriptions',
);

listener.onChannelChatMessage(USER_ID, USER_ID, e =>
	deliver('channel.chat.message', {
		message_id: e.messageId,
		chatter_user_id: e.chatterId,
		message: { text: e.messageText, fragments: e.messageParts.map(p => ({ type: p.type, text: p.text })) },
	}),
);
listener.onChannelBan(USER_ID, e =>
	deliver('channel.ban', {
		user_id: e.userId,
		moderator_user_id: e.moderatorId,
		reason: e.reason,
		is_permanent: e.isPermanent,
	}),
);
listener.onChannelPollBegin(USER_ID, e =>
	deliver('channel.poll.begin', {
		id: e.id,
		title: e.title,
		choices: e.choices.map(c => ({ id: c.id, title: c.title })),
	}),
);

async function run() {
	listener.start();
	await allCreated;
	const result = {};

	const sent = await apiClient.chat.sendChatMessage(USER_ID, 'hello Kappa');
	result.sent = { message_id: sent.id, is_sent: sent.isSent };
	result.chat = await next('channel.chat.message');

	const [ban] = await apiClient.moderation.banUser(USER_ID, { user: VIEWER, reason: 'spam' });
	result.ban = { user_id: ban.userId, moderator_id: ban.moderatorId, end_time: ban.expiryDate };
	result.banned = await next('channel.ban');

	const poll = await apiClient.polls.createPoll(USER_ID, {
		title: 'Best snack?',
		choices: ['chips', 'fruit'],
		duration: 60,
	});
	result.poll = { id: poll.id, title: poll.title, choices: poll.choices.map(c => ({ id: c.id, title: c.title })) };
	result.begun = await next('channel.poll.begin');
	return result;
}

let exitCode = 0;
try {
	process.stdout.write(`@@ ${JSON.stringify({ ok: true, ...(await run()) })}\n`);
} catch (e) {
	const error = { ok: false, error: String(e?.stack ?? e), statusCode: e?.statusCode ?? null, body: e?.body ?? null };
	process.stdout.write(`@@ ${JSON.stringify(error)}\n`);
	exitCode = 1;
}
listener.stop();
process.exit(exitCode);
