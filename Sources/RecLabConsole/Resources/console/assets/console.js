// RecLab console: search as you type, live figures, rating from a user page, admin actions
// and the client key. The pages work without it; it only adds what needs a round trip.
"use strict";
(() => {
  const body = document.body;
  const keyHeader = body.dataset.keyHeader || "X-API-Key";
  const stored = (name) => sessionStorage.getItem("reclab." + name);
  const store = (name, value) => value ? sessionStorage.setItem("reclab." + name, value) : sessionStorage.removeItem("reclab." + name);

  // Every call to the API carries the client key when one was entered.
  function api(url, options = {}) {
    const headers = new Headers(options.headers || {});
    const key = stored("clientKey");
    if (key && !headers.has(keyHeader)) headers.set(keyHeader, key);
    return fetch(url, { ...options, headers });
  }

  async function problem(response) {
    try {
      const answer = await response.json();
      return (answer.error && (answer.error.message || answer.error)) || answer.message || answer.detail || response.statusText;
    } catch {
      return response.statusText || ("HTTP " + response.status);
    }
  }

  // A poster that does not load (no network to TMDB's images) is left out, not shown broken.
  document.addEventListener("error", (event) => {
    const target = event.target;
    if (target instanceof HTMLImageElement && target.classList.contains("poster")) target.remove();
    if (target instanceof HTMLImageElement && target.classList.contains("poster-large")) target.remove();
  }, true);

  // The main content again, with the key, for the page as it is now.
  async function freshMain() {
    const url = new URL(location.href);
    url.searchParams.set("part", "main");
    const response = await api(url);
    if (!response.ok) throw new Error(await problem(response));
    return new DOMParser().parseFromString("<main>" + await response.text() + "</main>", "text/html").querySelector("main");
  }

  // --- The client key, when the API needs one.
  if (body.dataset.clientKey === "required") {
    const form = document.getElementById("client-key-form");
    const status = document.getElementById("client-key-status");
    const load = async () => {
      try {
        const fresh = await freshMain();
        const main = document.getElementById("main");
        main.querySelector(".key-needed").hidden = true;
        for (const node of [...fresh.childNodes]) main.appendChild(node);
        wire(main);
      } catch (error) {
        store("clientKey", null);
        status.textContent = "The key was refused: " + error.message;
      }
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      store("clientKey", document.getElementById("client-key").value.trim());
      load();
    });
    if (stored("clientKey")) load();
  }

  // --- Search as you type.
  const box = document.getElementById("search-box");
  const results = document.getElementById("search-results");
  const searchStatus = document.getElementById("search-status");
  let pending = null;
  let asked = 0;
  const hide = () => { results.hidden = true; };
  box.addEventListener("input", () => {
    clearTimeout(pending);
    const query = box.value.trim();
    if (query.length < 2) { hide(); searchStatus.textContent = ""; return; }
    pending = setTimeout(async () => {
      const ticket = ++asked;
      const response = await api("/movies/search?query=" + encodeURIComponent(query));
      if (ticket !== asked) return;
      if (!response.ok) { searchStatus.textContent = await problem(response); hide(); return; }
      const answer = await response.json();
      results.replaceChildren(...answer.movies.slice(0, 8).filter((movie) => movie.tmdb_id).map((movie) => {
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = "/console/movies/" + movie.tmdb_id;
        link.textContent = movie.title + (movie.year ? " (" + movie.year + ")" : "");
        item.appendChild(link);
        return item;
      }));
      results.hidden = results.children.length === 0;
      searchStatus.textContent = answer.total_results + " movies match; arrow down to choose";
    }, 180);
  });
  box.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" && !results.hidden) { event.preventDefault(); results.querySelector("a")?.focus(); }
    if (event.key === "Escape") hide();
  });
  results.addEventListener("keydown", (event) => {
    const links = [...results.querySelectorAll("a")];
    const at = links.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && at < links.length - 1) { event.preventDefault(); links[at + 1].focus(); }
    if (event.key === "ArrowUp") { event.preventDefault(); (at > 0 ? links[at - 1] : box).focus(); }
    if (event.key === "Escape") { hide(); box.focus(); }
  });
  document.addEventListener("click", (event) => { if (!event.target.closest(".search")) hide(); });

  // --- Open a user by id (the form also works without the script, through a redirect).
  document.querySelector(".open-user").addEventListener("submit", (event) => {
    event.preventDefault();
    const id = document.getElementById("user-box").value.trim();
    if (id) location.href = "/console/users/" + encodeURIComponent(id);
  });

  // --- Live figures on the overview.
  const live = document.querySelector("#live-routes tbody");
  if (live) {
    const refresh = async () => {
      try {
        const response = await api("/console/live");
        if (!response.ok) return;
        const figures = await response.json();
        const rows = figures.routes.map((route) => {
          const row = document.createElement("tr");
          const name = document.createElement("th");
          name.scope = "row";
          const code = document.createElement("code");
          code.textContent = route.route;
          name.appendChild(code);
          row.appendChild(name);
          for (const value of [route.per_second, route.p50, route.p99, route.requests]) {
            const cell = document.createElement("td");
            cell.className = "num";
            cell.textContent = value;
            row.appendChild(cell);
          }
          return row;
        });
        live.replaceChildren(...rows);
      } catch { /* the next tick tries again */ }
    };
    setInterval(refresh, 2000);
  }

  // --- Admin actions: the admin key is asked for once per tab.
  const dialog = document.getElementById("admin-key-dialog");
  function adminKey() {
    const known = stored("adminKey");
    if (known) return Promise.resolve(known);
    return new Promise((resolve) => {
      const input = document.getElementById("admin-key");
      input.value = "";
      const cancel = document.getElementById("admin-key-cancel");
      const done = () => {
        dialog.removeEventListener("close", done);
        const key = dialog.returnValue === "ok" ? input.value.trim() : "";
        if (key) store("adminKey", key);
        resolve(key || null);
      };
      cancel.onclick = () => dialog.close("cancel");
      dialog.addEventListener("close", done);
      dialog.returnValue = "";
      dialog.showModal();
      input.focus();
    });
  }

  // Polls what an admin action started until it is there, then links to it.
  async function follow(url, status, label) {
    for (let attempt = 0; attempt < 240; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const response = await api(url, { headers: { Accept: "text/html" } });
      if (response.status === 409) continue;
      if (!response.ok) { status.textContent = label + " failed: " + await problem(response); return; }
      const link = document.createElement("a");
      link.href = url;
      link.textContent = "Open the simulated report";
      status.replaceChildren(label + " is done. ", link);
      return;
    }
    status.textContent = label + " is still running; reload the page later.";
  }

  function wire(root) {
    for (const button of root.querySelectorAll("[data-admin-action]")) {
      button.addEventListener("click", async () => {
        const status = document.getElementById(button.dataset.adminStatus || "admin-status");
        const key = await adminKey();
        if (!key) { status.textContent = button.dataset.adminLabel + " needs the admin key: nothing was done."; return; }
        status.textContent = button.dataset.adminLabel + "…";
        const response = await api(button.dataset.adminAction, { method: "POST", headers: { "X-API-Key": key } });
        if (response.status === 401 || response.status === 403) {
          store("adminKey", null);
          status.textContent = "The admin key was refused (" + response.status + "): " + await problem(response);
          return;
        }
        if (!response.ok) { status.textContent = button.dataset.adminLabel + " refused (" + response.status + "): " + await problem(response); return; }
        const answer = await response.json();
        status.textContent = button.dataset.adminLabel + ": " + answer.status + (answer.experiments ? " (" + answer.experiments.join(", ") + ")" : "") + ".";
        if (button.dataset.adminThen) follow(button.dataset.adminThen, status, button.dataset.adminLabel);
      });
    }
    for (const button of root.querySelectorAll("[data-admin-forget]")) {
      button.addEventListener("click", () => {
        store("adminKey", null);
        document.getElementById("admin-status").textContent = "The admin key is forgotten.";
      });
    }

    // --- Rating from a user page.
    const form = root.querySelector("#rate-form");
    if (form) {
      const status = root.querySelector("#rate-status");
      root.addEventListener("click", (event) => {
        const button = event.target.closest("[data-rate]");
        if (!button) return;
        form.elements.movie_id.value = button.dataset.rate;
        form.elements.rating.focus();
      });
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const fields = form.elements;
        const preference = { movie_id: Number(fields.movie_id.value) };
        if (fields.rating.value) preference.rating = Number(fields.rating.value);
        for (const mark of ["favorite", "watchlist", "watched"]) if (fields[mark].checked) preference[mark] = true;
        status.textContent = "Saving…";
        const response = await api("/users/" + encodeURIComponent(form.dataset.user) + "/preferences", {
          method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(preference),
        });
        if (!response.ok) { status.textContent = "Not saved (" + response.status + "): " + await problem(response); return; }
        try {
          const fresh = await freshMain();
          document.getElementById("user-live").replaceWith(fresh.querySelector("#user-live"));
          status.textContent = "Saved movie " + preference.movie_id + "; the lists are updated.";
        } catch (error) {
          status.textContent = "Saved, but the lists could not be read again: " + error.message;
        }
      });
    }
  }
  wire(document);
})();
