// A button marked `data-print` prints the page (the portal's CSP allows no inline handlers).
// Without JavaScript the button stays hidden and the browser's own Print (Ctrl+P) does it.
"use strict";
for (const b of document.querySelectorAll("[data-print]")) {
  b.hidden = false;
  b.addEventListener("click", () => window.print());
}
