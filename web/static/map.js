/* The map of a run: planning areas coloured by places needed or spare places in the chosen year,
   schools as circles (area = forecast roll), and the plan's schemes. Drawn with Leaflet from map.json;
   the table under the map holds the same figures for keyboard and screen-reader users. */
(function () {
  "use strict";
  var controls = document.getElementById("map-controls");
  if (!controls || !window.L) { return; }
  var $ = function (id) { return document.getElementById(id); };
  var yearInput = $("year"), phaseInput = $("phase"), placesInput = $("places"), colourInput = $("colour");
  var areaUrl = controls.dataset.areaUrl;
  var fmt = new Intl.NumberFormat("en-GB", {maximumFractionDigits: 0});
  var NEED = ["#fcbba1", "#fb6a4a", "#de2d26", "#a50f15"];
  var SPARE = ["#e5f5e0", "#a1d99b", "#41ab5d", "#006d2c"];
  var OFSTED = {"Outstanding": "#00441b", "Good": "#238b45", "Requires improvement": "#b35806",
                "Inadequate": "#b2182b", "Not inspected": "#525252"};
  var data = null, map = null, areas = null, schools = null, schemes = null, centres = {}, located = {};

  function label(year) { return year + "/" + String((year + 1) % 100).padStart(2, "0"); }

  // An area with neither pupils nor places in the chosen phase (a secondary area under Primary) has no figures.
  function cell(areaId) {
    var table = data[placesInput.value] || data.before;
    var byArea = (table[phaseInput.value] || {})[areaId] || {};
    var c = byArea[String(yearInput.value)];
    return c && (c.demand > 0 || c.capacity > 0) ? c : undefined;
  }

  function inPhase(areaId) {
    var byArea = ((data.before || {})[phaseInput.value] || {})[areaId] || {};
    return Object.keys(byArea).some(function (y) { return byArea[y].demand > 0 || byArea[y].capacity > 0; });
  }

  // A school teaching no year group of the chosen phase is left off (Reception-Year 6, Year 7-11).
  var PHASE_NCY = {primary: [0, 6], secondary: [7, 11]};
  function schoolInPhase(p) {
    var span = PHASE_NCY[phaseInput.value];
    if (!span || p.ncy_low === undefined || p.ncy_low === null || p.ncy_high === undefined || p.ncy_high === null) {
      return true;
    }
    return p.ncy_low <= span[1] && p.ncy_high >= span[0];
  }

  function shown(layer, on) {
    var el = layer.getElement && layer.getElement();
    if (el) { el.style.display = on ? "" : "none"; }
  }

  function areaColour(c) {
    if (!c) { return "#d9d9d9"; }
    if (c.shortfall > 0.5) {
      return NEED[c.shortfall < 30 ? 0 : c.shortfall < 60 ? 1 : c.shortfall < 120 ? 2 : 3];
    }
    var rate = c.capacity > 0 ? c.surplus / c.capacity : 0;
    return SPARE[rate < 0.02 ? 0 : rate < 0.05 ? 1 : rate < 0.1 ? 2 : 3];
  }

  function schoolColour(p) {
    if (colourInput.value === "ofsted") { return OFSTED[p.ofsted] || "#525252"; }
    var roll = (p.roll || {})[String(yearInput.value)];
    if (!roll || !p.net_capacity) { return "#525252"; }
    var fill = roll / p.net_capacity;
    return fill < 0.8 ? "#2166ac" : fill < 0.95 ? "#1a9850" : fill <= 1.0 ? "#b35806" : "#b2182b";
  }

  function update() {
    var year = Number(yearInput.value);
    $("year-label").textContent = label(year);
    $("table-year").textContent = label(year);
    areas.setStyle(function (f) {
      return {color: "#333333", weight: 1, fillOpacity: 0.75, fillColor: areaColour(cell(f.properties.planning_area_id))};
    });
    areas.eachLayer(function (layer) {
      var p = layer.feature.properties, c = cell(p.planning_area_id);
      shown(layer, inPhase(p.planning_area_id));
      layer.setTooltipContent((p.name || p.planning_area_id) + ": " + (c ? (c.shortfall > 0.5
        ? fmt.format(c.shortfall) + " places needed" : fmt.format(c.surplus) + " spare places") : "no figures"));
    });
    schools.eachLayer(function (layer) {
      var p = layer.feature.properties, roll = (p.roll || {})[String(year)] || 0;
      shown(layer, schoolInPhase(p));
      layer.setRadius(Math.max(3, Math.sqrt(roll) / 2.2));
      layer.setStyle({fillColor: schoolColour(p), color: "#ffffff", weight: 1, fillOpacity: 0.9});
      layer.setTooltipContent((p.name || p.school_id) + ": " + fmt.format(roll) + " pupils forecast" +
        (p.net_capacity ? ", " + Math.round(100 * roll / p.net_capacity) + "% of net capacity" : "") +
        (p.ofsted ? ", Ofsted " + p.ofsted : ""));
    });
    schemes.clearLayers();
    data.schemes.forEach(function (s) {
      if (s.year > year || !inPhase(s.planning_area_id)) { return; }
      var at = (s.school_id && located[s.school_id]) || centres[s.planning_area_id];
      if (!at) { return; }
      L.marker(at, {icon: L.divIcon({className: "scheme-icon " + s.kind, iconSize: [12, 12]}), keyboard: false})
        .bindTooltip(s.kind + " (" + label(s.year) + "): " + fmt.format(s.places) + " places, £" +
          fmt.format(s.capital_cost) + (s.reason ? " – " + s.reason : "")).addTo(schemes);
    });
    var body = document.querySelector("#area-table tbody");
    body.replaceChildren();
    areas.eachLayer(function (layer) {
      var p = layer.feature.properties, c = cell(p.planning_area_id) || {};
      if (!inPhase(p.planning_area_id)) { return; }
      var row = document.createElement("tr"), name = document.createElement("td"), link = document.createElement("a");
      link.href = areaUrl + encodeURIComponent(p.planning_area_id);
      link.textContent = p.name || p.planning_area_id;
      name.appendChild(link);
      row.appendChild(name);
      [c.demand, c.capacity, c.surplus, c.shortfall].forEach(function (v) {
        var td = document.createElement("td");
        td.className = "num";
        td.textContent = v === undefined ? "–" : fmt.format(v);
        row.appendChild(td);
      });
      var rate = document.createElement("td");
      rate.className = "num";
      rate.textContent = c.capacity ? (100 * c.surplus / c.capacity).toFixed(1) + "%" : "–";
      row.appendChild(rate);
      body.appendChild(row);
    });
  }

  function legend() {
    var el = $("legend");
    var items = [["#a50f15", "120+ places needed"], ["#de2d26", "60–119 needed"], ["#fb6a4a", "30–59 needed"],
                 ["#fcbba1", "1–29 needed"], ["#e5f5e0", "under 2% spare"], ["#a1d99b", "2–5% spare"],
                 ["#41ab5d", "5–10% spare"], ["#006d2c", "10%+ spare"]];
    items.forEach(function (item) {
      var span = document.createElement("span"), swatch = document.createElement("i");
      swatch.className = "swatch";
      span.appendChild(swatch);
      span.appendChild(document.createTextNode(" " + item[1]));
      el.appendChild(span);
      swatch.style.background = item[0];
    });
  }

  function draw(json) {
    data = json;
    map = L.map("map", {zoomSnap: 0.25, preferCanvas: false});
    if (controls.dataset.tiles) {
      L.tileLayer(controls.dataset.tiles, {attribution: controls.dataset.attribution, maxZoom: 18}).addTo(map);
    }
    areas = L.geoJSON(data.areas, {
      onEachFeature: function (f, layer) {
        layer.bindTooltip("", {sticky: true});
        layer.on("click", function () { window.location.href = areaUrl + encodeURIComponent(f.properties.planning_area_id); });
        centres[f.properties.planning_area_id] = layer.getBounds().getCenter();
      }
    }).addTo(map);
    schools = L.geoJSON(data.schools, {
      pointToLayer: function (f, latlng) {
        located[f.properties.school_id] = latlng;
        return L.circleMarker(latlng, {radius: 4}).bindTooltip("");
      }
    }).addTo(map);
    schemes = L.layerGroup().addTo(map);
    map.fitBounds(areas.getBounds(), {padding: [8, 8]});
    legend();
    update();
    document.body.dataset.mapReady = "true";
  }

  [yearInput, phaseInput, placesInput, colourInput].forEach(function (el) {
    el.addEventListener("input", update);
    el.addEventListener("change", update);
  });
  fetch(controls.dataset.src, {credentials: "same-origin", headers: {"Accept": "application/json"}})
    .then(function (r) { if (!r.ok) { throw new Error("The map's data could not be loaded (" + r.status + ")."); } return r.json(); })
    .then(draw)
    .catch(function (e) { $("map").textContent = e.message; });
}());
