/* advisor team dashboard: reads /v1/metrics/* with the lead's key (kept in sessionStorage only). */
(() => {
  "use strict";
  const KEY = "advisor.leadKey";
  const $ = (selector) => document.querySelector(selector);
  const REASONS = {
    wrong_intent: "Wrong topic", outdated: "Out of date", tone: "Tone", missing_info: "Missing information",
    policy: "Against policy", other: "Other", unspecified: "No reason given",
  };
  const STATUS = {
    ready: ["Ready", "ready"], weak: ["Needs work", "weak"], not_ready: ["Not yet", "neutral"],
    collecting: ["Collecting evidence", "neutral"],
  };
  const COLORS = { accepted: "#1f7a4d", edited: "#c98a12", rejected: "#b3372f", ignored: "#8a94a6" };
  const charts = {};
  const tables = {};

  const pct = (v) => (v === null || v === undefined ? "–" : `${Math.round(v * 100)}%`);
  const range = (lo, hi) => (lo === null || lo === undefined ? "" : `likely ${Math.round(lo * 100)}–${Math.round(hi * 100)}%`);
  const duration = (ms) => {
    if (ms === null || ms === undefined) return "–";
    if (ms < 1000) return `${Math.round(ms)} ms`;
    const s = ms / 1000;
    return s < 60 ? `${s.toFixed(s < 10 ? 1 : 0)} s` : `${(s / 60).toFixed(1)} min`;
  };
  const count = (n) => Number(n || 0).toLocaleString("en");

  function setStatus(text) { $("#status").textContent = text; }

  async function call(path, params, body) {
    const url = new URL(path, window.location.origin);
    for (const [k, v] of Object.entries(params || {})) if (v !== "" && v !== null && v !== undefined) url.searchParams.set(k, v);
    const init = { headers: { Authorization: `Bearer ${sessionStorage.getItem(KEY)}` } };
    if (body !== undefined) {
      init.method = "POST";
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(url, init);
    if (!response.ok) {
      let detail = response.statusText;
      try { detail = (await response.json()).detail || detail; } catch (_) { /* not JSON */ }
      const error = new Error(detail);
      error.status = response.status;
      throw error;
    }
    return response.json();
  }

  const api = (path, params) => call(`/v1/metrics/${path}`, params);

  function filters() {
    const params = {};
    const period = $("#f-period").value;
    if (period !== "all") {
      const end = new Date();
      end.setUTCHours(0, 0, 0, 0);
      end.setUTCDate(end.getUTCDate() + 1);
      const start = new Date(end);
      start.setUTCDate(start.getUTCDate() - Number(period));
      params.from = start.toISOString();
      params.to = end.toISOString();
    }
    params.channel = $("#f-channel").value;
    params.agent = $("#f-agent").value;
    return params;
  }

  function tile(id, big, small) {
    const el = document.getElementById(id);
    el.querySelector(".big").textContent = big;
    el.querySelector(".small").textContent = small;
  }

  function renderTiles(total, delay, coverage, readiness) {
    const t = total.rows[0] || {};
    const shown = `of ${count(t.shown)} suggestions shown`;
    tile("kpi-acceptance", pct(t.acceptance_rate), `${range(t.acceptance_low, t.acceptance_high)} · ${shown}`);
    tile("kpi-edit", pct(t.edit_rate), `${range(t.edit_low, t.edit_high)} · text kept ${pct(t.similarity_mean)}`);
    tile("kpi-rejection", pct(t.rejection_rate), range(t.rejection_low, t.rejection_high));
    const c = coverage.rows[0] || {};
    // More suggestions shown than conversations answered: some lists had several, and those left
    // undecided are mostly the ones below the one used. With one suggestion each, that would be untrue.
    const several = t.shown > (c.interactions || 0) - (c.escalated || 0);
    tile("kpi-ignore", pct(t.ignore_rate), several ? "usually the 2nd and 3rd suggestions" : `of ${count(t.shown)} suggestions shown`);
    const d = delay.rows[0] || {};
    tile("kpi-delay", duration(d.p50_ms), d.n ? `typical (median); 9 in 10 within ${duration(d.p90_ms)}` : "no decisions yet");
    tile("kpi-coverage", pct(c.coverage_rate), c.interactions ? `${count(c.escalated)} of ${count(c.interactions)} handed to a human` : "no conversations yet");
    const ready = readiness.rows.filter((r) => r.status === "ready").length;
    const weak = readiness.rows.filter((r) => r.status === "weak").length;
    tile("kpi-ready", String(ready), `of ${readiness.rows.length} pattern versions in use`);
    tile("kpi-weak", String(weak), "often edited or rejected");
  }

  function chart(id, config) {
    if (!window.Chart) return;
    if (charts[id]) charts[id].destroy();
    charts[id] = new window.Chart(document.getElementById(id), config);
  }

  function renderTrend(daily) {
    const rows = daily.rows;
    // Today's figures are partial (the day is not over): label it and dash the line into it.
    const today = new Date().toISOString().slice(0, 10);
    const partial = (i) => rows[i] && rows[i].day === today;
    const line = (key, label, color) => ({
      label, data: rows.map((r) => (r[key] === null ? null : Math.round(r[key] * 1000) / 10)),
      borderColor: color, backgroundColor: color, tension: 0.25, pointRadius: 2,
      segment: { borderDash: (ctx) => (partial(ctx.p1DataIndex) ? [5, 4] : undefined) },
    });
    $("#trend-partial").hidden = !rows.some((r) => r.day === today);
    chart("trend-chart", {
      type: "line",
      data: {
        labels: rows.map((r) => (r.day === today ? `${r.day} (today, so far)` : r.day)),
        datasets: [
          line("acceptance_rate", "Accepted", COLORS.accepted),
          line("edit_rate", "Edited", COLORS.edited),
          line("rejection_rate", "Rejected", COLORS.rejected),
        ],
      },
      options: {
        maintainAspectRatio: false, animation: false,
        scales: { y: { min: 0, max: 100, ticks: { callback: (v) => `${v}%` } } },
        plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${c.parsed.y}%` } } },
      },
    });
  }

  function renderReasons(reasons) {
    const rows = reasons.rows;
    chart("reasons-chart", {
      type: "bar",
      data: {
        labels: rows.map((r) => REASONS[r.reason] || r.reason),
        datasets: [{ label: "Rejections", data: rows.map((r) => r.n), backgroundColor: COLORS.rejected }],
      },
      options: { indexAxis: "y", maintainAspectRatio: false, animation: false, plugins: { legend: { display: false } } },
    });
    const list = $("#reasons-list");
    list.replaceChildren(...rows.map((r) => {
      const li = document.createElement("li");
      li.textContent = `${REASONS[r.reason] || r.reason}: ${count(r.n)} (${pct(r.share)})`;
      return li;
    }));
    if (!rows.length) list.replaceChildren(Object.assign(document.createElement("li"), { textContent: "No rejections in this period." }));
  }

  function renderCorrections(corrections) {
    const list = $("#corrections-list");
    list.replaceChildren(...corrections.rows.slice(0, 8).map((r) => {
      const li = document.createElement("li");
      li.dataset.pattern = r.pattern;
      li.dataset.used = r.used_pattern;
      const agents = `${count(r.agents)} agent${r.agents === 1 ? "" : "s"}`;
      li.textContent = `${r.title || r.pattern} → ${r.used_title || r.used_pattern}: ${count(r.n)} of its ${count(r.rejections)} rejections (${pct(r.share)}), ${agents}`;
      return li;
    }));
    if (!corrections.rows.length) {
      list.replaceChildren(Object.assign(document.createElement("li"), { textContent: "No agent named another reply in this period." }));
    }
  }

  function cell(tr, text, title) {
    const td = document.createElement("td");
    if (text instanceof Node) td.append(text); else td.textContent = text;
    if (title) td.title = title;
    tr.append(td);
  }

  function badge(text, kind, title) {
    const span = document.createElement("span");
    span.className = `badge ${kind}`;
    span.textContent = text;
    if (title) span.title = title;
    return span;
  }

  const RENDERERS = {
    "patterns-table": (r) => {
      const tr = document.createElement("tr");
      const name = document.createElement("span");
      name.textContent = r.title || r.pattern;
      const id = document.createElement("small");
      id.textContent = ` ${r.pattern}`;
      const both = document.createElement("span");
      both.append(name, id);
      cell(tr, both);
      cell(tr, `v${r.pattern_version}`);
      cell(tr, count(r.decided));
      cell(tr, pct(r.decided_acceptance_rate), range(r.decided_acceptance_low, r.decided_acceptance_high));
      cell(tr, pct(r.decided_edit_share));
      cell(tr, pct(r.decided_rejection_share));
      cell(tr, pct(r.similarity_mean));
      const [label, kind] = STATUS[r.status] || [r.status, "neutral"];
      cell(tr, badge(label, kind, r.why));
      tr.dataset.status = r.status;
      return tr;
    },
    "agents-table": (r) => {
      const tr = document.createElement("tr");
      cell(tr, r.agent);
      cell(tr, count(r.shown));
      cell(tr, pct(r.acceptance_rate), range(r.acceptance_low, r.acceptance_high));
      cell(tr, pct(r.edit_rate));
      cell(tr, pct(r.rejection_rate));
      cell(tr, pct(r.ignore_rate));
      cell(tr, duration(r.p50_ms));
      const note = r.differs ? badge("Differs", "weak", `p = ${Number(r.min_p).toPrecision(2)} (z-test / chi-square against the rest of the team)`)
        : badge("In line", "neutral");
      cell(tr, note);
      return tr;
    },
  };

  function renderTable(id) {
    const state = tables[id];
    const rows = [...state.rows];
    if (state.key) {
      const dir = state.desc ? -1 : 1;
      rows.sort((a, b) => {
        const x = a[state.key]; const y = b[state.key];
        if (x === y) return 0;
        if (x === null || x === undefined) return 1;
        if (y === null || y === undefined) return -1;
        return (typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y))) * dir;
      });
    }
    const table = document.getElementById(id);
    table.tBodies[0].replaceChildren(...rows.map(RENDERERS[id]));
    const note = document.getElementById(`${id}-count`);
    if (note) {
      const wrap = table.parentElement;
      const more = wrap.scrollHeight > wrap.clientHeight ? " (scroll inside the table to see them all)" : "";
      const noun = note.dataset.noun || "row";
      note.textContent = `${rows.length} ${noun}${rows.length === 1 ? "" : "s"}${more}`;
    }
    for (const th of table.tHead.rows[0].cells) {
      th.setAttribute("aria-sort", th.dataset.key === state.key ? (state.desc ? "descending" : "ascending") : "none");
    }
  }

  function setTable(id, rows) {
    tables[id] = { ...(tables[id] || {}), rows };
    renderTable(id);
  }

  function renderAgents(rates, delays, outliers) {
    const delayOf = Object.fromEntries(delays.rows.map((r) => [r.agent, r.p50_ms]));
    const outlierOf = Object.fromEntries(outliers.rows.map((r) => [r.agent, r]));
    setTable("agents-table", rates.rows.map((r) => {
      const o = outlierOf[r.agent] || {};
      const ps = [o.z_p_value, o.chi2_p_value].filter((p) => p !== null && p !== undefined);
      return { ...r, p50_ms: delayOf[r.agent] ?? null, differs: o.differs ? "differs" : "", min_p: ps.length ? Math.min(...ps) : null };
    }));
    const select = $("#f-agent");
    const known = new Set([...select.options].map((o) => o.value));
    for (const r of rates.rows) {
      if (!known.has(r.agent)) select.append(new Option(r.agent, r.agent));
    }
  }

  function renderVersions(versions) {
    const list = $("#versions-list");
    const rows = versions.rows.filter((r) => r.previous_version !== null);
    if (!rows.length) {
      list.replaceChildren(Object.assign(document.createElement("li"), { textContent: "No pattern got a new version in this period." }));
      return;
    }
    list.replaceChildren(...rows.map((r) => {
      const li = document.createElement("li");
      const verdict = r.vs_previous_significant ? (r.vs_previous_direction === "up" ? "better" : "worse") : "no clear difference yet";
      const before = versions.rows.find((v) => v.pattern === r.pattern && v.pattern_version === r.previous_version) || {};
      li.append(badge(verdict, r.vs_previous_significant ? (r.vs_previous_direction === "up" ? "ready" : "weak") : "neutral"));
      li.append(` ${r.pattern}: v${r.previous_version} → v${r.pattern_version}, accepted ${pct(before.decided_acceptance_rate)} → ${pct(r.decided_acceptance_rate)}`
        + ` (${count(before.decided)} and ${count(r.decided)} decisions)`);
      return li;
    }));
  }

  /* Learned examples: pending candidates, reviewed in bulk through /v1/learned-examples. */
  const LEARNED_PAGE = 200;
  const REVIEW_BATCH = 100;

  function learnedSelected() {
    return [...document.querySelectorAll("#learned-table tbody input[type=checkbox]:checked")].map((box) => Number(box.value));
  }

  function learnedButtons() {
    const none = learnedSelected().length === 0;
    $("#learned-approve").disabled = none;
    $("#learned-reject").disabled = none;
  }

  function learnedRow(r) {
    const tr = document.createElement("tr");
    tr.dataset.id = String(r.id);
    const box = document.createElement("input");
    box.type = "checkbox";
    box.value = String(r.id);
    box.setAttribute("aria-label", `Select: ${r.text}`);
    box.addEventListener("change", learnedButtons);
    cell(tr, box);
    const name = document.createElement("span");
    name.textContent = r.pattern_title || r.pattern_id;
    const id = document.createElement("small");
    id.textContent = ` ${r.pattern_id} v${r.pattern_version}`;
    const both = document.createElement("span");
    both.append(name, id);
    cell(tr, both);
    cell(tr, r.text);
    const corrections = r.corrections || 0;
    cell(
      tr,
      corrections ? `${count(r.decisions)} (${count(corrections)} correction${corrections === 1 ? "" : "s"})` : count(r.decisions),
      corrections ? "a correction: an agent rejected another suggestion and named this pattern as the reply sent" : undefined,
    );
    cell(tr, count(r.agents), "distinct agents; one agent's repeats count once");
    const seen = new Date(r.last_seen);
    cell(tr, seen.toLocaleDateString("en", { day: "numeric", month: "short", year: "numeric" }), seen.toISOString());
    return tr;
  }

  async function loadLearned(message) {
    const section = $("#learned");
    section.dataset.state = "loading";
    try {
      const rows = await call("/v1/learned-examples", { status: "pending", limit: LEARNED_PAGE });
      $("#learned-table").tBodies[0].replaceChildren(...rows.map(learnedRow));
      $("#learned-empty").hidden = rows.length > 0;
      $("#learned-all").checked = false;
      $("#learned-status").textContent = message
        || (rows.length === LEARNED_PAGE ? `Showing the oldest ${LEARNED_PAGE}; more are waiting.` : "");
      learnedButtons();
      section.dataset.state = "ready";
    } catch (error) {
      $("#learned-status").textContent = `Could not load learned examples: ${error.message}`;
      section.dataset.state = "error";
    }
  }

  async function reviewLearned(decision) {
    const ids = learnedSelected();
    if (!ids.length) return;
    const note = $("#learned-note").value.trim();
    $("#learned-approve").disabled = true;
    $("#learned-reject").disabled = true;
    $("#learned").dataset.state = "loading";
    let changed = 0;
    try {
      for (let i = 0; i < ids.length; i += REVIEW_BATCH) {
        const body = { [decision]: ids.slice(i, i + REVIEW_BATCH) };
        if (note) body.note = note;
        const result = await call("/v1/learned-examples/review", {}, body);
        changed += result.changed.length;
      }
      $("#learned-note").value = "";
      const verb = decision === "approve" ? "Approved" : "Rejected";
      await loadLearned(`${verb} ${changed} example${changed === 1 ? "" : "s"}.`);
    } catch (error) {
      await loadLearned(`Nothing changed: ${error.message}`);
    }
  }

  /* Proposals: common edits of a version and replies written alike on escalations, drafted on request. */
  function proposalItem(text, evidence, action, makeBody) {
    const li = document.createElement("li");
    const what = document.createElement("p");
    what.append(...text);
    const why = document.createElement("small");
    why.textContent = evidence;
    li.append(what, why);
    const form = document.createElement("form");
    form.className = "actions";
    const extra = makeBody.field;
    if (extra) form.append(extra.label, extra.input);
    const button = document.createElement("button");
    button.type = "submit";
    button.textContent = "Make a draft";
    form.append(button);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      button.disabled = true;
      try {
        const change = await call(action, {}, makeBody.body());
        const pattern = change.pattern;
        await loadProposals(`Draft v${pattern.latest_version} of ${pattern.id} created: submit it for review in the pattern library.`);
      } catch (error) {
        button.disabled = false;
        $("#proposals-status").textContent = `No draft made: ${error.message}`;
      }
    });
    li.append(form);
    return li;
  }

  function quoted(text, cls) {
    const q = document.createElement("q");
    q.className = cls;
    q.textContent = text;
    return q;
  }

  function editItem(p) {
    const change = p.removed
      ? (p.added ? ["replace ", quoted(p.removed, "removed"), " with ", quoted(p.added, "added")] : ["remove ", quoted(p.removed, "removed")])
      : ["add ", quoted(p.added, "added")];
    const text = [`${p.pattern_title} (${p.pattern_id} v${p.pattern_version}): `, ...change];
    const evidence = `${count(p.decisions)} edits by ${count(p.agents)} agents, of ${count(p.version_edits)} edits of this version`;
    return proposalItem(text, evidence, `/v1/pattern-proposals/${p.id}/draft`, { body: () => ({}) });
  }

  function newPatternItem(p) {
    const label = document.createElement("label");
    label.textContent = "New pattern id";
    const input = document.createElement("input");
    input.required = true;
    input.maxLength = 128;
    input.autocomplete = "off";
    input.id = `new-id-${p.id}`;
    label.htmlFor = input.id;
    const text = ["New pattern: ", quoted(p.body, "added")];
    const evidence = `${count(p.replies)} replies by ${count(p.agents)} agents on escalated requests; customers asked e.g. "${p.examples[0] || "…"}"`;
    return proposalItem(text, evidence, `/v1/pattern-proposals/new-patterns/${p.id}/draft`, {
      field: { label, input },
      body: () => ({ id: input.value.trim() }),
    });
  }

  async function loadProposals(message) {
    const section = $("#proposals");
    section.dataset.state = "loading";
    try {
      const [edits, fresh] = await Promise.all([call("/v1/pattern-proposals"), call("/v1/pattern-proposals/new-patterns")]);
      $("#proposal-list").replaceChildren(...edits.map(editItem), ...fresh.map(newPatternItem));
      $("#proposals-empty").hidden = edits.length + fresh.length > 0;
      $("#proposals-status").textContent = message || "";
      section.dataset.state = "ready";
    } catch (error) {
      $("#proposals-status").textContent = `Could not load proposals: ${error.message}`;
      section.dataset.state = "error";
    }
  }

  async function load() {
    document.body.dataset.state = "loading";
    setStatus("Loading…");
    const f = filters();
    const versionFilters = { ...f };
    delete versionFilters.from;
    delete versionFilters.to;
    try {
      const [total, delay, coverage, daily, readiness, reasons, agents, agentDelay, outliers, versions, corrections] = await Promise.all([
        api("rates", f), api("delay", f), api("coverage", f), api("rates", { ...f, group_by: "day" }),
        api("readiness", f), api("rejections", f), api("rates", { ...f, group_by: "agent" }),
        api("delay", { ...f, group_by: "agent" }), api("consistency/outliers", f), api("versions", versionFilters),
        api("corrections", f),
      ]);
      const team = total.filters.team;
      $("#scope").textContent = team ? `Team ${team}` : "Whole organisation";
      $("#who").hidden = false;
      renderTiles(total, delay, coverage, readiness);
      renderTrend(daily);
      renderReasons(reasons);
      renderCorrections(corrections);
      setTable("patterns-table", readiness.rows);
      renderAgents(agents, agentDelay, outliers);
      renderVersions(versions);
      setStatus(`Updated ${new Date().toLocaleTimeString()}`);
      document.body.dataset.state = "ready";
    } catch (error) {
      document.body.dataset.state = "error";
      if (error.status === 401 || error.status === 403) {
        signOut(error.status === 401 ? "That key was not accepted. Check it and try again."
          : "This key cannot read team figures (agent keys can't). Use a lead or admin key.");
        return;
      }
      setStatus(`Could not load the figures: ${error.message}`);
    }
  }

  function signOut(message) {
    sessionStorage.removeItem(KEY);
    $("#board").hidden = true;
    $("#who").hidden = true;
    $("#signin").hidden = false;
    const error = $("#key-error");
    error.textContent = message || "";
    error.hidden = !message;
  }

  function signIn(key) {
    sessionStorage.setItem(KEY, key);
    $("#signin").hidden = true;
    $("#board").hidden = false;
    load();
    loadLearned();
    loadProposals();
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (window.Chart) {
      window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
      window.Chart.defaults.color = "#3b4558";
    }
    $("#key-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const key = $("#key-input").value.trim();
      $("#key-input").value = "";
      if (key) signIn(key);
    });
    $("#forget").addEventListener("click", () => signOut(""));
    $("#learned-approve").addEventListener("click", () => reviewLearned("approve"));
    $("#learned-reject").addEventListener("click", () => reviewLearned("reject"));
    $("#learned-all").addEventListener("change", (event) => {
      for (const box of document.querySelectorAll("#learned-table tbody input[type=checkbox]")) box.checked = event.target.checked;
      learnedButtons();
    });
    for (const id of ["f-period", "f-channel", "f-agent"]) document.getElementById(id).addEventListener("change", load);
    for (const id of ["patterns-table", "agents-table"]) {
      tables[id] = { rows: [], key: null, desc: false };
      for (const th of document.getElementById(id).tHead.rows[0].cells) {
        th.tabIndex = 0;
        const sort = () => {
          const state = tables[id];
          state.desc = state.key === th.dataset.key ? !state.desc : th.dataset.type === "num";
          state.key = th.dataset.key;
          renderTable(id);
        };
        th.addEventListener("click", sort);
        th.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
      }
    }
    if (sessionStorage.getItem(KEY)) signIn(sessionStorage.getItem(KEY)); else signOut("");
  });
})();
