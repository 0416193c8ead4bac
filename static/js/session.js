// The moderator's live session (templates/moderation/live/_session.html): while the
// page is visible, tell the server once a minute that the moderator is here (the
// heartbeat); when the page becomes visible again, at once. The server's clock
// decides everything: idle time, the end when the company's money runs out. When
// the session has ended, the message says why and the Stop button goes away.
(() => {
  if (window.nebendeskSessionHeartbeat) return; // the partial may be included twice
  window.nebendeskSessionHeartbeat = true;
  const EVERY_MS = 60 * 1000;

  document.addEventListener("DOMContentLoaded", () => {
    const panel = document.querySelector("[data-session-heartbeat]");
    if (!panel) return;
    const status = panel.querySelector("[data-session-status]");
    const stop = panel.querySelector("[data-session-stop]");
    let ended = false;
    let timer = null;

    const beat = async () => {
      if (ended || document.visibilityState !== "visible") return;
      try {
        const response = await fetch(panel.dataset.sessionHeartbeat, {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRFToken": panel.dataset.csrfToken, Accept: "application/json" },
        });
        if (!response.ok) return;
        const state = await response.json();
        if (!state.open) {
          ended = true;
          clearInterval(timer);
          if (status) status.textContent = state.message;
          if (stop) stop.hidden = true;
        }
      } catch (error) {
        // offline for a moment: the next beat tries again
      }
    };
    timer = setInterval(beat, EVERY_MS);
    document.addEventListener("visibilitychange", beat);
  });
})();
