// The cyberkg query page: YASGUI on the local read-only endpoint, the catalogue in a picker.
// Strings from the catalogue reach the page through textContent and the editor only, never as HTML.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("cyberkg-data").textContent);
  var byName = {};
  data.queries.forEach(function (q) { byName[q.name] = q; });

  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: data.endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: null,          // no tabs restored from an earlier visit: the catalogue as it is now
    populateFromUrl: false,
    autoAddOnInit: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: data.endpoint }]; }, keys: [] },
    yasqe: {
      persistenceId: null,
      autocompleters: ["prefixes", "variables"],   // the class/property completers ask a web service
      prefixCcApi: null,                             // prefixes from YASQE's bundled list, not the web
      createShortLink: undefined,
    },
    yasr: { persistenceId: null, prefixes: data.prefixes },
  });

  var picker = document.getElementById("catalogue");
  var summary = document.getElementById("summary");
  var groups = {};
  data.queries.forEach(function (q) {
    var group = groups[q.group];
    if (!group) {
      group = groups[q.group] = document.createElement("optgroup");
      group.label = q.group || "(top level)";
      picker.appendChild(group);
    }
    var opt = document.createElement("option");
    opt.value = q.name;
    opt.textContent = q.name.split("/").pop() + " — " + q.summary;
    group.appendChild(opt);
  });

  function tabFor(name) {
    var found = null;
    Object.keys(yasgui._tabs).forEach(function (id) {
      if (yasgui._tabs[id].name() === name) found = yasgui._tabs[id];
    });
    return found;
  }

  function open(name) {
    var q = byName[name];
    if (!q) return null;
    var tab = tabFor(name);
    if (tab) {
      yasgui.selectTabId(tab.getId());
    } else {
      tab = yasgui.addTab(true, {
        name: q.name,
        yasqe: { value: q.text },
        requestConfig: { endpoint: data.endpoint, method: "POST" },
      });
    }
    summary.textContent = q.summary + (q.description ? " — " + q.description : "");
    picker.value = name;
    return tab;
  }

  picker.addEventListener("change", function () { if (picker.value) open(picker.value); });
  if (data.first) open(data.first);
  window.cyberkg = { yasgui: yasgui, open: open, queries: data.queries, endpoint: data.endpoint, ready: true };
})();
