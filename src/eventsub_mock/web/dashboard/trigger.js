// Trigger: pick a type, see the event the server would send (its `preview` operation, built as
// `trigger` builds it, from a seed so that firing sends the same values), edit it as a form or
// as JSON, aim it, fire it, and copy the equivalent command line.
//
// Edits are sent as the trigger's `overrides` (dotted paths, as `--set PATH=VALUE`): the
// differences between the edited event and the previewed one.

import { operate } from "./api.js";
import { act, conditionText, fill, h, notice, tail } from "./dom.js";

const DEFAULT_TYPE = ["channel.follow", "2"];
const DEFAULT_SERVER = "http://127.0.0.1:8080";

const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);
const clone = (value) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const newSeed = () => 1 + Math.floor(Math.random() * 2 ** 31);

/** A value as `--set` reads it: JSON where it parses as JSON, else the text itself. */
function setValue(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** One word for a POSIX shell. */
function shellWord(text) {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The leaves of an event as [path, value]: scalars, nulls and empty lists or objects. */
function leaves(value, path = "", out = []) {
  const children = isObject(value) ? Object.entries(value) : Array.isArray(value) ? value.map((v, i) => [String(i), v]) : [];
  if (!children.length) {
    if (path) out.push([path, value]);
    return out;
  }
  for (const [key, child] of children) leaves(child, path ? `${path}.${key}` : key, out);
  return out;
}

function getPath(root, path) {
  return path.split(".").reduce((node, part) => (node === null || node === undefined ? undefined : node[part]), root);
}

/** Set `path` in `root`; false when a parent on the way is missing. */
function setPath(root, path, value) {
  const parts = path.split(".");
  const parent = getPath(root, parts.slice(0, -1).join(".")) ?? (parts.length === 1 ? root : undefined);
  if (parent === null || typeof parent !== "object") return false;
  parent[parts.at(-1)] = value;
  return true;
}

/**
 * The overrides that turn `base` into `edited`: the changed leaves by path; a list whose length
 * changed, or an object that lost a field, as a whole. Throws for a removed top-level field,
 * which overrides cannot express.
 */
function differences(base, edited, path = "", out = {}) {
  if (isObject(base) && isObject(edited)) {
    const lost = Object.keys(base).filter((key) => !(key in edited));
    if (lost.length && !path) throw new Error(`fields cannot be removed: ${lost.join(", ")} (set them to null)`);
    if (lost.length) {
      out[path] = edited;
      return out;
    }
    for (const [key, value] of Object.entries(edited)) {
      const child = path ? `${path}.${key}` : key;
      if (key in base) differences(base[key], value, child, out);
      else out[child] = value;
    }
  } else if (Array.isArray(base) && Array.isArray(edited) && base.length === edited.length && path) {
    edited.forEach((value, index) => differences(base[index], value, `${path}.${index}`, out));
  } else if (!same(base, edited)) {
    out[path] = edited;
  }
  return out;
}

export class TriggerPanel {
  constructor(section) {
    this.list = section.querySelector("#type-list");
    this.search = section.querySelector("#type-search");
    this.chosen = section.querySelector("#type-chosen");
    this.target = section.querySelector("#trigger-target");
    this.count = section.querySelector("#trigger-count");
    this.form = section.querySelector("#preview-form");
    this.json = section.querySelector("#preview-json");
    this.error = section.querySelector("#preview-error");
    this.info = section.querySelector("#preview-info");
    this.revert = section.querySelector("#trigger-revert");
    this.cli = section.querySelector("#trigger-cli");
    this.fire = section.querySelector("#trigger-fire");
    this.result = section.querySelector("#trigger-result");
    this.tabs = { form: section.querySelector("#tab-form"), json: section.querySelector("#tab-json") };

    this.types = [];
    this.selected = null;
    this.seed = newSeed();
    this.mode = "form";
    this.base = null; // the previewed event
    this.eventKey = "event";
    this.edited = null;
    this.overrides = {};
    this.problem = ""; // why the edits cannot be sent
    this.sessions = [];
    this.subscriptions = [];
    this.previewing = 0;
    this.reachKey = "";

    this.search.addEventListener("input", () => this.filterTypes());
    this.search.addEventListener("keydown", (event) => {
      const first = [...this.list.children].find((li) => !li.hidden);
      if (event.key === "Enter" && first) first.click();
      if (event.key === "ArrowDown" && first) {
        event.preventDefault();
        first.focus();
      }
    });
    // One tab stop for the list; the arrow keys move within it.
    this.list.addEventListener("keydown", (event) => {
      const items = [...this.list.children].filter((li) => !li.hidden);
      const at = items.indexOf(document.activeElement);
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const next = items[at + (event.key === "ArrowDown" ? 1 : -1)];
        if (next) next.focus();
        else if (event.key === "ArrowUp") this.search.focus();
      } else if ((event.key === "Enter" || event.key === " ") && at >= 0) {
        event.preventDefault();
        items[at].click();
      }
    });
    this.target.addEventListener("change", () => this.preview());
    this.count.addEventListener("input", () => this.showCommand());
    section.querySelector("#trigger-reroll").addEventListener("click", () => {
      this.seed = newSeed();
      this.preview();
    });
    this.revert.addEventListener("click", () => {
      this.overrides = {};
      this.edited = clone(this.base);
      this.showEvent();
    });
    this.tabs.form.addEventListener("click", () => this.setMode("form"));
    this.tabs.json.addEventListener("click", () => this.setMode("json"));
    this.json.addEventListener("input", () => this.jsonEdited());
    section.querySelector("#trigger-copy").addEventListener("click", () => this.copy());
    this.fire.addEventListener("click", () => this.send());
  }

  /** The catalogue, from the server's `types` operation. */
  setTypes(types) {
    this.types = types.filter((entry) => entry.status !== "removed");
    fill(
      this.list,
      this.types.map((entry) => {
        const li = h(
          "li",
          {
            role: "option",
            tabindex: "-1",
            "aria-selected": "false",
            "data-type": entry.type,
            "data-version": entry.version,
            onclick: () => this.select(entry),
          },
          h(
            "div",
            { class: "name" },
            entry.type,
            h("span", { class: "muted" }, ` v${entry.version}`),
            entry.status !== "production" ? h("span", { class: "badge warn" }, entry.status) : null,
            entry.websocket ? null : h("span", { class: "badge" }, "webhook only"),
          ),
          h("div", { class: "desc muted" }, entry.description),
        );
        li.searchText = [entry.type, `v${entry.version}`, entry.name, entry.description, ...entry.aliases]
          .join(" ")
          .toLowerCase();
        return li;
      }),
    );
    const initial = this.types.find((t) => t.type === DEFAULT_TYPE[0] && t.version === DEFAULT_TYPE[1]) || this.types[0];
    if (initial) this.select(initial);
  }

  filterTypes() {
    const words = this.search.value.toLowerCase().split(/\s+/).filter(Boolean);
    for (const li of this.list.children) li.hidden = !words.every((word) => li.searchText.includes(word));
  }

  select(entry) {
    this.selected = entry;
    for (const li of this.list.children) {
      const on = li.dataset.type === entry.type && li.dataset.version === entry.version;
      li.setAttribute("aria-selected", String(on));
      li.tabIndex = on ? 0 : -1;
      // In view within the list (scrollIntoView would move the page too).
      if (on && (li.offsetTop < this.list.scrollTop || li.offsetTop + li.offsetHeight > this.list.scrollTop + this.list.clientHeight)) {
        this.list.scrollTop = li.offsetTop - this.list.clientHeight / 3;
      }
    }
    fill(
      this.chosen,
      h("div", {}, h("span", { class: "name" }, entry.type), h("span", { class: "muted" }, ` version ${entry.version} · ${entry.name}`)),
      h("div", { class: "muted" }, entry.description),
      entry.aliases.length ? h("div", { class: "muted" }, `Twitch CLI alias: ${entry.aliases.join(", ")}`) : null,
    );
    this.chosen.classList.remove("muted");
    this.overrides = {};
    this.fillTargets();
    this.preview();
  }

  /** The connected sessions and the subscriptions, for the target list. */
  setTargets(sessions, subscriptions) {
    this.sessions = sessions;
    this.subscriptions = subscriptions;
    const before = this.target.value;
    const reach = this.reachKey;
    this.fillTargets();
    // A new preview when who it reaches may have changed, unless someone is typing in it.
    const editing = this.form.contains(document.activeElement) || document.activeElement === this.json;
    if (this.target.value !== before || (reach !== this.reachKey && !editing)) this.preview();
  }

  fillTargets() {
    const current = this.target.value;
    const entry = this.selected;
    const subs = entry ? this.subscriptions.filter((s) => s.type === entry.type && s.version === entry.version) : [];
    fill(
      this.target,
      h("option", { value: "" }, "everyone it matches"),
      this.sessions.length
        ? h("optgroup", { label: "one session" }, this.sessions.map((s) => h("option", { value: `session:${s.id}` }, `session ${tail(s.id)}`)))
        : null,
      subs.length
        ? h(
            "optgroup",
            { label: "one subscription" },
            subs.map((s) => h("option", { value: `subscription:${s.id}` }, `${tail(s.id)} ${s.status} ${conditionText(s.condition)}`)),
          )
        : null,
    );
    this.target.value = [...this.target.options].some((o) => o.value === current) ? current : "";
    this.reachKey = JSON.stringify([this.sessions.map((s) => [s.id, s.subscriptions.length]), subs.map((s) => [s.id, s.status])]);
  }

  /** The trigger request, as the control API takes it (and `count` for firing). */
  request({ withCount = false, withOverrides = true } = {}) {
    const request = { type: this.selected.type, version: this.selected.version, seed: this.seed };
    const [kind, id] = this.target.value.split(/:(.*)/s);
    if (kind === "session") request.session = id;
    if (kind === "subscription") request.subscription_id = id;
    if (withCount) request.count = Number(this.count.value);
    if (withOverrides && Object.keys(this.overrides).length) request.overrides = this.overrides;
    return request;
  }

  async preview() {
    if (!this.selected) return;
    const ticket = ++this.previewing;
    try {
      const preview = await operate("preview", {}, this.request({ withOverrides: false }));
      if (ticket !== this.previewing) return; // a newer one is on its way
      this.eventKey = "events" in preview ? "events" : "event";
      this.base = preview[this.eventKey];
      // Edits carry over to the new values where their fields still exist.
      this.edited = clone(this.base);
      for (const [path, value] of Object.entries(this.overrides)) {
        if (!setPath(this.edited, path, clone(value))) delete this.overrides[path];
      }
      const reach = preview.reaches;
      this.info.textContent =
        reach === 0
          ? "reaches no subscription now"
          : `reaches ${reach} subscription${reach === 1 ? "" : "s"}` +
            (preview.subscription ? `; shown for ${tail(preview.subscription.id)}` : "");
      this.problem = "";
      this.showEvent();
    } catch (error) {
      if (ticket !== this.previewing) return;
      this.base = this.edited = null;
      this.problem = error.message;
      this.info.textContent = "";
      fill(this.form);
      this.json.value = "";
      this.showProblem();
    }
  }

  setMode(mode) {
    if (mode === "form" && this.problem && this.mode === "json") return; // fix the JSON first
    this.mode = mode;
    this.tabs.form.setAttribute("aria-selected", String(mode === "form"));
    this.tabs.json.setAttribute("aria-selected", String(mode === "json"));
    this.showEvent();
  }

  /** Show the edited event in the current mode. */
  showEvent() {
    this.form.hidden = this.mode !== "form";
    this.json.hidden = this.mode !== "json";
    if (this.edited === null) return;
    if (this.mode === "form") this.buildForm();
    else this.json.value = JSON.stringify(this.edited, null, 2);
    this.edits();
  }

  buildForm() {
    if (this.eventKey === "events") {
      fill(this.form, h("p", { class: "muted" }, "A batch of events: edit it as JSON."));
      return;
    }
    const fields = leaves(this.edited);
    if (!fields.length) {
      fill(this.form, h("p", { class: "muted" }, "This event has no fields."));
      return;
    }
    fill(this.form, fields.map(([path, value]) => this.field(path, value)));
  }

  field(path, value) {
    const original = getPath(this.base, path);
    const id = `field-${path.replace(/[^\w-]/g, "_")}`;
    let input;
    const row = h("div", { class: "field", "data-path": path });
    const changed = () => row.classList.toggle("changed", !same(getPath(this.edited, path), original));
    const update = (next) => {
      setPath(this.edited, path, next);
      changed();
      this.edits();
    };
    if (typeof original === "boolean") {
      input = h("input", { type: "checkbox", id, checked: Boolean(value) });
      input.addEventListener("change", () => update(input.checked));
    } else if (typeof original === "number") {
      input = h("input", { type: "number", id, step: "any", value: String(value) });
      input.addEventListener("input", () => {
        const valid = input.value.trim() !== "" && !Number.isNaN(Number(input.value));
        row.classList.toggle("invalid", !valid);
        if (valid) {
          update(Number(input.value));
        } else {
          this.problem = `${path} must be a number`;
          this.showProblem();
        }
      });
    } else if (typeof original === "string") {
      input = h("input", { type: "text", id, value: String(value) });
      input.addEventListener("input", () => update(input.value));
    } else {
      // null, [] or {}: read as --set reads a value (JSON where it is JSON).
      input = h("input", {
        type: "text",
        id,
        value: typeof value === "string" ? value : JSON.stringify(value),
        placeholder: "JSON, or text",
      });
      input.addEventListener("input", () => update(setValue(input.value)));
    }
    row.append(h("label", { for: id }, path), input);
    changed();
    return row;
  }

  jsonEdited() {
    try {
      const parsed = JSON.parse(this.json.value);
      const wanted = this.eventKey === "events" ? Array.isArray(parsed) : isObject(parsed);
      if (!wanted) throw new Error(this.eventKey === "events" ? "the batch must be a JSON list" : "the event must be a JSON object");
      this.edited = parsed;
      this.edits();
    } catch (error) {
      this.problem = `not valid: ${error.message}`;
      this.showProblem();
    }
  }

  /** The edited event changed: work out the overrides, the command line and whether it can go. */
  edits() {
    try {
      this.overrides = this.eventKey === "events" ? {} : differences(this.base, this.edited);
      this.problem =
        this.eventKey === "events" && !same(this.base, this.edited) ? "a batch cannot be edited: send it with --raw" : "";
    } catch (error) {
      this.problem = error.message;
    }
    const edited = Object.keys(this.overrides).length;
    this.revert.hidden = !edited && same(this.base, this.edited);
    this.revert.textContent = edited ? `Undo ${edited} edit${edited === 1 ? "" : "s"}` : "Undo edits";
    this.showProblem();
  }

  showProblem() {
    this.error.hidden = !this.problem;
    this.error.textContent = this.problem;
    this.fire.disabled = Boolean(this.problem) || this.base === null;
    this.showCommand();
  }

  /** The same trigger as an `eventsub-mock trigger` command. */
  command() {
    if (!this.selected) return "";
    const request = this.request({ withCount: true });
    const words = ["eventsub-mock", "trigger", request.type, "-v", request.version];
    if (request.session) words.push("--session", request.session);
    if (request.subscription_id) words.push("-u", request.subscription_id);
    if (request.count !== 1) words.push("-c", String(request.count));
    words.push("--seed", String(request.seed));
    for (const [path, value] of Object.entries(request.overrides || {})) {
      // --set parses VALUE as JSON when it is JSON: text that would parse goes quoted.
      const plain = typeof value === "string" && setValue(value) === value;
      words.push("--set", `${path}=${plain ? value : JSON.stringify(value)}`);
    }
    if (location.origin !== DEFAULT_SERVER) words.push("--server", location.origin);
    return words.map(shellWord).join(" ");
  }

  showCommand() {
    this.cli.textContent = this.problem ? "" : this.command();
  }

  async copy() {
    const text = this.cli.textContent;
    try {
      await navigator.clipboard.writeText(text);
      notice("command copied");
    } catch {
      // No clipboard (an insecure origin, say): select it for a manual copy.
      const range = document.createRange();
      range.selectNodeContents(this.cli);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
    }
  }

  send() {
    const count = Number(this.count.value);
    if (!Number.isInteger(count) || count < 1) {
      this.report("the count must be a whole number from 1", false);
      return;
    }
    this.result.textContent = "";
    act(this.fire, async () => {
      try {
        const result = await operate("trigger", {}, this.request({ withCount: true }));
        const places = [];
        if (result.sessions.length) places.push(`${result.sessions.length} session(s)`);
        if (result.callbacks.length) places.push(`${result.callbacks.length} callback(s)`);
        this.report(`delivered ${result.delivered} ${result.type} v${result.version} notification(s) to ${places.join(" and ")}`, true);
      } catch (error) {
        this.report(error.message, false);
      }
    });
  }

  report(text, ok) {
    this.result.textContent = text;
    this.result.className = ok ? "ok" : "bad";
  }
}
