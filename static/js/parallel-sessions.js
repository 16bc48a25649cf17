/* The registration form's sessions: choosing one disables those that run at the same time (the server
   refuses both anyway, with a message; this only spares the round trip). The pairs come from the page
   (data-parallel: {session id: [ids running at the same time]}). */
(function () {
  "use strict";
  var box = document.getElementById("session-choice");
  if (!box) return;
  var parallel;
  try { parallel = JSON.parse(box.getAttribute("data-parallel") || "{}"); } catch (e) { return; }
  var hint = box.getAttribute("data-hint") || "";
  var inputs = box.querySelectorAll("input[type=checkbox]");


  function update() {
    var blocked = {};
    for (var i = 0; i < inputs.length; i++) {
      if (!inputs[i].checked) continue;
      (parallel[inputs[i].value] || []).forEach(function (other) { blocked[String(other)] = true; });
    }
    for (var j = 0; j < inputs.length; j++) {
      var input = inputs[j];
      var off = !input.checked && blocked[input.value] === true;
      input.disabled = off;
      var label = input.closest("label");
      if (label) {
        label.classList.toggle("muted", off);
        if (off) label.setAttribute("title", hint); else label.removeAttribute("title");
      }
    }
  }

  for (var k = 0; k < inputs.length; k++) inputs[k].addEventListener("change", update);
  update();
})();
