// tilbook serve: live search, live preview, keyboard review, reload when notes change.
// Everything here is an enhancement: every page works with JavaScript off.
"use strict";

(function () {
  const token = document.querySelector('meta[name="csrf-token"]')?.content || "";

  function debounce(fn, ms) {
    let timer = null;
    return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
  }

  // -- search as you type ---------------------------------------------------------------
  const search = document.querySelector("input[data-live-search]");
  if (search) {
    const list = document.getElementById("hits");
    let asked = 0;
    const run = debounce(async () => {
      const q = search.value;
      const mine = ++asked;
      const url = search.dataset.liveSearch + "?q=" + encodeURIComponent(q);
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok || mine !== asked) return;
      const data = await response.json();
      history.replaceState(null, "", "/search?q=" + encodeURIComponent(q));
      list.replaceChildren(...data.hits.map(renderHit));
      const notice = document.getElementById("search-notice");
      if (notice) notice.replaceChildren(...renderNotice(q, data));
      const none = document.getElementById("no-hits");
      if (none) none.hidden = data.hits.length > 0 || !q;
    }, 120);
    search.addEventListener("input", run);
  }

  // "Showing results for …" and other names searched, as the page itself shows them.
  function renderNotice(q, data) {
    const exactLink = (words) => {
      const link = document.createElement("a");
      link.href = "/search?q=" + encodeURIComponent(q) + "&exact=1";
      link.append(...words);
      return link;
    };
    const em = (text) => { const e = document.createElement("em"); e.textContent = text; return e; };
    const lines = [];
    if (data.showing_results_for) {
      const line = document.createElement("p");
      line.append("Showing results for ", em(data.showing_results_for), " (you typed ",
        em(data.you_typed), "). ", exactLink(["Search for ", em(data.you_typed), " exactly"]));
      lines.push(line);
    }
    if (data.also_searched && data.also_searched.length) {
      const line = document.createElement("p");
      line.append("Also searched for ");
      data.also_searched.forEach((name, i) => line.append(...(i ? [", "] : []), em(name)));
      line.append("; entries with the words as typed come first. ",
        exactLink(["Only the words as typed"]));
      lines.push(line);
    }
    return lines;
  }

  function renderHit(hit) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = "/entry/" + encodeURIComponent(hit.id);
    const title = document.createElement("strong");
    title.textContent = hit.title;
    link.append(title);
    const meta = document.createElement("span");
    meta.className = "app-meta";
    meta.textContent = [hit.date || "", hit.source + ":" + hit.line, ...hit.tags.map((t) => "#" + t)]
      .filter(Boolean).join(" · ");
    const text = document.createElement("p");
    let last = 0;
    for (const [start, end] of hit.highlights) {
      text.append(hit.snippet.slice(last, start));
      const mark = document.createElement("mark");
      mark.textContent = hit.snippet.slice(start, end);
      text.append(mark);
      last = end;
    }
    text.append(hit.snippet.slice(last));
    item.append(link, " ", meta, text);
    return item;
  }

  // -- capture: the category field follows the chosen file ---------------------------------
  const fileChoice = document.querySelector("select[data-category-field]");
  if (fileChoice) {
    const field = document.getElementById(fileChoice.dataset.categoryField);
    const input = field?.querySelector("input");
    const follow = () => {
      const chosen = fileChoice.selectedOptions[0];
      const list = chosen?.dataset.categories;
      field.hidden = !list;
      if (list) {
        input.setAttribute("list", list);
        input.placeholder = chosen.dataset.category || "";
      }
    };
    if (field && input) {
      fileChoice.addEventListener("change", follow);
      follow();
    }
  }

  // -- live preview of an entry being edited --------------------------------------------
  const editor = document.querySelector("textarea[data-preview]");
  if (editor) {
    const target = document.getElementById(editor.dataset.preview);
    const update = debounce(async () => {
      const body = new URLSearchParams({ markdown: editor.value });
      const response = await fetch("/api/preview", {
        method: "POST",
        headers: { "X-CSRF-Token": token },
        body,
      });
      if (response.ok) target.innerHTML = (await response.json()).html; // sanitized by the server
    }, 200);
    editor.addEventListener("input", () => { editor.dataset.dirty = "1"; update(); });
    update();
    // Unsaved text (typed here, or sent back by the server on an edit conflict) is marked
    // dirty: the page is then never reloaded for a change on disk, and leaving it asks
    // first. Saving it, through the editor's own form, leaves without asking.
    let saving = false;
    editor.form?.addEventListener("submit", () => { saving = true; });
    window.addEventListener("pageshow", () => { saving = false; });
    window.addEventListener("beforeunload", (event) => {
      if (editor.dataset.dirty && !saving) { event.preventDefault(); event.returnValue = true; }
    });
  }

  // -- flashcard review with the keyboard -----------------------------------------------
  const back = document.getElementById("back");
  if (back) {
    document.addEventListener("keydown", (event) => {
      if (event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement) return;
      if (event.key === " " || event.key === "Enter") {
        if (!back.open) { back.open = true; event.preventDefault(); }
      } else if (back.open && ["1", "2", "3", "4"].includes(event.key)) {
        back.querySelector('button[data-key="' + event.key + '"]')?.click();
      }
    });
  }

  // -- pages follow the notes: reload when they change on disk ---------------------------
  const shown = document.querySelector('meta[name="log-version"]')?.content;
  if (shown !== undefined && "EventSource" in window) {
    const events = new EventSource("/events");
    events.onmessage = (event) => {
      const busy = document.querySelector("textarea[data-dirty]") || document.activeElement?.tagName === "TEXTAREA";
      if (event.data !== shown && !busy) location.reload();
    };
  }
})();
