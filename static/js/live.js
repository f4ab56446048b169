// Live tiles: an element with data-live-url is replaced by a fresh copy of that URL's HTML
// every data-live-seconds (default 10), without reloading the page. No inline script (CSP).
//
// Polling pauses while the tab is hidden and stops for good once the user has been idle for
// data-live-idle-seconds: otherwise an unattended dashboard would keep its session alive past
// the idle timeout (the server extends the session on every request).
(() => {
  "use strict";
  let lastInput = Date.now();
  for (const name of ["keydown", "pointerdown", "pointermove", "scroll", "focusin"]) {
    document.addEventListener(name, () => { lastInput = Date.now(); }, { passive: true, capture: true });
  }

  function watch(el) {
    const url = el.dataset.liveUrl;
    const every = Math.max(2, Number(el.dataset.liveSeconds) || 10) * 1000;
    const idleLimit = (Number(el.dataset.liveIdleSeconds) || 1500) * 1000;
    let timer = null;
    let busy = false;

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(refresh, every);
    }

    async function refresh() {
      if (busy || document.hidden) return schedule();
      if (Date.now() - lastInput > idleLimit) {
        el.dataset.liveState = "stopped"; // the next page load starts it again
        return;
      }
      busy = true;
      el.setAttribute("aria-busy", "true");
      try {
        const response = await fetch(url, {
          credentials: "same-origin",
          headers: { "X-Requested-With": "fetch" },
          cache: "no-store",
        });
        // A redirect means the session ended (login page): stop rather than show a form.
        if (!response.ok || response.redirected) {
          el.dataset.liveState = "stopped";
          return;
        }
        const html = await response.text();
        // Keep keyboard focus where it was: find the focused link again by its href.
        const focused = el.contains(document.activeElement) ? document.activeElement : null;
        const href = focused && focused.getAttribute("href");
        el.innerHTML = html;
        if (href) {
          const again = el.querySelector(`[href="${CSS.escape(href)}"]`);
          if (again) again.focus({ preventScroll: true });
        }
        // The server says nothing here will change any more (e.g. every run has ended).
        el.dataset.liveState = response.headers.get("X-Live-Done") ? "stopped" : "ok";
        el.dispatchEvent(new CustomEvent("live:updated", { bubbles: true }));
      } catch (err) {
        el.dataset.liveState = "error"; // a network hiccup: try again next round
      } finally {
        busy = false;
        el.removeAttribute("aria-busy");
      }
      if (el.dataset.liveState !== "stopped") schedule();
    }

    document.addEventListener("visibilitychange", () => {
      if (!document.hidden && el.dataset.liveState !== "stopped") refresh();
    });
    el.dataset.liveState = "waiting";
    schedule();
  }

  function start() {
    document.querySelectorAll("[data-live-url]").forEach(watch);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
