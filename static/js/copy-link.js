/* "Copy the link" buttons (data-copy: the selector of the text to copy). The clipboard API where the page
   may use it; else the text is selected so the person copies it themselves. Without JavaScript the button
   stays hidden and the link is there to copy by hand. */
(function () {
  "use strict";

  function selectText(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var target = document.querySelector(button.getAttribute("data-copy"));
    if (!target) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = target.textContent.trim();
      var copied = function () { button.textContent = button.getAttribute("data-copied"); };
      var fallback = function () {
        selectText(target);
        button.textContent = button.getAttribute("data-selected");
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(copied, fallback);
      } else {
        fallback();
      }
    });
  });
}());
