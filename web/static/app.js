/* Progressive enhancement of the registration wizard. Every page works without this file:
   the server re-renders on each submit. Plain ES2017, no dependency. */
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer = null;
    function run() {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { timer = null; fn.apply(null, args); }, ms);
    }
    run.cancel = function () { clearTimeout(timer); timer = null; };
    return run;
  }

  function getJSON(url, options) {
    return fetch(url, Object.assign({
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }, options)).then(function (res) {
      if (!res.ok) { throw new Error("HTTP " + res.status); }
      return res.json();
    });
  }

  // 1 and 2. Error summary: focus it on load; its links focus the faulty control.
  function initErrorSummary() {
    var summary = document.getElementById("error-summary");
    if (!summary) { return; }
    summary.focus({ preventScroll: true });
    summary.scrollIntoView({ block: "start" });

    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) { return; }
      var id = decodeURIComponent(link.getAttribute("href").slice(1));
      var target = document.getElementById(id);
      if (!target) { return; }
      event.preventDefault();
      // Scroll the whole field so its label/legend and error message are visible, not only the input.
      var field = target.closest(".field") || target;
      field.scrollIntoView({ block: "start" });
      target.focus({ preventScroll: true });
    });
  }

  // 3. Conditional fields: ask the server which fields are hidden given the current answers.
  function initVisibility(form) {
    var url = form.getAttribute("data-visibility-url");
    var counter = 0;   // only the answer to the latest request is applied

    function apply(hiddenIds) {
      var hidden = new Set(hiddenIds);
      var shown = [];
      form.querySelectorAll("[data-field]").forEach(function (el) {
        var id = el.getAttribute("data-field");
        el.hidden = hidden.has(id);
        if (!el.hidden) { shown.push(id); }
      });
      var shownInput = form.querySelector("input[name='_shown']");
      if (shownInput) { shownInput.value = shown.join(","); }
    }

    function update() {
      var request = ++counter;
      getJSON(url, { method: "POST", body: new FormData(form) }).then(function (data) {
        if (request !== counter || !data || !Array.isArray(data.hidden)) { return; }
        apply(data.hidden);
      }).catch(function () { /* ignored: the server decides again on submit */ });
    }
    var typed = debounce(update, 250);

    form.addEventListener("change", function (event) {
      if (event.target.classList && event.target.classList.contains("search__input")) { return; }
      typed.cancel();
      update();
    });
    form.addEventListener("input", function (event) {
      var t = event.target;
      // Radios, checkboxes and selects also fire "change", handled above; the search box
      // only filters the list and is not an answer.
      if (t.type === "radio" || t.type === "checkbox" || t.tagName === "SELECT" ||
          t.classList.contains("search__input")) { return; }
      typed();
    });
  }

  // 4. Checkboxes that show/hide another element (e.g. the "not found" subform).
  function initToggles() {
    document.querySelectorAll("input[data-toggles]").forEach(function (input) {
      var target = document.getElementById(input.getAttribute("data-toggles"));
      if (!target) { return; }
      var sync = function () { target.hidden = !input.checked; };
      input.addEventListener("change", sync);
      sync();
    });
  }

  // 5. Search as you type in reference lists.
  function initSearch(box) {
    var url = box.getAttribute("data-search-url");
    var name = box.getAttribute("data-search-for");
    var input = box.querySelector(".search__input");
    var status = box.querySelector(".search__status");
    var button = box.querySelector(".search__button");
    var results = box.querySelector(".search__results");
    if (!input || !name) { return; }
    var counter = 0;
    // Keep the accessibility wiring the server put on its radios (hint/error ids).
    var first = results && results.querySelector("input[type='radio']");
    var describedBy = first ? first.getAttribute("aria-describedby") : null;

    if (!results) {
      results = document.createElement("fieldset");
      results.className = "choices search__results";
      var legend = document.createElement("legend");
      legend.className = "visually-hidden";
      // The words come from the page, in its language (decision 0022).
      legend.textContent = box.getAttribute("data-results-legend") || "";
      results.appendChild(legend);
      results.hidden = true;
      box.appendChild(results);
    }

    function render(items) {
      var checked = results.querySelector("input[type='radio']:checked");
      var keep = checked ? checked.value : null;
      var kept = false;
      results.querySelectorAll(".choice").forEach(function (el) { el.remove(); });
      items.forEach(function (item) {
        var id = name + "-" + item.id;
        var row = document.createElement("div");
        row.className = "choice";
        var radio = document.createElement("input");
        radio.type = "radio";
        radio.className = "choice__input";
        radio.id = id;
        radio.name = name;
        radio.value = String(item.id);
        if (describedBy) { radio.setAttribute("aria-describedby", describedBy); }
        if (keep !== null && radio.value === keep) { radio.checked = true; kept = true; }
        var label = document.createElement("label");
        label.className = "choice__label";
        label.htmlFor = id;
        label.textContent = String(item.label == null ? "" : item.label);
        if (item.detail) {
          var detail = document.createElement("span");
          detail.className = "choice__detail";
          detail.textContent = String(item.detail);
          label.appendChild(document.createTextNode(" "));
          label.appendChild(detail);
        }
        row.appendChild(radio);
        row.appendChild(label);
        results.appendChild(row);
      });
      results.hidden = items.length === 0;
      // The chosen entry left the list: the answer changed, so conditions must be re-evaluated.
      if (keep !== null && !kept) {
        results.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }

    // fallback: true when the user explicitly asked (Enter); on failure do the no-JS round trip.
    function search(fallback) {
      var q = input.value.trim();
      var request = ++counter;
      var sep = url.indexOf("?") === -1 ? "?" : "&";
      getJSON(url + sep + "q=" + encodeURIComponent(q)).then(function (data) {
        if (request !== counter || !data) { return; }
        render(Array.isArray(data.results) ? data.results : []);
        if (status) { status.textContent = data.message == null ? "" : String(data.message); }
      }).catch(function () {
        if (fallback && request === counter && button) { button.click(); }
      });
    }
    var typed = debounce(search, 200);

    input.addEventListener("input", function () {
      var length = input.value.trim().length;
      if (length === 0 || length >= 2) { typed(false); } else { typed.cancel(); }
    });
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.isComposing) { return; }
      // Enter would submit the form through its first submit button; search in place instead.
      event.preventDefault();
      typed.cancel();
      search(true);
    });
  }

  // Enter in a field submits through the form's first submit button in document order, which
  // is "Étape précédente" (or a search button). Make it go forward, as users expect.
  function initImplicitSubmit(form) {
    var next = form.querySelector(".wizard-nav button[name='_nav'][value='next']") ||
      form.querySelector(".wizard-nav .button--primary");
    if (!next) { return; }
    var skip = ["submit", "button", "reset", "image", "file", "search"];
    form.addEventListener("keydown", function (event) {
      var t = event.target;
      if (event.key !== "Enter" || event.isComposing || event.defaultPrevented) { return; }
      if (t.tagName !== "INPUT" || skip.indexOf(t.type) !== -1) { return; }
      event.preventDefault();
      next.click();   // a click, so that data-confirm and the submitter name/value still apply
    });
  }

  // 6. Confirmation before destructive submits.
  function initConfirm() {
    document.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-confirm]");
      if (button && !window.confirm(button.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  }

  // 7. "Resume later" link: one click selects the whole URL, ready to copy.
  function initResumeLinks() {
    document.querySelectorAll(".resume__link").forEach(function (input) {
      var justFocused = false;
      input.addEventListener("focus", function () { input.select(); justFocused = true; });
      // Some browsers clear the selection on the mouseup that follows a click-focus.
      input.addEventListener("mouseup", function (event) {
        if (justFocused) { event.preventDefault(); justFocused = false; }
      });
    });
  }

  // 8. Character counters of texts with a limit: the page says the limit; here it becomes a live
  // count, announced politely once typing pauses. Nothing cuts what is typed or pasted: a text
  // over the limit is shown as such, and the server refuses it with its length.
  function initCounters() {
    document.querySelectorAll("[data-counter-for]").forEach(function (counter) {
      var input = document.getElementById(counter.getAttribute("data-counter-for"));
      var max = input ? parseInt(input.getAttribute("data-max-length"), 10) : NaN;
      if (!input || isNaN(max)) { return; }
      var countText = counter.getAttribute("data-count-text") || "{n} / {max}";
      var overText = counter.getAttribute("data-over-text") || "{n} / {max}";
      var live = document.createElement("span");
      live.className = "visually-hidden";
      live.setAttribute("aria-live", "polite");
      counter.parentNode.insertBefore(live, counter.nextSibling);
      function fill(template, n) {
        return template.replace("{n}", String(n)).replace("{max}", String(max));
      }
      function text() {
        // Counted as the server counts: in code points, not UTF-16 units (an emoji is one).
        var length = Array.from(input.value).length;
        var over = length > max;
        counter.classList.toggle("field__counter--over", over);
        return over ? fill(overText, length - max) : fill(countText, length);
      }
      var announce = debounce(function () { live.textContent = text(); }, 800);
      function update() { counter.textContent = text(); announce(); }
      input.addEventListener("input", update);
      counter.textContent = text();
    });
  }

  function init() {
    initToggles();
    initCounters();
    // Without fetch/FormData (very old browsers) the server-side round trips still work.
    if (window.fetch && window.FormData) {
      document.querySelectorAll(".search[data-search-url]").forEach(initSearch);
      document.querySelectorAll("form[data-visibility-url]").forEach(initVisibility);
    }
    document.querySelectorAll("form.wizard").forEach(initImplicitSubmit);
    initConfirm();
    initResumeLinks();
    initErrorSummary();
  }

  if (!Element.prototype.closest || !window.NodeList || !NodeList.prototype.forEach) { return; }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
