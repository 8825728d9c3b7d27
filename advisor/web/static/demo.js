/* The demo desk: a fake conversation that drives <advisor-suggestions> like a real CRM page would. */
(() => {
  "use strict";
  const desk = document.getElementById("desk");
  if (!desk) return; // the page explains how to set the demo up instead

  const widget = document.getElementById("advisor");
  const turnsList = document.getElementById("turns");
  const customerForm = document.getElementById("customer-form");
  const customerInput = document.getElementById("customer-input");
  const agentForm = document.getElementById("agent-form");
  const reply = document.getElementById("reply");
  const crmForm = document.getElementById("crm-form");
  const errorBox = document.getElementById("desk-error");
  const interactionLabel = document.getElementById("interaction");

  let interactionId = "";
  let turns = [];

  // CRM dates relative to today ("Nov 17, 2026"), so the premises of the suggested patterns hold.
  function fillDates() {
    const format = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", year: "numeric" });
    for (const input of crmForm.querySelectorAll("input[data-days]")) {
      const day = new Date();
      day.setDate(day.getDate() + Number(input.dataset.days));
      input.value = format.format(day);
    }
  }

  function crm() {
    const groups = { customer: {}, order: {}, case: {} };
    for (const input of crmForm.querySelectorAll("input[name]")) {
      const [group, field] = input.name.split(".");
      if (input.value.trim()) groups[group][field] = input.value.trim();
    }
    return groups;
  }

  function push() {
    widget.update({ interaction_id: interactionId, channel: "chat", locale: "en-US", turns, crm: crm() });
  }

  function addTurn(role, text) {
    turns.push({ role, text, at: new Date().toISOString() });
    const item = document.createElement("li");
    item.className = role;
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = role === "customer" ? "Customer" : "You";
    item.append(who, document.createTextNode(text)); // text, never HTML
    turnsList.append(item);
    turnsList.scrollTop = turnsList.scrollHeight;
  }

  function newConversation() {
    interactionId = `demo-${Date.now().toString(36)}`;
    interactionLabel.textContent = interactionId;
    turns = [];
    turnsList.replaceChildren();
    reply.value = "";
  }

  customerForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = customerInput.value.trim();
    if (!text) return;
    addTurn("customer", text);
    customerInput.value = "";
    push();
  });
  customerInput.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      customerForm.requestSubmit();
    }
  });
  agentForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = reply.value.trim();
    if (!text) return;
    addTurn("agent", text);
    reply.value = "";
    push();
  });
  crmForm.addEventListener("change", () => turns.length && push());
  document.getElementById("new-conversation").addEventListener("click", () => {
    newConversation();
    customerInput.focus();
  });
  widget.addEventListener("advisor:insert", (event) => {
    reply.value = event.detail.text;
    reply.focus();
  });

  fillDates();
  newConversation();
  fetch("/demo/config", { headers: { Accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : Promise.reject(new Error(`HTTP ${response.status}`))))
    .then((config) => {
      widget.configure({ baseUrl: window.location.origin, apiKey: config.api_key, agentId: config.agent_id, teamId: config.team_id });
      document.body.dataset.ready = "true";
    })
    .catch((error) => {
      errorBox.textContent = `The demo desk could not sign in (${error.message}). Open it on the machine running advisor.`;
      errorBox.hidden = false;
    });
})();
