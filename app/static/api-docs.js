// Starts Swagger UI (swagger-ui-dist, served by the app) on the element #swagger-ui, reading
// the OpenAPI document named by its data-openapi-url. No online validator: nothing leaves the
// intranet. When the operations are drawn the element gets data-docs-ready="1" (tests wait).
(function () {
  function start() {
    var element = document.getElementById("swagger-ui");
    if (!element || !window.SwaggerUIBundle) return;
    window.SwaggerUIBundle({
      url: element.dataset.openapiUrl,
      domNode: element,
      deepLinking: true,
      validatorUrl: null,
      docExpansion: "list",
      defaultModelsExpandDepth: 0,
      presets: [window.SwaggerUIBundle.presets.apis],
      onComplete: function () { element.dataset.docsReady = "1"; },
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
