// The moderator's item page (templates/moderation/work/item.html): counts the lease
// down and renews it while the moderator works (at most once a minute), fills the
// chosen rule's warning into the warning text, and the keyboard shortcuts listed on
// the page. The page works without it: every action is a plain form.
document.addEventListener("DOMContentLoaded", () => {
  const lease = document.querySelector("[data-lease-expires]");
  if (!lease) return;
  const countdown = lease.querySelector("[data-countdown]");
  const message = lease.querySelector("[data-lease-message]");
  const RENEW_EVERY_MS = 60 * 1000;
  let expiresAt = Date.parse(lease.dataset.leaseExpires);
  let lastRenewal = Date.now();
  let lost = false;

  const show = (text) => {
    if (message.textContent !== text) message.textContent = text;
  };
  const tick = () => {
    const left = Math.max(0, Math.floor((expiresAt - Date.now()) / 1000));
    countdown.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    if (!lost) show(left === 0 ? lease.dataset.expiredMessage : "");
  };
  const renew = async () => {
    if (lost || Date.now() - lastRenewal < RENEW_EVERY_MS) return;
    lastRenewal = Date.now();
    try {
      const response = await fetch(lease.dataset.renewUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": lease.dataset.csrfToken, Accept: "application/json" },
      });
      if (response.ok) {
        expiresAt = Date.parse((await response.json()).expires_at);
      } else if (response.status === 409 || response.status === 404) {
        lost = true;
        show(lease.dataset.lostMessage);
      }
    } catch (error) {
      // offline for a moment: try again on the next action after a minute
    }
    tick();
  };
  ["input", "click", "keydown", "scroll"].forEach((type) =>
    document.addEventListener(type, renew, { passive: true }),
  );
  tick();
  setInterval(tick, 1000);

  // The chosen rule's warning goes into the (still editable) warning text.
  document.querySelectorAll("[data-fill-warning]").forEach((select) => {
    const target = document.getElementById(select.dataset.fillWarning);
    select.addEventListener("change", () => {
      const warning = document.querySelector(`[data-warning-for="${select.value}"]`);
      if (target && warning) target.value = warning.textContent;
    });
  });

  // Shortcuts: a letter submits its action, or puts the focus into its form first.
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const tag = (event.target.tagName || "").toLowerCase();
    if (["input", "textarea", "select"].includes(tag)) return;
    const key = event.key.toLowerCase();
    if (key === "i") {
      document.querySelectorAll("details.reveal").forEach((d) => (d.open = !d.open));
      return;
    }
    const field = document.querySelector(`[data-focus-key="${key}"]`);
    if (field) {
      event.preventDefault();
      field.scrollIntoView({ block: "center" });
      field.focus();
      return;
    }
    const button = document.querySelector(`button[data-shortcut="${key}"]`);
    if (button) {
      event.preventDefault();
      button.click();
    }
  });
});
