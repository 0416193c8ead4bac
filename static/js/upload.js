// Uploading customer emails (templates/workpool/company/upload.html) with a progress
// bar: the form is sent with XMLHttpRequest, and the page the server answers with
// (the result, or the form with its error) replaces this one. Without JavaScript,
// or without XMLHttpRequest upload events, the form is posted normally.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-upload]");
  if (!form || !window.FormData || !("upload" in new XMLHttpRequest())) return;
  const input = form.querySelector("input[type=file]");
  const progress = form.querySelector("[data-upload-progress]");
  const status = form.querySelector("[data-upload-status]");
  const button = form.querySelector("button[type=submit]");
  const maxBytes = Number(form.dataset.maxBytes) || 0;

  const fail = (message) => {
    status.textContent = message;
    progress.hidden = true;
    button.disabled = false;
  };

  const showPage = (page) => {
    if (!page || !page.body) {
      fail(form.dataset.failed);
      return;
    }
    document.title = page.title;
    document.body.replaceWith(document.adoptNode(page.body));
    window.scrollTo(0, 0);
  };

  form.addEventListener("submit", (event) => {
    const files = Array.from(input.files || []);
    if (!files.length) return; // the server explains what to choose
    event.preventDefault();
    const total = files.reduce((sum, file) => sum + file.size, 0);
    if (maxBytes && total > maxBytes) {
      fail(form.dataset.tooLarge);
      return;
    }
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.responseType = "document";
    request.upload.addEventListener("progress", (progressEvent) => {
      if (progressEvent.lengthComputable) {
        progress.max = progressEvent.total;
        progress.value = progressEvent.loaded;
      }
    });
    request.upload.addEventListener("load", () => {
      progress.removeAttribute("value"); // the server is storing: no end known
      status.textContent = form.dataset.processing;
    });
    request.addEventListener("load", () => showPage(request.response));
    request.addEventListener("error", () => fail(form.dataset.failed));
    request.addEventListener("abort", () => fail(form.dataset.failed));
    progress.hidden = false;
    progress.value = 0;
    button.disabled = true;
    status.textContent = form.dataset.uploading;
    request.send(new FormData(form));
  });
});
