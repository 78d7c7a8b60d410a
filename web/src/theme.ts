// Light and dark themes: follows prefers-color-scheme until the user picks
// one; the choice is remembered in localStorage ("dockrev.theme").
import { useEffect, useState } from "react";

export type Theme = "light" | "dark";
const KEY = "dockrev.theme";

function systemTheme(): Theme {
  return window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

function stored(): Theme | null {
  try {
    const t = localStorage.getItem(KEY);
    return t === "light" || t === "dark" ? t : null;
  } catch {
    return null;
  }
}

export function useTheme(): [Theme, () => void] {
  const [choice, setChoice] = useState<Theme | null>(stored);
  const [sys, setSys] = useState<Theme>(systemTheme);
  useEffect(() => {
    const m = window.matchMedia?.("(prefers-color-scheme: dark)");
    if (!m) return;
    const f = () => setSys(m.matches ? "dark" : "light");
    m.addEventListener("change", f);
    return () => m.removeEventListener("change", f);
  }, []);
  const theme = choice ?? sys;
  useEffect(() => {
    if (choice) document.documentElement.setAttribute("data-theme", choice);
    else document.documentElement.removeAttribute("data-theme");
  }, [choice]);
  const toggle = () => {
    const next: Theme = theme === "dark" ? "light" : "dark";
    try {
      localStorage.setItem(KEY, next);
    } catch {
      /* private mode: the choice lasts for this page only */
    }
    setChoice(next);
  };
  return [theme, toggle];
}
