// The door page without reloads: live search, forms sent in the background, the camera scanner.
// Without this file every form still works as a plain post; this only makes it quicker.
(function () {
  "use strict";
  var door = document.querySelector(".door");
  if (!door || !window.fetch) { return; }
  var codeForm = document.getElementById("door-code-form");
  var codeInput = document.getElementById("code");
  var searchInput = document.getElementById("q");
  var results = document.getElementById("door-results");
  var last = document.getElementById("door-last");
  var counts = document.getElementById("door-counts");
  var resultsUrl = door.getAttribute("data-results-url");
  var waiting = document.getElementById("door-waiting");
  var waitingUrl = door.getAttribute("data-waiting-url");
  var searchTimer = null;
  var searchSeq = 0;

  function refreshResults() {
    var query = searchInput.value;
    var seq = ++searchSeq;
    fetch(resultsUrl + (resultsUrl.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(query), {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html !== null && seq === searchSeq) { results.innerHTML = html; }
      })
      .catch(function () { /* the plain search button still works */ });
  }

  function refreshWaiting() {
    if (!waiting || !waitingUrl) { return; }
    fetch(waitingUrl, {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null) { waiting.innerHTML = html; } })
      .catch(function () { /* shown right at the next reload */ });
  }

  function send(form) {
    var data = new FormData(form);
    if (searchInput && !data.has("q")) { data.append("q", searchInput.value); }
    return fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin", headers: {"Accept": "application/json"}
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) { throw new Error("not json"); }
      return response.json();
    }).then(function (outcome) {
      last.innerHTML = outcome.panel;
      counts.textContent = outcome.counts_text.trim();
      if (searchInput.value.trim()) { refreshResults(); }
      refreshWaiting();
      return outcome;
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("js-door-form")) { return; }
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
    send(form).then(function () {
      if (form === codeForm) { codeInput.value = ""; }
      codeInput.focus();  // ready for the next badge from the scanner
    }).catch(function () {
      form.submit();  // let the server answer the ordinary way
    }).then(function () {
      if (button) { button.disabled = false; }
    });
  });

  if (searchInput) {
    searchInput.addEventListener("input", function () {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(refreshResults, 200);
    });
  }

  // The camera scanner: the browser's own QR reader (BarcodeDetector) where there is one, else the
  // vendored jsQR, loaded only when the camera is started.
  var camera = document.getElementById("door-camera");
  var toggle = document.getElementById("door-camera-toggle");
  var video = document.getElementById("door-video");
  var problem = document.getElementById("door-camera-problem");
  if (!camera) { return; }
  camera.hidden = false;

  // Why the camera did not start, in words the volunteer can act on (the texts come from the page).
  function showProblem(error) {
    var name = error && error.name;
    var key = "data-failed";
    if (error === "unsupported") { key = "data-unsupported"; }
    else if (name === "NotAllowedError" || name === "SecurityError") { key = "data-denied"; }
    else if (name === "NotFoundError" || name === "OverconstrainedError") { key = "data-missing"; }
    else if (name === "NotReadableError" || name === "AbortError") { key = "data-busy"; }
    problem.textContent = camera.getAttribute(key);
    problem.hidden = false;
  }
  var stream = null;
  var reader = null;
  var canvas = document.createElement("canvas");
  var lastCode = "";
  var lastAt = 0;

  function nativeReader() {
    var detector = new window.BarcodeDetector({formats: ["qr_code"]});
    return function () {
      return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
    };
  }

  function jsqrReader() {
    return function () {
      var width = Math.min(video.videoWidth, 640);
      if (!width) { return Promise.resolve(null); }
      var height = Math.round(video.videoHeight * width / video.videoWidth);
      canvas.width = width;
      canvas.height = height;
      var context = canvas.getContext("2d", {willReadFrequently: true});
      context.drawImage(video, 0, 0, width, height);
      var found = window.jsQR(context.getImageData(0, 0, width, height).data, width, height,
                              {inversionAttempts: "dontInvert"});
      return Promise.resolve(found ? found.data : null);
    };
  }

  function loadReader() {
    if ("BarcodeDetector" in window) { return Promise.resolve(nativeReader()); }
    if (window.jsQR) { return Promise.resolve(jsqrReader()); }
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = camera.getAttribute("data-jsqr-url");
      script.onload = function () { resolve(jsqrReader()); };
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function stop() {
    if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
    stream = null;
    video.hidden = true;
    toggle.textContent = toggle.getAttribute("data-start");
  }

  function scan() {
    if (!stream) { return; }
    reader().then(function (code) {
      var now = Date.now();
      // The same badge held in front of the camera is sent once, not four times a second.
      if (code && (code !== lastCode || now - lastAt > 4000)) {
        lastCode = code;
        lastAt = now;
        codeInput.value = code;
        send(codeForm).catch(function () { /* shown on the next try */ });
        if (navigator.vibrate) { navigator.vibrate(80); }
      }
    }).catch(function () { /* a frame that could not be read */ }).then(function () {
      setTimeout(scan, 250);
    });
  }

  toggle.addEventListener("click", function () {
    if (stream) { stop(); return; }
    problem.hidden = true;
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      showProblem("unsupported");
      return;
    }
    loadReader().then(function (loaded) {
      reader = loaded;
      return navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false});
    }).then(function (media) {
      stream = media;
      video.srcObject = media;
      video.hidden = false;
      toggle.textContent = toggle.getAttribute("data-stop");
      return video.play();
    }).then(scan).catch(function (error) { stop(); showProblem(error); });
  });
})();
