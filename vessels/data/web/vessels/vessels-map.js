/* vessels map helpers (MIT). Every piece of data text (vessel names, call signs, reasons, zone
 * names) is put into the page with textContent, never innerHTML: AIS text is hostile input. */
(function () {
  "use strict";
  var V = (window.vesselsMap = window.vesselsMap || { counts: {}, layers: {} });

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  /* A card: title, a table of {l: label, v: value} rows, an optional list of reasons. */
  V.card = function (p) {
    var box = el("div", "vessels-card vessels-card-" + String(p.kind || "feature"));
    box.appendChild(el("div", "vessels-card-title", p.title));
    var rows = p.rows || [];
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
    var reasons = p.reasons || [];
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
    if (p.title || p.rows) {
      layer.bindPopup(function () { return V.card(p); }, {
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
    if (p.tip) {
      layer.bindTooltip(function () { return el("span", "vessels-tip", p.tip); }, { sticky: true });
    }
  };

  /* pointToLayer: circle markers styled from feature.properties.style. */
  V.point = function (feature, latlng) {
    var style = (feature.properties && feature.properties.style) || {};
    return L.circleMarker(latlng, style);
  };
})();
