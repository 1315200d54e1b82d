/* After a failed submit, move focus to the error summary so that screen readers read the errors
   first, and let each error's link put the focus in its field (a plain #fragment only scrolls).
   A file of its own, not inline: the Content-Security-Policy allows scripts from this site only. */
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (!summary) {
    return;
  }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!field) {
      return;
    }
    event.preventDefault();
    var label = document.querySelector("label[for='" + field.id + "']");
    (label || field).scrollIntoView();
    field.focus({ preventScroll: true });
  });
})();
