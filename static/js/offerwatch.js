// Offerwatch's only script besides htmx: no inline script is allowed by the page's CSP.
(function () {
  "use strict";
  // Every htmx request carries the CSRF token from the page (the cookie is HttpOnly).
  document.addEventListener("htmx:configRequest", function (event) {
    const meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) event.detail.headers["X-CSRFToken"] = meta.getAttribute("content");
  });
  // A 403 that explains a refusal (e.g. a workflow step) is shown in place, not dropped.
  document.addEventListener("htmx:beforeSwap", function (event) {
    const target = event.detail.target;
    if (event.detail.xhr.status === 403 && target && target.hasAttribute("data-show-403")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
