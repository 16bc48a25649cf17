/* "Print" buttons (button[data-print]): shown only when there is a script to run them; the print styles in
   site.css leave out the header, menus, forms and buttons. */
(function () {
  "use strict";
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
}());
