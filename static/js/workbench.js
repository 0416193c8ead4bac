// The worker's workbench (templates/workpool/worker/conversation.html): counts the
// lease down, renews it while the worker types (at most once a minute), and inserts
// canned replies that the server already filled in. The page works without it: the
// canned texts are shown for copying and the forms post as usual.
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

  document.querySelectorAll("[data-insert-text]").forEach((button) => {
    const target = document.getElementById(button.dataset.insertInto);
    if (!target) return;
    button.hidden = false;
    button.addEventListener("click", () => {
      const text = button.dataset.insertText;
      const start = target.selectionStart ?? target.value.length;
      const end = target.selectionEnd ?? target.value.length;
      target.setRangeText(text, start, end, "end");
      const list = button.closest("details.canned");
      if (list) list.open = false; // the answer box moves up to where the list was
      target.focus();
      target.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });

  tick();
  window.setInterval(tick, 1000);
});
