// Starts Swagger UI on RecLab's OpenAPI document. A file of its own rather than an inline
// script, so the page's Content-Security-Policy can allow scripts from 'self' only.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    // Nothing leaves the machine: no badge from the public validator.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
