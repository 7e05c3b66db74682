// The provmock console: fills the server-rendered pages from the mock's own APIs, same
// origin. The Provisioning API is called with a token of the chosen user, so what the
// console shows is what that user may see; the control API with the admin token, if one
// is needed and given.
"use strict";

const $ = (sel, root = document) => root.querySelector(sel);

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

function say(text, isError = false) {
  const s = $("#status");
  s.textContent = text;
  s.classList.toggle("error", isError);
}

// ---------------------------------------------------------------- control API

async function control(method, path, body) {
  const headers = {Accept: "application/json"};
  const token = sessionStorage.getItem("provmock.admin");
  if (token) headers.Authorization = "Bearer " + token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch("/_mock" + path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
  if (r.status === 401) {
    $("#admin").hidden = false;
    throw new Error("the control API needs its admin token");
  }
  const text = await r.text();
  const data = text ? JSON.parse(text) : null;
  if (!r.ok) throw new Error((data && data.error) || "HTTP " + r.status);
  return {data, response: r};
}

$("#admin").addEventListener("submit", ev => {
  ev.preventDefault();
  sessionStorage.setItem("provmock.admin", ev.target.token.value);
  location.reload();
});

// ---------------------------------------------------------------- the chosen user

let users = [];

function chosenUser() {
  const id = localStorage.getItem("provmock.user");
  return users.find(u => u.client_id === id) || users[0];
}

async function loadUsers() {
  const sel = $("#user");
  try {
    users = (await control("GET", "/users")).data;
  } catch (err) {
    sel.replaceChildren(el("option", {value: "", text: "no users: " + err.message}));
    throw err;
  }
  const current = chosenUser();
  sel.replaceChildren(...users.map(u => el("option", {value: u.client_id, text: u.email},)));
  if (users.length === 0) sel.append(el("option", {value: "", text: "the data has no users"}));
  if (current) sel.value = current.client_id;
  sel.addEventListener("change", () => {
    localStorage.setItem("provmock.user", sel.value);
    location.reload();
  });
}

let token = null;

async function userToken() {
  if (token) return token;
  const u = chosenUser();
  if (!u) throw new Error("the data has no users to browse as");
  const r = await fetch("/oauth/token", {
    method: "POST",
    headers: {"Content-Type": "application/json", Accept: "application/json"},
    body: JSON.stringify({grant_type: "client_credentials", client_id: u.client_id, client_secret: u.client_secret}),
  });
  if (!r.ok) throw new Error("token for " + u.email + ": HTTP " + r.status);
  token = (await r.json()).access_token;
  return token;
}

// api calls the Provisioning API as the chosen user and returns its document.
async function api(path) {
  const r = await fetch("/api/" + path, {headers: {Authorization: "Bearer " + await userToken(), Accept: "application/vnd.api+json"}});
  const doc = await r.json();
  if (!r.ok) {
    const e = (doc.errors || [])[0] || {};
    throw new Error("GET /api/" + path + ": " + r.status + " " + (e.detail || e.title || ""));
  }
  return doc;
}

// ---------------------------------------------------------------- values

function show(value) {
  if (value === null || value === undefined) return "—";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function recordURL(type, id) {
  return "/console/resources/" + encodeURIComponent(type) + "/" + encodeURIComponent(id);
}

function resourcePath(table, id) {
  if (table.dataset.singleton === "true") return table.dataset.path;
  return table.dataset.path + (id ? "/" + encodeURIComponent(id) : "");
}

// ---------------------------------------------------------------- pages

async function home() {
  for (const row of document.querySelectorAll("table.types tbody tr")) {
    const cell = $(".count", row);
    if (row.dataset.singleton === "true") { cell.textContent = "1 (the user’s own)"; continue; }
    if (row.dataset.listable !== "true") { cell.textContent = "not listed by the API"; continue; }
    try {
      const doc = await api(row.dataset.path + "?page[size]=1");
      cell.textContent = String(doc.meta.record_count);
    } catch (err) {
      cell.textContent = err.message;
    }
  }
}

// filterQuery turns "name_cont=support&kind_eq=admin" into filter[q][...] parameters.
function filterQuery(text) {
  const out = new URLSearchParams();
  for (const part of text.split("&")) {
    if (!part.trim()) continue;
    const i = part.indexOf("=");
    const key = (i < 0 ? part : part.slice(0, i)).trim();
    out.append("filter[q][" + key + "]", i < 0 ? "" : part.slice(i + 1).trim());
  }
  return out;
}

async function table() {
  const t = $("table.records");
  const columns = JSON.parse(t.dataset.columns);
  const here = new URLSearchParams(location.search);
  const page = Math.max(1, parseInt(here.get("page") || "1", 10) || 1);
  const q = here.get("q") || "";
  const related = here.get("related") || "";
  $("#q").value = q;
  let path = related || resourcePath(t);
  const params = filterQuery(q);
  if (t.dataset.singleton !== "true") {
    params.set("page[number]", page);
    params.set("page[size]", "10");
  }
  $(".source").textContent = "GET /api/" + path + (params.size ? "?" + decodeURIComponent(params.toString()) : "");
  const doc = await api(path + (params.size ? "?" + params : ""));
  const rows = [].concat(doc.data || []);
  const body = $("tbody", t);
  body.replaceChildren(...rows.map(r => el("tr", {},
    el("td", {}, el("a", {href: recordURL(r.type, r.id), text: r.id})),
    ...columns.map(c => el("td", {text: show(c === "id" ? r.id : r.attributes[c])})))));
  if (rows.length === 0) body.append(el("tr", {}, el("td", {colspan: columns.length + 1, text: "no records"})));
  const pages = (doc.meta && doc.meta.page_count) || 1;
  $("#pageinfo").textContent = "page " + page + " of " + pages + (doc.meta ? " · " + doc.meta.record_count + " records" : "");
  const link = (a, n, ok) => {
    const p = new URLSearchParams(here);
    p.set("page", n);
    a.href = ok ? "?" + p : "#";
    a.setAttribute("aria-disabled", String(!ok));
    if (!ok) a.tabIndex = -1;
  };
  link($("#prev"), page - 1, page > 1);
  link($("#next"), page + 1, page < pages);
  $("#filter").addEventListener("submit", ev => {
    ev.preventDefault();
    const p = new URLSearchParams();
    if (related) p.set("related", related);
    if ($("#q").value.trim()) p.set("q", $("#q").value.trim());
    location.search = p.toString();
  });
}

async function record() {
  const box = $(".record");
  const rels = JSON.parse(box.dataset.rels || "null") || [];
  const toOne = rels.filter(r => !r.to_many).map(r => r.name);
  const path = resourcePath(box, box.dataset.id);
  const doc = await api(path + (toOne.length ? "?include=" + toOne.join(",") : ""));
  const r = doc.data;
  $(".attrs tbody").replaceChildren(...Object.entries(r.attributes || {}).map(([k, v]) =>
    el("tr", {}, el("th", {scope: "row", text: k}), el("td", {text: show(v)}))));
  const list = $(".rels");
  list.replaceChildren();
  for (const rel of rels) {
    const data = ((r.relationships || {})[rel.name] || {}).data;
    if (rel.to_many) {
      const related = (box.dataset.singleton === "true" ? box.dataset.path : box.dataset.path + "/" + encodeURIComponent(r.id)) + "/" + rel.name;
      list.append(el("li", {}, rel.name + ": ", el("a", {href: "/console/resources/" + rel.type + "?related=" + encodeURIComponent(related), text: "the related " + rel.type})));
    } else if (data) {
      list.append(el("li", {}, rel.name + ": ", el("a", {href: recordURL(data.type, data.id), text: data.type + " " + data.id})));
    } else {
      list.append(el("li", {text: rel.name + ": none"}));
    }
  }
  if (rels.length === 0) list.append(el("li", {text: "none"}));
  $(".doc").textContent = JSON.stringify(doc, null, 2);
}

// ---------------------------------------------------------------- journal

function journalEntry(e) {
  const status = e.status === 0 ? "dropped" : String(e.status);
  const summary = el("summary", {},
    el("time", {datetime: e.time, text: e.time.slice(11, 23)}), " ",
    el("span", {class: "method", text: e.method}), " ",
    el("span", {class: "path", text: e.path + (e.query ? "?" + e.query : "")}), " ",
    el("span", {class: "st st" + String(e.status).charAt(0), text: status}), " ",
    el("span", {class: "ms", text: e.duration_ms.toFixed(1) + " ms"}),
    // Always there, of a fixed width, so that a fault's badge moves no other column.
    el("span", {class: "fault-cell"}, e.fault ? el("span", {class: "fault", text: "fault " + e.fault}) : ""));
  const headers = Object.entries(e.headers || {}).sort().map(([k, v]) => k + ": " + v).join("\n");
  return el("li", {"data-id": String(e.id)}, el("details", {}, summary,
    el("h3", {text: "Request"}), el("pre", {text: e.method + " " + e.path + (e.query ? "?" + e.query : "") + "\n" + headers + (e.body ? "\n\n" + e.body : "")}),
    el("h3", {text: "Answer"}), el("pre", {text: status + (e.response_type ? "  " + e.response_type : "") + (e.response ? "\n\n" + pretty(e.response) : "")})));
}

function pretty(text) {
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text; }
}

// own reports whether a request is one of the console's page loads.
const own = e => e.path === "/" || e.path === "/console" || e.path.startsWith("/console/") || e.path === "/favicon.ico";

async function journal() {
  const list = $("#journal");
  let last = 0;
  const poll = async () => {
    try {
      const {data} = await control("GET", "/requests?limit=200");
      const fresh = data.filter(e => e.id > last);
      // Ids keep growing, across a clear too: the newest one marks what is shown.
      if (fresh.length) last = fresh[0].id;
      const shown = $("#own").checked ? fresh : fresh.filter(e => !own(e));
      list.prepend(...shown.map(journalEntry));
      while (list.children.length > 500) list.lastElementChild.remove();
      say("");
    } catch (err) {
      say(err.message, true);
    }
    setTimeout(poll, 1000);
  };
  $("#clear").addEventListener("click", async () => {
    await control("DELETE", "/requests");
    list.replaceChildren();
  });
  poll();
}

// ---------------------------------------------------------------- control

async function snapshots() {
  const {data} = await control("GET", "/snapshots");
  $("table.snapshots tbody").replaceChildren(...data.map(s => el("tr", {},
    el("td", {text: s.name}),
    el("td", {text: Object.values(s.records).reduce((a, b) => a + b, 0) + " records"}),
    el("td", {},
      el("button", {type: "button", "data-restore": s.name, text: "Restore", onclick: act("Restored " + s.name, () => control("POST", "/snapshots/" + encodeURIComponent(s.name) + "/restore"))}), " ",
      el("button", {type: "button", "data-delete": s.name, text: "Delete", onclick: act("Deleted " + s.name, async () => { await control("DELETE", "/snapshots/" + encodeURIComponent(s.name)); await snapshots(); })})))));
  if (data.length === 0) $("table.snapshots tbody").append(el("tr", {}, el("td", {colspan: 3, text: "no snapshots"})));
}

async function faults() {
  const {data} = await control("GET", "/faults");
  $("table.faults tbody").replaceChildren(...data.map(f => el("tr", {},
    el("td", {text: f.id}),
    el("td", {text: (f.method || "any") + " " + f.path}),
    el("td", {text: [f.drop && "drop", f.status && "status " + f.status, f.code, f.delay_ms && "wait " + f.delay_ms + " ms",
      f.times && f.remaining + " of " + f.times + " left", f.probability && "chance " + f.probability].filter(Boolean).join(", ")}),
    el("td", {}, el("button", {type: "button", "data-remove": f.id, text: "Remove", onclick: act("Removed " + f.id, async () => { await control("DELETE", "/faults/" + f.id); await faults(); })})))));
  if (data.length === 0) $("table.faults tbody").append(el("tr", {}, el("td", {colspan: 4, text: "no faults"})));
}

async function limits() {
  const {data} = await control("GET", "/rate-limits");
  const form = $("#limits");
  for (const [k, v] of Object.entries(data)) {
    const input = form.elements[k];
    if (!input) continue;
    if (input.type === "checkbox") input.checked = v; else input.value = v;
  }
}

// act runs an action of a button or form, saying how it went.
function act(done, fn) {
  return async ev => {
    if (ev && ev.preventDefault) ev.preventDefault();
    try {
      await fn(ev);
      say(done);
    } catch (err) {
      say(err.message, true);
    }
  };
}

async function controlPage() {
  $("#reset").addEventListener("click", act("Reset to the fixtures", async () => {
    await control("POST", "/reset");
    await snapshots();
  }));
  $("#download").addEventListener("click", act("Downloaded fixtures.yaml", async () => {
    const headers = {};
    const token = sessionStorage.getItem("provmock.admin");
    if (token) headers.Authorization = "Bearer " + token;
    const r = await fetch("/_mock/fixtures", {headers});
    if (!r.ok) throw new Error("download: HTTP " + r.status);
    const a = el("a", {href: URL.createObjectURL(await r.blob()), download: "fixtures.yaml"});
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }));
  $("#snapshot-save").addEventListener("submit", act("Snapshot saved", async ev => {
    await control("POST", "/snapshots", {name: ev.target.name.value});
    ev.target.reset();
    await snapshots();
  }));
  $("#fault-add").addEventListener("submit", act("Fault added", async ev => {
    const f = ev.target.elements;
    const rule = {path: f.path.value};
    if (f.method.value) rule.method = f.method.value;
    if (f.code.value) rule.code = f.code.value;
    if (f.drop.checked) rule.drop = true;
    for (const k of ["status", "delay_ms", "times"]) if (f[k].value) rule[k] = parseInt(f[k].value, 10);
    await control("POST", "/faults", rule);
    await faults();
  }));
  $("#limits").addEventListener("submit", act("Rate limits saved", async ev => {
    const f = ev.target.elements;
    const body = {enabled: f.enabled.checked};
    for (const k of ["reads_per_minute", "reads_per_10s_per_endpoint", "writes_per_minute", "writes_per_10s_per_endpoint"]) body[k] = parseInt(f[k].value, 10) || 0;
    await control("PUT", "/rate-limits", body);
    await limits();
  }));
  await Promise.all([snapshots(), faults(), limits()]);
}

// ---------------------------------------------------------------- start

const pages = {home, table, record, journal, control: controlPage};

(async () => {
  const page = pages[document.body.dataset.page];
  try {
    await loadUsers();
    if (page) await page();
    document.body.dataset.ready = "true";
  } catch (err) {
    say(err.message, true);
    document.body.dataset.ready = "error";
  }
})();
