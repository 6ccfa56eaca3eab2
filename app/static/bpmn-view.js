// Draws a BPMN diagram with bpmn-js's navigated viewer (served by the app; pages include
// templates/pages/bpmn_viewer_head.html in their head) into every element carrying data-bpmn-url:
//   data-bpmn-url        the diagram's XML, a path of ours
//   data-bpmn-done       JSON list of element ids on the path taken (marked minqing-done)
//   data-bpmn-current    JSON list of element ids of the current tasks (marked minqing-current)
//   data-bpmn-marks-url  or: a path of ours answering {"done": [...], "current": [...]}, fetched
//                        beside the XML (a case's path is read from its workflow on request)
// When drawn the element gets data-bpmn-drawn="1" (tests wait for it); data-bpmn-error on failure.
(function () {
  function ids(element, name) {
    try { return JSON.parse(element.getAttribute(name) || "[]"); } catch (e) { return []; }
  }
  async function fetchOk(url) {
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) throw new Error("HTTP " + response.status);
    return response;
  }
  async function marksOf(element) {
    if (!element.dataset.bpmnMarksUrl) {
      return { done: ids(element, "data-bpmn-done"), current: ids(element, "data-bpmn-current") };
    }
    const marks = await (await fetchOk(element.dataset.bpmnMarksUrl)).json();
    return { done: marks.done || [], current: marks.current || [] };
  }
  async function draw(element) {
    const viewer = new window.BpmnJS({ container: element });
    try {
      const [xml, marks] = await Promise.all([
        fetchOk(element.dataset.bpmnUrl).then((r) => r.text()),
        marksOf(element),
      ]);
      await viewer.importXML(xml);
      const canvas = viewer.get("canvas");
      const registry = viewer.get("elementRegistry");
      canvas.zoom("fit-viewport");
      for (const id of marks.done) {
        if (registry.get(id)) canvas.addMarker(id, "minqing-done");
      }
      for (const id of marks.current) {
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
