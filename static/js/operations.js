// Live progress of snapshot operations, and the revert confirmation. Progressive enhancement:
// the pages work without it. No inline script or style (CSP script-src 'self').
(() => {
  const POLL_MS = 2000;

  function poll(badge) {
    const url = badge.dataset.operationStatus;
    const timer = setInterval(async () => {
      let data;
      try {
        const answer = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (!answer.ok) return;
        data = await answer.json();
      } catch (err) {
        return; // try again on the next tick
      }
      badge.textContent = data.state_label;
      badge.classList.remove("ok", "bad", "warn");
      badge.classList.add(data.state === "succeeded" ? "ok" : data.state === "failed" ? "bad" : "warn");
      const summary = document.querySelector(`[data-operation-summary="${data.id}"]`);
      if (summary && data.summary) {
        summary.textContent = data.summary;
        summary.classList.remove("ok", "bad", "warn");
        summary.classList.add(data.state === "succeeded" ? "ok" : data.state === "failed" ? "bad" : "warn");
      }
      const row = badge.closest("tr, li, dl");
      if (row) {
        const error = row.querySelector(".op-error");
        if (error && data.error) error.textContent = data.error;
        const ref = row.querySelector(".op-ref");
        if (ref && data.remote_ref) ref.textContent = data.remote_ref;
        const finished = row.querySelector(".op-finished");
        if (finished && data.finished_at) {
          // The server's own text (portal.timefmt.local_text): local time with its zone name.
          const time = document.createElement("time");
          time.dateTime = data.finished_at;
          time.textContent = data.finished_at_text;
          finished.replaceChildren(time);
        }
      }
      if (!data.active) {
        clearInterval(timer);
        delete badge.dataset.operationStatus;
      }
    }, POLL_MS);
  }

  function confirmRevert(form) {
    const input = form.querySelector("input[name=confirm_name]");
    const button = form.querySelector("button[type=submit]");
    if (!input || !button) return;
    const check = () => { button.disabled = input.value !== form.dataset.confirmName; };
    input.addEventListener("input", check);
    check();
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-operation-status]").forEach(poll);
    document.querySelectorAll("form[data-confirm-name]").forEach(confirmRevert);
  });
})();
