/* The live view of a chat: new messages, decisions and the team's posts arrive as
   server-sent events (EventSource resumes with Last-Event-ID by itself); the
   forms are sent with fetch and answered in place. Without this script the page
   works with plain forms and reloads. */
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root || !window.EventSource || !window.fetch) return;
  var list = document.getElementById("live-messages");
  var status = document.getElementById("live-status");
  var announce = document.getElementById("live-announce");
  var me = root.dataset.me;
  var actionLabels = JSON.parse(root.dataset.actionLabels);
  var statusLabels = JSON.parse(root.dataset.statusLabels);
  var ITEM = /999999999/g, AUTHOR = /888888888/g, POST = /777777777/g;

  function say(text) { announce.textContent = ""; announce.textContent = text; }

  function timeText(at) {
    try { return new Date(at).toLocaleString(document.documentElement.lang || undefined,
      { dateStyle: "short", timeStyle: "short" }); } catch (e) { return at; }
  }

  function fillMarked(node, text, words) {
    node.textContent = "";
    var found = (words || []).filter(Boolean).sort(function (a, b) { return b.length - a.length; });
    if (!found.length) { node.textContent = text; return; }
    var escaped = found.map(function (w) { return w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); });
    var pattern = new RegExp(escaped.join("|"), "gi");
    var position = 0, match;
    while ((match = pattern.exec(text)) !== null) {
      if (match.index > position) node.appendChild(document.createTextNode(text.slice(position, match.index)));
      var mark = document.createElement("mark");
      mark.textContent = match[0];
      node.appendChild(mark);
      position = match.index + match[0].length;
      if (match[0].length === 0) pattern.lastIndex++;
    }
    if (position < text.length) node.appendChild(document.createTextNode(text.slice(position)));
  }

  function fromTemplate(id, replacements) {
    var html = document.getElementById(id).innerHTML;
    replacements.forEach(function (r) { html = html.replace(r[0], r[1]); });
    var holder = document.createElement("ol");
    holder.innerHTML = html.trim();
    return holder.firstElementChild;
  }

  function setChannel(node, channel) {
    var place = node.querySelector("[data-channel]");
    if (place) place.textContent = channel ? "#" + channel : "";
  }

  function add(node) {
    var empty = document.getElementById("live-empty");
    if (empty) empty.remove();
    var nearBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 120;
    list.appendChild(node);
    if (nearBottom) node.scrollIntoView({ block: "nearest" });
  }

  function onMessage(data) {
    if (document.getElementById("m-" + data.item_id)) return;
    var id = String(parseInt(data.item_id, 10)), author = String(parseInt(data.author_id, 10));
    var node = fromTemplate("live-message-template", [[ITEM, id], [AUTHOR, author]]);
    node.querySelector("[data-author]").textContent = data.author;
    setChannel(node, data.channel);
    node.querySelector("[data-time]").textContent = timeText(data.posted_at || data.at);
    fillMarked(node.querySelector("[data-body]"), data.text || "", data.word_hits);
    if (data.kind !== "question") {
      node.querySelectorAll("[data-question]").forEach(function (el) { el.remove(); });
    }
    add(node);
    say(root.dataset.newMessage.replace("__NAME__", data.author));
  }

  function onTeamPost(data) {
    if (document.getElementById("t-" + data.id)) return;
    var node = fromTemplate("live-team-template", [[POST, String(parseInt(data.id, 10))]]);
    setChannel(node, data.channel);
    node.querySelector("[data-time]").textContent = timeText(data.at);
    node.querySelector("[data-body]").textContent = data.text;
    add(node);
  }

  function onDecision(data) {
    var node = document.getElementById("m-" + data.item_id);
    if (!node) return;
    var text = (actionLabels[data.action] || data.action) + " · " + (statusLabels[data.status] || data.status);
    var mine = String(data.decided_by_id) === me;
    var state = node.querySelector("[data-state]");
    var actions = node.querySelector("[data-actions]");
    if (!mine && actions) text = root.dataset.otherDecided + " " + text;
    state.textContent = text;
    node.classList.add("decided");
    if (actions) {
      if (!mine && actions.open) say(text);
      actions.remove();
    }
  }

  function handler(fn) {
    return function (event) {
      try { fn(JSON.parse(event.data)); } catch (e) { /* a malformed event is skipped */ }
    };
  }

  var source = new EventSource(root.dataset.streamUrl);
  source.addEventListener("message", handler(onMessage));
  source.addEventListener("decision", handler(onDecision));
  source.addEventListener("team_post", handler(onTeamPost));
  source.addEventListener("open", function () { status.textContent = root.dataset.connected; });
  source.addEventListener("error", function () { status.textContent = root.dataset.disconnected; });

  function send(form, submitter, done) {
    var body = new FormData(form);
    // A button's formAction is the page's own URL when it has no formaction attribute.
    var url = submitter && submitter.hasAttribute("formaction") ? submitter.formAction : form.action;
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": root.dataset.csrfToken }
    }).then(function (response) {
      return response.json().catch(function () { return { ok: false, message: response.statusText }; });
    }).then(done, function () { done({ ok: false, message: root.dataset.disconnected }); });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.classList.contains("live-form")) {
      event.preventDefault();
      var node = form.closest(".live-message");
      var buttons = form.querySelectorAll("button");
      buttons.forEach(function (b) { b.disabled = true; });
      send(form, event.submitter, function (answer) {
        buttons.forEach(function (b) { b.disabled = false; });
        var state = node.querySelector("[data-state]");
        state.textContent = answer.message;
        state.classList.toggle("error", !answer.ok);
        say(answer.message);
        if (answer.decided) {
          var actions = node.querySelector("[data-actions]");
          if (actions) actions.remove();
          node.classList.add("decided");
        }
      });
    } else if (form.classList.contains("live-post")) {
      event.preventDefault();
      send(form, event.submitter, function (answer) {
        say(answer.message);
        if (answer.ok) form.querySelector("textarea").value = "";
      });
    }
  });
})();
