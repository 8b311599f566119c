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
