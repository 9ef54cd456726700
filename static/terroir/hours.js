/* Opening hours edited with a grid of days × time slots, kept in sync with the OpenStreetMap expression
   (the form's real field, shown under "advanced"). A progressive enhancement: without this script the
   expression field works alone. The grid shows only what it can say exactly — the same months and week
   step for every day, slots within a day, closed on public holidays; any other expression opens in
   advanced mode and the grid waits until the expression fits it again. Words come from the field's
   data-hours-grid attribute (translated by the server); nothing is written as HTML. */
(function () {
  "use strict";
  var DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var MONTH = "(?:" + MONTHS.join("|") + ")";
  var DAY = "(?:" + DAYS.join("|") + ")";
  var TIME = "(?:[01]\\d|2[0-4]):[0-5]\\d";
  var RULE = new RegExp(
    "^(?:(" + MONTH + "(?:-" + MONTH + ")?(?:," + MONTH + "(?:-" + MONTH + ")?)*)\\s+)?" +
    "(?:week\\s?0?([12])-(5[23])/2\\s+)?" +
    "(" + DAY + "(?:-" + DAY + ")?(?:," + DAY + "(?:-" + DAY + ")?)*)\\s+" +
    "(off|closed|" + TIME + "-" + TIME + "(?:," + TIME + "-" + TIME + ")*)$");

  function emptyModel() {
    var days = [], months = [];
    for (var d = 0; d < 7; d++) days.push([]);
    for (var m = 0; m < 12; m++) months.push(true);
    return { days: days, months: months, week: "", holidaysClosed: false };
  }

  function expand(list, names) {
    // "Mo-We,Fr" -> [0, 1, 2, 4]; ranges may wrap ("Fr-Mo", "Nov-Feb").
    var found = [];
    list.split(",").forEach(function (part) {
      var ends = part.split("-"), first = names.indexOf(ends[0]), last = names.indexOf(ends[1] || ends[0]);
      for (var i = first; ; i = (i + 1) % names.length) {
        found.push(i);
        if (i === last) break;
      }
    });
    return found;
  }

  function minutes(text) { var p = text.split(":"); return +p[0] * 60 + +p[1]; }

  /* The grid's model of an expression, or null when the grid cannot show it exactly. */
  function parse(expression) {
    var model = emptyModel(), text = (expression || "").trim(), seen = [false, false, false, false, false, false, false];
    var prefix = null;
    if (!text) return model;
    var rules = text.split(";");
    for (var r = 0; r < rules.length; r++) {
      var rule = rules[r].trim();
      if (!rule) continue;
      if (/^PH\s+(off|closed)$/.test(rule)) { model.holidaysClosed = true; continue; }
      var match = RULE.exec(rule);
      if (!match) return null;
      var thisPrefix = (match[1] || "") + "|" + (match[2] || "") + (match[3] || "");
      if (prefix !== null && prefix !== thisPrefix) return null;  // seasons differing by day: advanced
      prefix = thisPrefix;
      if (match[2] && !((match[2] === "1" && match[3] === "53") || (match[2] === "2" && match[3] === "52"))) return null;
      model.week = match[2] ? (match[2] === "1" ? "odd" : "even") : "";
      if (match[1]) {
        var wanted = expand(match[1], MONTHS);
        for (var m = 0; m < 12; m++) model.months[m] = wanted.indexOf(m) >= 0;
      }
      var slots = [];
      if (match[5] !== "off" && match[5] !== "closed") {
        var spans = match[5].split(",").sort(), previousEnd = -1;
        for (var s = 0; s < spans.length; s++) {
          var ends = spans[s].split("-"), start = minutes(ends[0]), end = minutes(ends[1]);
          if (start >= end || start < previousEnd || end > 1440) return null;  // past midnight: advanced
          previousEnd = end;
          slots.push([ends[0], ends[1]]);
        }
      }
      var days = expand(match[4], DAYS);
      for (var d = 0; d < days.length; d++) {
        if (seen[days[d]]) return null;  // a later rule overriding an earlier one: advanced
        seen[days[d]] = true;
        model.days[days[d]] = slots.slice();
      }
    }
    return model;
  }

  function ranges(indexes, names) {
    // [0, 1, 2, 4] -> "Mo-We,Fr"
    var parts = [], i = 0;
    while (i < indexes.length) {
      var j = i;
      while (j + 1 < indexes.length && indexes[j + 1] === indexes[j] + 1) j++;
      parts.push(j > i ? names[indexes[i]] + "-" + names[indexes[j]] : names[indexes[i]]);
      i = j + 1;
    }
    return parts.join(",");
  }

  /* The expression of a grid's model ("" when no day has a slot). */
  function build(model) {
    var groups = [], bySlots = {};
    model.days.forEach(function (slots, day) {
      if (!slots.length) return;
      // Slots in the order of the day, whatever the order they were added in.
      var key = slots.map(function (s) { return s[0] + "-" + s[1]; }).sort().join(",");
      if (!(key in bySlots)) { bySlots[key] = []; groups.push(key); }
      bySlots[key].push(day);
    });
    if (!groups.length) return "";
    var months = [];
    model.months.forEach(function (on, m) { if (on) months.push(m); });
    var prefix = "";
    if (months.length && months.length < 12) prefix += ranges(months, MONTHS) + " ";
    if (model.week === "odd") prefix += "week01-53/2 ";
    if (model.week === "even") prefix += "week02-52/2 ";
    var rules = groups.map(function (key) { return prefix + ranges(bySlots[key], DAYS) + " " + key; });
    if (model.holidaysClosed) rules.push("PH off");
    return rules.join("; ");
  }

  window.terroirHours = { parse: parse, build: build };

  function element(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) node.textContent = text;
    return node;
  }

  function setup(input) {
    var words = JSON.parse(input.getAttribute("data-hours-grid"));
    var wrapper = input.closest("div") || input.parentNode;
    var editor = element("fieldset", { "class": "hours-grid" });
    editor.appendChild(element("legend", {}, words.title));
    var notice = element("p", { "class": "hours-notice", role: "status" });
    var details = element("details", { "class": "hours-advanced" });
    details.appendChild(element("summary", {}, words.advanced));
    wrapper.parentNode.insertBefore(editor, wrapper);
    wrapper.parentNode.insertBefore(notice, wrapper);
    wrapper.parentNode.insertBefore(details, wrapper);
    details.appendChild(wrapper);
    var model = parse(input.value) || emptyModel();

    function changed() {
      input.value = build(model);
      notice.textContent = "";
      editor.disabled = false;
    }

    function render() {
      while (editor.childNodes.length > 1) editor.removeChild(editor.lastChild);
      var months = element("fieldset", { "class": "hours-months" });
      months.appendChild(element("legend", {}, words.months));
      words.month_names.forEach(function (name, m) {
        var label = element("label", {}), box = element("input", { type: "checkbox", name: "hours-month-" + m });
        box.checked = model.months[m];
        box.addEventListener("change", function () { model.months[m] = box.checked; changed(); });
        label.appendChild(box);
        label.appendChild(document.createTextNode(" " + name));
        months.appendChild(label);
      });
      editor.appendChild(months);
      var options = element("div", { "class": "hours-options" });
      var weekLabel = element("label", {}, words.weeks + " ");
      var week = element("select", { name: "hours-week" });
      [["", words.every_week], ["odd", words.odd_weeks], ["even", words.even_weeks]].forEach(function (o) {
        var option = element("option", { value: o[0] }, o[1]);
        option.selected = model.week === o[0];
        week.appendChild(option);
      });
      week.addEventListener("change", function () { model.week = week.value; changed(); });
      weekLabel.appendChild(week);
      options.appendChild(weekLabel);
      var holidays = element("label", {}), holidaysBox = element("input", { type: "checkbox", name: "hours-holidays" });
      holidaysBox.checked = model.holidaysClosed;
      holidaysBox.addEventListener("change", function () { model.holidaysClosed = holidaysBox.checked; changed(); });
      holidays.appendChild(holidaysBox);
      holidays.appendChild(document.createTextNode(" " + words.holidays_closed));
      options.appendChild(holidays);
      editor.appendChild(options);
      var list = element("ul", { "class": "hours-days" });
      words.day_names.forEach(function (name, day) {
        var row = element("li", { "class": "hours-day", "data-day": DAYS[day] });
        row.appendChild(element("span", { "class": "hours-day-name" }, name));
        var slots = element("span", { "class": "hours-slots" });
        if (!model.days[day].length) slots.appendChild(element("span", { "class": "hours-closed" }, words.closed));
        model.days[day].forEach(function (slot, index) {
          var item = element("span", { "class": "hours-slot" });
          [0, 1].forEach(function (end) {
            var time = element("input", {
              // 24:00 (closing at midnight) is not a value of <input type=time>: shown 00:00 as an end.
              type: "time", step: "300", value: slot[end] === "24:00" ? "00:00" : slot[end], required: "",
              "aria-label": name + " — " + (end ? words.until : words.from) + " " + (index + 1),
            });
            time.addEventListener("change", function () {
              if (time.value) { slot[end] = time.value === "00:00" && end ? "24:00" : time.value; changed(); }
            });
            item.appendChild(time);
            if (!end) item.appendChild(document.createTextNode("–"));
          });
          var remove = element("button", { type: "button", "class": "secondary", "aria-label": words.remove + " " + name + " " + (index + 1) }, "×");
          remove.addEventListener("click", function () { model.days[day].splice(index, 1); changed(); render(); });
          item.appendChild(remove);
          slots.appendChild(item);
        });
        row.appendChild(slots);
        var add = element("button", { type: "button", "class": "secondary hours-add", "aria-label": words.add + " — " + name }, "+ " + words.add);
        add.addEventListener("click", function () {
          var last = model.days[day][model.days[day].length - 1];
          model.days[day].push(last ? [last[1] < "14:00" ? "14:00" : last[1], last[1] < "14:00" ? "18:00" : "24:00"] : ["09:00", "12:00"]);
          changed();
          render();
        });
        row.appendChild(add);
        list.appendChild(row);
      });
      editor.appendChild(list);
    }

    input.addEventListener("input", function () {
      var parsed = parse(input.value);
      if (parsed) {
        model = parsed;
        notice.textContent = "";
        editor.disabled = false;
        render();
      } else {
        notice.textContent = words.advanced_only;
        editor.disabled = true;
      }
    });
    render();
    if (!parse(input.value) || input.getAttribute("aria-invalid") === "true" || wrapper.querySelector(".errorlist")) {
      details.open = true;
      if (!parse(input.value)) { notice.textContent = words.advanced_only; editor.disabled = true; }
    }
  }

  document.querySelectorAll("input[data-hours-grid]").forEach(setup);
})();
