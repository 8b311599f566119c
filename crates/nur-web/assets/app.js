// Conveniences only: every page works without this script.
// Check / UnCheck All without a round trip, and copying example calls.
document.addEventListener("click", function (e) {
  var b = e.target.closest("button[data-check],button[data-uncheck]");
  if (b) {
    e.preventDefault();
    var name = b.getAttribute("data-check") || b.getAttribute("data-uncheck");
    var on = b.hasAttribute("data-check");
    b.form.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (c) { c.checked = on; });
    return;
  }
  var c = e.target.closest("button[data-copy]");
  if (c && navigator.clipboard) {
    navigator.clipboard.writeText(c.getAttribute("data-copy"));
  }
});
document.querySelectorAll("button[data-copy]").forEach(function (b) { b.hidden = false; });
