/* "Add a member" on the delegation form without a reload: a copy of the last member's row, emptied and
   renumbered (members-2-full_name becomes members-3-full_name). Without JavaScript the button sends the form
   and the server answers with one more row, keeping everything typed. */
(function () {
  "use strict";

  var button = document.getElementById("add-member");
  var list = document.getElementById("delegation-members");
  if (!button || !list) {
    return;
  }

  function renumber(node, from, to) {
    var pattern = new RegExp("^members-" + from + "-");
    ["name", "id", "for", "aria-describedby"].forEach(function (attribute) {
      node.querySelectorAll("[" + attribute + "]").forEach(function (element) {
        var value = element.getAttribute(attribute);
        element.setAttribute(attribute, value.split(" ").map(function (part) {
          return part.replace(pattern, "members-" + to + "-");
        }).join(" "));
      });
    });
  }

  var max = parseInt(button.getAttribute("data-max"), 10) || 100;
  var limitHint = document.getElementById("members-limit");

  // at the limit the button stops adding rows and says why (the server refuses more rows as well)
  function stopAtLimit(count) {
    if (count >= max) {
      button.disabled = true;
      if (limitHint) {
        limitHint.hidden = false;
      }
    }
  }

  stopAtLimit(list.querySelectorAll("[data-member-row]").length);

  button.addEventListener("click", function (event) {
    var rows = list.querySelectorAll("[data-member-row]");
    var last = rows[rows.length - 1];
    if (!last) {
      return;
    }
    event.preventDefault();
    if (rows.length >= max) {
      stopAtLimit(rows.length);
      return;
    }
    var copy = last.cloneNode(true);
    renumber(copy, rows.length - 1, rows.length);
    copy.querySelectorAll("input, select, textarea").forEach(function (field) {
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = false;
      } else if (field.tagName === "SELECT") {
        field.selectedIndex = 0;
      } else {
        field.value = "";
      }
      field.removeAttribute("aria-invalid");
    });
    copy.querySelectorAll(".error").forEach(function (error) { error.remove(); });
    copy.querySelectorAll(".has-error").forEach(function (wrapper) { wrapper.classList.remove("has-error"); });
    var legend = copy.querySelector("legend");
    if (legend && legend.getAttribute("data-number-text")) {
      legend.textContent = legend.getAttribute("data-number-text").replace("%d", String(rows.length + 1));
    }
    list.appendChild(copy);
    stopAtLimit(rows.length + 1);
    var first = copy.querySelector("input");
    if (first) {
      first.focus();
    }
  });
}());
