// mockluma dashboard: live updates and actions. Plain JavaScript, no build step, no network
// beyond the mock itself. Every page works without this file (a refresh shows the same);
// with it, server-sent events refresh the page's live region, and buttons and forms send
// JSON to the control API (so they pass its rule that state changes are JSON).
"use strict";
(() => {
  const body = document.body;
  const admin = body.dataset.admin || "/_mockluma";
  const watched = new Set((body.dataset.watch || "").split(" ").filter(Boolean));
  const live = document.getElementById("live");
  const notice = document.getElementById("notice");
  const status = document.getElementById("live-status");
  const TOKEN = "mockluma-admin-token";

  // -- the simulated clock, shown ticking between events when it is real ------------------
  const clock = {
    mode: body.dataset.clockMode,
    speed: Number(body.dataset.clockSpeed) || 0,
    epoch: Number(body.dataset.clockNow) || 0,
    at: performance.now(),
    now() {
      const drift = this.mode === "real" ? ((performance.now() - this.at) / 1000) * this.speed : 0;
      return this.epoch + drift;
    },
    set(reading) {
      Object.assign(this, { mode: reading.mode, speed: reading.speed, epoch: reading.now, at: performance.now() });
      const pending = document.getElementById("pending-events");
      if (pending && reading.pending_events !== undefined) pending.textContent = reading.pending_events;
      paintTimes();
    },
  };

  function clockText(seconds) {
    const d = new Date(seconds * 1000);
    const iso = d.toISOString(); // 2026-12-02T10:57:26.123Z
    return `${iso.slice(0, 10)} ${iso.slice(11, 23)} UTC`;
  }

  function duration(seconds) {
    seconds = Math.max(0, seconds);
    if (seconds < 60) return `${seconds.toFixed(1)} s`;
    let minutes = Math.floor(seconds / 60);
    const rest = Math.floor(seconds) % 60;
    if (minutes < 60) return `${minutes} min ${rest} s`;
    let hours = Math.floor(minutes / 60);
    minutes %= 60;
    if (hours < 48) return `${hours} h ${minutes} min`;
    return `${Math.floor(hours / 24)} d ${hours % 24} h`;
  }

  function paintTimes() {
    const now = clock.now();
    const shown = document.getElementById("clock-now");
    if (shown) shown.textContent = clockText(now);
    for (const cell of document.querySelectorAll("[data-age-from]")) {
      cell.textContent = duration(now - Number(cell.dataset.ageFrom));
    }
  }
  setInterval(() => clock.mode === "real" && paintTimes(), 1000);

  // -- talking to the control API -------------------------------------------------------
  async function api(method, path, payload) {
    // JSON content and a custom header on every change: no cross-site "simple" request can
    // look like this, so the control API can refuse anything else.
    const headers = { Accept: "application/json", "X-Mockluma-Dashboard": "1" };
    const init = { method, headers, credentials: "same-origin" };
    if (method !== "GET") headers["Content-Type"] = "application/json";
    if (payload !== undefined) init.body = JSON.stringify(payload);
    const token = sessionStorage.getItem(TOKEN);
    if (token) headers.Authorization = `Bearer ${token}`;
    let response = await fetch(admin + path, init);
    if (response.status === 401 && !init.retried) {
      // The server was started with an admin token: ask for it once, keep it for the session.
      const given = window.prompt("This mockluma server needs its admin token (--admin-token):");
      if (given) {
        sessionStorage.setItem(TOKEN, given.trim());
        headers.Authorization = `Bearer ${given.trim()}`;
        init.retried = true;
        response = await fetch(admin + path, init);
      }
    }
    let data = null;
    const text = await response.text();
    try { data = text ? JSON.parse(text) : null; } catch { data = text; }
    return { ok: response.ok, status: response.status, data };
  }

  function say(message, bad = false) {
    if (!notice) return;
    notice.hidden = false;
    notice.textContent = message;
    notice.classList.toggle("bad", bad);
  }

  function errorText(result) {
    const data = result.data;
    if (data && typeof data === "object") {
      const message = data.error || data.detail || data.message;
      if (message) return typeof message === "string" ? message : JSON.stringify(message);
    }
    return `The mock answered ${result.status}.`;
  }

  // -- the live region --------------------------------------------------------------------
  let loading = false;
  let again = false;

  async function refresh() {
    if (!live) return;
    if (loading) { again = true; return; }
    loading = true;
    try {
      const headers = { "X-Mockluma-Fragment": "live" };
      const token = sessionStorage.getItem(TOKEN);
      if (token) headers.Authorization = `Bearer ${token}`;
      const response = await fetch(location.href, { headers, credentials: "same-origin" });
      if (response.ok) swap(await response.text());
    } catch {
      // The server may be restarting; the next event tries again.
    } finally {
      loading = false;
      if (again) { again = false; refresh(); }
    }
  }

  function swap(html) {
    // Keep what the user was doing: focus, open <details>, chosen failure kinds.
    const focused = document.activeElement && live.contains(document.activeElement) ? keyOf(document.activeElement) : null;
    const open = [...live.querySelectorAll("details[open]")].map((d) => keyOf(d));
    const kinds = Object.fromEntries([...live.querySelectorAll("[data-kind-for]")].map((s) => [s.dataset.kindFor, s.value]));
    live.innerHTML = html;
    for (const select of live.querySelectorAll("[data-kind-for]")) {
      if (kinds[select.dataset.kindFor]) select.value = kinds[select.dataset.kindFor];
    }
    for (const key of open) find(key)?.setAttribute("open", "");
    if (focused) find(focused)?.focus();
    paintTimes();
    document.dispatchEvent(new CustomEvent("mockluma:refreshed"));
  }

  function keyOf(element) {
    const parts = [];
    for (let node = element; node && node !== live; node = node.parentElement) {
      const index = node.parentElement ? [...node.parentElement.children].indexOf(node) : 0;
      parts.unshift(node.id ? `#${CSS.escape(node.id)}` : `${node.tagName.toLowerCase()}:nth-child(${index + 1})`);
      if (node.id) break;
    }
    return parts.join(" > ");
  }

  function find(key) {
    try { return key.startsWith("#") ? document.querySelector(key) : live.querySelector(`:scope > ${key}`); } catch { return null; }
  }

  // -- server-sent events -------------------------------------------------------------------
  // Read with fetch rather than EventSource, which cannot send an Authorization header (a
  // server started with an admin token wants one on every control call, the stream included).
  function onEvent(name, data) {
    if (name === "hello") {
      status.textContent = "live";
      clock.set(JSON.parse(data).clock);
    } else if (name === "change") {
      const change = JSON.parse(data);
      status.textContent = "live";
      clock.set(change.clock);
      if (change.topics.some((topic) => watched.has(topic))) refresh();
    }
  }

  async function listen() {
    const abort = new AbortController();
    window.addEventListener("pagehide", () => abort.abort(), { once: true });
    let retry = 3000;
    for (;;) {
      try {
        const headers = { Accept: "text/event-stream" };
        const token = sessionStorage.getItem(TOKEN);
        if (token) headers.Authorization = `Bearer ${token}`;
        const response = await fetch(`${admin}/ui/events`, { headers, signal: abort.signal, credentials: "same-origin" });
        if (!response.ok || !response.body) throw new Error(`status ${response.status}`);
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let name = "message";
            const data = [];
            for (const line of block.split("\n")) {
              if (line.startsWith("event: ")) name = line.slice(7);
              else if (line.startsWith("data: ")) data.push(line.slice(6));
              else if (line.startsWith("retry: ")) retry = Number(line.slice(7)) || retry;
            }
            if (data.length) onEvent(name, data.join("\n"));
          }
        }
      } catch (error) {
        if (abort.signal.aborted) return;
      }
      status.textContent = "live updates paused; reconnecting";
      await new Promise((resolve) => setTimeout(resolve, retry));
    }
  }
  if (window.fetch && window.TextDecoderStream) listen();

  // -- buttons ------------------------------------------------------------------------------
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.dataset.copy !== undefined) return copy(button);
    let action = null;
    if (button.dataset.advance) {
      action = () => api("POST", "/clock/advance", { seconds: Number(button.dataset.advance) });
    } else if (button.dataset.untilIdle !== undefined) {
      action = () => api("POST", "/clock/run-until-idle", {});
    } else if (button.dataset.removeRule) {
      action = () => api("DELETE", `/faults/${encodeURIComponent(button.dataset.removeRule)}`);
    } else if (button.dataset.action) {
      const id = button.dataset.id;
      const path = `/generations/${encodeURIComponent(id)}`;
      if (button.dataset.action === "complete") action = () => api("POST", `${path}/complete`, {});
      if (button.dataset.action === "fail") {
        const kind = document.querySelector(`[data-kind-for="${CSS.escape(id)}"]`)?.value || "job";
        action = () => api("POST", `${path}/fail`, { kind });
      }
      if (button.dataset.action === "delete") action = () => api("DELETE", path);
    }
    if (!action) return;
    event.preventDefault();
    button.disabled = true;
    try {
      const result = await action();
      if (!result.ok) return say(errorText(result), true);
      if (result.data && result.data.now !== undefined) {
        clock.set({ mode: result.data.mode, speed: result.data.speed, now: result.data.epoch, pending_events: result.data.pending_events });
      }
      say(doneText(button, result));
      if (button.dataset.action === "delete" && location.pathname.includes("/ui/generations/")) {
        location.assign(`${admin}/ui/generations`);
        return;
      }
      await refresh();
    } catch (error) {
      say(`The mock could not be reached: ${error}`, true);
    } finally {
      button.disabled = false;
    }
  });

  function doneText(button, result) {
    if (button.dataset.advance) return `Clock moved ${button.textContent.trim()}; ${result.data.events_run} event(s) ran.`;
    if (button.dataset.untilIdle !== undefined) return `Ran until idle: ${duration(result.data.advanced)} simulated, ${result.data.events_run} event(s).`;
    if (button.dataset.removeRule) return `Rule ${button.dataset.removeRule} removed.`;
    const id = button.dataset.id.slice(0, 8);
    return { complete: `Generation ${id} completed.`, fail: `Generation ${id} failed.`, delete: `Generation ${id} deleted.` }[button.dataset.action];
  }

  async function copy(button) {
    const target = document.querySelector(button.dataset.copy);
    if (!target) return;
    const text = "value" in target ? target.value : target.textContent;
    try {
      await navigator.clipboard.writeText(text);
      say("Copied to the clipboard.");
    } catch {
      // No clipboard access (an insecure origin): select the text for Ctrl-C instead.
      if (target.select) target.select();
      else window.getSelection().selectAllChildren(target);
      say("Selected: press Ctrl-C (⌘-C) to copy.");
    }
    body.dataset.copied = text;
  }

  // -- the fault form -----------------------------------------------------------------------
  const form = document.getElementById("fault-form");
  if (form) {
    const effect = form.querySelector("[data-effect]");
    const showEffect = () => {
      for (const field of form.querySelectorAll("[data-effect-field]")) {
        field.hidden = field.dataset.effectField !== effect.value;
      }
    };
    effect.addEventListener("change", showEffect);
    showEffect();

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearErrors();
      const rule = ruleFromForm();
      const result = await api("POST", "/faults", rule);
      if (result.ok) {
        say(`Rule ${rule.name} added.`);
        form.reset();
        showEffect();
        await refresh();
        return;
      }
      showError(errorText(result));
    });

    function ruleFromForm() {
      const rule = {};
      for (const input of form.querySelectorAll("[data-path]")) {
        if (input.closest("[hidden]") || input.value.trim() === "") continue;
        let value = input.value.trim();
        if (input.dataset.type === "integer" || input.dataset.type === "number") {
          const number = Number(value);
          value = Number.isNaN(number) ? value : number;
        }
        setPath(rule, input.dataset.path, value);
      }
      const when = form.querySelector("[data-when]").value;
      const whenValue = form.querySelector("[data-when-value]").value.trim();
      if (when) rule.when = { [when]: whenValue === "" ? null : Number(whenValue) };
      if (effect.value === "stuck") rule.generation = { stuck: true };
      return rule;
    }

    function setPath(target, path, value) {
      const keys = path.split(".");
      let node = target;
      for (const key of keys.slice(0, -1)) node = node[key] ??= {};
      node[keys[keys.length - 1]] = value;
    }

    function clearErrors() {
      for (const slot of form.querySelectorAll("[data-error-for]")) slot.textContent = "";
      for (const input of form.querySelectorAll("[aria-invalid]")) {
        input.removeAttribute("aria-invalid");
        input.removeAttribute("aria-describedby");
      }
      const top = document.getElementById("fault-form-error");
      top.hidden = true;
      top.textContent = "";
    }

    function showError(message) {
      // The control API names the key at fault: "fault rule 1: at error.status: ...".
      const match = /\bat ([A-Za-z_][\w.]*)(?:\[\d+\])?:/.exec(message);
      let path = match ? match[1] : null;
      let slot = null;
      while (path && !(slot = form.querySelector(`[data-error-for="${path}"]`))) {
        path = path.includes(".") ? path.slice(0, path.lastIndexOf(".")) : null;
      }
      if (!slot && /failure kind/.test(message)) slot = form.querySelector('[data-error-for="generation.fail"]');
      if (!slot) {
        const top = document.getElementById("fault-form-error");
        top.hidden = false;
        top.textContent = message;
        return;
      }
      const text = message.replace(/^fault rule \d+: /, "").replace(/^at [\w.[\]]+: /, "");
      slot.textContent = text;
      slot.id = slot.id || `error-${slot.dataset.errorFor.replace(/\W/g, "-")}`;
      const input = slot.parentElement.querySelector("input, select");
      if (input) {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", slot.id);
        input.focus();
      }
    }
  }

  paintTimes();
})();
