// Vigie review console: reveal blurred media on request, one-keystroke decisions.
// Loaded from this server only (the CSP forbids inline scripts); it never reads item content.
"use strict";

function revealToggle(figure) {
  if (!figure) return;
  const blurred = figure.classList.toggle("blurred");
  const button = figure.querySelector("button.reveal");
  if (button) button.textContent = blurred ? "Reveal" : "Blur";
}

document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button.reveal")) {
    button.addEventListener("click", () => {
      revealToggle(document.getElementById(button.dataset.target));
    });
  }
  for (const img of document.querySelectorAll("figure.media img")) {
    img.addEventListener("click", () => revealToggle(img.closest("figure")));
  }
  // Videos start muted; a reviewer unmutes one deliberately.
  for (const video of document.querySelectorAll("video")) {
    video.muted = true;
    video.volume = 0;
  }
});

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))) {
    if (event.key === "Escape") target.blur();
    return;
  }
  const click = (id) => {
    const button = document.getElementById(id);
    if (button && !button.disabled) {
      event.preventDefault();
      button.click();
    }
  };
  switch (event.key) {
    case "c": click("do-confirm"); break;
    case "o": click("do-overturn"); break;
    case "e": click("do-escalate"); break;
    case "v":
      for (const figure of document.querySelectorAll("figure.media")) revealToggle(figure);
      break;
    case "n": {
      const note = document.getElementById("note");
      if (note) { event.preventDefault(); note.focus(); }
      break;
    }
  }
});
