// Small progressive enhancements; every page works without them.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});

document.addEventListener("DOMContentLoaded", () => {
  // "Add another" for repeated rows (communities): clone the last row with fresh indexes.
  document.querySelectorAll("[data-rows]").forEach((fieldset) => {
    const add = fieldset.querySelector("[data-add-row]");
    if (!add) return;
    add.hidden = false;
    add.addEventListener("click", () => {
      const rows = fieldset.querySelectorAll("[data-row]");
      const last = rows[rows.length - 1];
      const index = rows.length;
      const clone = last.cloneNode(true);
      clone.querySelectorAll("input, textarea, label").forEach((el) => {
        for (const attr of ["name", "id", "for"]) {
          const value = el.getAttribute(attr);
          if (value) el.setAttribute(attr, value.replace(/-\d+-/, `-${index}-`));
        }
        if (el.tagName !== "LABEL") el.value = "";
      });
      clone.querySelectorAll(".error").forEach((el) => el.remove());
      last.after(clone);
    });
  });
});
