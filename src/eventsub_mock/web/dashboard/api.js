// The control API and the live feed, with the control token when the server wants one.
//
// The token is asked for only when the API answers 401, kept in this tab's sessionStorage and
// sent as `Authorization: Bearer`. The feed needs that header too, so it is read with fetch()
// streaming rather than EventSource (which cannot send headers).

const FEED_PATH = "/_mock/feed";
const INFO_PATH = "/_mock";
const TOKEN_KEY = "eventsub-mock-control-token";

/** A refusal of the control API: its HTTP status and Twitch-shaped message. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

let asking = null; // one token prompt for every request that was refused meanwhile
let operations = {}; // name -> {method, path}, from the server's one table (`info`)

function authHeaders() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** Ask the person for the control token (the dialog in index.html); resolves once given. */
function askForToken(refused) {
  if (asking) return asking;
  const dialog = document.getElementById("token-dialog");
  const form = document.getElementById("token-form");
  const input = document.getElementById("token-input");
  document.getElementById("token-refused").hidden = !refused;
  asking = new Promise((resolve) => {
    form.onsubmit = (event) => {
      event.preventDefault();
      const token = input.value.trim();
      if (!token) return;
      sessionStorage.setItem(TOKEN_KEY, token);
      dialog.close();
      asking = null;
      resolve();
    };
    // The page is of no use without it: Escape does not close the prompt.
    dialog.oncancel = (event) => event.preventDefault();
    input.value = "";
    dialog.showModal();
    input.focus();
  });
  return asking;
}

/** Wait for a token if the server refused for lack of one; true when the call should be retried. */
async function handleUnauthorized(response) {
  if (response.status !== 401) return false;
  await askForToken(Boolean(sessionStorage.getItem(TOKEN_KEY)));
  return true;
}

/** One control API request, JSON in and out; a refusal throws ApiError. */
async function request(method, path, body) {
  for (;;) {
    const headers = { Accept: "application/json", ...authHeaders() };
    const init = { method, headers };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    if (await handleUnauthorized(response)) continue;
    const text = await response.text();
    let payload = null;
    try {
      payload = text ? JSON.parse(text) : null;
    } catch {
      throw new ApiError(response.status, `the server answered ${response.status} with something that is not JSON`);
    }
    if (!response.ok) {
      throw new ApiError(response.status, payload?.message || `HTTP ${response.status}`);
    }
    return payload;
  }
}

/** The server's description, which names its control operations; call it first. */
export async function connect() {
  const info = await request("GET", INFO_PATH);
  operations = info.operations;
  return info;
}

/**
 * Run the control operation `name` (the server's `core/operations` table): `params` fill the
 * path's `{name}` segments, `body` is the JSON sent with a POST.
 */
export function operate(name, params = {}, body = undefined) {
  const operation = operations[name];
  if (!operation) throw new ApiError(0, `this server has no control operation ${name}`);
  const path = operation.path.replace(/\{(\w+)\}/g, (_, key) => encodeURIComponent(params[key]));
  if (operation.method === "POST" && body === undefined) body = {};
  return request(operation.method, path, body);
}

/**
 * Read the live feed until `signal` aborts, reconnecting after a lost connection from the last
 * item seen (`since`), so nothing the server still holds is missed.
 *
 * onItem(item) gets each item; onState(state) hears "live", "retrying" or "unavailable" (no
 * feed on this server: 404). Returns when aborted or unavailable.
 */
export async function readFeed({ query = {}, since = 0, onItem, onState, signal }) {
  let last = since;
  let delay = 500;
  while (!signal.aborted) {
    const params = new URLSearchParams({ ...query, since: String(last) });
    try {
      const response = await fetch(`${FEED_PATH}?${params}`, {
        headers: { Accept: "text/event-stream", ...authHeaders() },
        signal,
      });
      if (await handleUnauthorized(response)) continue;
      if (response.status === 404) {
        onState("unavailable");
        return;
      }
      if (!response.ok || !response.body) throw new Error(`feed answered ${response.status}`);
      onState("live");
      delay = 500;
      for await (const event of serverSentEvents(response.body)) {
        if (!event.data) continue;
        const item = JSON.parse(event.data);
        if (typeof item.seq === "number") last = Math.max(last, item.seq);
        onItem(item);
      }
    } catch (error) {
      if (signal.aborted) return;
      console.warn("feed:", error.message);
    }
    if (signal.aborted) return;
    onState("retrying");
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 5000);
  }
}

/** The events of a text/event-stream body: {id, event, data}, comments skipped. */
async function* serverSentEvents(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let fields = { data: [] };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let newline;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline).replace(/\r$/, "");
        buffer = buffer.slice(newline + 1);
        if (line === "") {
          if (fields.data.length) yield { ...fields, data: fields.data.join("\n") };
          fields = { data: [] };
          continue;
        }
        if (line.startsWith(":")) continue; // a comment: the server keeping the stream open
        const colon = line.indexOf(":");
        const name = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (name === "data") fields.data.push(value);
        else if (name === "id" || name === "event") fields[name] = value;
      }
    }
  } finally {
    reader.releaseLock();
  }
}
