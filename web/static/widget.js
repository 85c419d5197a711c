/*
 * Micro-credential advisor: a small chat widget for Rasa's REST channel. No dependencies.
 *
 * Embedding (see the README, "The website widget"):
 *   <link rel="stylesheet" href="widget.css">
 *   <script>window.MicroCredentialChat = { authToken: "<JWT from your portal>" };</script>
 *   <script src="widget.js" defer></script>
 * Options on window.MicroCredentialChat before the script loads (all optional):
 *   authToken  the signed-in user's token, sent with every message as metadata.auth_token
 *   rasaUrl    the Rasa server (default: "rasaUrl" of config.json beside this script)
 *   configUrl  where to read that config (default: config.json beside this script)
 * At runtime: MicroCredentialChat.setToken(jwt | null), .open(), .close(), .reset().
 * Replies: text (links, line breaks), buttons, and one custom payload, {"custom": {"progress_card"}},
 * drawn as a card in place of the text message just before it (docs/widget.md); other custom
 * payloads are ignored.
 * Signing in as someone else, or out, starts a fresh conversation (a new sender id), so one
 * person's answers are never shown to the next.
 */
(function () {
  "use strict";

  const STORE_KEY = "mcchat:v1";
  let timeoutMs = 10000; // until config.json gives bot/timeouts.py's WIDGET_REQUEST_TIMEOUT_S
  const MAX_KEPT = 100;
  const ERROR_TEXT = "Can't reach the advisor right now.";
  const EMPTY_TEXT = "The advisor had no answer to that. Try asking another way.";

  const host = (window.MicroCredentialChat = window.MicroCredentialChat || {});
  const scriptUrl = (document.currentScript && document.currentScript.src) || window.location.href;

  let token = typeof host.authToken === "string" && host.authToken ? host.authToken : null;
  let state = loadState();
  let busy = false;
  let generation = 0; // bumps on reset: answers to an older conversation are dropped
  let inflight = null;
  let rasaUrlPromise = null;
  const ui = {};

  // ---- identity and storage -------------------------------------------------------------

  /** Who a token is about, for the UI only (never trusted: the server verifies the token). */
  function claimsOf(jwt) {
    if (!jwt) return null;
    try {
      const part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      const padded = part + "===".slice((part.length + 3) % 4);
      const claims = JSON.parse(decodeURIComponent(escape(atob(padded))));
      return { sub: String(claims.sub || ""), role: String(claims.role || "") };
    } catch (e) {
      return { sub: "", role: "" };
    }
  }

  function subjectOf(jwt) {
    const c = claimsOf(jwt);
    return c ? c.role + ":" + c.sub : "";
  }

  function newSenderId() {
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return "web-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function freshState(open) {
    return { sender: newSenderId(), subject: subjectOf(token), messages: [], open: !!open };
  }

  function loadState() {
    let saved = null;
    try {
      saved = JSON.parse(window.sessionStorage.getItem(STORE_KEY) || "null");
    } catch (e) {
      saved = null;
    }
    const valid = saved && typeof saved.sender === "string" && Array.isArray(saved.messages);
    // A conversation belongs to whoever was signed in: someone else gets a fresh one.
    if (!valid || saved.subject !== subjectOf(token)) return freshState(valid && saved.open);
    return saved;
  }

  function saveState() {
    state.messages = state.messages.slice(-MAX_KEPT);
    try {
      window.sessionStorage.setItem(STORE_KEY, JSON.stringify(state));
    } catch (e) {
      /* storage full or disabled: the conversation just won't survive a reload */
    }
  }

  // ---- rendering ------------------------------------------------------------------------

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => {
      if (value === false || value == null) return;
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else node.setAttribute(key, value === true ? "" : value);
    });
    (children || []).forEach((child) => child && node.appendChild(child));
    return node;
  }

  const LINK = new RegExp(
    [
      "\\[([^\\]\\n]+)\\]\\(((?:https?:\\/\\/|mailto:)[^\\s)]+)\\)", // [text](url)
      "((?:https?:\\/\\/|www\\.)[^\\s<>\"]+)", // bare URL
      "([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,})", // e-mail address
    ].join("|"),
    "g"
  );
  const TRAILING = /[.,;:!?)\]'"]+$/;

  function appendText(parent, text) {
    text.split("\n").forEach((line, i) => {
      if (i > 0) parent.appendChild(document.createElement("br"));
      if (line) parent.appendChild(document.createTextNode(line));
    });
  }

  function link(label, href) {
    return el("a", { href: href, target: "_blank", rel: "noopener noreferrer", text: label });
  }

  /** Bot text as DOM nodes: text nodes (so nothing is ever parsed as HTML), links, line breaks. */
  function richText(text) {
    const frag = document.createDocumentFragment();
    let last = 0;
    let m;
    LINK.lastIndex = 0;
    while ((m = LINK.exec(text)) !== null) {
      let consumed = m[0];
      let node;
      if (m[1]) {
        node = link(m[1], m[2]);
      } else {
        const trail = (consumed.match(TRAILING) || [""])[0];
        consumed = consumed.slice(0, consumed.length - trail.length);
        if (!consumed || consumed === "www.") continue;
        if (m[3]) node = link(consumed, /^www\./i.test(consumed) ? "https://" + consumed : consumed);
        else node = link(consumed, "mailto:" + consumed);
      }
      appendText(frag, text.slice(last, m.index));
      frag.appendChild(node);
      last = m.index + consumed.length;
      LINK.lastIndex = last;
    }
    appendText(frag, text.slice(last));
    return frag;
  }

  // ---- progress card (custom payload "progress_card"; contract in docs/widget.md) -----------

  const ITEM_STATES = ["done", "in_progress", "needed"];
  const STATUSES = ["earned", "in_progress", "not_started", "not_eligible"];
  const STATE_WORDS = { done: "Done: ", in_progress: "In progress: ", needed: "Still needed: " };

  function str(v) {
    return typeof v === "string" ? v.trim() : typeof v === "number" && isFinite(v) ? String(v) : "";
  }

  function num(v) {
    return typeof v === "number" && isFinite(v) ? v : null;
  }

  /** A checked copy of a progress_card payload (strings and numbers only), or null if unusable. */
  function progressCard(raw) {
    if (!raw || typeof raw !== "object" || Array.isArray(raw) || !str(raw.title)) return null;
    const total = num(raw.total) === null ? null : Math.max(0, Math.round(raw.total));
    const done = num(raw.done) === null ? null : Math.max(0, Math.round(raw.done));
    if (total === null || done === null) return null;
    const status = STATUSES.indexOf(raw.status) >= 0 ? raw.status : "";
    const items = (Array.isArray(raw.items) ? raw.items : [])
      .filter((i) => i && typeof i === "object" && str(i.course))
      .slice(0, 40)
      .map((i) => ({
        course: str(i.course), title: str(i.title), grade: str(i.grade), term: str(i.term), note: str(i.note),
        state: ITEM_STATES.indexOf(i.state) >= 0 ? i.state : "needed",
      }));
    return {
      title: str(raw.title), level: str(raw.level), student_id: str(raw.student_id), status: status,
      status_label: str(raw.status_label) || status.replace(/_/g, " "),
      done: Math.min(done, total), total: total, items: items,
      gpa: num(raw.gpa), min_gpa: num(raw.min_gpa), gpa_ok: typeof raw.gpa_ok === "boolean" ? raw.gpa_ok : null,
      next_step: str(raw.next_step),
    };
  }

  function renderItem(item) {
    const meta = item.state === "done" ? [item.grade, item.term]
      : item.state === "in_progress" ? ["in progress", item.term] : [];
    return el("li", { className: "mcc-item mcc-item--" + item.state, "data-state": item.state }, [
      el("span", { className: "mcc-item__mark", "aria-hidden": "true", text: item.state === "done" ? "✓" : "" }),
      el("span", { className: "mcc-item__body" }, [
        el("span", { className: "mcc-sr", text: STATE_WORDS[item.state] }),
        el("span", { className: "mcc-item__course", text: item.course }),
        item.title && el("span", { className: "mcc-item__title", text: " " + item.title }),
        meta.filter(Boolean).length ? el("span", { className: "mcc-item__meta", text: meta.filter(Boolean).join(" · ") }) : null,
        item.note && el("span", { className: "mcc-item__note", text: item.note }),
      ]),
    ]);
  }

  function gpaLine(card) {
    const min = card.min_gpa === null ? "" : "minimum " + card.min_gpa.toFixed(2);
    const own = card.gpa === null ? "No GPA yet" : "GPA " + card.gpa.toFixed(2);
    return own + (min ? " — " + min : "") + (card.gpa_ok === false ? " (below the minimum)" : "");
  }

  /** The card: every value goes in as text (textContent), never as HTML. */
  function renderCard(card) {
    const label = card.done + " of " + card.total + (card.total === 1 ? " course" : " courses");
    const fill = el("span", { className: "mcc-bar__fill" });
    fill.style.width = (card.total ? Math.round((100 * card.done) / card.total) : 0) + "%"; // CSSOM: allowed by the CSP
    const sub = [card.level, card.student_id].filter(Boolean).join(" · ");
    const children = [
      el("div", { className: "mcc-card__head" }, [
        el("h3", { className: "mcc-card__title", text: card.title }),
        card.status_label && el("span", { className: "mcc-badge mcc-badge--" + (card.status || "other"), text: card.status_label }),
      ]),
      sub && el("p", { className: "mcc-card__sub", text: sub }),
      el("div", { className: "mcc-card__progress" }, [
        el("div", {
          className: "mcc-bar", role: "progressbar", "aria-label": "Courses completed",
          "aria-valuemin": "0", "aria-valuemax": String(card.total), "aria-valuenow": String(card.done), "aria-valuetext": label,
        }, [fill]),
        el("span", { className: "mcc-bar__label", "aria-hidden": "true", text: label }),
      ]),
      card.items.length ? el("ul", { className: "mcc-checklist", "aria-label": "Courses" }, card.items.map(renderItem)) : null,
      (card.gpa !== null || card.min_gpa !== null) &&
        el("p", { className: "mcc-card__gpa" + (card.gpa_ok === false ? " mcc-card__gpa--low" : ""), text: gpaLine(card) }),
    ];
    if (card.next_step) {
      const next = el("p", { className: "mcc-card__next" }, [el("strong", { text: "Next step: " })]);
      next.appendChild(richText(card.next_step));
      children.push(next);
    }
    return el("div", { className: "mcc-card mcc-card--" + (card.status || "other") }, children);
  }

  function renderMessage(msg) {
    const fromUser = msg.from === "user";
    const body = el("span", { className: "mcc-text" });
    if (fromUser) appendText(body, msg.text || "");
    else if (msg.text) body.appendChild(richText(msg.text));
    const card = !fromUser && msg.card ? progressCard(msg.card) : null;
    let content = [body];
    if (card) {
      // The card is what people see; the text it stands for stays one click away.
      content = [renderCard(card)];
      if (msg.text) {
        content.push(el("details", { className: "mcc-card__text" }, [el("summary", { text: "Text version" }), body]));
      }
    }
    const bubble = el("div", { className: "mcc-bubble" + (card ? " mcc-bubble--card" : "") }, [
      el("span", { className: "mcc-sr", text: fromUser ? "You: " : "Advisor: " }),
    ].concat(content));
    const row = el("div", { className: "mcc-msg mcc-msg--" + (fromUser ? "user" : "bot"), "data-from": msg.from }, [bubble]);
    if (msg.note) row.classList.add("mcc-msg--note");
    if (Array.isArray(msg.buttons) && msg.buttons.length) {
      const group = el("div", { className: "mcc-buttons", role: "group", "aria-label": "Suggested replies" });
      msg.buttons.forEach((b) => {
        if (!b || !b.title) return;
        const button = el("button", { type: "button", className: "mcc-choice", text: b.title });
        button.addEventListener("click", () => send(b.payload || b.title, b.title));
        group.appendChild(button);
      });
      row.appendChild(group);
    }
    if (msg.turn && msg.turn.feedback) row.appendChild(feedbackControls(msg));
    return row;
  }

  // ---- feedback on an answer (POST /webhooks/rest/feedback; docs/widget.md) -----------------

  function postFeedback(msg, helpful, comment) {
    const body = { turn: msg.turn.id, helpful: helpful };
    if (comment) body.comment = comment;
    return rasaUrl().then((base) =>
      fetch(base + "/webhooks/rest/feedback", {
        method: "POST", mode: "cors", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      })
    ).then((response) => {
      if (!response.ok) throw new Error("HTTP " + response.status);
    });
  }

  function feedbackControls(msg) {
    const box = el("div", { className: "mcc-feedback", role: "group", "aria-label": "Was this answer helpful?" });
    const status = el("span", { className: "mcc-feedback__status", role: "status" });
    const up = el("button", { type: "button", className: "mcc-vote", "aria-label": "Helpful", title: "Helpful", text: "\u{1F44D}" });
    const down = el("button", { type: "button", className: "mcc-vote", "aria-label": "Not helpful", title: "Not helpful", text: "\u{1F44E}" });
    function mark() {
      up.setAttribute("aria-pressed", String(msg.rated === "up"));
      down.setAttribute("aria-pressed", String(msg.rated === "down"));
    }
    function vote(helpful) {
      msg.rated = helpful ? "up" : "down";
      mark();
      saveState();
      postFeedback(msg, helpful).then(
        () => { status.textContent = helpful ? "Thanks for the feedback." : "Thanks. What was missing?"; },
        () => { status.textContent = "Your feedback could not be sent."; }
      );
      if (!helpful && !box.querySelector("form")) box.appendChild(commentForm(msg, status));
    }
    up.addEventListener("click", () => vote(true));
    down.addEventListener("click", () => vote(false));
    mark();
    box.appendChild(el("span", { className: "mcc-feedback__label", text: "Helpful?" }));
    box.appendChild(up);
    box.appendChild(down);
    box.appendChild(status);
    return box;
  }

  function commentForm(msg, status) {
    const id = "mcc-comment-" + msg.turn.id;
    const area = el("textarea", { id: id, className: "mcc-comment", maxLength: 1000, rows: 2 });
    const form = el("form", { className: "mcc-feedback__form" }, [
      el("label", { for: id, text: "What was missing? (optional)" }),
      area,
      el("button", { type: "submit", className: "mcc-choice", text: "Send comment" }),
    ]);
    const ask = el("button", { type: "button", className: "mcc-choice", text: "Ask a person instead" });
    ask.addEventListener("click", () => send("/human_handoff", "I'd like to ask a person"));
    form.appendChild(ask);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const comment = area.value.trim();
      if (!comment) return;
      postFeedback(msg, false, comment).then(
        () => { status.textContent = "Thanks — the program office will see your comment."; form.remove(); },
        () => { status.textContent = "Your comment could not be sent."; }
      );
    });
    return form;
  }

  function scrollToEnd() {
    if (ui.log) ui.log.scrollTop = ui.log.scrollHeight;
  }

  function addMessage(msg) {
    state.messages.push(msg);
    saveState();
    if (ui.log) {
      ui.log.insertBefore(renderMessage(msg), ui.typing.parentNode === ui.log ? ui.typing : null);
      scrollToEnd();
    }
  }

  function setTyping(on) {
    if (on) {
      ui.log.appendChild(ui.typing);
      scrollToEnd();
    } else if (ui.typing.parentNode) {
      ui.typing.parentNode.removeChild(ui.typing);
    }
  }

  function clearError() {
    if (ui.error && ui.error.parentNode) ui.error.parentNode.removeChild(ui.error);
    ui.error = null;
  }

  function showError(retry) {
    clearError();
    const button = el("button", { type: "button", className: "mcc-retry", text: "Retry" });
    button.addEventListener("click", () => {
      clearError();
      retry();
    });
    ui.error = el("div", { className: "mcc-error", role: "alert" }, [
      el("span", { className: "mcc-error__text", text: ERROR_TEXT + " " }),
      button,
    ]);
    ui.log.appendChild(ui.error);
    scrollToEnd();
  }

  function setBusy(on) {
    busy = on;
    ui.send.setAttribute("aria-disabled", on ? "true" : "false");
    ui.panel.setAttribute("aria-busy", on ? "true" : "false");
  }

  function updateWho() {
    const c = claimsOf(token);
    ui.who.textContent = c
      ? "Signed in as " + (c.sub || "a user") + (c.role === "advisor" ? " (advisor)" : "")
      : "Not signed in";
  }

  // ---- talking to Rasa ------------------------------------------------------------------

  function rasaUrl() {
    if (!rasaUrlPromise) {
      if (typeof host.rasaUrl === "string" && host.rasaUrl) {
        rasaUrlPromise = Promise.resolve(host.rasaUrl.replace(/\/+$/, ""));
      } else {
        const configUrl = new URL(host.configUrl || "config.json", scriptUrl).href;
        rasaUrlPromise = fetchWithTimeout(configUrl, { cache: "no-store" }, new AbortController())
          .then((r) => {
            if (!r.ok) throw new Error("config " + r.status);
            return r.json();
          })
          .then((cfg) => {
            if (!cfg || typeof cfg.rasaUrl !== "string") throw new Error("config without rasaUrl");
            if (typeof cfg.requestTimeoutMs === "number" && cfg.requestTimeoutMs > 0) timeoutMs = cfg.requestTimeoutMs;
            return cfg.rasaUrl.replace(/\/+$/, "");
          });
        rasaUrlPromise.catch(() => {
          rasaUrlPromise = null; // try again on the next message
        });
      }
    }
    return rasaUrlPromise;
  }

  function fetchWithTimeout(url, options, controller) {
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    return fetch(url, Object.assign({}, options, { signal: controller.signal })).finally(() => clearTimeout(timer));
  }

  /** Post one message to the REST webhook; render the replies, or the error line with a retry. */
  function request(message) {
    const mine = generation;
    const controller = new AbortController();
    inflight = controller;
    setBusy(true);
    clearError();
    setTyping(true);
    const body = { sender: state.sender, message: message };
    if (token) body.metadata = { auth_token: token };
    rasaUrl()
      .then((base) =>
        fetchWithTimeout(
          base + "/webhooks/rest/webhook",
          { method: "POST", mode: "cors", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) },
          controller
        )
      )
      .then((response) => {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then((replies) => {
        if (mine !== generation) return;
        if (!Array.isArray(replies)) throw new Error("unexpected reply");
        finish();
        const shown = botMessages(replies);
        if (!shown.length) addMessage({ from: "bot", text: EMPTY_TEXT, note: true });
        shown.forEach(addMessage);
      })
      .catch(() => {
        if (mine !== generation) return;
        finish();
        showError(() => request(message));
      });
  }

  /** The webhook's reply list as messages to show: text and buttons; a progress_card goes onto
   * the text message right before it (or stands alone); anything else is ignored. */
  function botMessages(replies) {
    const out = [];
    let lastText = null;
    replies.forEach((r) => {
      const custom = r && r.custom && typeof r.custom === "object" ? r.custom : null;
      const card = custom ? progressCard(custom.progress_card) : null;
      const buttons = r && Array.isArray(r.buttons) ? r.buttons : [];
      if (card) {
        if (lastText) lastText.card = card;
        else out.push({ from: "bot", text: "", buttons: [], card: card });
        lastText = null;
      } else if (r && (r.text || buttons.length)) {
        const msg = { from: "bot", text: r.text ? String(r.text) : "", buttons: buttons };
        out.push(msg);
        lastText = msg.text ? msg : null;
      } else {
        lastText = null;
      }
      // the reply's last message names the turn: feedback goes under the answer's last bubble
      if (r && r.turn && typeof r.turn.id === "string" && out.length) {
        out[out.length - 1].turn = { id: r.turn.id, feedback: !!r.turn.feedback };
      }
    });
    return out;
  }

  function finish() {
    inflight = null;
    setTyping(false);
    setBusy(false);
  }

  /** Send ``payload``; show ``shown`` (a button's title) or the payload as the user's message. */
  function send(payload, shown) {
    const text = String(payload || "").trim();
    if (!text || busy) return false;
    addMessage({ from: "user", text: shown || text });
    request(text);
    return true;
  }

  // ---- the widget -----------------------------------------------------------------------

  function chatIcon() {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "mcc-launcher__icon");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("fill-rule", "evenodd");
    svg.appendChild(path);
    return svg;
  }

  function build() {
    ui.launcher = el("button", {
      type: "button",
      className: "mcc-launcher",
      "aria-controls": "mcc-panel",
      "aria-expanded": "false",
      "aria-haspopup": "dialog",
    }, [
      chatIcon(),
      el("span", { className: "mcc-launcher__label", text: "Ask the advisor" }),
    ]);
    ui.close = el("button", { type: "button", className: "mcc-icon-button", "aria-label": "Close chat", title: "Close (Esc)", text: "×" });
    ui.restart = el("button", { type: "button", className: "mcc-text-button", text: "New chat", title: "Start a new conversation" });
    ui.who = el("p", { className: "mcc-who", id: "mcc-who" });
    ui.log = el("div", {
      className: "mcc-log",
      role: "log",
      "aria-live": "polite",
      "aria-relevant": "additions",
      "aria-label": "Conversation",
      tabindex: "0",
    });
    ui.intro = el("p", {
      className: "mcc-intro",
      text: "Ask about costs, eligibility, grades, stacking or a specific micro-credential. Signed-in students can ask how close they are to a badge.",
    });
    ui.typing = el("div", { className: "mcc-msg mcc-msg--bot mcc-typing" }, [
      el("div", { className: "mcc-bubble" }, [
        el("span", { className: "mcc-sr", text: "The advisor is typing…" }),
        el("span", { className: "mcc-dot", "aria-hidden": "true" }),
        el("span", { className: "mcc-dot", "aria-hidden": "true" }),
        el("span", { className: "mcc-dot", "aria-hidden": "true" }),
      ]),
    ]);
    ui.input = el("input", {
      type: "text",
      id: "mcc-input",
      className: "mcc-input",
      name: "message",
      autocomplete: "off",
      maxlength: "500",
      placeholder: "Type your question…",
    });
    ui.send = el("button", { type: "submit", className: "mcc-send", "aria-label": "Send message", "aria-disabled": "false" }, [
      el("span", { "aria-hidden": "true", text: "Send" }),
    ]);
    ui.form = el("form", { className: "mcc-form", autocomplete: "off" }, [
      el("label", { className: "mcc-sr", for: "mcc-input", text: "Your message" }),
      ui.input,
      ui.send,
    ]);
    ui.panel = el("section", {
      id: "mcc-panel",
      className: "mcc-panel",
      role: "dialog",
      "aria-modal": "false",
      "aria-labelledby": "mcc-title",
      "aria-describedby": "mcc-who",
      hidden: true,
    }, [
      el("header", { className: "mcc-header" }, [
        el("div", { className: "mcc-header__text" }, [el("h2", { id: "mcc-title", className: "mcc-title", text: "Micro-credential advisor" }), ui.who]),
        ui.restart,
        ui.close,
      ]),
      ui.log,
      ui.form,
    ]);
    ui.root = el("div", { className: "mcc-root" }, [ui.panel, ui.launcher]);

    renderAll();
    updateWho();

    ui.launcher.addEventListener("click", () => (state.open ? close(true) : open(true)));
    ui.close.addEventListener("click", () => close(true));
    ui.restart.addEventListener("click", () => {
      reset();
      ui.input.focus();
    });
    ui.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        close(true);
      }
    });
    ui.form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (send(ui.input.value)) ui.input.value = "";
      ui.input.focus();
    });

    document.body.appendChild(ui.root);
    if (state.open) open(false);
  }

  function renderAll() {
    ui.log.textContent = "";
    ui.log.appendChild(ui.intro);
    state.messages.forEach((msg) => ui.log.appendChild(renderMessage(msg)));
    ui.error = null;
  }

  function open(focus) {
    state.open = true;
    saveState();
    if (!ui.panel) return;
    ui.panel.hidden = false;
    ui.root.classList.add("mcc-root--open");
    ui.launcher.setAttribute("aria-expanded", "true");
    scrollToEnd();
    if (focus) ui.input.focus();
  }

  function close(focus) {
    state.open = false;
    saveState();
    if (!ui.panel) return;
    ui.panel.hidden = true;
    ui.root.classList.remove("mcc-root--open");
    ui.launcher.setAttribute("aria-expanded", "false");
    if (focus) ui.launcher.focus();
  }

  /** Start a fresh conversation: a new sender id, no messages, nothing in flight. */
  function reset() {
    generation += 1;
    if (inflight) inflight.abort();
    state = freshState(state.open);
    saveState();
    if (ui.log) {
      finish();
      renderAll();
    } else {
      busy = false;
    }
  }

  function setToken(jwt) {
    const next = typeof jwt === "string" && jwt ? jwt : null;
    const changed = subjectOf(next) !== subjectOf(token);
    token = next;
    host.authToken = next || undefined;
    if (changed) reset();
    if (ui.who) updateWho();
  }

  host.setToken = setToken;
  host.open = () => open(true);
  host.close = () => close(true);
  host.reset = reset;

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", build);
  else build();
})();
