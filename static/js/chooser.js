/* A long list of checkboxes (fieldset[data-chooser], _macros.chooser) becomes searchable: the search box above
   hides what does not match (the chosen ones always stay), and a line says what is chosen. Without JavaScript
   the box stays hidden and every checkbox shows; the form sends the same values either way. */
(function () {
  "use strict";

  // Case and accents do not matter: "кыр" finds "Кыргызча", "espanol" finds "Español".
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLocaleLowerCase();
  }

  function setUp(box) {
    var search = box.querySelector(".chooser-search");
    var input = search.querySelector("input");
    var empty = search.querySelector(".chooser-empty");
    var chosen = box.querySelector(".chooser-chosen");
    var items = Array.prototype.map.call(box.querySelectorAll(".chooser-options > li"), function (li) {
      var checkbox = li.querySelector("input[type=checkbox]");
      var name = li.textContent.trim();
      return {li: li, checkbox: checkbox, name: name, key: fold(name + " " + checkbox.value)};
    });

    function summarise() {
      var names = items.filter(function (item) { return item.checkbox.checked; })
        .map(function (item) { return item.name; });
      chosen.textContent = names.length ? box.getAttribute("data-chosen").replace("{names}", names.join(", "))
        : box.getAttribute("data-none");
    }

    function filter() {
      var query = fold(input.value.trim());
      var shown = 0;
      items.forEach(function (item) {
        var visible = !query || item.checkbox.checked || item.key.indexOf(query) !== -1;
        item.li.hidden = !visible;
        if (visible) {
          shown += 1;
        }
      });
      empty.hidden = shown > 0;
    }

    input.addEventListener("input", filter);
    // Enter in the search box finds, it does not send the form half filled.
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
      }
    });
    box.addEventListener("change", summarise);
    search.hidden = false;
    chosen.hidden = false;
    box.classList.add("chooser-ready");
    summarise();
    filter();
  }

  document.querySelectorAll("fieldset[data-chooser]").forEach(setUp);
}());
