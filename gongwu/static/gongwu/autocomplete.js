/* Search-as-you-type choices for large foreign keys (gongwu/core/autocomplete.py renders the markup):
 *
 * <div class="gw-autocomplete" data-gw-autocomplete="URL" data-gw-scope="SIGNED" data-gw-empty="TEXT">
 *   <input type="hidden" class="gw-autocomplete-value" name="…" value="ID">
 *   <input type="text" class="gw-autocomplete-text" role="combobox" value="LABEL">
 *   <ul class="gw-autocomplete-list" role="listbox" hidden></ul>
 * </div>
 *
 * Typing asks URL?q=…&scope=… for at most 20 matches; ArrowDown / ArrowUp move, Enter or a tap chooses,
 * Escape closes and keeps the value. Emptying the text clears the value. Events are delegated from the
 * document, so widgets HTMX swaps in work too. Text goes into the page through textContent only.
 */
(function () {
  "use strict";

  var DELAY = 200;
  var state = new WeakMap();

  function parts(box) {
    return {
      box: box,
      value: box.querySelector(".gw-autocomplete-value"),
      text: box.querySelector(".gw-autocomplete-text"),
      list: box.querySelector(".gw-autocomplete-list"),
    };
  }

  function info(box) {
    var s = state.get(box);
    if (!s) {
      var p = parts(box);
      s = { timer: null, request: 0, active: -1, label: p.text.value };
      state.set(box, s);
    }
    return s;
  }

  function options(p) {
    return Array.prototype.slice.call(p.list.querySelectorAll("[role=option]"));
  }

  function close(p) {
    p.list.hidden = true;
    p.text.setAttribute("aria-expanded", "false");
    p.text.removeAttribute("aria-activedescendant");
    info(p.box).active = -1;
  }

  function highlight(p, index) {
    var items = options(p);
    var s = info(p.box);
    if (!items.length) return;
    s.active = (index + items.length) % items.length;
    items.forEach(function (item, i) {
      item.classList.toggle("active", i === s.active);
      item.setAttribute("aria-selected", i === s.active ? "true" : "false");
    });
    var current = items[s.active];
    p.text.setAttribute("aria-activedescendant", current.id);
    current.scrollIntoView({ block: "nearest" });
  }

  function choose(p, id, label) {
    var s = info(p.box);
    var changed = p.value.value !== String(id);
    p.value.value = id;
    p.text.value = label;
    s.label = label;
    close(p);
    if (changed) p.value.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function show(p, results) {
    var list = p.list;
    while (list.firstChild) list.removeChild(list.firstChild);
    if (!results.length) {
      var none = document.createElement("li");
      none.className = "dropdown-item gw-autocomplete-none";
      none.textContent = p.box.getAttribute("data-gw-empty") || "";
      list.appendChild(none);
    }
    results.forEach(function (row, i) {
      var item = document.createElement("li");
      item.className = "dropdown-item";
      item.id = p.text.id + "-option-" + i;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.setAttribute("data-id", String(row.id));
      item.textContent = row.label;
      list.appendChild(item);
    });
    list.hidden = false;
    p.text.setAttribute("aria-expanded", "true");
    info(p.box).active = -1;
  }

  function search(p) {
    var s = info(p.box);
    var ticket = ++s.request;
    var url = p.box.getAttribute("data-gw-autocomplete");
    var query = "?q=" + encodeURIComponent(p.text.value) + "&scope=" + encodeURIComponent(p.box.getAttribute("data-gw-scope") || "");
    fetch(url + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) {
        if (ticket === s.request && document.activeElement === p.text) show(p, data.results || []);
      })
      .catch(function () { /* offline or signed out: the list stays closed */ });
  }

  function boxOf(target) {
    return target && target.closest ? target.closest(".gw-autocomplete") : null;
  }

  document.addEventListener("input", function (event) {
    var box = boxOf(event.target);
    if (!box || !event.target.classList.contains("gw-autocomplete-text")) return;
    var p = parts(box);
    var s = info(box);
    clearTimeout(s.timer);
    s.timer = setTimeout(function () { search(p); }, DELAY);
  });

  document.addEventListener("focusin", function (event) {
    var box = boxOf(event.target);
    if (box && event.target.classList.contains("gw-autocomplete-text")) info(box);
  });

  document.addEventListener("keydown", function (event) {
    var box = boxOf(event.target);
    if (!box || !event.target.classList.contains("gw-autocomplete-text")) return;
    var p = parts(box);
    var s = info(box);
    var open = !p.list.hidden;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!open) { search(p); return; }
      highlight(p, s.active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter") {
      if (open) {
        event.preventDefault();
        var items = options(p);
        var item = items[s.active] || (items.length === 1 ? items[0] : null);
        if (item) choose(p, item.getAttribute("data-id"), item.textContent);
      } else if (!p.text.value.trim() && p.value.value) {
        choose(p, "", "");
      }
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      p.text.value = s.label;
      close(p);
    }
  });

  // Choose on pointer down so the input keeps focus (a tap on a phone, a click on a desk).
  document.addEventListener("mousedown", function (event) {
    var item = event.target.closest ? event.target.closest(".gw-autocomplete-list [role=option]") : null;
    if (!item) return;
    event.preventDefault();
    choose(parts(boxOf(item)), item.getAttribute("data-id"), item.textContent);
  });

  document.addEventListener("focusout", function (event) {
    var box = boxOf(event.target);
    if (!box || !event.target.classList.contains("gw-autocomplete-text")) return;
    var p = parts(box);
    var s = info(box);
    clearTimeout(s.timer);
    s.request++;
    if (!p.text.value.trim()) {
      if (p.value.value) choose(p, "", "");
    } else {
      p.text.value = s.label; // typed but not chosen: keep the value chosen before
    }
    close(p);
  });
})();
