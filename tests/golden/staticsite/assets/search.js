// tilbook's built-in search: reads the index from search-index.js (a script, so it
// also works from file://), matches every typed word in titles, tags and text, and
// builds the result list with DOM calls only (no HTML from the index is ever parsed).
// When the site was indexed by Pagefind and is served over HTTP, Pagefind answers.
(function () {
  "use strict";
  var script = document.currentScript;
  var root = script ? script.getAttribute("data-root") || "" : "";
  var pretty = script && script.getAttribute("data-pretty") === "yes";
  var entries = [];
  window.tilbookSearchIndex = function (data) { entries = data.entries || []; };

  function href(url) { return root + url + (pretty ? "" : "index.html"); }
  function words(text) {
    return text.toLocaleLowerCase().split(/\s+/).filter(function (w) { return w.length > 0; });
  }
  function search(query) {
    var terms = words(query);
    if (!terms.length) { return []; }
    var found = [];
    for (var i = 0; i < entries.length; i++) {
      var e = entries[i];
      var title = e[0].toLocaleLowerCase();
      var tags = e[3].toLocaleLowerCase();
      var text = e[4].toLocaleLowerCase();
      var score = 0;
      var all = true;
      for (var t = 0; t < terms.length; t++) {
        var term = terms[t].replace(/^#/, "");
        if (title.indexOf(term) >= 0) { score += 5; }
        else if (tags.indexOf(term) >= 0) { score += 3; }
        else if (text.indexOf(term) >= 0) { score += 1; }
        else { all = false; break; }
      }
      if (all) { found.push([score, i]); }
    }
    found.sort(function (a, b) { return b[0] - a[0] || a[1] - b[1]; });
    return found.slice(0, 50).map(function (pair) { return entries[pair[1]]; });
  }
  function show(results, query, status, list) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    status.textContent = query ? results.length + (results.length === 50 ? "+" : "") +
      " matching " + (results.length === 1 ? "entry" : "entries") : "";
    results.forEach(function (e) {
      var item = document.createElement("li");
      if (e[2]) {
        var time = document.createElement("time");
        time.setAttribute("datetime", e[2]);
        time.textContent = e[2];
        item.appendChild(time);
        item.appendChild(document.createTextNode(" "));
      }
      var a = document.createElement("a");
      a.setAttribute("href", e.url || href(e[1]));
      a.textContent = e[0];
      item.appendChild(a);
      var excerpt = document.createElement("span");
      excerpt.className = "excerpt";
      excerpt.textContent = e[4];
      item.appendChild(excerpt);
      list.appendChild(item);
    });
  }
  var pagefindUsable = null;
  function pagefindSearch(query, status, list) {
    // Only over HTTP(S): browsers do not load modules from file://. Pagefind's own
    // URLs are from the site's root, which may be a sub-folder of the host.
    return import(root + "pagefind/pagefind.js").then(function (pagefind) {
      pagefindUsable = true;
      pagefind.options({ baseUrl: new URL(root || "./", window.location.href).pathname });
      return pagefind.search(query);
    }, function (error) { pagefindUsable = false; throw error; }).then(function (result) {
      return Promise.all(result.results.slice(0, 30).map(function (r) { return r.data(); }));
    }).then(function (pages) {
      show(pages.map(function (p) {
        var row = [p.meta && p.meta.title ? p.meta.title : p.url, "", "", "", (p.excerpt || "").replace(/<[^>]*>/g, "")];
        row.url = p.url;
        return row;
      }), query, status, list);
    });
  }
  function run() {
    var input = document.getElementById("search-q");
    var status = document.getElementById("search-status");
    var list = document.getElementById("search-results");
    if (!input || !status || !list) { return; }
    var params = new URLSearchParams(window.location.search);
    input.value = params.get("q") || "";
    var update = function () {
      var query = input.value.trim();
      if (query && window.location.protocol !== "file:" && pagefindUsable !== false) {
        pagefindSearch(query, status, list).catch(function () { show(search(query), query, status, list); });
      } else {
        show(search(query), query, status, list);
      }
    };
    input.addEventListener("input", update);
    update();
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", run); }
  else { run(); }
})();
