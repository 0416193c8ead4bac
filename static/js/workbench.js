// The worker's workbench (templates/workpool/worker/conversation.html): counts the
// lease down, renews it while the worker types (at most once a minute), narrows the
// canned replies (already filled in by the server) as the worker types in their search
// box and inserts one at the cursor, gives the keyboard shortcuts, and keeps the answer
// being typed across a reload (adding an internal note reloads the page). The page works
// without it: the canned texts are shown for copying and the forms post as usual.
document.addEventListener("DOMContentLoaded", () => {
  const lease = document.querySelector("[data-lease-expires]");
  if (!lease) return;
  const countdown = lease.querySelector("[data-countdown]");
  const message = lease.querySelector("[data-lease-message]");
  const until = lease.querySelector("[data-until]");
  const RENEW_EVERY_MS = 60 * 1000;
  let expiresAt = Date.parse(lease.dataset.leaseExpires);
  let lastRenewal = Date.now();
  let renewing = false;
  let lost = false;

  const show = (text) => {
    if (message.textContent !== text) message.textContent = text;
  };

  const tick = () => {
    const left = Math.max(0, Math.floor((expiresAt - Date.now()) / 1000));
    const minutes = Math.floor(left / 60);
    const seconds = String(left % 60).padStart(2, "0");
    countdown.textContent = `${minutes}:${seconds}`;
    if (lost) return;
    if (left === 0) {
      show(lease.dataset.expiredMessage);
    } else {
      show("");
    }
  };

  const renew = async () => {
    if (lost || renewing || Date.now() - lastRenewal < RENEW_EVERY_MS) return;
    renewing = true;
    lastRenewal = Date.now();
    try {
      const response = await fetch(lease.dataset.renewUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "X-CSRFToken": lease.dataset.csrfToken,
          Accept: "application/json",
        },
      });
      if (response.ok) {
        const body = await response.json();
        expiresAt = Date.parse(body.expires_at);
        if (until) {
          until.textContent = new Date(expiresAt).toLocaleString(document.documentElement.lang, {
            dateStyle: "short",
            timeStyle: "short",
            timeZone: lease.dataset.timeZone, // the mailbox's, as the page shows times
          });
        }
      } else if (response.status === 409 || response.status === 404) {
        lost = true;
        show(lease.dataset.lostMessage);
      }
      // Anything else (a network hiccup, a server error): try again on the next keystroke
      // after a minute; the countdown keeps showing the time the server last confirmed.
    } catch (error) {
      // offline for a moment: the same
    } finally {
      renewing = false;
      tick();
    }
  };

  document.querySelectorAll("#answer textarea, #escalate textarea").forEach((area) => {
    area.addEventListener("input", renew);
  });

  // Canned replies: insert at the cursor of the answer box.
  const insert = (button) => {
    const target = document.getElementById(button.dataset.insertInto);
    if (!target) return;
    const text = button.dataset.insertText;
    const start = target.selectionStart ?? target.value.length;
    const end = target.selectionEnd ?? target.value.length;
    target.setRangeText(text, start, end, "end");
    const list = button.closest("details.canned");
    if (list) list.open = false; // the answer box moves up to where the list was
    target.focus();
    target.dispatchEvent(new Event("input", { bubbles: true }));
  };
  document.querySelectorAll("[data-insert-text]").forEach((button) => {
    if (!document.getElementById(button.dataset.insertInto)) return;
    button.hidden = false;
    button.addEventListener("click", () => insert(button));
  });

  // The search box narrows the list as the worker types; Enter inserts the first match.
  const canned = document.getElementById("canned");
  const search = canned && canned.querySelector("[data-canned-search]");
  const filter = search && search.querySelector("input");
  const items = canned ? [...canned.querySelectorAll("[data-canned-item]")] : [];
  const visible = () => items.filter((item) => !item.hidden);
  if (filter) {
    search.hidden = false;
    const none = search.querySelector("[data-canned-none]");
    const noneText = canned.querySelector("[data-canned-list]").dataset.noneText;
    filter.addEventListener("input", () => {
      const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      items.forEach((item) => {
        item.hidden = !words.every((word) => item.dataset.search.includes(word));
      });
      none.textContent = visible().length ? "" : noneText;
    });
    filter.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        const first = visible()[0];
        if (first) insert(first.querySelector("[data-insert-text]"));
      } else if (event.key === "Escape") {
        canned.open = false;
        document.getElementById("body")?.focus();
      }
    });
  }
  const openCanned = () => {
    if (!canned) return;
    canned.open = true;
    (filter || canned.querySelector("summary")).focus();
  };

  // Keyboard shortcuts (listed in the help line): a letter outside a text field, or
  // Alt+Shift+letter anywhere; Ctrl/Cmd+Enter sends the form being typed in (the answer
  // unless the escalation note has the focus).
  const help = document.querySelector("[data-shortcuts-help]");
  if (help) help.hidden = false;
  const answerForm = document.getElementById("answer-form");
  const escalateForm = document.getElementById("escalate-form");
  const skipForm = document.getElementById("skip-form");
  const answerBox = document.getElementById("body");
  const typing = (element) =>
    element.isContentEditable || ["input", "textarea", "select"].includes((element.tagName || "").toLowerCase());
  const skip = () => {
    if (!skipForm) return;
    if (answerBox && answerBox.value.trim() && !window.confirm(skipForm.dataset.confirmDraft)) return;
    skipForm.requestSubmit();
  };
  const actions = {
    r: openCanned,
    e: () => {
      const note = escalateForm && escalateForm.querySelector("textarea");
      if (note) {
        note.scrollIntoView({ block: "center" });
        note.focus();
      }
    },
    s: skip,
    a: () => answerBox && answerBox.focus(),
  };
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      const form = escalateForm && escalateForm.contains(event.target) ? escalateForm : answerForm;
      if (form) {
        event.preventDefault();
        form.requestSubmit();
      }
      return;
    }
    const key = (event.code || "").startsWith("Key") ? event.code.slice(3).toLowerCase() : "";
    const action = actions[key];
    if (!action) return;
    const withModifier = event.altKey && event.shiftKey && !event.ctrlKey && !event.metaKey;
    const plain = !event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey;
    if (withModifier || (plain && !typing(event.target))) {
      event.preventDefault();
      action();
    }
  });

  // The answer being typed survives a reload of the workbench (adding an internal note
  // posts a plain form and reloads the page): it is kept in sessionStorage for this worker
  // and conversation and put back into an empty answer box. Sending or skipping forgets it
  // (the server itself gives the text back where a send is refused); a refused
  // escalation reloads the page without the answer, so escalating keeps it.
  const draftKey = answerForm && answerForm.dataset.draftKey;
  const storage = (() => {
    try {
      return window.sessionStorage;
    } catch (error) {
      return null; // storage switched off: the page works as before
    }
  })();
  const keep = (value) => {
    if (!storage || !draftKey) return;
    try {
      if (value.trim()) storage.setItem(draftKey, value);
      else storage.removeItem(draftKey);
    } catch (error) {
      // full or refused: nothing to keep
    }
  };
  if (storage && draftKey && answerBox) {
    const kept = storage.getItem(draftKey);
    if (kept && !answerBox.value.trim()) {
      answerBox.value = kept;
      const note = answerForm.querySelector("[data-draft-message]");
      if (note) note.textContent = answerForm.dataset.restoredMessage;
    }
    answerBox.addEventListener("input", () => keep(answerBox.value));
    [answerForm, skipForm].forEach((form) => {
      if (form) form.addEventListener("submit", () => keep(""));
    });
  }

  // The customer wrote again while the worker typed: show the new message first.
  const fresh = document.querySelector("[data-new-message]");
  if (fresh) fresh.scrollIntoView({ block: "start" });

  tick();
  window.setInterval(tick, 1000);
});
