/*
 * <advisor-suggestions>: advisor's agent-desktop widget (a standard web component, no build step).
 *
 *   <script src="https://advisor.example.com/static/advisor-widget.js"></script>
 *   <advisor-suggestions id="advisor"></advisor-suggestions>
 *   <script>
 *     const el = document.getElementById("advisor");
 *     el.configure({ baseUrl: "https://advisor.example.com", apiKey: AGENT_KEY, agentId: "agent-7" });
 *     el.update({ interaction_id: "chat-42", channel: "chat", turns: [...], crm: {...} });
 *     el.addEventListener("advisor:insert", (e) => replyBox.value = e.detail.text);
 *   </script>
 *
 * configure(options)  baseUrl, apiKey, agentId, teamId, locale ("en-US"), channel ("chat"), k (3),
 *                     debounceMs (250).
 * update(context)     interaction_id, channel, locale, turns [{role, text, at}], crm {customer, order, case}.
 *                     Suggestions refresh when the customer's turns or the CRM fields change. After an
 *                     escalation, the first agent turn in `turns` after the escalated request was made is
 *                     what the agent wrote themselves: it goes to POST /v1/replies (replies written alike
 *                     become a proposed new pattern for a lead) unless configure({recordReplies: false}).
 * refresh()           ask again now.
 * Events (bubbling, composed): advisor:insert {text, recommendation_id, pattern_id, action},
 *   advisor:dismiss {recommendation_id, pattern_id, reason, used_pattern_id}, advisor:escalate {reason},
 *   advisor:suggestions {recommendations}, advisor:error {message, status}.
 * Every shown suggestion and every decision is sent to POST /v1/feedback with a fresh
 * client_event_id (uuid) and the time from shown to decision. Dismissing offers the approved replies
 * that serve now (GET /v1/serving-patterns, read again after 5 minutes): the one the agent sent instead
 * goes with the rejection as used_pattern_id (a correction, which a lead may turn into an example of it).
 * In an iframe (/widget), the attribute `frame-bridge` makes the element obey postMessage
 * {type: "advisor:configure" | "advisor:update", ...} from the origins in data-allowed-origins.
 */
(() => {
  "use strict";

  const REASONS = [
    ["wrong_intent", "Wrong topic"],
    ["outdated", "Outdated"],
    ["tone", "Tone is off"],
    ["missing_info", "Missing information"],
    ["policy", "Against policy"],
    ["other", "Other"],
  ];
  const SLOT = /\{[a-z_]+\.[a-z0-9_]+\}/g;
  const SERVING_MAX_AGE_MS = 5 * 60 * 1000; // a pattern approved or suspended since shows within minutes
  const FILTER_FROM = 12; // a picker of more approved replies than this gets a filter box
  const MAX_REPLY = 8000; // POST /v1/replies takes at most this many characters

  const CSS = `
:host { display: block; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328;
  max-width: 100%; box-sizing: border-box; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
section { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 8px; }
h2 { font-size: 15px; margin: 0 0 6px; display: flex; justify-content: space-between; gap: 6px; }
.busy { font-size: 12px; font-weight: normal; color: #57606a; visibility: hidden; }
section[aria-busy="true"] .busy { visibility: visible; }
ol { list-style: none; margin: 0; padding: 0; display: grid; gap: 8px; }
li.card { border: 1px solid #d0d7de; border-radius: 6px; padding: 8px; background: #f6f8fa; }
li.card.decided { opacity: 0.75; }
.head { display: flex; justify-content: space-between; gap: 6px; align-items: baseline; flex-wrap: wrap; }
.title { font-weight: 600; margin: 0; font-size: 14px; overflow-wrap: anywhere; }
.conf { font-size: 12px; color: #3d4650; white-space: nowrap; }
.bar { height: 4px; background: #d0d7de; border-radius: 2px; margin: 4px 0; }
.bar > span { display: block; height: 100%; background: #1a7f37; border-radius: 2px; }
.text { margin: 6px 0; white-space: pre-wrap; overflow-wrap: anywhere; background: #fff;
  border: 1px solid #d0d7de; border-radius: 4px; padding: 6px; }
mark.slot { background: #fff1b8; color: #6b3e00; border: 1px dashed #9a6700; border-radius: 3px; padding: 0 2px; }
.why { margin: 4px 0; font-size: 12px; color: #3d4650; overflow-wrap: anywhere; }
.warn { margin: 4px 0; font-size: 12px; color: #82071e; font-weight: 600; }
.actions { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 6px; }
button, select, textarea, input { font: inherit; }
input[type="search"] { display: block; width: 100%; border: 1px solid #57606a; border-radius: 4px; padding: 4px;
  min-height: 32px; margin: 2px 0; }
button { border: 1px solid #0b5cad; background: #0b5cad; color: #fff; border-radius: 6px; padding: 4px 10px;
  min-height: 32px; cursor: pointer; }
button.secondary { background: #fff; color: #0b5cad; }
button[aria-disabled="true"] { background: #eaeef2; color: #57606a; border-color: #8c959f; cursor: not-allowed; }
textarea { width: 100%; min-height: 84px; border: 1px solid #57606a; border-radius: 4px; padding: 6px; }
select { border: 1px solid #57606a; border-radius: 4px; padding: 4px; min-height: 32px; max-width: 100%; }
label { font-size: 12px; font-weight: 600; display: block; margin-top: 4px; }
:focus-visible { outline: 3px solid #1a56db; outline-offset: 2px; }
.notice { margin: 0; padding: 8px; border-radius: 6px; background: #fff8c5; border: 1px solid #9a6700; color: #4d2d00; }
.empty { margin: 0; color: #57606a; }
.error { margin: 6px 0 0; color: #82071e; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;

  function uuid() {
    if (globalThis.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function h(tag, props = {}, children = []) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  /** Fill `node` with `text`, marking the given unfilled slots; text is never parsed as HTML. */
  function renderText(node, text, unfilled) {
    node.replaceChildren();
    let last = 0;
    for (const match of text.matchAll(SLOT)) {
      const slot = match[0].slice(1, -1);
      if (!unfilled.includes(slot)) continue;
      node.append(document.createTextNode(text.slice(last, match.index)));
      node.append(h("mark", { class: "slot", title: `Unfilled: ${slot}`, text: match[0] }));
      last = match.index + match[0].length;
    }
    node.append(document.createTextNode(text.slice(last)));
  }

  /** The turns that say something (a turn without text is not sent to advisor). */
  function spoken(turns) {
    return (turns || []).filter((t) => t && typeof t.text === "string" && t.text.trim());
  }

  /** A turn's identity across updates: its text and time. */
  function turnKey(turn) {
    return JSON.stringify([turn.text, turn.at || null]);
  }

  function openSlots(text) {
    return [...new Set((text.match(SLOT) || []).map((s) => s.slice(1, -1)))];
  }

  class AdvisorSuggestions extends HTMLElement {
    constructor() {
      super();
      this.config = {
        baseUrl: "", apiKey: "", agentId: "", teamId: null, locale: "en-US", channel: "chat", k: 3, debounceMs: 250,
        recordReplies: true,
      };
      this.context = null;
      this.cards = new Map(); // pattern_id -> card state
      this.signature = null;
      this.seq = 0;
      this.escalated = null; // {requestId, interactionId, after}: an escalation awaiting the agent's own reply
      this.timer = null;
      this.inflight = null;
      const root = this.attachShadow({ mode: "open" });
      if ("adoptedStyleSheets" in root && typeof CSSStyleSheet === "function" && "replaceSync" in CSSStyleSheet.prototype) {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
        root.adoptedStyleSheets = [sheet];
      } else {
        root.append(h("style", { text: CSS }));
      }
      this.status = h("p", { class: "sr", role: "status", "aria-live": "polite" });
      this.errorBox = h("p", { class: "error", role: "alert", hidden: "" });
      this.notice = h("p", { class: "notice", hidden: "" });
      this.empty = h("p", { class: "empty", text: "Suggestions appear when the customer writes." });
      this.list = h("ol", { "aria-label": "Suggested replies, best first" });
      this.section = h("section", { "aria-labelledby": "advisor-heading", "aria-busy": "false" }, [
        h("h2", { id: "advisor-heading" }, [h("span", { text: "Suggested replies" }), h("span", { class: "busy", text: "updating…" })]),
        this.empty,
        this.notice,
        this.list,
        this.errorBox,
        this.status,
      ]);
      root.append(this.section);
    }

    connectedCallback() {
      if (this.hasAttribute("frame-bridge") && !this.bridged) {
        this.bridged = true;
        bridgeToParent(this);
      }
    }

    /** Set how to reach advisor and who the agent is. */
    configure(options = {}) {
      this.config = { ...this.config, ...options };
      this.config.baseUrl = (this.config.baseUrl || "").replace(/\/+$/, "");
      this.serving = null; // the picker's list is read again from the (possibly other) server
      if (this.context) this.schedule(true);
    }

    /** Give the widget the live conversation; it refreshes when customer turns or CRM fields change. */
    update(context = {}) {
      this.context = { ...this.context, ...context };
      this.sendReply();
      const customer = (this.context.turns || []).filter((t) => t && t.role === "customer").map((t) => t.text);
      const signature = JSON.stringify([this.context.interaction_id, customer, this.context.crm || {}]);
      if (signature === this.signature) return;
      if (this.context.interaction_id !== this.interactionId) this.reset();
      this.interactionId = this.context.interaction_id;
      this.signature = signature;
      this.schedule(false);
    }

    /** Ask for suggestions again now. */
    refresh() {
      this.schedule(true);
    }

    reset() {
      this.escalated = null;
      this.cards.clear();
      this.list.replaceChildren();
      this.notice.hidden = true;
      this.empty.hidden = false;
    }

    schedule(now) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.fetchSuggestions(), now ? 0 : this.config.debounceMs);
    }

    emit(name, detail) {
      this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
    }

    showError(message, status) {
      this.errorBox.textContent = message;
      this.errorBox.hidden = false;
      this.emit("advisor:error", { message, status });
    }

    async call(path, body) {
      const response = await fetch(`${this.config.baseUrl}${path}`, {
        method: body === undefined ? "GET" : "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${this.config.apiKey}` },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) {
        const error = new Error(data.detail || `advisor answered HTTP ${response.status}`);
        error.status = response.status;
        error.retryAfter = Number(response.headers.get("Retry-After")) || 0;
        throw error;
      }
      return data;
    }

    async fetchSuggestions() {
      const ctx = this.context;
      if (!ctx || !this.config.apiKey) return;
      const turns = spoken(ctx.turns);
      if (!turns.some((t) => t.role === "customer")) return;
      const agentTurns = turns.filter((t) => t.role === "agent");
      const after = agentTurns.length ? turnKey(agentTurns[agentTurns.length - 1]) : null;
      this.escalated = null; // a newer request replaces the wait: the agent's next turn answers this one
      const seq = ++this.seq;
      if (this.inflight) this.inflight.abort();
      this.inflight = new AbortController();
      this.section.setAttribute("aria-busy", "true");
      const body = {
        interaction_id: ctx.interaction_id,
        channel: ctx.channel || this.config.channel,
        locale: ctx.locale || this.config.locale,
        agent_id: this.config.agentId,
        turns: turns.map((t) => (t.at ? { role: t.role, text: t.text, at: t.at } : { role: t.role, text: t.text })),
        crm: ctx.crm || {},
        k: this.config.k,
      };
      if (this.config.teamId) body.team_id = this.config.teamId;
      try {
        const response = await fetch(`${this.config.baseUrl}/v1/recommendations`, {
          method: "POST",
          headers: { "Content-Type": "application/json", Authorization: `Bearer ${this.config.apiKey}` },
          body: JSON.stringify(body),
          signal: this.inflight.signal,
        });
        const data = await response.json().catch(() => ({}));
        if (seq !== this.seq) return; // a newer request superseded this one
        if (!response.ok) throw Object.assign(new Error(data.detail || `HTTP ${response.status}`), { status: response.status });
        this.errorBox.hidden = true;
        this.render(data);
        // An escalated request waits for the agent's first turn after the last one it carried (sendReply).
        this.escalated = data.escalate && data.request_id && this.config.recordReplies
          ? { requestId: data.request_id, interactionId: ctx.interaction_id, after }
          : null;
        this.sendReply(); // the agent may have answered while advisor was still thinking
      } catch (error) {
        if (error.name === "AbortError" || seq !== this.seq) return;
        this.showError(`Suggestions unavailable: ${error.message}`, error.status);
      } finally {
        if (seq === this.seq) this.section.setAttribute("aria-busy", "false");
      }
    }

    /** Merge new suggestions into the list in place: busy cards (editing, dismissing) are kept as they are. */
    render(data) {
      const focused = this.shadowRoot.activeElement;
      const recs = data.recommendations || [];
      const wanted = new Set(recs.map((r) => r.pattern_id));
      for (const [key, card] of this.cards) {
        if (!wanted.has(key) && card.mode === "idle") {
          card.node.remove();
          this.cards.delete(key);
        }
      }
      const order = [];
      for (const rec of recs) {
        let card = this.cards.get(rec.pattern_id);
        if (!card) {
          card = this.makeCard(rec);
          this.cards.set(rec.pattern_id, card);
          this.fill(card, rec);
        } else if (card.mode === "idle") {
          this.fill(card, rec);
        }
        order.push(card.node);
      }
      for (const card of this.cards.values()) if (!order.includes(card.node)) order.push(card.node);
      order.forEach((node, i) => {
        if (this.list.children[i] !== node) this.list.insertBefore(node, this.list.children[i] || null);
      });
      if (focused && this.shadowRoot.activeElement !== focused && focused.isConnected) focused.focus();
      this.empty.hidden = this.cards.size > 0 || data.escalate;
      this.notice.hidden = !data.escalate;
      if (data.escalate) {
        this.notice.textContent = "No confident suggestion — handle personally.";
        if (data.reason) this.notice.append(h("span", { class: "sr", text: ` ${data.reason}` }));
        this.notice.title = data.reason || "";
        this.emit("advisor:escalate", { reason: data.reason });
      }
      this.status.textContent = data.escalate
        ? "No confident suggestion; handle personally."
        : `${recs.length} suggestion${recs.length === 1 ? "" : "s"} updated.`;
      this.emit("advisor:suggestions", { recommendations: recs, escalate: data.escalate });
    }

    makeCard(rec) {
      const id = `card-${uuid().slice(0, 8)}`;
      const card = { mode: "idle", rec: null, shownAt: 0 };
      card.title = h("h3", { class: "title", id: `${id}-title` });
      card.conf = h("span", { class: "conf" });
      card.barFill = h("span");
      card.text = h("div", { class: "text", id: `${id}-text` });
      card.why = h("p", { class: "why" });
      card.warn = h("p", { class: "warn", id: `${id}-warn`, hidden: "" });
      card.actions = h("div", { class: "actions" });
      card.node = h("li", { class: "card", "aria-labelledby": `${id}-title` }, [
        h("div", { class: "head" }, [card.title, card.conf]),
        h("div", { class: "bar", "aria-hidden": "true" }, [card.barFill]),
        card.text,
        card.why,
        card.warn,
        card.actions,
      ]);
      card.id = id;
      return card;
    }

    fill(card, rec) {
      const fresh = !card.rec || card.rec.recommendation_id !== rec.recommendation_id;
      card.rec = rec;
      card.node.classList.remove("decided");
      card.title.textContent = rec.title;
      const pct = Math.round(rec.confidence * 100);
      card.conf.textContent = `${pct}% confident`;
      card.barFill.style.width = `${pct}%`;
      renderText(card.text, rec.text, rec.unfilled_slots || []);
      card.why.textContent = rec.rationale ? `Why: ${rec.rationale}` : "";
      const unfilled = rec.unfilled_slots || [];
      card.warn.hidden = unfilled.length === 0;
      card.warn.textContent = unfilled.length ? `Fill ${unfilled.join(", ")} before inserting (use Edit).` : "";
      this.idleActions(card);
      if (fresh) {
        card.shownAt = performance.now();
        this.feedback(card, { action: "shown" });
      }
    }

    idleActions(card) {
      card.mode = "idle";
      const blocked = (card.rec.unfilled_slots || []).length > 0;
      const insert = h("button", { type: "button", text: "Insert", onclick: () => this.insert(card) });
      if (blocked) {
        insert.setAttribute("aria-disabled", "true");
        insert.setAttribute("aria-describedby", `${card.id}-warn`);
      }
      card.actions.replaceChildren(
        insert,
        h("button", { type: "button", class: "secondary", text: "Edit", onclick: () => this.edit(card) }),
        h("button", { type: "button", class: "secondary", text: "Dismiss", onclick: () => this.askReason(card) }),
      );
      card.textarea = null;
    }

    elapsed(card) {
      return Math.max(0, Math.round(performance.now() - card.shownAt));
    }

    feedback(card, event) {
      const body = { recommendation_id: card.rec.recommendation_id, client_event_id: uuid(), ...event };
      if (event.action !== "shown") body.time_to_decision_ms = this.elapsed(card);
      return this.record("/v1/feedback", body, "Could not record your choice");
    }

    /** The agent's first turn after an escalated request, sent once as what they wrote instead. */
    sendReply() {
      const pending = this.escalated;
      if (!pending || pending.interactionId !== this.context.interaction_id) return;
      const agent = spoken(this.context.turns).filter((t) => t.role === "agent");
      // After the last agent turn the request carried (found by its text and time, so a desk that trims
      // old turns still points at the right one); if that turn is gone, nothing is guessed.
      let start = 0;
      if (pending.after !== null) {
        const at = agent.map(turnKey).lastIndexOf(pending.after);
        if (at < 0) return;
        start = at + 1;
      }
      const written = agent[start];
      if (!written) return;
      this.escalated = null;
      const text = Array.from(written.text.trim()).slice(0, MAX_REPLY).join(""); // whole characters
      const body = { request_id: pending.requestId, client_event_id: uuid(), text };
      if (written.at) body.occurred_at = written.at;
      // In the background: a failure is reported as advisor:error, not shown to the agent, who did nothing.
      this.record("/v1/replies", body, "Could not record the agent's reply", false);
    }

    /** POST an event, retrying transient failures with the same client_event_id (advisor stores it once). */
    async record(path, body, failure, shown = true) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.call(path, body);
        } catch (error) {
          const transient = !error.status || error.status === 429 || error.status >= 500;
          if (!transient || attempt >= 3) {
            if (shown) this.showError(`${failure}: ${error.message}`, error.status);
            else this.emit("advisor:error", { message: `${failure}: ${error.message}`, status: error.status });
            return null;
          }
          await new Promise((r) => setTimeout(r, Math.min(error.retryAfter || attempt, 5) * 1000));
        }
      }
    }

    decided(card, label) {
      card.mode = "idle";
      card.node.classList.add("decided");
      card.actions.replaceChildren(h("span", { class: "why", text: label }));
    }

    insert(card) {
      const unfilled = card.rec.unfilled_slots || [];
      if (unfilled.length) {
        card.warn.hidden = false;
        this.status.textContent = `Cannot insert: fill ${unfilled.join(", ")} first.`;
        return;
      }
      const rec = card.rec;
      this.feedback(card, { action: "accepted" });
      this.escalated = null; // what the agent sends next is this suggestion, not their own words
      this.emit("advisor:insert", { text: rec.text, recommendation_id: rec.recommendation_id, pattern_id: rec.pattern_id, action: "accepted" });
      this.decided(card, "Inserted.");
      this.status.textContent = `Inserted “${rec.title}”.`;
      this.keepFocus();
    }

    edit(card) {
      card.mode = "editing";
      const area = h("textarea", { id: `${card.id}-edit`, "aria-describedby": `${card.id}-warn` });
      area.value = card.rec.text;
      card.textarea = area;
      const check = () => {
        const open = openSlots(area.value);
        card.warn.hidden = open.length === 0;
        card.warn.textContent = open.length ? `Fill ${open.map((s) => `{${s}}`).join(", ")} before inserting.` : "";
        done.setAttribute("aria-disabled", open.length ? "true" : "false");
      };
      const done = h("button", { type: "button", text: "Insert edited", onclick: () => this.insertEdited(card) });
      area.addEventListener("input", check);
      area.addEventListener("keydown", (e) => {
        if (e.key === "Escape") this.cancel(card);
      });
      card.actions.replaceChildren(
        h("label", { for: `${card.id}-edit`, text: "Edit before inserting" }),
        area,
        done,
        h("button", { type: "button", class: "secondary", text: "Cancel", onclick: () => this.cancel(card) }),
      );
      check();
      area.focus();
    }

    insertEdited(card) {
      const text = card.textarea.value;
      const open = openSlots(text);
      if (open.length || !text.trim()) {
        this.status.textContent = open.length ? `Cannot insert: fill ${open.join(", ")} first.` : "Cannot insert empty text.";
        card.textarea.focus();
        return;
      }
      const rec = card.rec;
      const action = text === rec.text ? "accepted" : "edited";
      this.feedback(card, action === "edited" ? { action, final_text: text } : { action });
      this.escalated = null; // what the agent sends next is this suggestion, not their own words
      this.emit("advisor:insert", { text, recommendation_id: rec.recommendation_id, pattern_id: rec.pattern_id, action });
      renderText(card.text, text, []);
      card.warn.hidden = true;
      this.decided(card, action === "edited" ? "Edited and inserted." : "Inserted.");
      this.status.textContent = `Inserted your edit of “${rec.title}”.`;
      this.keepFocus();
    }

    /** The approved replies that serve now, read at most every few minutes (empty when they cannot be read). */
    servingPatterns() {
      if (!this.serving || Date.now() - this.servingAt > SERVING_MAX_AGE_MS) {
        this.servingAt = Date.now();
        this.serving = this.call("/v1/serving-patterns?limit=1000").catch(() => {
          this.serving = null; // try again on the next dismissal
          return [];
        });
      }
      return this.serving;
    }

    askReason(card) {
      card.mode = "dismissing";
      const escape = (e) => {
        if (e.key === "Escape") this.cancel(card);
      };
      const select = h("select", { id: `${card.id}-reason` }, REASONS.map(([value, label]) => h("option", { value, text: label })));
      select.addEventListener("keydown", escape);
      const none = h("option", { value: "", text: "No, none of the library's" });
      const used = h("select", { id: `${card.id}-used` }, [none]);
      used.addEventListener("keydown", escape);
      const usedLabel = h("label", { for: `${card.id}-used`, text: "Sent another approved reply instead?", hidden: "" });
      used.hidden = true;
      // A large library: narrow the list by words of the title or id.
      const find = h("input", { type: "search", id: `${card.id}-find`, "aria-label": "Filter approved replies", placeholder: "Filter replies", hidden: "" });
      find.addEventListener("keydown", escape);
      card.actions.replaceChildren(
        h("label", { for: `${card.id}-reason`, text: "Why dismiss?" }),
        select,
        usedLabel,
        find,
        used,
        h("button", { type: "button", text: "Dismiss", onclick: () => this.dismiss(card, select.value, used.value || null) }),
        h("button", { type: "button", class: "secondary", text: "Cancel", onclick: () => this.cancel(card) }),
      );
      select.focus();
      const own = card.rec.pattern_id;
      this.servingPatterns().then((patterns) => {
        const others = patterns.filter((p) => p.id !== own);
        if (card.mode !== "dismissing" || !others.length) return;
        const options = others.map((p) => h("option", { value: p.id, text: p.title }));
        used.append(...options);
        used.hidden = false;
        usedLabel.hidden = false;
        if (others.length <= FILTER_FROM) return;
        find.hidden = false;
        find.addEventListener("input", () => {
          const words = find.value.toLowerCase().split(/\s+/).filter(Boolean);
          const shown = others
            .map((p, i) => [`${p.title} ${p.id}`.toLowerCase(), options[i]])
            .filter(([haystack]) => words.every((w) => haystack.includes(w)))
            .map(([, option]) => option);
          const keep = shown.includes(used.selectedOptions[0]) ? used.value : "";
          used.replaceChildren(none, ...shown);
          used.value = keep;
        });
      });
    }

    dismiss(card, reason, usedPatternId = null) {
      const rec = card.rec;
      const event = { action: "rejected", reason };
      if (usedPatternId) event.used_pattern_id = usedPatternId;
      this.feedback(card, event);
      this.emit("advisor:dismiss", {
        recommendation_id: rec.recommendation_id,
        pattern_id: rec.pattern_id,
        reason,
        used_pattern_id: usedPatternId,
      });
      card.node.remove();
      this.cards.delete(rec.pattern_id);
      this.empty.hidden = this.cards.size > 0 || !this.notice.hidden;
      this.status.textContent = `Dismissed “${rec.title}”.`;
      this.keepFocus();
    }

    cancel(card) {
      this.fill(card, card.rec);
      card.actions.querySelector("button").focus();
    }

    /** After a decision removed the focused button: go on to the next suggestion, unless the host moved focus. */
    keepFocus() {
      const active = document.activeElement;
      if (this.shadowRoot.activeElement || (active && active !== document.body && active !== this)) return;
      this.focusHeading();
    }

    focusHeading() {
      const next = this.list.querySelector("li:not(.decided) button:not([aria-disabled='true'])");
      if (next) next.focus();
      else {
        const heading = this.shadowRoot.getElementById("advisor-heading");
        heading.tabIndex = -1;
        heading.focus();
      }
    }
  }

  /** In an iframe: obey configure/update messages from allowed origins; report events to the parent. */
  function bridgeToParent(el) {
    let allowed = [];
    try {
      allowed = JSON.parse(el.dataset.allowedOrigins || "[]");
    } catch (_) {
      allowed = [];
    }
    allowed.push(window.location.origin);
    let parentOrigin = null;
    window.addEventListener("message", (event) => {
      if (!allowed.includes(event.origin) || event.source !== window.parent) return;
      const data = event.data || {};
      parentOrigin = event.origin;
      if (data.type === "advisor:configure") el.configure(data.config || {});
      else if (data.type === "advisor:update") el.update(data.context || {});
      else if (data.type === "advisor:refresh") el.refresh();
    });
    for (const name of ["advisor:insert", "advisor:dismiss", "advisor:escalate", "advisor:error", "advisor:suggestions"]) {
      el.addEventListener(name, (event) => {
        if (parentOrigin && window.parent !== window) window.parent.postMessage({ type: name, detail: event.detail }, parentOrigin);
      });
    }
    if (window.parent !== window) {
      for (const origin of allowed) window.parent.postMessage({ type: "advisor:ready" }, origin);
    }
  }

  if (!customElements.get("advisor-suggestions")) customElements.define("advisor-suggestions", AdvisorSuggestions);
})();
