/* Offer the invoice address an organisation gave before, once the booker has named it and typed its
   organisation number, into empty address fields only; the booker sees what was filled in, and the
   fields stay theirs to change. Without the script the fields are simply typed. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-invoice-details]");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  var names = ["invoice_street", "invoice_postcode", "invoice_city"];
  var status = document.getElementById("invoice-details-status");

  function addressIsEmpty() {
    return names.every(function (name) {
      return form.elements[name] && !form.elements[name].value.trim();
    });
  }

  function ask() {
    var organisation = form.elements.organisation.value.trim();
    var number = form.elements.org_number.value.trim();
    if (!organisation || number.replace(/\D/g, "").length !== 10 || !addressIsEmpty()) {
      return;
    }
    var body = new FormData();
    body.append("csrf_token", form.elements.csrf_token.value);
    body.append("organisation", organisation);
    body.append("org_number", number);
    fetch(form.getAttribute("data-invoice-details"), { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (found) {
        if (!found || !found.found || !addressIsEmpty()) {
          return;
        }
        names.forEach(function (name) { form.elements[name].value = found[name]; });
        var peppol = form.elements.peppol_id;
        if (peppol && !peppol.value.trim() && found.peppol_id) {
          peppol.value = found.peppol_id;
        }
        status.textContent = status.getAttribute("data-message");
      })
      .catch(function () { /* nothing offered: the fields are typed as usual */ });
  }

  form.elements.org_number.addEventListener("change", ask);
  form.elements.organisation.addEventListener("change", ask);
})();
