/* Check-in with the phone's camera: jsQR reads each frame; a code found is sent to the server, which
   answers "welcome" or "already checked in at 09:12". Typing the code in the form works without this. */
(function () {
  "use strict";
  var box = document.getElementById("scanner");
  if (!box || !window.jsQR || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  box.hidden = false;
  var video = document.getElementById("scan-video");
  var canvas = document.getElementById("scan-canvas");
  var result = document.getElementById("checkin-result");
  var where = document.getElementById("where");  // the entrance or a session's door
  var last = "", lastAt = 0, busy = false;

  function show(message, ok) {
    result.textContent = "";
    var p = document.createElement("p");
    p.className = "flash " + (ok ? "flash-success" : "flash-error");
    p.textContent = message;
    result.appendChild(p);
  }

  function send(code) {
    busy = true;
    fetch(box.getAttribute("data-url"), {
      method: "POST",
      headers: {"Content-Type": "application/json", "X-CSRFToken": box.getAttribute("data-csrf")},
      body: JSON.stringify({code: code, session: where ? where.value : "entrance"}),
      credentials: "same-origin"
    }).then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { show(data.message, data.result === "ok"); })
      .catch(function () { show(box.getAttribute("data-error"), false); })
      .finally(function () { busy = false; });
  }

  function tick() {
    if (video.readyState === video.HAVE_ENOUGH_DATA && !busy) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      var ctx = canvas.getContext("2d");
      ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = ctx.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(image.data, image.width, image.height, {inversionAttempts: "dontInvert"});
      var now = Date.now();
      if (found && found.data && (found.data !== last || now - lastAt > 3000)) {
        last = found.data;
        lastAt = now;
        send(found.data);
      }
    }
    window.requestAnimationFrame(tick);
  }

  document.getElementById("scan-start").addEventListener("click", function () {
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}}).then(function (stream) {
      video.srcObject = stream;
      video.play();
      window.requestAnimationFrame(tick);
    }).catch(function () { show(box.getAttribute("data-camera-error"), false); });
  });
})();
