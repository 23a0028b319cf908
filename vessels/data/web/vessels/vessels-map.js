/* vessels map helpers (MIT).
 *
 * Every piece of text that came from the input (vessel names, call signs, destinations, reasons,
 * zone names, profile name, title) reaches the page in ONE place: the JSON data block (a script
 * element of type application/json, id vessels-data). This script reads it with JSON.parse and
 * writes it with textContent, never innerHTML. The map layers folium writes carry no text at all,
 * only numbers, our own class names and colours, and `ref`, an index into `cards` below.
 */
(function () {
  "use strict";
  var V = (window.vesselsMap = window.vesselsMap || { counts: {}, layers: {} });

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  /* The page's data block: {cards: [...], title: {...}, legend: [...]} (parsed once). */
  V.data = function () {
    if (V._data === undefined) {
      var node = document.getElementById("vessels-data");
      V._data = node ? JSON.parse(node.textContent) : {};
    }
    return V._data;
  };

  /* The card (title, tip, rows, reasons) of a feature: its `ref` into the data block. */
  V.cardOf = function (p) {
    var cards = V.data().cards || [];
    return typeof p.ref === "number" && p.ref >= 0 && p.ref < cards.length ? cards[p.ref] : {};
  };

  /* A card: title, a table of {l: label, v: value} rows, an optional list of reasons. */
  V.card = function (kind, c) {
    var box = el("div", "vessels-card vessels-card-" + String(kind || "feature"));
    box.appendChild(el("div", "vessels-card-title", c.title));
    var rows = c.rows || [];
    if (rows.length) {
      var table = el("table");
      rows.forEach(function (r) {
        if (!r || r.v === null || r.v === undefined || r.v === "") return;
        var tr = el("tr");
        tr.appendChild(el("th", null, r.l));
        tr.appendChild(el("td", null, r.v));
        table.appendChild(tr);
      });
      box.appendChild(table);
    }
    var reasons = c.reasons || [];
    if (reasons.length) {
      box.appendChild(el("div", "vessels-card-sub", "Why this score"));
      var ul = el("ul");
      reasons.forEach(function (r) { ul.appendChild(el("li", null, r)); });
      box.appendChild(ul);
    }
    return box;
  };

  /* popups pan clear of the title panel (which sits above the map panes) */
  V.titleHeight = function () {
    if (V._titleH === undefined) {
      var t = document.getElementById("vessels-title");
      V._titleH = t ? t.offsetHeight + t.offsetTop : 0;
    }
    return V._titleH;
  };

  /* onEachFeature of every vessels GeoJSON layer: popup card + plain-text tooltip. */
  V.bind = function (feature, layer) {
    var p = feature.properties || {};
    var kind = p.kind || "feature";
    V.counts[kind] = (V.counts[kind] || 0) + 1;
    (V.layers[kind] = V.layers[kind] || []).push(layer);
    var c = V.cardOf(p);
    if (c.title || c.rows) {
      layer.bindPopup(function () { return V.card(kind, c); }, {
        maxWidth: 380,
        autoPanPaddingTopLeft: L.point(20, V.titleHeight() + 20)
      });
    }
    if (p.link && p.link.length) {
      /* encounters / rendezvous: opening the card highlights the tracks of both vessels */
      var emphasise = function (on) {
        (V.layers.track || []).forEach(function (t) {
          if (p.link.indexOf(t.feature.properties.mmsi) >= 0 && t.setStyle) {
            var base = t.feature.properties.style || {};
            t.setStyle({ weight: on ? 7 : base.weight || 3, opacity: on ? 1 : base.opacity || 0.9 });
            if (on && t.bringToFront) t.bringToFront();
          }
        });
      };
      layer.on("popupopen", function () { emphasise(true); });
      layer.on("popupclose", function () { emphasise(false); });
    }
    if (c.tip) {
      layer.bindTooltip(function () { return el("span", "vessels-tip", c.tip); }, { sticky: true });
    }
  };

  /* pointToLayer: circle markers styled from feature.properties.style. */
  V.point = function (feature, latlng) {
    var style = (feature.properties && feature.properties.style) || {};
    return L.circleMarker(latlng, style);
  };

  /* A legend symbol: a span of class sw/dot/box whose CSS properties are set one by one
   * (CSSOM: a value can never leave its property). */
  function symbol(s) {
    var span = el("span", s.shape);
    var css = s.css || {};
    Object.keys(css).forEach(function (k) { span.style.setProperty(k, String(css[k])); });
    return span;
  }

  /* The title panel and the legend, built from the data block (text as text nodes). */
  V.panels = function () {
    if (document.getElementById("vessels-title")) return;
    var d = V.data();
    var t = d.title || {};
    var title = el("div", "vessels-panel vessels-title");
    title.id = "vessels-title";
    title.appendChild(el("h1", null, t.heading));
    (t.lines || []).forEach(function (line) { title.appendChild(el("div", null, line)); });
    (t.notes || []).forEach(function (n) { title.appendChild(el("div", "vessels-note", n)); });
    document.body.appendChild(title);
    var legend = el("div", "vessels-panel vessels-legend");
    legend.id = "vessels-legend";
    (d.legend || []).forEach(function (section) {
      legend.appendChild(el("b", null, section.heading));
      (section.rows || []).forEach(function (r) {
        var row = el("div", "vessels-legend-row");
        row.appendChild(symbol(r.symbol || {}));
        row.appendChild(document.createTextNode(String(r.label)));
        legend.appendChild(row);
      });
    });
    document.body.appendChild(legend);
  };
})();
