// Draws a BPMN diagram with bpmn-js's navigated viewer (served by the app, see base.html's
// head block of the page that uses it) into every element carrying data-bpmn-url:
//   data-bpmn-url      the diagram's XML, a path of ours
//   data-bpmn-done     JSON list of element ids on the path taken (marked minqing-done)
//   data-bpmn-current  JSON list of element ids of the current tasks (marked minqing-current)
// When drawn the element gets data-bpmn-drawn="1" (tests wait for it); data-bpmn-error on failure.
(function () {
  function ids(element, name) {
    try { return JSON.parse(element.getAttribute(name) || "[]"); } catch (e) { return []; }
  }
  async function draw(element) {
    const viewer = new window.BpmnJS({ container: element });
    try {
      const response = await fetch(element.dataset.bpmnUrl, { credentials: "same-origin" });
      if (!response.ok) throw new Error("HTTP " + response.status);
      await viewer.importXML(await response.text());
      const canvas = viewer.get("canvas");
      const registry = viewer.get("elementRegistry");
      canvas.zoom("fit-viewport");
      for (const id of ids(element, "data-bpmn-done")) {
        if (registry.get(id)) canvas.addMarker(id, "minqing-done");
      }
      for (const id of ids(element, "data-bpmn-current")) {
        if (registry.get(id)) canvas.addMarker(id, "minqing-current");
      }
      element.dataset.bpmnDrawn = "1";
    } catch (error) {
      element.dataset.bpmnError = String(error && error.message || error);
    }
  }
  function start() {
    document.querySelectorAll("[data-bpmn-url]").forEach(draw);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
