// Small formatting helpers shared by the pages.
export function shortDigest(d: string | null | undefined): string {
  if (!d) return "—";
  const i = d.indexOf(":");
  return d.slice(0, i + 1 + 12);
}

export function fmtTime(ms: number | null | undefined): string {
  if (!ms) return "—";
  return new Date(ms).toLocaleString();
}

export function ago(ms: number | null | undefined): string {
  if (!ms) return "never";
  const s = Math.round((Date.now() - ms) / 1000);
  if (s < 60) return `${Math.max(s, 0)} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export function duration(a: number | null | undefined, b: number | null | undefined): string {
  if (!a) return "—";
  const ms = (b ?? Date.now()) - a;
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
}

export function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
