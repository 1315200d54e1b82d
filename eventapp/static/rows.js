/* The rows of the event editor (programme, meetings, questions) added, moved and removed in the page,
   as the row buttons do without JavaScript by sending the form (see templates/admin/_rows.html). Rows
   are renumbered after each change so that their names are what the server reads: <list>-<row>-<part>.
   Focus stays with the row that moved, goes to a new row's first field, and after a removal to the
   list's add button. A question's choices are shown only for the types that have choices.
   A file of its own, not inline: the Content-Security-Policy allows scripts from this site only. */
(function () {
  "use strict";
  var form = document.querySelector("[data-row-form]");
  if (!form) {
    return;
  }
  var RENAMED = ["id", "name", "for", "aria-describedby"];

  function rowsOf(list) {
    return Array.prototype.filter.call(list.children, function (child) { return child.hasAttribute("data-row"); });
  }

  function renumber(list) {
    var name = list.getAttribute("data-row-list");
    var pattern = new RegExp("(^|\\s)" + name + "-\\d+-", "g");
    rowsOf(list).forEach(function (row, index) {
      var replacement = "$1" + name + "-" + index + "-";
      Array.prototype.forEach.call(row.querySelectorAll("*"), function (element) {
        RENAMED.forEach(function (attribute) {
          var value = element.getAttribute(attribute);
          if (value) {
            element.setAttribute(attribute, value.replace(pattern, replacement));
          }
        });
        if (element.hasAttribute("data-row-action")) {
          element.value = element.value.replace(pattern, replacement);
        }
        if (element.hasAttribute("data-row-number")) {
          element.textContent = String(index + 1);
        }
      });
    });
  }

  function showChoices(row) {
    var kind = row.querySelector("select[name$='-kind']");
    var choices = row.querySelector(".choice-fields");
    if (kind && choices) {
      choices.hidden = kind.value !== "choice" && kind.value !== "choices";
    }
  }

  function add(fieldset) {
    var name = fieldset.getAttribute("data-rows");
    var list = fieldset.querySelector("[data-row-list]");
    var template = fieldset.querySelector("template[data-row-template]");
    var row = template.content.firstElementChild.cloneNode(true);
    list.appendChild(row);
    renumber(list);
    showChoices(row);
    var first = row.querySelector("input:not([type=hidden]), select, textarea");
    if (first) {
      first.focus();
    }
    return name;
  }

  function act(button) {
    var row = button.closest("[data-row]");
    var list = row.parentElement;
    var action = button.getAttribute("data-row-action");
    if (action === "remove") {
      var fieldset = list.closest("[data-rows]");
      row.remove();
      renumber(list);
      fieldset.querySelector("[data-row-action=add]").focus();
      return;
    }
    var other = action === "up" ? row.previousElementSibling : row.nextElementSibling;
    if (!other) {
      return;
    }
    if (action === "up") {
      list.insertBefore(row, other);
    } else {
      list.insertBefore(other, row);
    }
    renumber(list);
    button.focus();
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("[data-row-action]");
    if (!button || !form.contains(button)) {
      return;
    }
    event.preventDefault();
    if (button.getAttribute("data-row-action") === "add") {
      add(button.closest("[data-rows]"));
    } else {
      act(button);
    }
  });

  form.addEventListener("change", function (event) {
    if (event.target.matches("select[name$='-kind']")) {
      showChoices(event.target.closest("[data-row]"));
    }
  });

  Array.prototype.forEach.call(form.querySelectorAll("[data-row-list=questions] [data-row]"), showChoices);
})();
