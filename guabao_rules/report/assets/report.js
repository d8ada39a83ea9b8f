(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("data").textContent);
  var findings = data.findings, names = data.counties, titles = data.titles;
  var PAGE = data.page, page = 0, shown = findings;
  var body = document.body;
  function lang() { return body.classList.contains("zh") ? "zh" : "en"; }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function countyLabel(c) {
    if (c === null) return data.nocounty[lang()];
    return c + (names[c] ? " " + names[c] : "");
  }
  function openRule(id) {
    var d = document.getElementById("rule-" + id);
    if (!d) return;
    d.open = true;
    d.classList.add("flash");
    d.scrollIntoView();
  }
  function renderFinding(f) {
    var box = el("div", "finding sev-" + f.sev);
    box.id = "finding-" + f.n;
    box.setAttribute("data-rule", f.rule);
    var head = el("div", "head");
    var link = el("a", "rule-link", f.rule);
    link.href = "#rule-" + f.rule;
    head.appendChild(link);
    head.appendChild(document.createTextNode(" "));
    head.appendChild(el("span", "sev sev-" + f.sev, "[" + data.sevnames[f.sev][lang()] + "]"));
    if (f.subject !== null) head.appendChild(el("b", "subject", " " + f.subject));
    head.appendChild(el("span", "msg", " " + f.message));
    box.appendChild(head);
    box.appendChild(el("div", "where", f.where));
    if (f.src) {
      var pre = el("pre", "src");
      var num = String(f.src[0]);
      pre.appendChild(document.createTextNode(num + " | " + f.src[1] + f.src[2] + "\n"));
      pre.appendChild(el("span", "pad", num + " | " + f.src[1]));
      pre.appendChild(el("span", "caret", "^"));
      box.appendChild(pre);
    }
    if (f.related.length) {
      var rel = el("div", "related", data.relatedlabel[lang()] + ": ");
      f.related.forEach(function (r, i) {
        rel.appendChild(document.createTextNode((i ? "; " : "") + (r[0] === null ? "-" : r[0]) + " (" + r[1] + ")"));
      });
      box.appendChild(rel);
    }
    return box;
  }
  function pager(nav) {
    nav.textContent = "";
    var pages = Math.max(1, Math.ceil(shown.length / PAGE));
    if (pages === 1) return;
    function button(label, target, current) {
      var b = el("button", current ? "current" : "", label);
      b.type = "button";
      b.disabled = current || target < 0 || target >= pages;
      b.addEventListener("click", function () { page = target; render(); });
      nav.appendChild(b);
    }
    button("‹", page - 1, false);
    var from = Math.max(0, page - 4), to = Math.min(pages, from + 9);
    for (var p = from; p < to; p++) button(String(p + 1), p, p === page);
    button("›", page + 1, false);
    nav.appendChild(el("span", "of", " / " + pages));
  }
  function render() {
    var list = document.getElementById("list");
    list.textContent = "";
    var slice = shown.slice(page * PAGE, (page + 1) * PAGE);
    var county, rule, group, sub;
    slice.forEach(function (f) {
      if (group === undefined || f.county !== county) {
        county = f.county; rule = undefined;
        group = el("div", "group");
        group.setAttribute("data-county", county === null ? "-" : county);
        group.appendChild(el("h3", "", countyLabel(county)));
        list.appendChild(group);
      }
      if (f.rule !== rule) {
        rule = f.rule;
        sub = el("h4", "");
        var a = el("a", "rule-link", f.rule);
        a.href = "#rule-" + f.rule;
        sub.appendChild(a);
        sub.appendChild(document.createTextNode(" " + (titles[f.rule] ? titles[f.rule][lang()] : "")));
        group.appendChild(sub);
      }
      group.appendChild(renderFinding(f));
    });
    var total = findings.length;
    document.getElementById("shown").textContent = lang() === "zh"
      ? "显示 " + shown.length + " / " + total + " 个问题"
      : shown.length + " of " + total + " findings";
    pager(document.getElementById("pager-top"));
    pager(document.getElementById("pager-bottom"));
  }
  function filter() {
    var q = document.getElementById("q").value.trim().toLowerCase();
    var sev = document.getElementById("f-sev").value;
    var c = document.getElementById("f-county").value;
    var r = document.getElementById("f-rule").value;
    shown = findings.filter(function (f) {
      if (sev && f.sev !== sev) return false;
      if (r && f.rule !== r) return false;
      if (c && (f.county === null ? "-" : f.county) !== c) return false;
      if (!q) return true;
      return (f.rule + " " + (f.subject || "") + " " + f.where + " " + f.message).toLowerCase().indexOf(q) >= 0;
    });
    page = 0;
    render();
  }
  ["q", "f-sev", "f-county", "f-rule"].forEach(function (id) {
    document.getElementById(id).addEventListener("input", filter);
  });
  document.addEventListener("click", function (e) {
    var a = e.target.closest ? e.target.closest("a.rule-link") : null;
    if (a) openRule(a.getAttribute("href").slice(6));
  });
  document.querySelectorAll("button.lang").forEach(function (b) {
    b.addEventListener("click", function () {
      body.classList.remove("zh", "en");
      body.classList.add(b.getAttribute("data-lang"));
      document.documentElement.lang = b.getAttribute("data-lang") === "zh" ? "zh-CN" : "en";
      document.querySelectorAll("option[data-zh]").forEach(function (o) {
        o.textContent = o.getAttribute("data-" + lang());
      });
      render();
    });
  });
  // the order the groups need: county, then rule, then the report's order
  findings.sort(function (a, b) {
    var ca = a.county === null ? "\uffff" : a.county, cb = b.county === null ? "\uffff" : b.county;
    if (ca !== cb) return ca < cb ? -1 : 1;
    if (a.rule !== b.rule) return a.rule < b.rule ? -1 : 1;
    return a.n - b.n;
  });
  shown = findings;
  render();
  if (location.hash.indexOf("#rule-") === 0) openRule(location.hash.slice(6));
  window.guabao = { filter: filter, render: render, count: function () { return shown.length; },
                    goto: function (p) { page = p; render(); }, pages: function () { return Math.ceil(shown.length / PAGE); } };
})();
