// Starts Swagger UI on /api/v1/openapi.json: "Try it out" calls the server this page came from
// (the document's `servers` entry is a template for generated clients), the bearer token is
// kept for the tab, and the online validator is never called (the page works offline).
"use strict";
window.addEventListener("load", function () {
  fetch("/api/v1/openapi.json")
    .then(function (answer) { return answer.json(); })
    .then(function (spec) {
      spec.servers = [{url: window.location.origin, description: "ce serveur"}];
      window.ui = SwaggerUIBundle({
        spec: spec,
        dom_id: "#swagger-ui",
        presets: [SwaggerUIBundle.presets.apis],
        layout: "BaseLayout",
        deepLinking: true,
        docExpansion: "list",
        defaultModelsExpandDepth: 0,
        displayOperationId: true,
        displayRequestDuration: true,
        filter: true,
        persistAuthorization: true,
        validatorUrl: null,
      });
    });
});
