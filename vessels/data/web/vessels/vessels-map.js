/* vessels map helpers (MIT).
 *
 * Every piece of text that came from the input (vessel names, call signs, destinations, reasons,
 * zone names, profile name, title) reaches the page in ONE place: the JSON data block (a script
 * element of type application/json, id vessels-data). This script reads it with JSON.parse and
 * writes it with textContent (or as a `title` / form `value` property), never innerHTML. The map
 * layers folium writes carry no text at all, only numbers, our own class names and colours, and
 * `ref`, an index into `cards` below.
 *
 * It is loaded first in the page's head, so it also notices when the map's own scripts (Leaflet
 * and plugins from CDNs) cannot be loaded, and says so on the page in plain HTML.
 */
(function () {
  "use strict";
  var V = (window.vesselsMap = window.vesselsMap || { counts: {}, layers: {} });
  V.failed = [];

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  /* ---- scripts that could not load (CDN blocked, offline) ----------------------------------- */
  window.addEventListener(
    "error",
    function (e) {
      var t = e && e.target;
      if (t && t !== window && (t.tagName === "SCRIPT" || t.tagName === "LINK")) {
        V.failed.push({ url: String(t.src || t.href || ""), script: t.tagName === "SCRIPT" });
      }
    },
    true
  );

  V.checkLoaded = function () {
    var scripts = V.failed.filter(function (f) { return f.script; });
    var broken = typeof window.L === "undefined" || scripts.length > 0;
    var box = document.getElementById("vessels-noload");
    if (!broken || !box) return broken;
    box.hidden = false;
    var files = box.querySelector(".vessels-noload-files");
    if (files) {
      var names = scripts.map(function (f) { return f.url; });
      files.textContent = names.length
        ? "Not loaded: " + names.join(", ")
        : "Not loaded: Leaflet (the map library)";
    }
    return broken;
  };
  document.addEventListener("DOMContentLoaded", V.checkLoaded);

  /* ---- the page's data block ----------------------------------------------------------------- */
  /* {cards: [...], title: {...}, legend: [...], time: {...}, view: {...}} (parsed once) */
  V.data = function () {
    if (V._data === undefined) {
      var node = document.getElementById("vessels-data");
      V._data = node ? JSON.parse(node.textContent) : {};
    }
    return V._data;
  };

  /* The card (title, tip, rows, reasons, item, timeline) of a feature: its `ref`. */
  V.cardOf = function (p) {
    var cards = V.data().cards || [];
    return p && typeof p.ref === "number" && p.ref >= 0 && p.ref < cards.length ? cards[p.ref] : {};
  };

  function fmtTime(ms) {
    /* "2024-03-01 09:50 UTC" from epoch milliseconds (the data is UTC; so is every time shown) */
    return new Date(ms).toISOString().slice(0, 16).replace("T", " ") + " UTC";
  }
  V.fmtTime = fmtTime;

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

  /* Every event layer (one per drawn event: the features whose card has an event-list item),
   * in the registry's order. */
  V.eventLayers = function () {
    var out = [];
    Object.keys(V.layers).forEach(function (kind) {
      if (kind === "track") return;
      V.layers[kind].forEach(function (l) {
        if (V.cardOf(l.feature.properties).item) out.push(l);
      });
    });
    return out;
  };

  function colourOf(p) {
    var s = (p && p.style) || {};
    return String(s.fillColor || s.color || "#777");
  }

  /* The vessel card's timeline: AIS received (bar), AIS gaps (dashed), events (dots / bands). */
  V.timeline = function (mmsi, c) {
    var tm = V.data().time || {};
    var t0 = Date.parse(tm.t0), t1 = Date.parse(tm.t1);
    if (!(t1 > t0)) return null;
    var bins = Number(tm.bins) || 1;
    var pct = function (t) { return Math.max(0, Math.min(100, ((t - t0) / (t1 - t0)) * 100)); };
    var wrap = el("div", "vessels-timeline");
    wrap.appendChild(el("div", "vessels-card-sub", "Timeline"));
    var bar = el("div", "vessels-timeline-bar");
    function span(cls, left, width, colour) {
      var s = el("span", cls);
      s.style.setProperty("left", left.toFixed(2) + "%");
      if (width !== null) s.style.setProperty("width", Math.max(width, 0.6).toFixed(2) + "%");
      if (colour) s.style.setProperty("background", colour);
      bar.appendChild(s);
      return s;
    }
    (c.timeline || []).forEach(function (r) {
      span("rx", (r[0] / bins) * 100, ((r[1] - r[0] + 1) / bins) * 100, null);
    });
    var n = 0;
    V.eventLayers().forEach(function (layer) {
      var p = layer.feature.properties || {};
      if (p.mmsi !== mmsi && !(p.link && p.link.indexOf(mmsi) >= 0)) return;
      var a = Date.parse(p.t0);
      if (isNaN(a)) return;
      var b = Date.parse(p.t1);
      if (isNaN(b)) b = a;
      var s;
      if (p.kind === "ais_gap") s = span("gap", pct(a), pct(b) - pct(a), null);
      else if (p.kind === "loitering" || p.kind === "fishing") {
        s = span("ev band", pct(a), pct(b) - pct(a), colourOf(p));
      } else s = span("ev", pct(a), null, colourOf(p));
      s.className += " vessels-tl-" + String(p.kind);
      var ec = V.cardOf(p);
      s.title = String(ec.tip || ec.title || p.kind); /* a property: text, never markup */
      s.addEventListener("click", function (e) {
        e.stopPropagation();
        V.focus(layer);
      });
      n += 1;
    });
    wrap.appendChild(bar);
    var axis = el("div", "vessels-timeline-axis");
    axis.appendChild(el("span", null, fmtTime(t0)));
    axis.appendChild(el("span", null, fmtTime(t1)));
    wrap.appendChild(axis);
    wrap.appendChild(
      el(
        "div",
        "vessels-timeline-key",
        "blue: AIS received · dashed: AIS gap · dots and bands: " + n +
          " event(s), click one for its card"
      )
    );
    return wrap;
  };

  /* popups pan clear of the title panel and the event list (which sit above the map panes):
   * one shared point, updated in place when the panels move */
  V.popupPad = function () {
    if (!V._pad) V._pad = L.point(20, 20);
    return V._pad;
  };
  V.popupPadBR = function () {
    if (!V._padBR) V._padBR = L.point(20, 20);
    return V._padBR;
  };
  V.updatePopupPad = function () {
    var pad = V.popupPad(), br = V.popupPadBR(), p = V.padding();
    pad.x = p.paddingTopLeft.x;
    pad.y = p.paddingTopLeft.y;
    br.x = p.paddingBottomRight.x;
    br.y = p.paddingBottomRight.y;
  };

  V.titleHeight = function () {
    var t = document.getElementById("vessels-title");
    return t ? t.offsetHeight + t.offsetTop : 0;
  };

  /* onEachFeature of every vessels GeoJSON layer: popup card + plain-text tooltip.
   * Click model: a track opens its vessel card, an event (drawn in a pane above the tracks, or
   * as a band under them) opens its event card. */
  V.bind = function (feature, layer) {
    var p = feature.properties || {};
    var kind = p.kind || "feature";
    V.counts[kind] = (V.counts[kind] || 0) + 1;
    (V.layers[kind] = V.layers[kind] || []).push(layer);
    var c = V.cardOf(p);
    if (c.title || c.rows) {
      layer.bindPopup(
        function () {
          var box = V.card(kind, c);
          if (kind === "track") {
            var tl = V.timeline(p.mmsi, c);
            if (tl) box.appendChild(tl);
          }
          return box;
        },
        {
          maxWidth: 400,
          autoPanPaddingTopLeft: V.popupPad(),
          autoPanPaddingBottomRight: V.popupPadBR()
        }
      );
    }
    if (p.link && p.link.length) {
      /* encounters / rendezvous: opening the card highlights the tracks of both vessels */
      var emphasise = function (on) {
        (V.layers.track || []).forEach(function (t) {
          if (p.link.indexOf(t.feature.properties.mmsi) >= 0 && t.setStyle) {
            var base = t.feature.properties.style || {};
            t.setStyle({ weight: on ? 7 : base.weight || 3, opacity: on ? 1 : base.opacity || 0.9 });
            if (on && t.bringToFront) t.bringToFront(); /* within the tracks pane only */
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

  /* pointToLayer: circle markers styled (and placed in their pane) from properties.style. */
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

  /* ---- the map: init (first script of the map), ready (after every layer exists) ------------- */
  V.init = function (map) {
    V.map = map;
    var box = map.getContainer();
    box.classList.add("vessels-map");
    map.on("popupopen", function () {
      box.classList.add("vessels-popup-open");
      map.eachLayer(function (l) { if (l.closeTooltip) l.closeTooltip(); });
    });
    map.on("popupclose", function () { box.classList.remove("vessels-popup-open"); });
    V.panels();
  };

  /* The marker cluster group holding `layer`, if any. */
  V.clusterOf = function (layer) {
    var found = null;
    if (!V.map || !L.MarkerClusterGroup) return null;
    V.map.eachLayer(function (g) {
      if (!found && g instanceof L.MarkerClusterGroup && g.hasLayer(layer)) found = g;
    });
    return found;
  };

  /* Map padding that keeps a fitted view clear of the panels (title, event list, legend). */
  V.padding = function () {
    var map = V.map, r = map.getContainer().getBoundingClientRect();
    var left = 20, top = 20, right = 20, bottom = 20;
    ["vessels-title", "vessels-events"].forEach(function (id) {
      var e = document.getElementById(id);
      if (!e || e.offsetParent === null) return;
      var b = e.getBoundingClientRect();
      if (id === "vessels-title") top = Math.max(top, b.bottom - r.top + 10);
      else left = Math.max(left, b.right - r.left + 10);
    });
    var lg = document.getElementById("vessels-legend");
    if (lg) right = Math.max(right, r.right - lg.getBoundingClientRect().left + 10);
    var cap = function (v, size) { return Math.min(v, size * 0.4); };
    return {
      paddingTopLeft: L.point(cap(left, r.width), cap(top, r.height)),
      paddingBottomRight: L.point(cap(right, r.width), cap(bottom, r.height))
    };
  };

  /* Where a card opens: a point marker's position, or the vertex of a line nearest the centre
   * of its bounds (on the track itself, not in the empty middle of a bent one). */
  V.anchor = function (layer) {
    if (layer.getLatLng) return layer.getLatLng();
    var c = layer.getBounds().getCenter(), best = null, bd = Infinity;
    (function walk(x) {
      if (x && typeof x.lat === "number") {
        var d = Math.pow(x.lat - c.lat, 2) + Math.pow(x.lng - c.lng, 2);
        if (d < bd) { bd = d; best = x; }
      } else if (x && x.length) {
        for (var i = 0; i < x.length; i++) walk(x[i]);
      }
    })(layer.getLatLngs ? layer.getLatLngs() : []);
    return best || c;
  };

  /* Open a vessel's card where its track is in view (nearest the centre of the view), without
   * moving the map; a track out of view is zoomed to first. Returns whether the MMSI is drawn. */
  V.openCard = function (mmsi) {
    var t = (V.layers.track || []).filter(function (l) {
      return l.feature.properties.mmsi === mmsi;
    })[0];
    if (!t) return false;
    var view = V.map.getBounds(), c = view.getCenter(), best = null, bd = Infinity;
    (function walk(x) {
      if (x && typeof x.lat === "number") {
        var d = Math.pow(x.lat - c.lat, 2) + Math.pow(x.lng - c.lng, 2);
        if (view.contains(x) && d < bd) { bd = d; best = x; }
      } else if (x && x.length) {
        for (var i = 0; i < x.length; i++) walk(x[i]);
      }
    })(t.getLatLngs ? t.getLatLngs() : [t.getLatLng()]);
    if (best) t.openPopup(best);
    else V.focus(t);
    return true;
  };

  /* Zoom to a drawn feature and open its card (event list rows, search, timeline marks). */
  V.focus = function (layer) {
    var map = V.map;
    if (!map || !layer) return;
    var cluster = V.clusterOf(layer);
    if (cluster) {
      cluster.zoomToShowLayer(layer, function () { layer.openPopup(); });
      return;
    }
    var opts = V.padding();
    opts.animate = false;
    opts.maxZoom = 12;
    if (layer.getBounds) {
      var b = layer.getBounds();
      if (b.isValid()) map.fitBounds(b, opts);
    } else if (layer.getLatLng) {
      map.fitBounds(L.latLngBounds([layer.getLatLng(), layer.getLatLng()]), opts);
    }
    if (map.hasLayer(layer)) {
      layer.openPopup(V.anchor(layer));
    } else if (layer.getPopup && layer.getPopup()) {
      /* its layer is switched off in the layer control: show the card on its own */
      var at = layer.getLatLng ? layer.getLatLng() : layer.getBounds().getCenter();
      var pop = layer.getPopup();
      var content = pop.getContent();
      L.popup({ maxWidth: 400 })
        .setLatLng(at)
        .setContent(typeof content === "function" ? content(layer) : content)
        .openOn(map);
    }
  };

  /* ---- vessel search: name, MMSI, vessel id or call sign -> zoom to the track and open its card -------- */
  function searchable(layer) {
    var c = V.cardOf(layer.feature.properties);
    var parts = [c.title];
    (c.rows || []).forEach(function (r) {
      if (r && (r.l === "MMSI" || r.l === "Vessel id" || r.l === "Name" || r.l === "Call sign")) parts.push(r.v);
    });
    return parts.filter(function (x) { return x !== null && x !== undefined; })
      .map(function (x) { return String(x).toLowerCase(); });
  }

  V.search = function (query) {
    var q = String(query || "").trim().toLowerCase();
    if (!q) return [];
    var tracks = (V.layers.track || []).slice().reverse(); /* riskiest first */
    var exact = [], partial = [];
    tracks.forEach(function (t) {
      var keys = searchable(t);
      if (keys.indexOf(q) >= 0) exact.push(t);
      else if (keys.some(function (k) { return k.indexOf(q) >= 0; })) partial.push(t);
    });
    return exact.concat(partial);
  };

  function searchBox(panel) {
    var wrap = el("div", "vessels-search");
    var input = el("input");
    input.type = "search";
    input.id = "vessels-search";
    input.placeholder = "Find a vessel: name, MMSI or call sign";
    input.setAttribute("aria-label", "Find a vessel by name, MMSI or call sign");
    input.autocomplete = "off";
    var results = el("div", "vessels-search-results");
    results.hidden = true;
    function pick(layer) {
      results.hidden = true;
      V.focus(layer);
    }
    function update() {
      while (results.firstChild) results.removeChild(results.firstChild);
      var hits = V.search(input.value);
      results.hidden = !input.value.trim();
      if (!hits.length && input.value.trim()) results.appendChild(el("div", null, "no match"));
      hits.slice(0, 12).forEach(function (t, i) {
        var c = V.cardOf(t.feature.properties);
        var row = el("div", i === 0 ? "sel" : null, (c.tip || c.title) + " · MMSI " +
          t.feature.properties.mmsi);
        row.addEventListener("mousedown", function (e) { e.preventDefault(); pick(t); });
        results.appendChild(row);
      });
      return hits;
    }
    input.addEventListener("input", update);
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {
        var hits = update();
        if (hits.length) pick(hits[0]);
      } else if (e.key === "Escape") {
        results.hidden = true;
      }
    });
    input.addEventListener("blur", function () { results.hidden = true; });
    wrap.appendChild(input);
    wrap.appendChild(results);
    if (window.L && L.DomEvent) {
      L.DomEvent.disableClickPropagation(wrap);
      L.DomEvent.disableScrollPropagation(wrap);
    }
    panel.appendChild(wrap);
  }

  /* ---- event list: sortable, linked to the map -------------------------------------------- */
  var COLUMNS = [
    { key: "type", label: "Type" },
    { key: "vessel", label: "Vessel" },
    { key: "t", label: "Start (UTC)" },
    { key: "hours", label: "Duration" }
  ];
  var MAX_ROWS = 1000;

  V.eventList = function () {
    var layers = V.eventLayers();
    var rows = layers.map(function (layer) {
      var p = layer.feature.properties || {};
      var it = V.cardOf(p).item || {};
      return {
        layer: layer,
        type: String(it.type || p.kind),
        vessel: String(it.vessel || ""),
        t: Date.parse(p.t0) || 0,
        start: String(it.start || ""),
        hours: typeof it.hours === "number" ? it.hours : -1,
        duration: String(it.duration || ""),
        colour: colourOf(p)
      };
    });
    var panel = el("div", "vessels-panel vessels-events");
    panel.id = "vessels-events";
    var head = el("div", "vessels-events-head");
    head.appendChild(el("span", null, "Events (" + rows.length.toLocaleString("en") + ")"));
    var toggle = el("span", "vessels-events-toggle", "hide");
    head.appendChild(toggle);
    panel.appendChild(head);
    var body = el("div", "vessels-events-body");
    var table = el("table");
    var thead = el("thead"), hr = el("tr");
    var tbody = el("tbody");
    var state = { key: "t", dir: 1 };
    var ths = COLUMNS.map(function (col) {
      var th = el("th", null, col.label);
      th.setAttribute("data-key", col.key);
      th.addEventListener("click", function () {
        state.dir = state.key === col.key ? -state.dir : 1;
        state.key = col.key;
        render();
      });
      hr.appendChild(th);
      return th;
    });
    thead.appendChild(hr);
    table.appendChild(thead);
    table.appendChild(tbody);
    body.appendChild(table);
    var more = el("div", "vessels-note");
    body.appendChild(more);
    panel.appendChild(body);

    function render() {
      rows.sort(function (a, b) {
        var x = a[state.key], y = b[state.key];
        var d = typeof x === "number" ? x - y : x.localeCompare(y);
        return d * state.dir || a.t - b.t;
      });
      ths.forEach(function (th) {
        var k = th.getAttribute("data-key");
        th.className = k === state.key ? (state.dir > 0 ? "asc" : "desc") : "";
      });
      while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
      rows.slice(0, MAX_ROWS).forEach(function (r) {
        var tr = el("tr");
        var td = el("td");
        var dot = el("span", "dot");
        dot.style.setProperty("background", r.colour);
        td.appendChild(dot);
        td.appendChild(document.createTextNode(r.type));
        tr.appendChild(td);
        tr.appendChild(el("td", null, r.vessel));
        tr.appendChild(el("td", null, r.start.replace(" UTC", "")));
        tr.appendChild(el("td", null, r.duration));
        tr.addEventListener("click", function () {
          var sel = tbody.querySelector("tr.sel");
          if (sel) sel.className = "";
          tr.className = "sel";
          V.focus(r.layer);
        });
        tbody.appendChild(tr);
      });
      more.textContent = rows.length > MAX_ROWS
        ? "showing " + MAX_ROWS + " of " + rows.length.toLocaleString("en") + " (sort to see others)"
        : "";
    }
    head.addEventListener("click", function () {
      var closed = panel.classList.toggle("collapsed");
      toggle.textContent = closed ? "show" : "hide";
      V.updatePopupPad();
    });
    render();
    if (L.DomEvent) {
      L.DomEvent.disableClickPropagation(panel);
      L.DomEvent.disableScrollPropagation(panel);
    }
    document.body.appendChild(panel);
    V.placeEvents();
    V.updatePopupPad();
    return panel;
  };

  /* The event list sits under the title panel and above the bottom-left controls. */
  V.placeEvents = function () {
    var panel = document.getElementById("vessels-events");
    if (!panel) return;
    var top = V.titleHeight() + 10;
    var bottom = 40; /* scale bar */
    var slider = document.querySelector(".leaflet-bar-timecontrol");
    if (slider) bottom = window.innerHeight - slider.getBoundingClientRect().top + 10;
    panel.style.setProperty("top", top + "px");
    panel.style.setProperty("max-height", Math.max(80, window.innerHeight - top - bottom) + "px");
  };

  /* The title panel (with the vessel search) and the legend, built from the data block. */
  V.panels = function () {
    if (document.getElementById("vessels-title")) return;
    var d = V.data();
    var t = d.title || {};
    var title = el("div", "vessels-panel vessels-title");
    title.id = "vessels-title";
    title.appendChild(el("h1", null, t.heading));
    (t.lines || []).forEach(function (line) { title.appendChild(el("div", null, line)); });
    (t.notes || []).forEach(function (n) { title.appendChild(el("div", "vessels-note", n)); });
    searchBox(title);
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

  /* Times in the time slider are shown in UTC, with the zone (the data is UTC). */
  V.utcSlider = function () {
    if (!(L.Control && L.Control.TimeDimensionCustom && window.moment)) return;
    L.Control.TimeDimensionCustom.prototype._getDisplayDateFormat = function (date) {
      return window.moment.utc(date).format("YYYY-MM-DD HH:mm") + " UTC";
    };
    var ctl = window.timeDimensionControl;
    if (ctl && ctl._update) ctl._update();
  };

  V.ready = function (map) {
    V.map = V.map || map;
    V.utcSlider();
    if (V.eventLayers().length) V.eventList();
    V.updatePopupPad();
    window.addEventListener("resize", function () { V.placeEvents(); V.updatePopupPad(); });
    /* the default view: the highest-risk vessels, clear of the panels */
    var view = V.data().view || {};
    if (view.focus) {
      var opts = V.padding();
      opts.animate = false;
      opts.maxZoom = 13;
      map.fitBounds(L.latLngBounds(view.focus), opts);
    }
    V.isReady = true;
  };
})();
