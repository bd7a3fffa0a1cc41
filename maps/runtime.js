// siting map runtime: decode compact JSON, draw on canvas, build popups on click.
// Read by maps/_elements.py and written into each map; needs only Leaflet 1.9.
var siting = (function () {
  "use strict";
  function esc(v) {
    return String(v).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  function fmt(v, digits) {
    if (v === null || v === undefined || (typeof v === "number" && isNaN(v))) return "n/a";
    if (typeof v === "boolean") return v ? "yes" : "no";
    if (typeof v !== "number") return esc(v);
    if (digits !== undefined) return v.toFixed(digits);
    if (Math.abs(v) >= 1000) return v.toLocaleString("en-GB", {maximumFractionDigits: 0});
    return String(Number(v.toPrecision(4)));
  }
  function decode(g) {
    var n = g.coords.length / 2, s = g.scale, x = 0, y = 0, pts = new Array(n), k, i, r, p;
    for (k = 0; k < n; k++) {
      x += g.coords[2 * k]; y += g.coords[2 * k + 1];
      pts[k] = [y / s, x / s];
    }
    var parts = [];
    if (g.family === "point") {
      parts = pts;
    } else if (g.family === "line") {
      var lo = g.offsets[0];
      for (i = 0; i + 1 < lo.length; i++) parts.push(pts.slice(lo[i], lo[i + 1]));
    } else {
      var ro = g.offsets[0], po = g.offsets[1];
      for (p = 0; p + 1 < po.length; p++) {
        var rings = [];
        for (r = po[p]; r < po[p + 1]; r++) rings.push(pts.slice(ro[r], ro[r + 1]));
        parts.push(rings);
      }
    }
    var rows = new Array(g.count);
    for (i = 0; i < g.count; i++) rows[i] = [];
    for (i = 0; i < parts.length; i++) rows[g.owner ? g.owner[i] : i].push(parts[i]);
    return rows;
  }
  function shape(family, parts, style) {
    if (parts.length === 0) return null;
    if (family === "point") {
      if (parts.length === 1) return L.circleMarker(parts[0], style);
      return L.featureGroup(parts.map(function (q) { return L.circleMarker(q, style); }));
    }
    if (family === "line") return L.polyline(parts.length === 1 ? parts[0] : parts, style);
    return L.polygon(parts.length === 1 ? parts[0] : parts, style);
  }
  function tag(layer, row) {
    layer.sitingRow = row;
    if (layer.eachLayer) layer.eachLayer(function (sub) { sub.sitingRow = row; });
  }
  // One canvas for a whole layer, drawn in one pass: for results too large for one Leaflet
  // object per feature (100 000 H3 cells). Clicks are hit-tested against the decoded rows.
  var FastLayer = L.Layer.extend({
    initialize: function (rows, family, styleOf, options) {
      L.setOptions(this, options);
      this._rows = rows; this._family = family; this._styleOf = styleOf;
      this._styles = rows.map(function (_, i) { return styleOf(i); });
      this._boxes = rows.map(function (parts) {
        var box = [Infinity, Infinity, -Infinity, -Infinity];
        (function walk(a) {
          if (typeof a[0] === "number") {
            box[0] = Math.min(box[0], a[0]); box[1] = Math.min(box[1], a[1]);
            box[2] = Math.max(box[2], a[0]); box[3] = Math.max(box[3], a[1]);
          } else { a.forEach(walk); }
        })(parts);
        return box;
      });
      this.sitingCount = rows.filter(function (parts) { return parts.length > 0; }).length;
      this.sitingDrawn = 0;
    },
    onAdd: function (map) {
      this._canvas = L.DomUtil.create("canvas", "leaflet-zoom-hide siting-fast");
      map.getPane("overlayPane").appendChild(this._canvas);
      map.on("moveend zoomend resize viewreset", this._redraw, this);
      map.on("click", this._onClick, this);
      this._redraw();
    },
    onRemove: function (map) {
      L.DomUtil.remove(this._canvas);
      map.off("moveend zoomend resize viewreset", this._redraw, this);
      map.off("click", this._onClick, this);
      this.sitingDrawn = 0;
    },
    _redraw: function () {
      var map = this._map, size = map.getSize(), ratio = window.devicePixelRatio || 1;
      var canvas = this._canvas, ctx = canvas.getContext("2d");
      L.DomUtil.setPosition(canvas, map.containerPointToLayerPoint([0, 0]));
      canvas.width = size.x * ratio; canvas.height = size.y * ratio;
      canvas.style.width = size.x + "px"; canvas.style.height = size.y + "px";
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      var view = map.getBounds().pad(0.1), s = view.getSouth(), w = view.getWest();
      var n = view.getNorth(), e = view.getEast(), drawn = 0, family = this._family;
      var pxPerDeg = size.x / Math.max(map.getBounds().getEast() - map.getBounds().getWest(), 1e-9);
      function move(pt, first) {
        var p = map.latLngToContainerPoint(pt);
        if (first) ctx.moveTo(p.x, p.y); else ctx.lineTo(p.x, p.y);
      }
      function path(line) { for (var k = 0; k < line.length; k++) move(line[k], k === 0); }
      for (var i = 0; i < this._rows.length; i++) {
        var b = this._boxes[i], parts = this._rows[i], st = this._styles[i];
        if (!parts.length || b[0] > n || b[2] < s || b[1] > e || b[3] < w) continue;
        drawn++;
        ctx.beginPath();
        if (family === "point") {
          parts.forEach(function (pt) {
            var p = map.latLngToContainerPoint(pt);
            ctx.moveTo(p.x + st.radius, p.y); ctx.arc(p.x, p.y, st.radius, 0, 2 * Math.PI);
          });
        } else if (family === "line") {
          parts.forEach(path);
        } else {
          parts.forEach(function (rings) { rings.forEach(function (r) { path(r); ctx.closePath(); }); });
        }
        if (family !== "line" && st.fillOpacity > 0) {
          ctx.globalAlpha = st.fillOpacity; ctx.fillStyle = st.fillColor; ctx.fill("evenodd");
        }
        // outlines of polygons under 8 px wide would only darken the fill: skip them
        if (st.weight > 0 && (family !== "polygon" || (b[3] - b[1]) * pxPerDeg >= 8)) {
          ctx.globalAlpha = st.opacity; ctx.strokeStyle = st.color; ctx.lineWidth = st.weight;
          ctx.stroke();
        }
      }
      ctx.globalAlpha = 1;
      this.sitingDrawn = drawn;
    },
    _onClick: function (ev) {
      var hit = this.rowAt(ev.latlng);
      if (hit !== null) this.fire("click", {latlng: ev.latlng, layer: {sitingRow: hit}}, true);
    },
    rowAt: function (latlng) {
      var map = this._map, c = map.latLngToContainerPoint(latlng), lat = latlng.lat, lng = latlng.lng;
      var best = null, bestD = Infinity, tol = 4, family = this._family;
      function inside(ring) {
        var hit = false;
        for (var a = 0, z = ring.length - 1; a < ring.length; z = a++) {
          var yi = ring[a][0], xi = ring[a][1], yj = ring[z][0], xj = ring[z][1];
          if ((yi > lat) !== (yj > lat) && lng < (xj - xi) * (lat - yi) / (yj - yi) + xi) hit = !hit;
        }
        return hit;
      }
      for (var i = this._rows.length - 1; i >= 0; i--) {
        var b = this._boxes[i], parts = this._rows[i];
        if (!parts.length) continue;
        if (family === "polygon") {
          if (lat < b[0] || lat > b[2] || lng < b[1] || lng > b[3]) continue;
          for (var p = 0; p < parts.length; p++) {
            var count = 0;
            parts[p].forEach(function (r) { if (inside(r)) count++; });
            if (count % 2 === 1) return i;
          }
        } else {
          var pts = family === "point" ? parts : [].concat.apply([], parts);
          for (var k = 0; k < pts.length; k++) {
            var q = map.latLngToContainerPoint(pts[k]), d = q.distanceTo(c);
            if (d < bestD) { bestD = d; best = i; }
          }
        }
      }
      return bestD <= (family === "point" ? this._styles[best].radius + tol : tol * 2) ? best : null;
    }
  });
  function build(map, d, styleOf) {
    if (d.fast) {
      var fast = new FastLayer(decode(d.geom), d.geom.family, styleOf, {attribution: d.attribution || null});
      (d.attributions || []).forEach(function (line) { map.attributionControl.addAttribution(line); });
      return fast;
    }
    var rows = decode(d.geom), layers = [];
    var renderer = L.canvas({padding: 0.3, tolerance: d.geom.family === "point" ? 2 : 0});
    for (var i = 0; i < rows.length; i++) {
      var style = styleOf(i);
      style.renderer = renderer;
      var layer = shape(d.geom.family, rows[i], style);
      if (layer === null) continue;
      tag(layer, i);
      layers.push(layer);
    }
    var group = L.featureGroup(layers, {attribution: d.attribution || null});
    (d.attributions || []).forEach(function (line) { map.attributionControl.addAttribution(line); });
    group.sitingCount = layers.length;
    return group;
  }
  function row(cells, tagName) {
    var t = tagName || "td";
    return "<tr>" + cells.map(function (c) { return "<" + t + ">" + c + "</" + t + ">"; }).join("") + "</tr>";
  }
  function sitePopup(d, i) {
    var f = d.fields, h = ['<div class="siting-popup">'];
    var id = esc(f.site_id[i]);
    var name = f.name && f.name[i] !== null ? esc(f.name[i]) : "";
    h.push("<b>" + (name ? name + ' <span class="siting-id">(' + id + ")</span>" : id) + "</b><br>");
    if (d.excluded) {
      var reasons = (f.reasons && f.reasons[i]) || [];
      h.push('<div class="siting-excluded">Excluded: ' + (reasons.length ? reasons.map(esc).join("; ") : "reason not recorded") + "</div>");
    } else {
      h.push("Rank <b>" + fmt(f.rank[i]) + "</b> of " + d.n_ranked + ", score <b>" + fmt(f.score[i], 3) + "</b>");
      if (f.p_top_k) h.push("<br>P(top " + esc(d.k) + ") " + fmt(f.p_top_k[i], 2));
      if (f.rank_p05 && f.rank_p95) h.push(", rank 5-95%: " + fmt(f.rank_p05[i]) + "-" + fmt(f.rank_p95[i]));
    }
    if (d.criteria.length) {
      h.push('<table class="siting-table">' + row(["Criterion", "Raw value", "Value 0-1", "Contribution"], "th"));
      d.criteria.forEach(function (c) {
        var raw = c.attr ? fmt(c.attr[i]) + (c.unit ? " " + esc(c.unit) : "") : "";
        h.push(row([esc(c.name), raw, c.value ? fmt(c.value[i], 3) : "", c.contrib ? fmt(c.contrib[i], 3) : ""]));
      });
      h.push("</table>");
    }
    [["Attribute", d.attributes], ["Risk (0-1, higher worse)", d.risks], ["Cost", d.costs]].forEach(function (sec) {
      if (!sec[1].length) return;
      h.push('<table class="siting-table">' + row([sec[0], "Value"], "th"));
      sec[1].forEach(function (c) {
        h.push(row([esc(c.name), fmt(c.col[i]) + (c.unit ? " " + esc(c.unit) : "")]));
      });
      h.push("</table>");
    });
    h.push("</div>");
    return h.join("");
  }
  function sites(map, d) {
    var group = build(map, d, function (i) {
      var color = d.color ? d.palette[d.color[i]] : d.fill;
      return {radius: d.style.radius, weight: d.style.weight, color: d.style.stroke,
              fillColor: color, fillOpacity: d.style.fillOpacity, opacity: 0.9};
    });
    if (d.fast) group = L.featureGroup([group]);
    (d.top || []).forEach(function (t) {
      var label = L.marker([t[0], t[1]], {
        icon: L.divIcon({className: "siting-rank", html: String(t[2]), iconSize: [22, 22],
                         iconAnchor: d.geom.family === "point" ? [-3, 25] : [11, 11]}),
        keyboard: false, interactive: false, title: "rank " + t[2]
      });
      group.addLayer(label);
    });
    group.on("click", function (e) {
      if (e.layer.sitingRow === undefined) return;
      L.popup({maxWidth: 460}).setLatLng(e.latlng).setContent(sitePopup(d, e.layer.sitingRow)).openOn(map);
    });
    return group;
  }
  function overlay(map, d) {
    var group = build(map, d, function (i) {
      var color = d.color ? d.palette[d.color[i]] : d.fill;
      return {radius: d.style.radius, weight: d.style.weight, color: color, fillColor: color,
              fillOpacity: d.style.fillOpacity, opacity: d.style.opacity, dashArray: d.style.dashArray};
    });
    group.on("click", function (e) {
      var i = e.layer.sitingRow;
      if (i === undefined || !d.text) return;
      L.popup({maxWidth: 360}).setLatLng(e.latlng)
        .setContent('<div class="siting-popup"><b>' + esc(d.name) + "</b><br>" + esc(d.text[i]) + "</div>").openOn(map);
    });
    return group;
  }
  function legend(map, html, position) {
    var control = L.control({position: position});
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "siting-legend");
      div.innerHTML = html;
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    control.addTo(map);
    return control;
  }
  return {sites: sites, overlay: overlay, legend: legend, popup: sitePopup, esc: esc, fmt: fmt};
})();
