/* Inspections on a phone: photos shrunk on the device before upload, the 缺项 toggle of a sheet, the topic
   field of a special inspection. */
(function () {
  "use strict";

  var MAX_SIDE = 1600;
  var QUALITY = 0.8;

  function loadImage(file) {
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () { URL.revokeObjectURL(url); resolve(img); };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("not decodable")); };
      img.src = url;
    });
  }

  /* A JPEG of the photo with its longest side at most MAX_SIDE; the original when the browser cannot read it. */
  function shrink(file, maxSide) {
    if (!/^image\//.test(file.type) || file.type === "image/gif") return Promise.resolve(file);
    return loadImage(file).then(function (img) {
      var w = img.naturalWidth, h = img.naturalHeight;
      var scale = Math.min(1, maxSide / Math.max(w, h));
      if (scale === 1 && file.type === "image/jpeg" && file.size < 1024 * 1024) return file;
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(w * scale);
      canvas.height = Math.round(h * scale);
      canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) { resolve(file); return; }
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg", lastModified: Date.now() }));
        }, "image/jpeg", QUALITY);
      });
    }).catch(function () { return file; });
  }

  function preview(input, files) {
    var box = input.form && input.form.querySelector("#photo-preview");
    if (!box) {
      box = input.parentNode.querySelector(".gw-photo-preview");
      if (!box) {
        box = document.createElement("div");
        box.className = "gw-photo-preview d-flex flex-wrap gap-2 mt-2";
        input.insertAdjacentElement("afterend", box);
      }
    }
    box.replaceChildren();
    files.forEach(function (file) {
      if (!/^image\//.test(file.type)) return;
      var img = document.createElement("img");
      img.className = "gw-thumb";
      img.alt = file.name;
      img.src = URL.createObjectURL(file);
      box.appendChild(img);
    });
  }

  function watchPhotos(input) {
    var maxSide = parseInt(input.dataset.shrink, 10) || MAX_SIDE;
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || []);
      if (!files.length) { preview(input, []); return; }
      var form = input.form;
      var button = form && form.querySelector("button[type=submit], button:not([type])");
      if (button) button.disabled = true;
      input.dataset.busy = "1";
      Promise.all(files.map(function (f) { return shrink(f, maxSide); })).then(function (shrunk) {
        if (typeof DataTransfer !== "undefined") {
          try {
            var dt = new DataTransfer();
            shrunk.forEach(function (f) { dt.items.add(f); });
            input.files = dt.files;
          } catch (e) { shrunk = files; }
        }
        preview(input, shrunk);
      }).finally(function () {
        delete input.dataset.busy;
        if (button) button.disabled = false;
      });
    });
  }

  function watchSheet(form) {
    form.querySelectorAll(".gw-item").forEach(function (row) {
      var toggle = row.querySelector(".gw-na-toggle input");
      var deduction = row.querySelector(".gw-deduction input");
      if (!toggle || !deduction) return;
      function sync() {
        row.classList.toggle("gw-na", toggle.checked);
        if (toggle.checked) deduction.value = "";
        deduction.readOnly = toggle.checked;
      }
      toggle.addEventListener("change", sync);
      sync();
      deduction.addEventListener("input", function () {
        var max = parseFloat(deduction.max);
        var value = parseFloat(deduction.value);
        deduction.classList.toggle("is-invalid", !isNaN(value) && (value < 0 || value > max));
      });
    });
  }

  function watchTopic(form) {
    var kind = form.querySelector("#id_kind");
    var topic = form.querySelector("#id_topic");
    if (!kind || !topic) return;
    var field = topic.closest(".gw-field") || topic.parentNode;
    function sync() {
      var special = kind.value === "special";
      field.hidden = !special && !topic.value;
    }
    kind.addEventListener("change", sync);
    sync();
  }

  document.querySelectorAll("input[type=file][data-shrink]").forEach(watchPhotos);
  document.querySelectorAll("#sheet-form").forEach(watchSheet);
  document.querySelectorAll("#start-form").forEach(watchTopic);
})();
