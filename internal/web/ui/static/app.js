// Steward workspace: progressive enhancement only. Every page works without
// this file; it adds keyboard shortcuts, live updates on the incident page,
// drag-and-drop upload and a few conveniences on lists.
(function () {
  "use strict";

  var $ = function (sel, root) { return (root || document).querySelector(sel); };
  var $$ = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); };

  // Unsaved input: any form field the agent changed and has not submitted.
  var dirty = false;
  document.addEventListener("input", function (e) {
    if (e.target.form && e.target.form.method === "post" && e.target.type !== "file") { dirty = true; }
  });
  document.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (e) {
    if (dirty) { e.preventDefault(); e.returnValue = ""; }
  });

  // Shortcuts overlay.
  var overlay = $("#shortcuts");
  var lastFocus = null;
  function openOverlay() {
    if (!overlay || !overlay.hidden) { return; }
    lastFocus = document.activeElement;
    overlay.hidden = false;
    $(".dialog", overlay).focus();
  }
  function closeOverlay() {
    if (!overlay || overlay.hidden) { return; }
    overlay.hidden = true;
    if (lastFocus) { lastFocus.focus(); }
  }
  if (overlay) {
    overlay.addEventListener("click", function (e) {
      if (e.target === overlay || e.target.hasAttribute("data-close")) { closeOverlay(); }
    });
    overlay.addEventListener("keydown", function (e) {
      if (e.key === "Tab") { // keep focus inside the dialog
        var items = $$("button, [href]", overlay);
        var first = items[0], last = items[items.length - 1];
        if (e.shiftKey && document.activeElement === first) { last.focus(); e.preventDefault(); }
        else if (!e.shiftKey && document.activeElement === last) { first.focus(); e.preventDefault(); }
      }
    });
  }
  $$("[data-shortcuts]").forEach(function (b) {
    b.addEventListener("click", function () {
      var menu = b.closest("details");
      if (menu) { menu.open = false; }
      openOverlay();
    });
  });

  // Keyboard shortcuts.
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  var pendingG = 0;
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") {
      if (overlay && !overlay.hidden) { closeOverlay(); return; }
      $$("details[open]").forEach(function (d) { d.open = false; });
      if (typing(document.activeElement)) { document.activeElement.blur(); }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target) || (overlay && !overlay.hidden && e.key !== "?")) { return; }
    var key = e.key;
    if (pendingG && Date.now() - pendingG < 1500) {
      pendingG = 0;
      if (key === "m") { location.href = "/queues/my-work"; e.preventDefault(); return; }
      if (key === "u") { location.href = "/queues/unassigned"; e.preventDefault(); return; }
    }
    pendingG = 0;
    switch (key) {
    case "/":
      e.preventDefault();
      var search = $("#global-search");
      search.focus(); search.select();
      break;
    case "?":
      e.preventDefault();
      if (overlay && overlay.hidden) { openOverlay(); } else { closeOverlay(); }
      break;
    case "g":
      pendingG = Date.now();
      break;
    case "c":
      location.href = "/incidents/new";
      break;
    case "a":
      var assign = $("[data-shortcut-a]");
      if (assign) { e.preventDefault(); assign.requestSubmit(); }
      break;
    case "e":
      var title = $("#f-title");
      if (title) { e.preventDefault(); title.scrollIntoView({ block: "center" }); title.focus(); }
      break;
    case "r":
      var body = $("#comment-body");
      if (body) {
        e.preventDefault();
        var reply = $("input[name=kind][value=comment]");
        if (reply) { reply.checked = true; }
        body.scrollIntoView({ block: "center" });
        body.focus();
      }
      break;
    }
  });

  // Drop-down panels (details.drop): one open at a time; a click outside
  // closes them.
  document.addEventListener("click", function (e) {
    $$("details.drop[open], details.menu[open]").forEach(function (d) {
      if (!d.contains(e.target)) { d.open = false; }
    });
  });
  $$("details.drop, details.menu").forEach(function (d) {
    d.addEventListener("toggle", function () {
      if (!d.open) { return; }
      $$("details.drop[open], details.menu[open]").forEach(function (o) { if (o !== d) { o.open = false; } });
      // The toggle event comes a moment after the panel opens: focus its
      // first field unless the person is already in one of its fields.
      var first = $("input:not([type=hidden]), select, textarea", d);
      if (first && d.classList.contains("action") && !d.contains(document.activeElement)) { first.focus(); }
    });
  });

  // Lists: select all, count the selection, show only the fields the chosen
  // state needs.
  var bulk = $("[data-bulk]");
  if (bulk) {
    var all = $("[data-pick-all]", bulk);
    var picks = $$("input[name=pick]", bulk);
    var counter = $("[data-picked]", bulk);
    var panel = $("#bulk", bulk);
    if (panel) { panel.classList.add("live-bar"); }
    var count = function () {
      var n = picks.filter(function (p) { return p.checked; }).length;
      if (counter) { counter.textContent = n === 1 ? "· 1 selected" : "· " + n + " selected"; }
      if (panel) { panel.classList.toggle("idle", n === 0 && !panel.querySelector(".field-error")); }
      if (all) { all.checked = n > 0 && n === picks.length; all.indeterminate = n > 0 && n < picks.length; }
    };
    if (all) {
      all.hidden = false;
      all.addEventListener("change", function () {
        picks.forEach(function (p) { p.checked = all.checked; });
        count();
      });
    }
    picks.forEach(function (p) { p.addEventListener("change", count); });
    count();
    var state = $("[data-state-select]", bulk);
    var showFor = function () {
      $$("[data-for-state]", bulk).forEach(function (el) {
        el.hidden = !state.value || el.getAttribute("data-for-state") !== state.value;
        if (el.querySelector("[aria-invalid=true]")) { el.hidden = false; }
      });
    };
    if (state) { state.addEventListener("change", showFor); showFor(); }
  }

  // Drag and drop upload onto the attachment form.
  $$("[data-dropzone]").forEach(function (form) {
    var input = $("input[type=file]", form);
    var hint = $("[data-drop-hint]", form);
    if (hint) { hint.textContent += " Or drop a file here."; }
    ["dragenter", "dragover"].forEach(function (t) {
      form.addEventListener(t, function (e) { e.preventDefault(); form.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (t) {
      form.addEventListener(t, function () { form.classList.remove("over"); });
    });
    form.addEventListener("drop", function (e) {
      e.preventDefault();
      if (!e.dataTransfer || !e.dataTransfer.files.length) { return; }
      input.files = e.dataTransfer.files;
      form.requestSubmit();
    });
  });

  // Live updates on the incident page: the server says when the journal
  // grows; we say so and keep whatever the agent is typing.
  var record = $(".incident[data-number]");
  if (record && window.EventSource) {
    var live = $("#live");
    var url = "/incidents/" + encodeURIComponent(record.getAttribute("data-number")) +
      "/events?after=" + encodeURIComponent(record.getAttribute("data-last") || "0");
    var source = new EventSource(url);
    source.addEventListener("change", function (e) {
      var ev;
      try { ev = JSON.parse(e.data); } catch (err) { return; }
      $("[data-live-text]", live).textContent = ev.mine
        ? "You changed this incident in another window."
        : "Updated by someone else: " + ev.summary + ".";
      $("[data-live-kept]", live).hidden = !dirty;
      live.hidden = false;
    });
    $("[data-live-reload]", live).addEventListener("click", function (e) {
      if (dirty && !window.confirm("Reload and lose what you have typed but not saved?")) { e.preventDefault(); return; }
      dirty = false;
    });
    window.addEventListener("pagehide", function () { source.close(); });
  }

  // SLA countdowns: keep each badge's figure current between page loads.
  function countdown(ms) {
    var m = Math.round(Math.abs(ms) / 60000);
    if (m >= 1440) { return Math.floor(m / 1440) + " d " + Math.floor((m % 1440) / 60) + " h"; }
    if (m >= 60) { return Math.floor(m / 60) + " h " + (m % 60) + " m"; }
    return m < 1 ? "<1 m" : m + " m";
  }
  function tickDue() {
    $$("[data-due]").forEach(function (el) {
      var left = Date.parse(el.getAttribute("data-due")) - Date.now();
      if (isNaN(left)) { return; }
      el.textContent = left <= 0 ? "Overdue " + countdown(left) : countdown(left) + " left";
      el.className = "due " + (left <= 0 ? "due-over" : left < 3600000 ? "due-soon" : "due-ok");
    });
  }
  if ($("[data-due]")) { setInterval(tickDue, 30000); }
})();
