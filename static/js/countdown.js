// The quiz's time left, in whole minutes, counted down on the page. It counts from the
// seconds left when the server sent the page, so a wrong clock on this computer does
// not matter. The server still decides: answers that arrive too late are refused.
// Screen readers hear it at 10, 5 and 1 minutes left and when the time is up.
(() => {
  const timer = document.querySelector("[data-seconds-left]");
  if (!timer) return;
  const shown = timer.querySelector("[data-time-left]");
  const announce = document.querySelector("[data-time-announce]");
  const total = Number(timer.dataset.secondsLeft);
  const started = Date.now();
  const milestones = new Set([10, 5, 1]);
  let last = shown.textContent;

  const label = (seconds) => {
    if (seconds <= 0) return timer.dataset.over;
    if (seconds < 60) return timer.dataset.less;
    const minutes = Math.floor(seconds / 60);
    return minutes === 1 ? timer.dataset.one : timer.dataset.many.replace("{n}", minutes);
  };

  const tick = () => {
    const left = total - (Date.now() - started) / 1000;
    const text = label(left);
    if (text !== last) {
      shown.textContent = text;
      last = text;
      const minutes = Math.floor(left / 60);
      if (announce && (left <= 0 || (left >= 60 && milestones.has(minutes)))) {
        announce.textContent = text;
      }
    }
    if (left > 0) {
      window.setTimeout(tick, 1000);
    } else {
      timer.classList.remove("info");
      timer.classList.add("error");
    }
  };
  tick();
})();
