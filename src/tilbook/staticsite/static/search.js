// tilbook's built-in search: reads the index from search-index.js (a script, so it
// also works from file://), matches every typed word in titles, tags and text, and
// builds the result list with DOM calls only (no HTML from the index is ever parsed).
// When the site was indexed by Pagefind and is served over HTTP, Pagefind answers.
//
// Like `tilbook search`, a typed word that matches nothing is searched as the closest
// word of the entries (optimal string alignment distance: none under 4 letters, 1 edit
// up to 7, 2 from 8; the fewest edits, then the most entries, then alphabetical), and
// an abbreviation also finds its other names (the index lists those this log uses):
// entries with the words as typed come first. `exact=1` in the URL turns both off.
(function () {
  "use strict";
  var script = document.currentScript;
  var root = script ? script.getAttribute("data-root") || "" : "";
  var pretty = script && script.getAttribute("data-pretty") === "yes";
  var entries = [];
  var groups = [];
  var prepared = null;
  var vocabulary = null;
  var names = null;
  var LIMIT = 50;
  var WEIGHTS = [5, 3, 1];
  var MIN_LENGTH = 4;
  var LETTERS = /^\p{L}+$/u;
  var CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
  window.tilbookSearchIndex = function (data) {
    entries = data.entries || [];
    groups = data.abbreviations || [];
    prepared = vocabulary = names = null;
  };

  function href(url) { return root + url + (pretty ? "" : "index.html"); }
  function words(text) {
    return text.toLocaleLowerCase().split(/\s+/).filter(function (w) { return w.length > 0; });
  }
  // Words as the index's builder splits text (`site_words` in tilbook.staticsite.generator).
  function flatWords(text) { return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) || []; }
  // The same words between single spaces (two at the ends at most), to find whole words in.
  function padded(text) { return " " + text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ") + " "; }
  function fold(word) { return word.normalize("NFKD").replace(/\p{M}/gu, ""); }

  function prepare() {
    if (!prepared) {
      prepared = entries.map(function (e) {
        // `flat` (whole words) only when an abbreviation asks for it: most queries need none.
        return {
          fields: [e[0].toLocaleLowerCase(), e[3].toLocaleLowerCase(), e[4].toLocaleLowerCase()],
          entry: e,
          flat: null
        };
      });
    }
    return prepared;
  }
  // A typed word: found anywhere in the title, the tags or the text.
  function typedScore(p, term) {
    for (var f = 0; f < 3; f++) { if (p.fields[f].indexOf(term) >= 0) { return WEIGHTS[f]; } }
    return 0;
  }
  // Another name: found as whole words (its plural too).
  function nameScore(p, name) {
    var phrase = " " + name + " ";
    var plural = " " + name + "s ";
    var first = name.split(" ")[0];
    if (p.fields.every(function (field) { return field.indexOf(first) < 0; })) { return 0; }
    if (!p.flat) { p.flat = [padded(p.entry[0]), padded(p.entry[3]), padded(p.entry[4])]; }
    for (var f = 0; f < 3; f++) {
      if (p.flat[f].indexOf(phrase) >= 0 || p.flat[f].indexOf(plural) >= 0) { return WEIGHTS[f]; }
    }
    return 0;
  }

  // -- abbreviations: each name (as its words) → the other names of the same thing
  function nameTable() {
    if (names) { return names; }
    names = { byKey: new Map(), longest: 1 };
    groups.forEach(function (group) {
      var keys = group.map(function (name) { return flatWords(name).join(" "); });
      keys.forEach(function (key, i) {
        if (!key) { return; }
        names.longest = Math.max(names.longest, key.split(" ").length);
        var others = names.byKey.get(key) || [];
        keys.forEach(function (other, j) {
          var known = others.some(function (o) { return o.key === other; });
          if (other && other !== key && !known) { others.push({ key: other, shown: group[j] }); }
        });
        names.byKey.set(key, others);
      });
    });
    return names;
  }
  // The name typed (its words, singular when only that is known) and its other names.
  function otherNames(run) {
    var table = nameTable();
    var key = flatWords(run.join(" ")).join(" ");
    if (!table.byKey.has(key) && key.length > 1 && key.charAt(key.length - 1) === "s") {
      key = key.slice(0, -1);
    }
    var found = table.byKey.get(key);
    return found && found.length ? { key: key, others: found } : null;
  }

  // -- spelling: the closest word of the entries, for a word that matches nothing
  function maxDistance(length) { return length < MIN_LENGTH ? 0 : length < 8 ? 1 : 2; }
  function osa(a, b, limit) {
    // Optimal string alignment distance of two arrays of characters, or limit + 1.
    if (Math.abs(a.length - b.length) > limit) { return limit + 1; }
    var before = null;
    var previous = [];
    for (var j = 0; j <= b.length; j++) { previous.push(j); }
    for (var i = 1; i <= a.length; i++) {
      var row = [i];
      var least = i;
      for (j = 1; j <= b.length; j++) {
        var value = Math.min(previous[j] + 1, row[j - 1] + 1,
          previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
          value = Math.min(value, before[j - 2] + 1);
        }
        row.push(value);
        least = Math.min(least, value);
      }
      if (least > limit) { return limit + 1; }
      before = previous;
      previous = row;
    }
    return previous[b.length];
  }
  function vocabularyList() {
    if (!vocabulary) {
      // Each word of letters with the number of entries it is in.
      var found = new Map();
      prepare().forEach(function (p, index) {
        flatWords(p.entry[0] + "\n" + p.entry[3] + "\n" + p.entry[4]).forEach(function (word) {
          var known = found.get(word);
          if (!known) { found.set(word, { word: word, letters: null, entries: 1, last: index }); }
          else if (known.last !== index) { known.entries++; known.last = index; }
        });
      });
      vocabulary = [];
      found.forEach(function (known) { if (LETTERS.test(known.word)) { vocabulary.push(known); } });
    }
    return vocabulary;
  }
  function closest(term) {
    var typed = Array.from(fold(term));
    var limit = maxDistance(typed.length);
    if (!limit) { return null; }
    var best = null;
    // Most typos keep the first letter: those words first, all of them only when none is close.
    for (var pass = 0; pass < 2 && !best; pass++) {
      vocabularyList().forEach(function (candidate) {
        // (A cheap length check first: folding and code points change lengths only a little.)
        if (candidate.word === term || Math.abs(candidate.word.length - term.length) > limit + 2) { return; }
        if (!candidate.letters) { candidate.letters = Array.from(fold(candidate.word)); }
        if (pass === 0 && candidate.letters[0] !== typed[0]) { return; }
        var distance = osa(typed, candidate.letters, limit);
        if (distance > limit) { return; }
        if (!best || distance < best.distance ||
            (distance === best.distance && (candidate.entries > best.entries ||
              (candidate.entries === best.entries && candidate.word < best.word)))) {
          best = { word: candidate.word, distance: distance, entries: candidate.entries };
        }
      });
    }
    return best ? best.word : null;
  }
  function matchesNothing(term) {
    return !prepare().some(function (p) { return typedScore(p, term) > 0; });
  }

  // What to search for each typed word (or run of words naming one thing).
  function plan(terms, exact) {
    var slots = [];
    var i = 0;
    while (i < terms.length) {
      var slot = null;
      for (var end = Math.min(terms.length, i + nameTable().longest); !exact && end > i && !slot; end--) {
        var others = otherNames(terms.slice(i, end));
        if (others) { slot = { typed: terms.slice(i, end), key: others.key, others: others.others }; }
      }
      if (!slot) {
        var term = terms[i];
        var correction = !exact && LETTERS.test(term) && !CJK.test(term) && matchesNothing(term)
          ? closest(term) : null;
        slot = correction ? { typed: [correction], others: [], corrects: term }
          : { typed: [term], others: [] };
      }
      slots.push(slot);
      i += slot.corrects ? 1 : slot.typed.length;
    }
    return slots;
  }
  function search(query, exact) {
    var terms = words(query).map(function (w) { return w.replace(/^#/, ""); })
      .filter(function (w) { return w.length > 0; });
    var answer = { results: [], corrected: null, also: [] };
    if (!terms.length) { return answer; }
    var slots = plan(terms, exact);
    var list = prepare();
    var found = [];
    for (var i = 0; i < list.length; i++) {
      var p = list[i];
      var score = 0;
      var throughOther = false;
      var all = true;
      for (var s = 0; s < slots.length && all; s++) {
        var slot = slots[s];
        var typed = 0;
        for (var t = 0; t < slot.typed.length; t++) {
          var value = typedScore(p, slot.typed[t]);
          if (!value) { typed = 0; break; }
          typed += value;
        }
        if (!typed && slot.key) { typed = nameScore(p, slot.key); }  // the typed name, in any number
        if (!typed) {
          for (var o = 0; o < slot.others.length; o++) { typed = Math.max(typed, nameScore(p, slot.others[o].key)); }
          if (typed) { throughOther = true; }
        }
        if (typed) { score += typed; } else { all = false; }
      }
      if (all) { found.push([throughOther ? 1 : 0, score, i]); }
    }
    // Entries with every word as typed first, then those found through another name.
    found.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1] || a[2] - b[2]; });
    answer.results = found.slice(0, LIMIT).map(function (row) { return entries[row[2]]; });
    if (slots.some(function (slot) { return slot.corrects; })) {
      answer.corrected = slots.map(function (slot) { return slot.typed.join(" "); }).join(" ");
    }
    slots.forEach(function (slot) {
      slot.others.forEach(function (other) { answer.also.push(other.shown); });
    });
    return answer;
  }
  function exactLink(query, exact, parts) {
    var link = document.createElement("a");
    link.setAttribute("href", href("search/") + "?q=" + encodeURIComponent(query) + (exact ? "&exact=1" : ""));
    parts.forEach(function (part) { link.appendChild(part); });
    return link;
  }
  function em(text) {
    var node = document.createElement("em");
    node.textContent = text;
    return node;
  }
  function text(value) { return document.createTextNode(value); }
  // "Showing results for … (you typed …)" and the other names searched, as the web app says.
  function showNotice(notice, query, answer, exact) {
    if (!notice) { return; }
    while (notice.firstChild) { notice.removeChild(notice.firstChild); }
    var typed = query.split(/\s+/).join(" ");
    var line;
    if (answer && answer.corrected) {
      line = document.createElement("p");
      [text("Showing results for "), em(answer.corrected), text(" (you typed "), em(typed), text("). "),
        exactLink(query, true, [text("Search for "), em(typed), text(" exactly")])]
        .forEach(function (part) { line.appendChild(part); });
      notice.appendChild(line);
    }
    if (answer && answer.also.length) {
      line = document.createElement("p");
      line.appendChild(text("Also searched for "));
      answer.also.forEach(function (name, i) {
        if (i) { line.appendChild(text(", ")); }
        line.appendChild(em(name));
      });
      line.appendChild(text("; entries with the words as typed come first. "));
      line.appendChild(exactLink(query, true, [text("Only the words as typed")]));
      notice.appendChild(line);
    }
    if (exact && query) {
      line = document.createElement("p");
      line.appendChild(text("Only the words as typed. "));
      line.appendChild(exactLink(query, false, [text("Also search close spellings and abbreviations")]));
      notice.appendChild(line);
    }
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
  function pagefindSearch(query, status, list, exact) {
    // Only over HTTP(S): browsers do not load modules from file://. Pagefind's own
    // URLs are from the site's root, which may be a sub-folder of the host.
    return import(root + "pagefind/pagefind.js").then(function (pagefind) {
      pagefindUsable = true;
      pagefind.options({ baseUrl: new URL(root || "./", window.location.href).pathname });
      return pagefind.search(query);
    }, function (error) { pagefindUsable = false; throw error; }).then(function (result) {
      // Nothing found: the built-in search answers, with its corrections and other names.
      if (!result.results.length && !exact) { throw new Error("no Pagefind results"); }
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
    var notice = document.getElementById("search-notice");
    var params = new URLSearchParams(window.location.search);
    input.value = params.get("q") || "";
    // Only the words as typed: from the notice's link, until the words are changed.
    var exact = (params.get("exact") || "0") !== "0";
    var builtin = function (query) {
      var answer = search(query, exact);
      show(answer.results, query, status, list);
      showNotice(notice, query, answer, exact);
    };
    var update = function () {
      var query = input.value.trim();
      if (query && window.location.protocol !== "file:" && pagefindUsable !== false) {
        pagefindSearch(query, status, list, exact).then(function () {
          showNotice(notice, query, null, exact);
        }).catch(function () { builtin(query); });
      } else {
        builtin(query);
      }
    };
    input.addEventListener("input", function () { exact = false; update(); });
    update();
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", run); }
  else { run(); }
})();
