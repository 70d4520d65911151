// Small DOM helpers. Text always goes in as text (never HTML): events carry what clients and
// triggers put in them.

/** An element: h("td", {class: "id", title: id}, "text", otherNode, ...). */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  el.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

/** Replace what `el` holds. */
export function fill(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined));
}

/** A paragraph for an empty list. */
export function empty(...text) {
  return h("p", { class: "empty" }, ...text);
}

/** A long id by its end (session ids share their start), in full on hover. */
export function tail(id) {
  return id.length > 14 ? "…" + id.slice(-8) : id;
}

/** A long id, shortened, in full on hover. */
export function shortId(id) {
  if (!id) return h("span", { class: "muted" }, "–");
  return h("span", { class: "id", title: id }, tail(id));
}

/** "1m 05s" since an RFC3339 time (empty when it cannot be read). */
export function since(rfc3339, now = Date.now()) {
  const then = Date.parse(rfc3339);
  if (Number.isNaN(then)) return "";
  let seconds = Math.max(0, Math.floor((now - then) / 1000));
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  const pad = (n) => String(n).padStart(2, "0");
  if (hours) return `${hours}h ${pad(minutes)}m`;
  if (minutes) return `${minutes}m ${pad(seconds)}s`;
  return `${seconds}s`;
}

/** The time of day of an RFC3339 time, to the millisecond. */
export function clockTime(rfc3339) {
  const date = new Date(rfc3339);
  if (Number.isNaN(date.getTime())) return rfc3339 || "";
  const pad = (n, width = 2) => String(n).padStart(width, "0");
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** A status as a coloured badge. */
export function statusBadge(status) {
  let tone = "warn";
  if (status === "enabled" || status === "connected") tone = "ok";
  else if (/revoked|removed|failed|banned|error|exceeded|deleted|timeout|closed/.test(status)) tone = "bad";
  return h("span", { class: `badge ${tone}` }, status);
}

/** `{a: "1", b: "2"}` as "a=1 b=2", leaving out empty values. */
export function conditionText(condition) {
  return Object.entries(condition || {})
    .filter(([, value]) => value !== "" && value !== null && value !== undefined)
    .map(([key, value]) => `${key}=${value}`)
    .join(" ");
}

/** A caller of async `fn` that never runs it twice at once: calls made while it runs make
 * one more run, `gapMs` after the last one ended (a burst of feed items, one refresh). */
export function coalesced(fn, gapMs = 150) {
  let running = false;
  let again = false;
  const run = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await fn();
    } finally {
      setTimeout(() => {
        running = false;
        if (again) {
          again = false;
          run();
        }
      }, gapMs);
    }
  };
  return run;
}

let noticeTimer = null;

/** A line under the header saying what an action did or why it failed; fades after a while. */
export function notice(text, tone = "ok") {
  const el = document.getElementById("notice");
  el.textContent = text;
  el.className = `notice ${tone === "bad" ? "error" : ""}`;
  el.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => (el.hidden = true), tone === "bad" ? 12000 : 5000);
}

export const CHANGED = "mock:changed";

/** Run an action for a button, reporting its outcome: the button is disabled meanwhile, and
 * the document hears CHANGED after it worked (the lists refresh). */
export async function act(button, action, done) {
  button.disabled = true;
  try {
    const result = await action();
    if (done) notice(done(result));
    document.dispatchEvent(new Event(CHANGED));
  } catch (error) {
    notice(error.message, "bad");
  } finally {
    button.disabled = false;
  }
}

/**
 * A table: `columns` are headings (a leading "?" marks one left out on narrow windows), `rows`
 * are {cells, attrs}. Each cell carries its heading, which narrow windows show beside it.
 */
export function table(columns, rows) {
  const heads = columns.map((column) => ({ label: column.replace(/^\?/, ""), optional: column.startsWith("?") }));
  return h(
    "table",
    {},
    h("thead", {}, h("tr", {}, heads.map((head) => h("th", { class: head.optional ? "optional" : null }, head.label)))),
    h(
      "tbody",
      {},
      rows.map(({ cells, attrs = {} }) =>
        h(
          "tr",
          attrs,
          cells.map((cell, index) => {
            const head = heads[index];
            const classes = [head.optional ? "optional" : "", head.label ? "" : "actions"].filter(Boolean).join(" ");
            return h("td", { class: classes || null, "data-label": head.label || null }, cell);
          }),
        ),
      ),
    ),
  );
}
