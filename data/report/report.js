/* report.js - sorting and filtering in the HTML report and the HTML diff.
 * Plain DOM, no libraries, no network. Everything it needs is in the page:
 *   table.sortable     a click on a header cell sorts the body by that column
 *                      (a cell's data-sort, else its text; numbers as numbers)
 *   [data-filter]      an element the text box and the severity toggles filter
 *   [data-sev]         its severity (the toggles switch severities on and off)
 *   #filter            the text box; input.sev-toggle[data-sev] the toggles
 * The error hook in the page head records script errors on <html>. */
(function () {
	"use strict";

	function cellKey(row, col) {
		var cell = row.cells[col];
		if (!cell)
			return "";
		var k = cell.getAttribute("data-sort");
		return k !== null ? k : cell.textContent.trim();
	}

	var NUMBER = /^-?\d+(\.\d+)?$/;

	function compareKeys(a, b) {
		if (NUMBER.test(a) && NUMBER.test(b))
			return parseFloat(a) - parseFloat(b);
		return a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });
	}

	function sortBy(table, th) {
		var col = th.cellIndex;
		var asc = th.getAttribute("aria-sort") !== "ascending";
		var heads = table.tHead ? table.tHead.rows[0].cells : [];
		for (var i = 0; i < heads.length; i++)
			heads[i].removeAttribute("aria-sort");
		th.setAttribute("aria-sort", asc ? "ascending" : "descending");
		var body = table.tBodies[0];
		if (!body)
			return;
		var rows = Array.prototype.slice.call(body.rows);
		rows.forEach(function (r, i) { r._order = i; });
		rows.sort(function (x, y) {
			var c = compareKeys(cellKey(x, col), cellKey(y, col));
			return (asc ? c : -c) || x._order - y._order;
		});
		var frag = document.createDocumentFragment();
		rows.forEach(function (r) { frag.appendChild(r); });
		body.appendChild(frag);
	}

	function initSorting() {
		var tables = document.querySelectorAll("table.sortable");
		Array.prototype.forEach.call(tables, function (table) {
			if (!table.tHead)
				return;
			Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
				th.tabIndex = 0;
				th.title = "sort by " + th.textContent.trim();
				th.addEventListener("click", function () { sortBy(table, th); });
				th.addEventListener("keydown", function (e) {
					if (e.key === "Enter" || e.key === " ") {
						e.preventDefault();
						sortBy(table, th);
					}
				});
			});
		});
	}

	function applyFilter() {
		var box = document.getElementById("filter");
		var q = box ? box.value.trim().toLowerCase() : "";
		var off = {};
		Array.prototype.forEach.call(document.querySelectorAll("input.sev-toggle"), function (t) {
			if (!t.checked)
				off[t.getAttribute("data-sev")] = true;
		});
		var items = document.querySelectorAll("[data-filter]");
		var shown = 0;
		Array.prototype.forEach.call(items, function (el) {
			var sev = el.getAttribute("data-sev");
			var hide = (sev && off[sev]) || (q && el.textContent.toLowerCase().indexOf(q) < 0);
			el.classList.toggle("is-hidden", !!hide);
			if (!hide)
				shown++;
		});
		/* a finding group with nothing left to show is hidden too */
		Array.prototype.forEach.call(document.querySelectorAll("[data-group]"), function (g) {
			var left = g.querySelectorAll("[data-filter]:not(.is-hidden)").length;
			g.classList.toggle("is-hidden", left === 0);
		});
		var status = document.getElementById("filter-status");
		if (status)
			status.textContent = (q || Object.keys(off).length) ?
				shown + " of " + items.length + " items shown" : "";
	}

	function initFilter() {
		var box = document.getElementById("filter");
		if (box)
			box.addEventListener("input", applyFilter);
		Array.prototype.forEach.call(document.querySelectorAll("input.sev-toggle"), function (t) {
			t.addEventListener("change", applyFilter);
		});
	}

	/* Closed <details> do not print: open them for printing, then restore. */
	function initPrint() {
		var opened = [];
		window.addEventListener("beforeprint", function () {
			Array.prototype.forEach.call(document.querySelectorAll("details:not([open])"), function (d) {
				d.open = true;
				opened.push(d);
			});
		});
		window.addEventListener("afterprint", function () {
			opened.forEach(function (d) { d.open = false; });
			opened = [];
		});
	}

	initSorting();
	initFilter();
	initPrint();
	applyFilter();
	document.documentElement.setAttribute("data-js-ready", "1");
})();
