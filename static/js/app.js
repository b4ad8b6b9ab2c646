// Starts NHS.UK frontend. Loaded as a module from base.html, so that no page
// needs an inline script and the content security policy can forbid them.
//
// The design system's page template sets two classes on <body> from an inline
// script: js-enabled, and nhsuk-frontend-supported when the browser runs ES
// modules. Only browsers that run modules run this file, so both classes are
// set here instead. Its components (and initAll) do nothing until
// nhsuk-frontend-supported is present, so it must come first.
import { initAll } from "../nhsuk/nhsuk-frontend.min.js";

document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();

// The file upload's button reads "No files chosen" then "Choose files", with
// only a visually hidden comma between them, so its visible text runs the
// two together ("No files chosenChoose files") for tools that read it
// without the layout, such as speech recognition software matching what is
// on screen with the button's name (WCAG 2.5.3 Label in Name). A space after
// the comma keeps them two phrases; the button looks the same.
for (const comma of document.querySelectorAll(".nhsuk-file-upload__status + .nhsuk-u-visually-hidden")) {
  comma.after(" ");
}

// Review pages save what was typed only when one of their buttons is
// pressed (each button saves first, then moves on). Leaving by a link, such
// as the back link or the header, would lose it, so the browser asks first.
for (const form of document.querySelectorAll("form[data-app-unsaved]")) {
  let changed = false;
  const mark = () => { changed = true; };
  form.addEventListener("input", mark);
  form.addEventListener("change", mark);
  form.addEventListener("submit", () => { changed = false; });
  window.addEventListener("beforeunload", (event) => {
    if (changed) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
}
