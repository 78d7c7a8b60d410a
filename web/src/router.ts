// A hash router: #/ overview, #/stacks/NAME, #/services/STACK/NAME,
// #/jobs, #/jobs/ID, #/settings.  The daemon serves index.html for every
// non-API path, so links also survive a reload.
import { useEffect, useState } from "react";

export type Route =
  | { page: "overview" }
  | { page: "stack"; stack: string }
  | { page: "service"; stack: string; service: string }
  | { page: "jobs" }
  | { page: "job"; id: number }
  | { page: "settings" }
  | { page: "notfound"; path: string };

export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, "") || "/";
  const parts = path.split("/").filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  if (parts.length === 0) return { page: "overview" };
  if (parts[0] === "stacks" && parts.length === 2) return { page: "stack", stack: parts[1] };
  if (parts[0] === "services" && parts.length === 3) return { page: "service", stack: parts[1], service: parts[2] };
  if (parts[0] === "jobs" && parts.length === 1) return { page: "jobs" };
  if (parts[0] === "jobs" && parts.length === 2 && /^\d+$/.test(parts[1])) return { page: "job", id: Number(parts[1]) };
  if (parts[0] === "settings" && parts.length === 1) return { page: "settings" };
  return { page: "notfound", path };
}

export function href(...parts: (string | number)[]): string {
  return "#/" + parts.map((p) => encodeURIComponent(String(p))).join("/");
}

export function navigate(h: string) {
  window.location.hash = h.replace(/^#/, "");
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const f = () => setRoute(parseHash(window.location.hash));
    window.addEventListener("hashchange", f);
    return () => window.removeEventListener("hashchange", f);
  }, []);
  return route;
}
