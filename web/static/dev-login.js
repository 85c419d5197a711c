/*
 * Development sign-in for the sample page (only when the server runs with BOT_DEV_LOGIN=1).
 * Pick a sample student or the advisor; the page gets a signed token from /dev/login and hands it
 * to the chat widget, which sends it with every message. A real portal does not load this file:
 * it sets window.MicroCredentialChat.authToken (or calls MicroCredentialChat.setToken) itself.
 *
 * Loaded before widget.js so that a sign-in kept in this tab's sessionStorage reaches the widget
 * before it starts (the widget keeps a conversation only for the person it belongs to).
 */
(function () {
  "use strict";

  const KEY = "mcchat:dev-login";
  let saved = null;
  try {
    saved = JSON.parse(window.sessionStorage.getItem(KEY) || "null");
  } catch (e) {
    saved = null;
  }
  if (saved && typeof saved.token === "string") {
    window.MicroCredentialChat = window.MicroCredentialChat || {};
    window.MicroCredentialChat.authToken = saved.token;
  } else {
    saved = null;
  }

  const $ = (id) => document.getElementById(id);
  const chat = () => window.MicroCredentialChat || {};

  function remember(value) {
    saved = value;
    try {
      if (value) window.sessionStorage.setItem(KEY, JSON.stringify(value));
      else window.sessionStorage.removeItem(KEY);
    } catch (e) {
      /* not kept across reloads then */
    }
  }

  function showState() {
    $("dev-login-form").hidden = !!saved;
    $("dev-login-status").hidden = !saved;
    if (saved) $("dev-login-who").textContent = saved.label;
  }

  function showError(text) {
    const box = $("dev-login-error");
    box.textContent = text || "";
    box.hidden = !text;
  }

  async function getJson(url, options) {
    const response = await fetch(url, Object.assign({ cache: "no-store" }, options));
    if (!response.ok) throw new Error(url + ": HTTP " + response.status);
    return response.json();
  }

  async function start() {
    let config;
    try {
      config = await getJson("config.json");
    } catch (e) {
      return;
    }
    if (!config.devLogin) {
      if (saved) {
        remember(null);
        if (chat().setToken) chat().setToken(null);
      }
      return;
    }
    const bar = $("dev-login");
    const select = $("dev-login-person");
    let people = [];
    try {
      people = (await getJson("dev/people")).people || [];
    } catch (e) {
      showError("Could not load the sample people.");
    }
    people.forEach((p) => {
      const option = document.createElement("option");
      option.value = p.role + ":" + p.id;
      option.textContent = p.role === "student" ? p.id + " — " + p.name : p.name;
      select.appendChild(option);
    });
    bar.hidden = false;
    showState();

    $("dev-login-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const person = people.find((p) => p.role + ":" + p.id === select.value);
      if (!person) return;
      showError("");
      try {
        const answer = await getJson("dev/login", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ sub: person.id, role: person.role }),
        });
        const label = person.role === "student" ? person.name + " (" + person.id + ")" : person.name;
        remember({ token: answer.token, sub: person.id, role: person.role, label: label });
        chat().setToken(answer.token);
        showState();
        $("dev-logout").focus();
      } catch (e) {
        showError("Sign-in failed. Is the server running with BOT_DEV_LOGIN=1 and BOT_AUTH_SECRET set?");
      }
    });
    $("dev-logout").addEventListener("click", () => {
      remember(null);
      chat().setToken(null);
      showState();
      select.focus();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
