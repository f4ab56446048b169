// Small progressive enhancements; the pages work without them. No inline script (CSP).
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el.matches("[data-autosubmit]")) el.form.submit();
});

// The header's search box: results as you type (GET /api/search/), arrow keys to move, Enter to
// open, Escape to close, "/" anywhere to focus it. Without JS the form submits to /search/.
(() => {
  const form = document.querySelector("form.search[data-suggest-url]");
  if (!form) return;
  const input = form.querySelector("input[name=q]");
  const list = form.querySelector("[role=listbox]");
  let active = -1;
  let timer = null;
  let controller = null;
  let asked = "";

  const options = () => Array.from(list.querySelectorAll("[role=option]"));

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function mark(index) {
    const all = options();
    if (!all.length) return;
    active = (index + all.length) % all.length;
    all.forEach((el, i) => el.setAttribute("aria-selected", i === active ? "true" : "false"));
    input.setAttribute("aria-activedescendant", all[active].id);
    all[active].scrollIntoView({ block: "nearest" });
  }

  function option(id, text, small, url) {
    const li = document.createElement("li");
    li.id = id;
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", "false");
    li.dataset.url = url;
    const a = document.createElement("a");
    a.href = url;
    a.tabIndex = -1;
    a.textContent = text;
    li.appendChild(a);
    if (small) {
      const s = document.createElement("small");
      s.textContent = small;
      li.appendChild(s);
    }
    return li;
  }

  function show(answer) {
    list.replaceChildren();
    let n = 0;
    for (const group of answer.groups) {
      const head = document.createElement("li");
      head.setAttribute("role", "presentation");
      head.className = "suggest-kind";
      head.textContent = group.label;
      list.appendChild(head);
      for (const hit of group.results) {
        const where = [hit.path, hit.platform_id, hit.note].filter(Boolean).join(" · ");
        list.appendChild(option(`global-search-${n++}`, hit.name, where, hit.url));
      }
    }
    if (!n) {
      const none = document.createElement("li");
      none.setAttribute("role", "presentation");
      none.className = "suggest-none";
      none.textContent = form.dataset.nothing;
      list.appendChild(none);
    }
    const all = `${form.action}?${new URLSearchParams({ q: answer.q })}`;
    list.appendChild(option(`global-search-${n}`, form.dataset.all, "", all));
    active = -1;
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    input.removeAttribute("aria-activedescendant");
  }

  function ask() {
    const text = input.value.trim();
    if (text.length < 2) {
      asked = "";
      close();
      return;
    }
    if (text === asked && !list.hidden) return;
    asked = text;
    if (controller) controller.abort();
    controller = new AbortController();
    const url = `${form.dataset.suggestUrl}?${new URLSearchParams({ q: text })}`;
    fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal: controller.signal,
    })
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then((answer) => {
        if (answer.q === input.value.trim().slice(0, 200)) show(answer);
      })
      .catch(() => {}); // the form still works: Enter submits it
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(ask, 150);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (list.hidden) {
        ask();
        return;
      }
      event.preventDefault();
      mark(active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter") {
      const chosen = options()[active];
      if (!list.hidden && chosen) {
        event.preventDefault();
        window.location.assign(chosen.dataset.url);
      }
    } else if (event.key === "Escape") {
      if (!list.hidden) {
        event.preventDefault();
        close();
      } else {
        input.blur();
      }
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 200)); // a click on a link lands first
  list.addEventListener("mousedown", (event) => event.preventDefault()); // keep the focus
  document.addEventListener("keydown", (event) => {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    const t = event.target;
    if (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName)) return;
    event.preventDefault();
    input.focus();
    input.select();
  });
})();

// The menu marks the page it leads to (or the list a detail page belongs to): the longest link
// whose path starts the current one.
(() => {
  const here = window.location.pathname;
  let best = null;
  document.querySelectorAll("nav.side a[href]").forEach((a) => {
    const path = new URL(a.href, window.location.href).pathname;
    const fits = path === "/" ? here === "/" : here.startsWith(path);
    if (fits && (!best || path.length > best.path.length)) best = { a, path };
  });
  if (best) best.a.setAttribute("aria-current", "page");
})();
