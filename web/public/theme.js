// Applies the remembered theme before the first paint (no flash); a
// separate file so that the page's Content-Security-Policy needs no
// inline script.
try {
  var t = localStorage.getItem("dockrev.theme");
  if (t === "light" || t === "dark") document.documentElement.setAttribute("data-theme", t);
} catch (e) {}
