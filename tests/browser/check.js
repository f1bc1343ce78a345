// tests/browser/check.js - run inside a rendered report by browser_report.c.
// It measures the page as Chromium laid it out and writes what it found, as
// JSON, into <pre id="cohort-check">, which the harness reads back with
// --dump-dom:
//   viewport      the layout viewport's width (CSS px, without a scrollbar)
//   height        the height of the page's content (its body and margin)
//   wide          each outermost element that reaches past the viewport's left or
//                 right edge and is not inside a box that scrolls (or clips)
//                 sideways within the page; the page itself when it scrolls
//                 sideways
//   charts        one entry per <svg>: its caption and its data marks (a
//                 circle, rect, path, line, polyline or polygon that carries
//                 a <title> with its figure, itself or through its <g>, and
//                 is drawn inside the chart with a non-zero size)
(function () {
    'use strict';
    var root = document.documentElement;
    var vw = root.clientWidth;
    var body = document.body.getBoundingClientRect ();
    var height = Math.ceil (body.bottom + window.scrollY
                            + parseFloat (getComputedStyle (document.body).marginBottom));
    var found = { viewport: vw, height: height, wide: [], charts: [] };

    function describe (e) {
        var s = e.tagName.toLowerCase ();
        if (typeof e.className === 'string' && e.className)
            s += '.' + e.className.trim ().split (/\s+/).join ('.');
        var text = (e.textContent || '').replace (/\s+/g, ' ').trim ().slice (0, 50);
        return text ? s + ' "' + text + '"' : s;
    }

    // Inside a box that scrolls or clips sideways and itself fits the page.
    function contained (e) {
        for (var p = e.parentElement; p && p !== document.body; p = p.parentElement) {
            var ox = getComputedStyle (p).overflowX;
            if (ox === 'auto' || ox === 'scroll' || ox === 'hidden' || ox === 'clip') {
                var r = p.getBoundingClientRect ();
                return r.left >= -0.5 && r.right <= vw + 0.5;
            }
        }
        return false;
    }

    // Only the outermost element that is too wide is named: its rows and
    // cells go with it.
    var flagged = [];
    var all = document.body.getElementsByTagName ('*');
    for (var i = 0; i < all.length; i++) {
        var e = all [i];
        // A chart's inside is judged with the chart: its box is checked.
        if (e.tagName.toLowerCase () !== 'svg' && e.closest ('svg'))
            continue;
        if (flagged.some (function (f) { return f.contains (e); }))
            continue;
        var r = e.getBoundingClientRect ();
        if (r.width === 0 && r.height === 0)
            continue;
        if ((r.right > vw + 0.5 || r.left < -0.5) && !contained (e) && flagged.push (e))
            found.wide.push (describe (e) + ' spans x ' + Math.round (r.left) + ' to '
                             + Math.round (r.right));
    }
    if (root.scrollWidth > vw)
        found.wide.push ('the page scrolls sideways: ' + root.scrollWidth + ' px wide');

    var svgs = document.getElementsByTagName ('svg');
    for (var k = 0; k < svgs.length; k++) {
        var svg = svgs [k];
        var box = svg.getBoundingClientRect ();
        var figure = svg.closest ('figure');
        var caption = figure && figure.querySelector ('figcaption');
        var chart = { caption: caption ? caption.textContent.trim () : describe (svg),
                      width: Math.round (box.width), marks: 0 };
        var shapes = svg.querySelectorAll ('circle,rect,path,line,polyline,polygon,ellipse');
        for (var j = 0; j < shapes.length; j++) {
            var m = shapes [j];
            var g = m.parentElement;
            var titled = m.querySelector (':scope > title')
                      || (g && g.tagName.toLowerCase () === 'g' && g.querySelector (':scope > title'));
            var b = m.getBoundingClientRect ();
            var drawn = (b.width > 0 || b.height > 0)
                     && b.left >= box.left - 1 && b.right <= box.right + 1
                     && b.top >= box.top - 1 && b.bottom <= box.bottom + 1;
            if (titled && drawn)
                chart.marks++;
        }
        found.charts.push (chart);
    }

    var pre = document.createElement ('pre');
    pre.id = 'cohort-check';
    pre.hidden = true;
    pre.textContent = JSON.stringify (found);
    document.body.appendChild (pre);
}) ();
