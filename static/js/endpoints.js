// Adding an endpoint: while the worker fetches the server's certificate, poll its state and
// reload the page once it has answered. Without script, the page offers a reload link.
(() => {
  const POLL_MS = 1000;
  document.addEventListener("DOMContentLoaded", () => {
    const waiting = document.querySelector("[data-probe-status]");
    if (!waiting) return;
    const timer = setInterval(async () => {
      try {
        const answer = await fetch(waiting.dataset.probeStatus, {
          headers: { Accept: "application/json" }, credentials: "same-origin",
        });
        if (!answer.ok) return;
        const data = await answer.json();
        if (data.done) {
          clearInterval(timer);
          window.location.reload();
        }
      } catch (err) {
        // try again on the next tick
      }
    }, POLL_MS);
  });
})();
