// The playground page: a Slack-like channel view over the Slack stand-in, and the demo-world panel.
// Messages arrive as server-rendered HTML; everything this file builds itself uses textContent.
"use strict";

const state = { user: null, locale: null, channel: null, home: false, seq: 0, people: [], channels: [], erpNames: {}, scenarios: [], generation: 0, panelTimer: null, workspace: null };
const $ = (id) => document.getElementById(id);

const COMMANDS = [
  ["/cco link 101", "bind this channel to Procore project 101"],
  ["/cco unlink", "list the ERP-synced CCOs with Unlink buttons"],
  ["/cco status", "who you are in Procore and your three permissions"],
  ["/cco history", "the latest unlink attempts"],
  ["/cco alerts off", "no alerts in this channel when CCOs change in Procore"],
  ["/cco alerts on", "alerts again: synced, unlinked and deleted CCOs"],
  ["/cco connect", "link your own Procore account (opens Procore's login)"],
  ["/cco help", "usage"],
];

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === false || value == null) continue;
    if (key === "class") el.className = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "checked" || key === "selected" || key === "disabled") el[key] = Boolean(value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

async function api(path, body) {
  const init = body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(path, init);
  const data = await response.json().catch(() => ({}));
  if (!response.ok && !data.error) data.error = `${response.status} ${response.statusText}`;
  return data;
}

function toast(text) {
  const el = $("toast");
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.hidden = true; }, 4500);
}

function person(id) { return state.people.find((p) => p.id === id); }
function channel(id) { return state.channels.find((c) => c.id === id); }
function viewerQuery() { return `channel=${encodeURIComponent(state.channel)}&user=${encodeURIComponent(state.user)}`; }

// -- times: the server renders UTC, the page shows local time in the viewer's Slack language ------

const formatCache = new Map();

function formats() {  // Slack renders <!date^…> tokens in each reader's own language
  const locale = state.locale || undefined;
  if (!formatCache.has(locale)) {
    formatCache.set(locale, {
      time: new Intl.DateTimeFormat(locale, { hour: "numeric", minute: "2-digit" }),
      short: new Intl.DateTimeFormat(locale, { month: "short", day: "numeric", year: "numeric" }),
      long: new Intl.DateTimeFormat(locale, { weekday: "long", month: "long", day: "numeric", year: "numeric" }),
      days: new Intl.RelativeTimeFormat(locale, { numeric: "auto" }),
    });
  }
  return formatCache.get(locale);
}

function prettyDay(at, formatter) {
  const day = new Date(at); day.setHours(0, 0, 0, 0);
  const today = new Date(); today.setHours(0, 0, 0, 0);
  const diff = Math.round((today - day) / 86400000);
  if (diff !== 0 && diff !== 1) return formatter.format(at);
  const word = formats().days.format(-diff, "day");
  return word.charAt(0).toLocaleUpperCase(state.locale || undefined) + word.slice(1);
}

function localizeTimes(root) {
  const f = formats();
  for (const el of root.querySelectorAll("time[data-epoch]")) {
    const at = new Date(Number(el.dataset.epoch) * 1000);
    if (el.classList.contains("msg-time")) { el.textContent = f.time.format(at); continue; }
    const pieces = {
      date_num: at.toISOString().slice(0, 10), date: f.long.formatToParts(at).filter((x) => x.type !== "weekday").map((x) => x.value).join("").replace(/^[\s,]+/, ""),
      date_short: f.short.format(at), date_long: f.long.format(at),
      date_pretty: prettyDay(at, f.long), date_short_pretty: prettyDay(at, f.short),
      date_long_pretty: prettyDay(at, f.long), time: f.time.format(at),
      time_secs: at.toLocaleTimeString(state.locale || undefined), ago: prettyDay(at, f.short),
    };
    el.textContent = (el.dataset.format || "").replace(/\{(\w+)\}/g, (all, key) => pieces[key] ?? all);
  }
}

function setLocale(locale) {  // the acting person's Slack language: re-render the shown times
  if (!locale || locale === state.locale) return;
  state.locale = locale;
  localizeTimes(document);
}

// -- messages ------------------------------------------------------------------------------------

function fromHtml(html) {
  const box = document.createElement("div");
  box.innerHTML = html;
  const el = box.firstElementChild;
  localizeTimes(el);
  return el;
}

function labelThread(thread) {
  const count = thread.querySelector(":scope > .thread-replies").children.length;
  thread.querySelector(":scope > .thread-label").textContent = count ? `${count} repl${count === 1 ? "y" : "ies"}` : "";
  thread.classList.toggle("empty", count === 0);
}

function upsert(change, list) {
  const old = document.getElementById(`msg-${change.ts}`);
  if (change.deleted) { if (old) old.remove(); return null; }
  const el = fromHtml(change.html);
  if (old) {
    const keep = old.querySelector(":scope > .msg-content > .thread > .thread-replies");
    const fresh = el.querySelector(":scope > .msg-content > .thread > .thread-replies");
    if (keep && fresh) { fresh.replaceWith(keep); }
    old.replaceWith(el);
  } else if (change.thread_ts && document.getElementById(`msg-${change.thread_ts}`)) {
    const parent = document.getElementById(`msg-${change.thread_ts}`);
    parent.querySelector(":scope > .msg-content > .thread > .thread-replies").append(el);
  } else {
    list.querySelector(".empty-channel")?.remove();
    list.append(el);
  }
  const thread = el.closest(".thread") || el.querySelector(":scope > .msg-content > .thread");
  if (thread) labelThread(thread);
  return el;
}

async function loadChannel() {
  const generation = ++state.generation;
  const list = $("messages");
  const data = await api(`api/messages?${viewerQuery()}`);
  if (generation !== state.generation) return;
  list.replaceChildren();
  for (const message of data.messages || []) list.append(fromHtml(message.html));
  for (const thread of list.querySelectorAll(".thread")) labelThread(thread);
  if (!list.children.length) {
    const c = channel(state.channel);
    list.append(h("div", { class: "empty-channel" }, c
      ? `This is the very beginning of #${c.name}. Type /cco link ${c.project} below.`
      : "No messages from cco-bot yet. It writes here when it has something for you alone (e.g. after /cco connect)."));
  }
  list.scrollTop = list.scrollHeight;
  state.seq = data.seq;
  showModal(data.modal);
  poll(generation);
}

async function poll(generation) {
  state.abort?.abort();
  const abort = new AbortController();
  state.abort = abort;
  while (generation === state.generation) {
    let data;
    try {
      const response = await fetch(`api/events?${viewerQuery()}&after=${state.seq}`, { signal: abort.signal });
      data = await response.json();
    } catch (error) {
      if (abort.signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, 1500));
      continue;
    }
    if (generation !== state.generation) return;
    state.seq = data.seq;
    const list = $("messages");
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    let newMessage = null;
    let newReply = null;
    for (const change of data.changes) {
      const el = upsert(change, list);
      if (!el || change.kind === "message_updated") continue;
      if (el.classList.contains("reply")) newReply = el; else newMessage = el;
    }
    for (const id of data.elsewhere) document.querySelector(`[data-channel-id="${id}"]`)?.classList.add("unread");
    if (newMessage || atBottom) list.scrollTop = list.scrollHeight;
    if (newReply) { newReply.scrollIntoView({ block: "nearest" }); newReply.classList.add("flash"); }
    if ("modal" in data) showModal(data.modal);
    if ("home" in data && state.home) renderHome(data.home);
    if (data.changes.length) schedulePanel();
  }
}

// -- clicks ----------------------------------------------------------------------------------------

async function sendClick(button) {
  const message = button.closest(".msg");
  const home = button.closest("[data-view-id]");
  const what = { user: state.user, action_id: button.dataset.actionId, value: button.dataset.value ?? null, block_id: button.dataset.blockId ?? null };
  if (home && home.matches("dialog.bk-modal")) what.values = fieldValues(home);  // Slack sends the view's state.values
  button.classList.add("busy");
  const answer = message
    ? await api("api/click", { ...what, channel: message.dataset.channel, ts: message.dataset.ts })
    : await api("api/home/click", { ...what, view_id: home.dataset.viewId });
  button.classList.remove("busy");
  if (!answer.ok) toast(answer.error || `The app answered HTTP ${answer.status}`);
}

function onSlackLink(event) {  // slack:// deep links: the app's Home tab opens here, others can't
  const link = event.target.closest("a[data-slack-link]");
  if (!link) return;
  event.preventDefault();
  if (/^slack:\/\/app\?/.test(link.getAttribute("href")) && /[?&]tab=home\b/.test(link.getAttribute("href"))) selectHome();
  else toast("That link opens the Slack app; the playground has no page for it.");
}

function onMessageClick(event) {
  const button = event.target.closest("button.bk-button[data-action-id]");
  if (!button) return;
  if (button.dataset.url) window.open(button.dataset.url, "_blank", "noopener");
  const dialog = button.parentElement.querySelector(":scope > dialog.bk-confirm");
  if (!dialog) { sendClick(button); return; }
  dialog.returnValue = "";
  dialog.addEventListener("close", () => { if (dialog.returnValue === "confirm") sendClick(button); }, { once: true });
  dialog.showModal();
}

// -- the app's Home tab ----------------------------------------------------------------------------

function renderHome(home) {
  const body = $("home-body");
  if (!home) {
    body.replaceChildren(h("p", { class: "home-empty" }, "The app has not published a Home tab for you yet."));
    return;
  }
  const box = fromHtml(`<div class="home-view" data-view-id="${home.view_id.replace(/[^\w.-]/g, "")}">${home.html}</div>`);
  body.replaceChildren(box);
}

function notInstalled() {
  $("home-body").replaceChildren(h("p", { class: "home-empty" }, `cco-bot is not installed in ${state.team} yet: click Add to Slack on the left.`));
}

async function selectHome() {
  state.home = true;
  for (const li of $("channels").children) li.classList.remove("active");
  $("home-link").classList.add("active");
  document.querySelector(".channel").classList.add("home-mode");
  $("home").hidden = false;
  $("channel-name").textContent = "cco-bot — Home";
  $("channel-topic").textContent = `What the app shows ${person(state.user).name} on its Home tab`;
  $("channel-topic").classList.remove("unlinked");
  $("home-body").replaceChildren(h("p", { class: "home-empty" }, "Opening Home…"));
  const answer = await api("api/home", { user: state.user });
  if (!state.home) return;
  if (!answer.ok) { toast(answer.error || "Home did not open"); return; }
  if (answer.installed === false) { notInstalled(); return; }
  renderHome(answer.home);
}

function selectMessages() {
  leaveHome();
  const me = person(state.user);
  state.channel = me.dm;
  for (const li of $("channels").children) li.classList.remove("active");
  $("dm-link").classList.add("active");
  $("dm-link").classList.remove("unread");
  $("dm-link").dataset.channelId = me.dm;
  $("channel-name").textContent = "cco-bot — Messages";
  $("channel-topic").textContent = `The app's direct messages to ${me.name}`;
  $("channel-topic").classList.remove("unlinked");
  $("message-box").placeholder = "Message cco-bot";
  loadChannel();
  renderPanel();
}

function leaveHome() {
  state.home = false;
  $("home-link").classList.remove("active");
  $("dm-link").classList.remove("active");
  document.querySelector(".channel").classList.remove("home-mode");
  $("home").hidden = true;
}

// -- modals (views.open / push / update) ---------------------------------------------------------

function showModal(modal) {
  const current = document.querySelector("dialog.bk-modal");
  if (current && modal && current.dataset.viewId === modal.view_id && current.dataset.html === modal.html) return;
  // views.update keeps what was entered in inputs whose block_id and action_id stay the same
  const typed = current && modal && current.dataset.viewId === modal.view_id ? fieldValues(current) : {};
  if (current) { current.dataset.replaced = "1"; current.close(); current.remove(); }
  if (!modal) return;
  const dialog = fromHtml(modal.html);
  dialog.dataset.html = modal.html;
  for (const field of dialog.querySelectorAll(".bk-field-input[data-action-id]")) {
    const kept = typed[field.dataset.blockId]?.[field.dataset.actionId];
    if (kept !== undefined) field.value = kept;
  }
  dialog.addEventListener("click", onMessageClick);  // buttons in the modal's blocks (e.g. Test)
  document.body.append(dialog);
  dialog.addEventListener("cancel", (e) => { e.preventDefault(); closeView(dialog); });
  dialog.querySelector("form").addEventListener("submit", (e) => {
    e.preventDefault();
    if (e.submitter && e.submitter.value === "submit") submitView(dialog); else closeView(dialog);
  });
  dialog.showModal();
  dialog.querySelector(".bk-field-input")?.focus();
}

async function closeView(dialog) {
  dialog.close();
  await api("api/view/close", { user: state.user, view_id: dialog.dataset.viewId });
}

function fieldValues(dialog) {  // {block_id: {action_id: value}} of the inputs filled in
  const values = {};
  for (const field of dialog.querySelectorAll(".bk-field-input[data-action-id]")) {
    if (!field.value) continue;
    values[field.dataset.blockId] ??= {};
    values[field.dataset.blockId][field.dataset.actionId] = field.value;
  }
  return values;
}

async function submitView(dialog) {
  const values = fieldValues(dialog);
  for (const error of dialog.querySelectorAll(".bk-error")) error.hidden = true;
  const answer = await api("api/view/submit", { user: state.user, view_id: dialog.dataset.viewId, values });
  if (answer.errors) {
    for (const [blockId, text] of Object.entries(answer.errors)) {
      const box = dialog.querySelector(`.bk-input[data-block-id="${CSS.escape(blockId)}"] .bk-error`);
      if (box) { box.textContent = text; box.hidden = false; }
    }
    return;
  }
  if (!answer.ok) { toast(answer.error || `The app answered HTTP ${answer.status}`); return; }
  if (dialog.isConnected && !dialog.dataset.replaced) { dialog.close(); dialog.remove(); }
}

// -- composer ------------------------------------------------------------------------------------

function status(text, isError) {
  const el = $("composer-status");
  el.textContent = text;
  el.classList.toggle("error", Boolean(isError));
}

async function send(event) {
  event.preventDefault();
  const box = $("message-box");
  const text = box.value.trim();
  if (!text) return;
  box.value = "";
  showSuggestions();
  const who = person(state.user).name;
  status(text.startsWith("/") ? `Sending ${text} as ${who}…` : "");
  const answer = await api("api/command", { user: state.user, channel: state.channel, text });
  if (answer.error) status(answer.error, true);
  else if (answer.posted) status("");
  else if (!answer.ok) status(`${text} failed: the app answered HTTP ${answer.status}`, true);
  else status(`${text} — sent as ${who} (Slack shows slash commands only through the app's answer)`);
}

function showSuggestions() {
  const box = $("message-box");
  const list = $("suggestions");
  const typed = box.value;
  const matches = typed.startsWith("/") ? COMMANDS.filter(([command]) => command.startsWith(typed) && command !== typed) : [];
  list.hidden = matches.length === 0;
  list.replaceChildren(...matches.map(([command, what]) => h("div", {
    class: "suggestion",
    onmousedown: (e) => { e.preventDefault(); box.value = command; showSuggestions(); box.focus(); },
  }, h("b", {}, command), h("span", { class: "what" }, what))));
}

// -- side panel ------------------------------------------------------------------------------------

function schedulePanel() {
  clearTimeout(state.panelTimer);
  state.panelTimer = setTimeout(renderPanel, 150);
}

async function change(kind, body, message) {
  const answer = await api(`api/world/${kind}`, body);
  if (!answer.ok) { toast(answer.error || "That change failed"); }
  const panel = await renderPanel();
  if (answer.ok && message) toast(message(panel));
}

function segmented(system, current, modes) {
  return h("div", { class: "segmented", role: "group", "aria-label": `${system} condition` },
    Object.entries(modes).map(([mode, label]) => h("button", {
      type: "button", class: mode === current ? "on" : "", "data-mode": mode,
      onclick: () => change("outage", { system, mode }, (p) => p.faults[system].sentence),
    }, label)));
}

function rightSwitch(p, key, on, labels, project) {
  const [name, yes, no] = labels[key];
  return h("label", { class: "switch", "data-permission": key },
    h("input", {
      type: "checkbox", checked: on, "aria-label": `${p.name}: ${name}`,
      onchange: (e) => change("permission", { person: p.id, project, permission: key, on: e.target.checked },
        (panel) => panel.people.find((x) => x.id === p.id).sentence),
    }),
    h("span", { class: "track" }),
    h("span", {}, name, " ", h("span", { class: "level" }, on ? yes : no)));
}

function languageSelect(p, languages) {
  return h("label", { class: "language" },
    h("span", { class: "person-role" }, "Slack language"),
    h("select", {
      "aria-label": `${p.name}: Slack language`,
      onchange: (e) => change("language", { person: p.id, locale: e.target.value },
        (panel) => `${p.name} now uses Slack in ${panel.languages[e.target.value]}: the app reads it on their next click`),
    }, Object.entries(languages).map(([tag, name]) => h("option", { value: tag, selected: tag === p.locale }, `${name} · ${tag}`))));
}

// what Procore does with a change made there: tell the app through the hook, or nobody
function toldApp(panel) {
  const p = panel.project;
  return p.hooked
    ? `Procore tells the app through its hook; the alert goes to the channels linked to ${p.name}.`
    : `No hook watches ${p.name} in Procore, so the app is not told — link a channel first: /cco link ${p.id}`;
}

function inProcore(kind, body, done) {
  return change(`procore-${kind}`, { ...body, person: state.user }, (p) => `${done} ${toldApp(p)}`);
}

function procoreButtons(cco, panel) {
  const body = { project: panel.project.id, number: cco.number };
  const button = (kind, label, done) => h("button", {
    class: "small-button", type: "button", "data-procore": kind, onclick: () => inProcore(kind, body, done),
  }, label);
  return h("div", { class: "cco-procore" },
    cco.synced
      ? button("unlink", "Unlink in Procore", `CCO #${cco.number} was unlinked in Procore (its ${panel.erp.name} record stays).`)
      : button("sync", "Sync in Procore", `CCO #${cco.number} was synced to ${panel.erp.name} in Procore.`),
    button("delete", "Delete in Procore", `CCO #${cco.number} was deleted in Procore.`));
}

function hookLine(panel) {
  const p = panel.project;
  return h("div", { class: `hook-status ${p.hooked ? "on" : "off"}` }, p.hooked
    ? `Procore webhooks on: changes made in Procore below reach the app within a second.`
    : `No webhook on ${p.name} yet: /cco link ${p.id} makes the app's hook, then changes made in Procore below reach it.`);
}

function addButton(panel) {
  return h("button", {
    class: "small-button", type: "button", id: "add-synced-cco",
    onclick: async () => {
      const answer = await api("api/world/procore-add", { project: panel.project.id, person: state.user });
      if (!answer.ok) { toast(answer.error || "That change failed"); return; }
      const p = await renderPanel();
      toast(`CCO #${answer.number} was added in Procore, synced to ${p.erp.name}. ${toldApp(p)}`);
    },
  }, "Add a synced CCO");
}

function ccoRow(cco, panel) {
  const project = panel.project.id;
  if (cco.deleted) {
    return h("div", { class: "cco-row deleted", "data-cco": cco.number },
      h("div", { class: "cco-head" }, h("span", { class: "cco-title", title: cco.title }, `#${cco.number} ${cco.title}`)),
      h("div", { class: `forecast ${cco.forecast.color}` }, cco.forecast.text));
  }
  const control = cco.state === null
    ? h("span", { class: "person-role" }, "never synced")
    : h("select", {
      "aria-label": `ERP state of CCO #${cco.number}`,
      onchange: (e) => change("erp-state", { project, number: cco.number, state: e.target.value },
        (p) => `CCO #${cco.number}: ${p.ccos.find((c) => c.number === cco.number).forecast.text}`),
    }, panel.erp.states.map((s) => h("option", { value: s, selected: s === cco.state }, s)));
  return h("div", { class: "cco-row", "data-cco": cco.number },
    h("div", { class: "cco-head" },
      h("span", { class: "cco-title", title: cco.title }, `#${cco.number} ${cco.title}`),
      h("span", { class: "cco-controls" }, control)),
    h("div", { class: `forecast ${cco.forecast.color}` }, cco.forecast.text),
    procoreButtons(cco, panel));
}

async function switchErp(system) {
  toast(`Restarting the app and the ERP stand-in on ${state.erpNames[system] || system}…`);
  await change("erp-system", { system }, (p) => `Now on ${p.erp.name}. Run /cco unlink for a fresh card.`);
}

function showLink(panel) {
  const c = channel(state.channel);
  if (state.home || !c) return;
  const topic = $("channel-topic");
  topic.classList.toggle("unlinked", !panel.link);
  topic.textContent = panel.link
    ? `Linked to Procore project ${panel.link.project} · ${panel.link.name}`
    : `Not linked to a Procore project yet — try /cco link ${c.project}`;
}

async function renderPanel() {
  if (state.workspace) { renderWorkspacePanel(); return null; }
  if (!state.user || !state.channel) return null;
  const panel = await api(`api/world?${viewerQuery()}`);
  if (panel.error) return null;
  showLink(panel);
  for (const x of panel.people) { const known = person(x.id); if (known) known.locale = x.locale; }
  const me = panel.people.find((p) => p.id === state.user);
  $("acting-role").textContent = `${me.title} · ${panel.languages[me.locale] || me.locale}`;
  setLocale(me.locale);
  const body = $("panel-body");
  const people = panel.people.map((p) => h("div", { class: `person${p.id === state.user ? " viewer" : ""}`, "data-person": p.id, "data-locale": p.locale },
    h("div", {}, h("span", { class: "person-name" }, p.name), " ", h("span", { class: "person-role" }, `· ${p.title}`)),
    languageSelect(p, panel.languages),
    p.rights ? h("div", { class: "rights" }, Object.keys(panel.permission_labels).map((key) => rightSwitch(p, key, p.rights[key], panel.permission_labels, panel.project.id))) : null,
    h("div", { class: `forecast ${p.color}` }, p.sentence)));
  body.replaceChildren(
    h("section", { class: "card" },
      h("h3", {}, `Next click by ${me.name.split(" ")[0]} in #${(channel(state.channel) || channel(panel.project.channel)).name}`),
      h("div", { class: `forecast ${me.color}` }, me.sentence)),
    h("section", { class: "card", id: "ccos" },
      h("h3", {}, `CCOs of ${panel.project.name} in ${panel.erp.name}`),
      h("label", { class: "switch", "data-project-flag": "erp_integrated" },
        h("input", {
          type: "checkbox", checked: panel.project.erp_integrated, "aria-label": `${panel.project.name} is ERP-integrated in Procore`,
          onchange: (e) => change("project", { project: panel.project.id, erp_integrated: e.target.checked },
            (p) => `${p.project.name} is ${p.project.erp_integrated ? "" : "no longer "}ERP-integrated in Procore`),
        }),
        h("span", { class: "track" }),
        h("span", {}, "ERP-integrated in Procore ", h("span", { class: "level" }, panel.project.erp_integrated ? "On" : "Off"))),
      hookLine(panel),
      panel.ccos.map((cco) => ccoRow(cco, panel)),
      addButton(panel)),
    h("section", { class: "card", id: "people" },
      h("h3", {}, `People: Slack language, Procore permissions on ${panel.project.name}`),
      people),
    h("section", { class: "card", id: "outages" },
      h("h3", {}, "Outages"),
      ["procore", "erp"].map((system) => h("div", { class: "outage", "data-system": system },
        h("div", { class: "outage-name" }, system === "procore" ? "Procore" : panel.erp.name),
        segmented(system, panel.faults[system].mode, panel.modes),
        h("div", { class: `forecast ${panel.faults[system].mode === "normal" ? "green" : panel.faults[system].mode === "slow" ? "yellow" : "red"}` }, panel.faults[system].sentence)))),
    h("section", { class: "card", id: "erp-system" },
      h("h3", {}, "ERP system"),
      h("div", { class: "erp-row" },
        h("select", { "aria-label": "ERP system", onchange: (e) => switchErp(e.target.value) },
          panel.erp.systems.map((s) => h("option", { value: s, selected: s === panel.erp.system }, state.erpNames[s] || s))),
        h("span", { class: "person-role" }, "restarts the app and the ERP stand-in; Slack, Procore and channel links stay")),
      h("label", { class: "switch", "data-erp-flag": "company_empty" },
        h("input", {
          type: "checkbox", checked: panel.erp.company_empty, "aria-label": `The app's ${panel.erp.name} settings point at an empty company`,
          onchange: (e) => change("erp-company", { empty: e.target.checked },
            (p) => p.erp.company_empty ? `The app now reaches an empty ${p.erp.name} company (as a wrong tenant would)` : `The app reaches the seeded ${p.erp.name} company again`),
        }),
        h("span", { class: "track" }),
        h("span", {}, "Wrong company in the app's ERP settings ", h("span", { class: "level" }, panel.erp.company_empty ? "On (empty company)" : "Off")))),
  );
  return panel;
}

// -- wiring ----------------------------------------------------------------------------------------

function selectChannel(id) {
  leaveHome();
  state.channel = id;
  const c = channel(id);
  for (const li of $("channels").children) li.classList.toggle("active", li.dataset.channelId === id);
  document.querySelector(`[data-channel-id="${id}"]`)?.classList.remove("unread");
  $("channel-name").textContent = `# ${c.name}`;
  $("channel-topic").textContent = "";
  $("message-box").placeholder = `Message #${c.name} — try /cco link ${c.project}, then /cco unlink`;
  loadChannel();
  renderPanel();
}

function selectUser(id) {
  state.user = id;
  const p = person(id);
  setLocale(p.locale);
  $("acting-as").value = id;
  $("acting-role").textContent = p.title;
  status("");
  $("dm-link").dataset.channelId = p.dm;
  if (!state.home && !channel(state.channel)) { selectMessages(); return; }  // their own DM
  loadChannel();
  renderPanel();
  if (state.home) selectHome();
}

// -- guided scenarios ------------------------------------------------------------------------------

async function doStep(action) {
  if (action.do === "as") selectUser(action.user);
  else if (action.do === "channel") selectChannel(action.channel);
  else if (action.do === "home") await selectHome();
  else if (action.do === "change") {
    const said = action.kind === "permission" ? (p) => p.people.find((x) => x.id === action.body.person).sentence
      : action.kind === "outage" ? (p) => p.faults[action.body.system].sentence
      : action.kind.startsWith("procore-") ? (p) => `CCO #${action.body.number} was ${{ "procore-sync": `synced to ${p.erp.name}`, "procore-unlink": "unlinked", "procore-delete": "deleted" }[action.kind] || "changed"} in Procore. ${toldApp(p)}` : null;
    const body = action.kind.startsWith("procore-") ? { ...action.body, person: state.user } : action.body;
    await change(action.kind, body, said);
  }
  else if (action.do === "command") {
    if (state.home) selectChannel(state.channel);
    const who = person(state.user).name;
    status(`Sending ${action.text} as ${who}…`);
    const answer = await api("api/command", { user: state.user, channel: state.channel, text: action.text });
    status(answer.ok ? `${action.text} — sent as ${who}` : (answer.error || `${action.text} failed: the app answered HTTP ${answer.status}`), !answer.ok);
  }
}

function renderScenarios() {
  $("scenario-list").replaceChildren(...state.scenarios.map((scenario) => h("details", { class: "scenario", "data-scenario": scenario.key },
    h("summary", {}, scenario.title),
    h("div", { class: "scenario-summary" }, scenario.summary),
    h("ol", {}, scenario.steps.map((step) => {
      const item = h("li", {}, step.text);
      if (step.action) {
        item.append(h("button", {
          type: "button", class: "small-button", "data-step": "do",
          onclick: async () => { await doStep(step.action); item.classList.add("done"); },
        }, "Do it"));
      }
      return item;
    })))));
}

async function resetWorld() {
  if (!window.confirm("Reset the demo world? Links, attempts, requests, connected accounts and every change in the side panel are undone.")) return;
  $("reset-world").disabled = true;
  toast("Resetting the demo world…");
  const answer = await api("api/world/reset", {});
  if (!answer.ok) { $("reset-world").disabled = false; toast(answer.error || "The reset failed"); return; }
  window.location.reload();
}

// -- a new workspace (cco-bot sandbox --workspaces): Add to Slack, then App Home → Set up ----------

function renderPages(pages) {
  if (!pages || !pages.length) return;
  const here = new URL(document.baseURI).pathname;
  $("pages").replaceChildren(h("span", { class: "acting-label" }, "Workspace"), ...pages.map((p) => h("a", {
    href: p.href, class: `page-link${p.href === here ? " current" : ""}`, "aria-current": p.href === here ? "page" : null,
  }, p.name)));
  $("pages").hidden = false;
}

function renderInstall() {
  const w = state.workspace;
  const who = w.installer && person(w.installer);
  $("install").hidden = false;
  $("install").replaceChildren(w.installed
    ? h("div", { class: "installed" }, `✓ cco-bot is installed here${who ? ` (by ${who.name})` : ""}. Open cco-bot — Home: the installer sees Set up.`)
    : h("button", { type: "button", class: "add-to-slack", id: "add-to-slack", onclick: openInstall }, "Add to Slack"),
  );
}

function renderWorkspacePanel() {
  const w = state.workspace;
  $("panel-body").replaceChildren(h("section", { class: "card", id: "set-up-facts" },
    h("h3", {}, "For the set-up form"),
    h("div", { class: "person-role" }, "The app's Procore account reaches the Procore stand-in's company; the ERP stand-in answers with these settings. Copy them into Set up:"),
    h("dl", { class: "facts" }, w.facts.flatMap((f) => [h("dt", {}, f.label), h("dd", {}, h("code", {}, f.value))])),
    h("div", { class: "person-role" }, `Then /cco link ${channel(state.channel)?.project ?? 101} in #${channel(state.channel)?.name ?? ""}.`)));
}

async function refreshInstall() {
  const w = await api("api/workspace");
  if (w.error) return false;
  const was = state.workspace.installed;
  state.workspace = w;
  renderInstall();
  return w.installed && !was;
}

function openInstall() {  // the app's own install page, then Slack's consent screen, in a frame
  const dialog = h("dialog", { class: "install-dialog", "aria-label": "Install cco-bot" },
    h("div", { class: "install-title" }, h("span", {}, `Install cco-bot in ${state.team}`),
      h("button", { type: "button", class: "bk-button", onclick: () => dialog.close() }, "Close")),
    // sandboxed: the app's "Thank you" page sends the browser on to slack://, which would ask to
    // open a Slack app; here the page notices the install and closes the frame instead
    h("iframe", { src: state.workspace.install_url, title: "Install cco-bot", class: "install-frame", sandbox: "allow-forms allow-same-origin" }));
  document.body.append(dialog);
  const timer = setInterval(async () => {
    if (await refreshInstall()) { dialog.close(); toast(`cco-bot is installed in ${state.team}. Open cco-bot — Home to set it up.`); }
  }, 800);
  dialog.addEventListener("close", () => { clearInterval(timer); dialog.remove(); refreshInstall(); });
  dialog.showModal();
}

async function start() {
  const boot = await api("api/bootstrap");
  Object.assign(state, { people: boot.people, channels: boot.channels, erpNames: boot.erp_names, scenarios: boot.scenarios, seq: boot.seq, workspace: boot.workspace, team: boot.team });
  $("workspace-name").textContent = boot.team;
  renderPages(boot.pages);
  if (state.workspace) {
    renderInstall();
    $("scenarios").hidden = true;
    $("panel-sub").textContent = "A workspace the app is not installed in yet. The demo world is changed on the first workspace's page.";
    $("sidebar-hint").replaceChildren("Add cco-bot to this workspace, open ", h("b", {}, "cco-bot — Home"), " as the person who installed it and click ", h("b", {}, "Set up"), ". Once saved, ", h("code", {}, "/cco link 101"), " works in #bravo-tower.");
  }
  $("acting-as").replaceChildren(...boot.people.map((p) => h("option", { value: p.id }, p.name)));
  $("acting-as").addEventListener("change", (e) => selectUser(e.target.value));
  $("channels").replaceChildren(...boot.channels.map((c) => h("li", { "data-channel-id": c.id, onclick: () => selectChannel(c.id) }, h("span", { class: "hash" }, "#"), c.name)));
  $("messages").addEventListener("click", onMessageClick);
  document.addEventListener("click", onSlackLink);
  $("home-body").addEventListener("click", onMessageClick);
  $("home-link").addEventListener("click", selectHome);
  $("dm-link").addEventListener("click", selectMessages);
  $("dm-link").dataset.channelId = boot.people[0].dm;
  $("reset-world").addEventListener("click", resetWorld);
  renderScenarios();
  $("composer").addEventListener("submit", send);
  $("message-box").addEventListener("input", showSuggestions);
  $("message-box").addEventListener("blur", () => { $("suggestions").hidden = true; });
  state.user = boot.people[0].id;
  state.locale = boot.people[0].locale;
  $("acting-role").textContent = boot.people[0].title;
  selectChannel(boot.channels[0].id);
  $("message-box").focus();
}

start();
