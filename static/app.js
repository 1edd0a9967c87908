// Nianbao: only what htmx cannot do. Pasting a block copied from Excel/WPS into a table,
// Enter moving down a column as in a spreadsheet, and the save badge with retries.
// Saving, validation and every message come from the server.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) return;

  var typed = 0;      // input events so far
  var sent = 0;       // input events covered by the request in flight
  var retry = null;
  var signedOut = false;
  // Each save carries an id. A retry of a save whose answer was lost, with nothing typed
  // since, sends the same id: the server answers it as the first time instead of applying
  // it again.
  var saveId = null;
  var resend = false;

  function newId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function badge(cls, text) {
    var s = document.getElementById("save-state");
    if (s) { s.className = "state " + cls; s.textContent = text; }
  }

  form.addEventListener("input", function () {
    typed++;
    resend = false;
    badge("saving", "未保存…");
  });

  document.body.addEventListener("htmx:configRequest", function (e) {
    if (e.detail.elt !== form) return;
    if (!resend || !saveId) saveId = newId();
    resend = false;
    e.detail.parameters["save_id"] = saveId;
  });

  document.body.addEventListener("htmx:beforeRequest", function (e) {
    if (e.detail.elt !== form) return;
    sent = typed;
    badge("saving", "保存中…");
  });

  document.body.addEventListener("htmx:afterRequest", function (e) {
    if (e.detail.elt !== form) return;
    clearTimeout(retry);
    retry = null;
    var xhr = e.detail.xhr;
    if (e.detail.successful) {
      if (typed > sent) badge("saving", "保存中…");
      return;
    }
    var status = xhr ? xhr.status : 0;
    if (status === 401) {
      // The session expired: the server sent the sign-in page, which carries this save along
      // and applies it after signing in. Show it in place of the form.
      signedOut = true;
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      document.title = doc.title;
      document.body.replaceWith(document.importNode(doc.body, true));
      return;
    }
    if (status === 0 || status >= 500 || status === 429) {
      // The server, its database or the network is down: keep what was typed (htmx swaps
      // nothing on an error) and try again until it works. 503 is the database being away:
      // the clerk is still signed in, and is told so rather than 保存失败.
      badge("failed", status === 503 ? "服务暂时不可用，正在重试…" : "保存失败，正在重试…");
      resend = typed === sent;
      retry = setTimeout(function () { htmx.trigger(form, "submit"); }, 3000);
    } else {
      var text = (xhr && xhr.responseText) || "";
      var m = text.match(/<h1>([^<]*)<\/h1>/);
      badge("failed", "保存失败：" + (m ? m[1] : status));
    }
  });

  window.addEventListener("beforeunload", function (e) {
    if (!signedOut && (typed > sent || retry)) { e.preventDefault(); e.returnValue = ""; }
  });

  function cellAt(table, r, c) {
    return table.querySelector('input[data-r="' + r + '"][data-c="' + c + '"]');
  }

  // A block of tab-separated rows fills the cells from the one pasted into.
  form.addEventListener("paste", function (e) {
    var input = e.target;
    if (!(input instanceof HTMLInputElement) || input.dataset.r === undefined) return;
    var text = (e.clipboardData || window.clipboardData).getData("text/plain");
    if (!text || (text.indexOf("\t") < 0 && text.replace(/\r?\n$/, "").indexOf("\n") < 0)) return;
    e.preventDefault();
    var table = input.closest("table");
    var r0 = +input.dataset.r, c0 = +input.dataset.c;
    var lines = text.replace(/\r\n?/g, "\n").replace(/\n$/, "").split("\n");
    var filled = 0;
    lines.forEach(function (line, i) {
      line.split("\t").forEach(function (value, j) {
        var target = cellAt(table, r0 + i, c0 + j);
        if (target && !target.readOnly) { target.value = value.trim(); filled++; }
      });
    });
    // From the cell, so that it reaches the table's live check as well as the form's save.
    if (filled) input.dispatchEvent(new Event("input", { bubbles: true }));
  });

  // Enter moves down the column instead of submitting.
  form.addEventListener("keydown", function (e) {
    var input = e.target;
    if (e.key !== "Enter" || !(input instanceof HTMLInputElement) || input.dataset.r === undefined) return;
    var next = cellAt(input.closest("table"), +input.dataset.r + (e.shiftKey ? -1 : 1), input.dataset.c);
    if (next) { e.preventDefault(); next.focus(); next.select(); }
  });
})();
