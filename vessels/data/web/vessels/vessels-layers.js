/* vessels map: the fleet and network overlays (MIT).
 *
 * The fleet layer (vessels/maps/_fleet_layer.py) is one GeoJSON layer: a marker per fleet and
 * squares, one per fleet, UTC hour and grid cell with members (feature property t0 = the hour).
 * This shows one hour's squares at a time: a panel with a slider, previous/next/play buttons and
 * a line saying the hour and how many fleet members were present. It starts at the busiest hour.
 * It also keeps the legend clear of the layer control, which the overlays' entries lengthen.
 * Text comes from the page's data block (cards) and is written with textContent, like
 * everything in vessels-map.js.
 */
(function () {
  "use strict";
  var V = (window.vesselsMap = window.vesselsMap || { counts: {}, layers: {} });
  var F = (V.fleet = V.fleet || {});

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  /* The L.GeoJSON group holding the fleet cells (found by its features' kind). */
  function cellGroup(map) {
    var found = null;
    map.eachLayer(function (g) {
      if (found || !g.getLayers || !(g instanceof L.GeoJSON)) return;
      g.getLayers().forEach(function (l) {
        if (l.feature && l.feature.properties.kind === "fleet_cell") found = g;
      });
    });
    return found;
  }

  /* Members present per hour: the largest "Members present this hour" over the fleets' cells. */
  function presentOf(layer) {
    var c = V.cardOf(layer.feature.properties);
    var n = 0;
    (c.rows || []).forEach(function (r) {
      if (r && r.l === "Members present this hour") n = Number(r.v) || 0;
    });
    return n;
  }

  F.init = function (map) {
    var group = cellGroup(map);
    if (!group) return;
    var all = group.getLayers().slice();
    var cells = all.filter(function (l) { return l.feature.properties.kind === "fleet_cell"; });
    var others = all.filter(function (l) { return l.feature.properties.kind !== "fleet_cell"; });
    var byHour = {};
    var present = {};
    cells.forEach(function (l) {
      var t = String(l.feature.properties.t0);
      (byHour[t] = byHour[t] || []).push(l);
      present[t] = Math.max(present[t] || 0, presentOf(l));
    });
    var hours = Object.keys(byHour).sort();
    if (!hours.length) return;
    F.group = group;
    F.hours = hours;
    F.byHour = byHour;
    var peak = 0;
    hours.forEach(function (t, i) { if (present[t] > present[hours[peak]]) peak = i; });

    var panel = el("div", "vessels-panel vessels-fleet-time");
    panel.id = "vessels-fleet-time";
    panel.appendChild(el("div", "vessels-fleet-head", "Fleet density by hour"));
    var row = el("div", "vessels-fleet-row");
    var prev = el("button", null, "\u2039");
    prev.type = "button";
    prev.title = "previous hour";
    var play = el("button", null, "\u25B6");
    play.type = "button";
    play.title = "play";
    var next = el("button", null, "\u203A");
    next.type = "button";
    next.title = "next hour";
    var slider = el("input");
    slider.type = "range";
    slider.min = "0";
    slider.max = String(hours.length - 1);
    slider.step = "1";
    var label = el("div", "vessels-fleet-label");
    row.appendChild(prev);
    row.appendChild(slider);
    row.appendChild(next);
    row.appendChild(play);
    panel.appendChild(row);
    panel.appendChild(label);
    L.DomEvent.disableClickPropagation(panel);
    L.DomEvent.disableScrollPropagation(panel);
    map.getContainer().appendChild(panel);
    F.panel = panel;

    F.show = function (i) {
      i = Math.max(0, Math.min(hours.length - 1, Number(i) || 0));
      F.index = i;
      slider.value = String(i);
      group.clearLayers();
      byHour[hours[i]].forEach(function (l) { group.addLayer(l); });
      others.forEach(function (l) { group.addLayer(l); }); /* the fleet markers stay */
      var t = hours[i];
      label.textContent =
        t.slice(0, 10) + " " + t.slice(11, 16) + " UTC \u00B7 " +
        present[t].toLocaleString("en") + " fleet member(s) present \u00B7 " +
        byHour[t].length.toLocaleString("en") + " cell(s)";
    };
    slider.addEventListener("input", function () { F.show(slider.value); });
    prev.addEventListener("click", function () { F.show(F.index - 1); });
    next.addEventListener("click", function () { F.show(F.index + 1); });
    var timer = null;
    play.addEventListener("click", function () {
      if (timer) {
        clearInterval(timer);
        timer = null;
        play.textContent = "\u25B6";
        return;
      }
      play.textContent = "\u23F8";
      timer = setInterval(function () { F.show((F.index + 1) % hours.length); }, 700);
    });
    /* the panel follows the layer's visibility in the layer control */
    map.on("overlayadd overlayremove", function () {
      panel.hidden = !map.hasLayer(group);
    });
    F.show(peak);
  };

  /* The legend (bottom right) never runs under the layer control (top right). */
  F.fitLegend = function (map) {
    var legend = document.getElementById("vessels-legend");
    var layers = map.getContainer().querySelector(".leaflet-control-layers");
    if (!legend || !layers) return;
    var room = window.innerHeight - layers.getBoundingClientRect().bottom - 28 - 10;
    legend.style.maxHeight = Math.max(80, Math.min(room, window.innerHeight * 0.45)) + "px";
  };

  /* Called once the overlays' layers exist (the legend is built by vesselsMap.ready, after). */
  V.overlays = function (map) {
    F.init(map);
    setTimeout(function () { F.fitLegend(map); }, 0);
    window.addEventListener("resize", function () { F.fitLegend(map); });
  };
})();
