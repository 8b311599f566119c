// Conveniences only: every page works without this script.
// Check / UnCheck All without a round trip, and copying example calls.
document.addEventListener("click", function (e) {
  var b = e.target.closest("button[data-check],button[data-uncheck]");
  if (b) {
    e.preventDefault();
    var group = b.getAttribute("data-check") || b.getAttribute("data-uncheck");
    var on = b.hasAttribute("data-check");
    b.form.querySelectorAll('[data-group="' + group + '"] input[type=checkbox]').forEach(function (c) { c.checked = on; });
    return;
  }
  var c = e.target.closest("button[data-copy]");
  if (c && navigator.clipboard) {
    navigator.clipboard.writeText(c.getAttribute("data-copy"));
  }
});
document.querySelectorAll("button[data-copy]").forEach(function (b) { b.hidden = false; });

// A consumer entity's header checkbox checks or unchecks its whole column of the matrix.
document.addEventListener("change", function (e) {
  var h = e.target.closest("thead input[data-column]");
  if (!h) return;
  var table = h.closest("table");
  table.querySelectorAll('tbody input[type=checkbox][data-column="' + h.getAttribute("data-column") + '"]:not([disabled])')
    .forEach(function (c) { c.checked = h.checked; });
});
document.querySelectorAll("thead input[data-column]").forEach(function (h) { h.hidden = false; });

// The seconds until another code may be asked for count down; the button waits with them.
document.querySelectorAll("button[data-wait]").forEach(function (b) {
  var left = parseInt(b.getAttribute("data-wait"), 10) || 0;
  var note = document.getElementById("resend-wait");
  if (left <= 0 || !note) return;
  var text = note.textContent;
  var arabic = /[\u0660-\u0669]/.test(text);
  var digits = function (n) {
    return arabic ? String(n).replace(/[0-9]/g, function (d) { return String.fromCharCode(0x0660 + +d); }) : String(n);
  };
  b.disabled = true;
  var tick = setInterval(function () {
    left -= 1;
    note.textContent = text.replace(/[0-9\u0660-\u0669]+/, digits(Math.max(left, 0)));
    if (left <= 0) { clearInterval(tick); b.disabled = false; note.hidden = true; }
  }, 1000);
});
