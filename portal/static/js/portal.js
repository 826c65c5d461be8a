// The portal's own script: small, optional, and never needed for a page to work.
// Photos chosen for upload are resized in the browser first: a phone's 4 MB original
// becomes a JPEG of at most 1600 px. Without JavaScript the plain file input works
// and the server re-encodes whatever arrives.
(function () {
  "use strict";
  var MAX = 1600, QUALITY = 0.82;

  function shrink(file) {
    if (!/^image\//.test(file.type) || !window.createImageBitmap) return Promise.resolve(file);
    return createImageBitmap(file, {imageOrientation: "from-image"}).then(function (bitmap) {
      var scale = Math.min(1, MAX / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(blob ? new File([blob], name, {type: "image/jpeg"}) : file);
        }, "image/jpeg", QUALITY);
      });
    }).catch(function () { return file; });
  }

  function put(input, files) {
    var transfer = new DataTransfer();
    files.forEach(function (file) { transfer.items.add(file); });
    input.files = transfer.files;
    var box = input.form && input.form.querySelector('[data-previews-for="' + input.name + '"]');
    if (!box) return;
    box.textContent = "";
    files.forEach(function (file, index) {
      var figure = document.createElement("figure");
      var img = document.createElement("img");
      var remove = document.createElement("button");
      img.src = URL.createObjectURL(file);
      img.alt = file.name;
      remove.type = "button";
      remove.className = "link";
      remove.textContent = box.getAttribute("data-remove") || "Remove";
      remove.addEventListener("click", function () {
        var rest = files.slice();
        rest.splice(index, 1);
        put(input, rest);
      });
      figure.appendChild(img);
      figure.appendChild(remove);
      box.appendChild(figure);
    });
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-resize]")) return;
    var form = input.form;
    if (form) form.setAttribute("aria-busy", "true");
    Promise.all(Array.prototype.map.call(input.files, shrink)).then(function (files) {
      put(input, files);
      if (form) form.removeAttribute("aria-busy");
    });
  });
})();

// Copy and print buttons: shown only with JavaScript; without it the text stays selectable
// and the browser's own menu prints.
(function () {
  "use strict";
  function ready() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.onclick = function () { window.print(); };
    });
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      var target = document.getElementById(button.getAttribute("data-copy"));
      if (!target || !navigator.clipboard) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(target.value || target.textContent).then(function () {
          button.setAttribute("aria-live", "polite");
          button.textContent = button.getAttribute("data-copied") || button.textContent;
        });
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
  document.addEventListener("portal:page", ready);
})();

// Focus after a page or an htmx swap: an error summary takes it (keyboard and screen
// reader users start from what went wrong); when a swap removed the focused element, the
// swapped region takes it instead of the page's start. A region waiting for htmx is marked
// busy, which the stylesheet shows.
(function () {
  "use strict";
  function summary(root) {
    var box = root && root.querySelector && root.querySelector("[data-autofocus]");
    if (box) box.focus();
    return !!box;
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { summary(document); });
  } else {
    summary(document);
  }
  // A page put in place by the upload below: start from the summary, else from the news
  // (the flash) or the heading, as a screen reader would after loading a page.
  document.addEventListener("portal:page", function () {
    if (summary(document)) return;
    var start = document.querySelector("main .flash") || document.querySelector("main h1");
    if (!start) return;
    start.setAttribute("tabindex", "-1");
    start.focus();
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    event.detail.target.setAttribute("aria-busy", "true");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    event.detail.target.removeAttribute("aria-busy");
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    // An outerHTML swap replaced the target: the event comes from its successor.
    var region = event.detail.target.isConnected ? event.detail.target : event.target;
    if (summary(region) || !region.isConnected) return;
    var active = document.activeElement;
    if (!active || active === document.body || !active.isConnected) {
      if (!region.hasAttribute("tabindex")) region.setAttribute("tabindex", "-1");
      region.focus();
    }
  });
})();

// Switching the language reloads the page: what was typed into its forms is carried over
// (for this tab only, and never passwords or files).
(function () {
  "use strict";
  var KEY = "portal-carry:" + location.pathname;
  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrf_token" &&
        !/^(password|file|hidden|submit|button)$/.test(el.type);
    });
  }
  document.addEventListener("submit", function (event) {
    if (!event.target.matches("form.langs")) return;
    var saved = [];
    document.querySelectorAll("main form").forEach(function (form, index) {
      fields(form).forEach(function (el) {
        var checkable = el.type === "checkbox" || el.type === "radio";
        saved.push([index, el.name, el.value, checkable ? el.checked : null]);
      });
    });
    // Full or turned off: the answers are then not carried over.
    try { sessionStorage.setItem(KEY, JSON.stringify(saved)); } catch (e) { return; }
  });
  function restore() {
    var saved;
    try { saved = JSON.parse(sessionStorage.getItem(KEY) || "null"); sessionStorage.removeItem(KEY); }
    catch (e) { return; }
    if (!saved) return;
    var forms = document.querySelectorAll("main form");
    saved.forEach(function (item) {
      var form = forms[item[0]];
      if (!form) return;
      fields(form).forEach(function (el) {
        if (el.name !== item[1]) return;
        if (item[3] === null) el.value = item[2];
        else if (el.value === item[2]) el.checked = item[3];
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", restore);
  else restore();
})();

// Uploads with progress: a form with files chosen is sent in the background so the page can
// show how much has gone, which on a slow connection is most of the wait. The answer then
// takes the page's place as a normal submission's would, and the address follows a redirect.
// If the answer is an error page, its message is shown in the form and the answers stay.
// Without JavaScript, or with no file chosen, the browser sends the form itself.
(function () {
  "use strict";
  var replaced = false;

  function chosen(form) {
    return Array.prototype.some.call(form.querySelectorAll("input[type=file]"), function (input) {
      return input.files && input.files.length > 0;
    });
  }

  function show(doc, url) {
    document.title = doc.title;
    document.body.replaceWith(document.adoptNode(doc.body));
    if (url && url.split("#")[0] !== location.href.split("#")[0]) {
      history.pushState({portal: 1}, "", url);
      replaced = true;
    }
    window.scrollTo(0, 0);
    if (window.htmx) window.htmx.process(document.body);
    document.dispatchEvent(new CustomEvent("portal:page"));
  }

  // Going back from a page put in place above: load the earlier page for real.
  window.addEventListener("popstate", function () { if (replaced) location.reload(); });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var box = form.querySelector && form.querySelector("[data-upload-progress]");
    if (event.defaultPrevented || !box || !window.FormData || !chosen(form)) return;
    event.preventDefault();
    if (form.hasAttribute("data-sending")) return;
    var data;
    try { data = new FormData(form, event.submitter); } catch (e) { data = new FormData(form); }
    var bar = box.querySelector("progress");
    var status = box.querySelector("[role=status]");
    var percent = new Intl.NumberFormat(document.documentElement.lang, {style: "percent"});
    var step = -1;
    function report(done) {
      bar.value = done;
      // Say it in tens, not on every packet.
      if (Math.floor(done * 10) === step) return;
      step = Math.floor(done * 10);
      status.textContent = box.getAttribute("data-sending") + " " + percent.format(done);
    }
    function stop(message) {
      form.removeAttribute("data-sending");
      form.removeAttribute("aria-busy");
      bar.hidden = true;
      status.className = "error";
      status.textContent = message;
    }
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) report(e.loaded / e.total);
    });
    xhr.addEventListener("load", function () {
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var action = form.getAttribute("action");
      var again = doc.querySelector('form[action="' + CSS.escape(action) + '"]');
      if (xhr.status >= 400 && !again) {
        var heading = doc.querySelector("main h1") || doc.querySelector("h1");
        var text = doc.querySelector("main p") || doc.querySelector("p");
        stop([heading && heading.textContent, text && text.textContent].filter(Boolean).join(" "));
        return;
      }
      show(doc, xhr.responseURL);
    });
    xhr.addEventListener("error", function () { stop(box.getAttribute("data-failed")); });
    form.setAttribute("data-sending", "");
    form.setAttribute("aria-busy", "true");
    box.hidden = false;
    bar.hidden = false;
    status.className = "";
    report(0);
    xhr.send(data);
  });
})();
