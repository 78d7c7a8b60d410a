// Shared pieces of the pages: badges, digests with a copy button, the
// loading/error states and a data-loading hook.
import { useCallback, useEffect, useRef, useState } from "react";
import type { Candidate } from "./api";
import { errText, shortDigest } from "./util";

export function useLoad<T>(load: () => Promise<T>, deps: unknown[], pollMs = 0) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(async () => {
    try {
      const d = await loadRef.current();
      setData(d);
      setError(null);
    } catch (e) {
      setError(errText(e));
    } finally {
      setLoading(false);
    }
  }, []);
  useEffect(() => {
    setLoading(true);
    setData(null);
    void reload();
    if (!pollMs) return;
    const t = window.setInterval(() => void reload(), pollMs);
    return () => window.clearInterval(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, pollMs, reload]);
  return { data, error, loading, reload, setData };
}

export function Loading({ what }: { what: string }) {
  return (
    <div role="status" className="flex items-center gap-2 p-4 text-base-content/70">
      <span className="loading loading-spinner loading-sm" aria-hidden="true" /> Loading {what}…
    </div>
  );
}

export function ErrorAlert({ msg, onRetry }: { msg: string; onRetry?: () => void }) {
  return (
    <div role="alert" className="alert alert-error alert-soft my-2">
      <span>{msg}</span>
      {onRetry && (
        <button className="btn btn-sm" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function KindBadge({ kind }: { kind: string | null | undefined }) {
  if (!kind) return null;
  const cls = kind === "major" ? "badge-error" : kind === "minor" ? "badge-warning" : kind === "patch" ? "badge-info" : "badge-neutral";
  return <span className={`badge badge-sm badge-soft ${cls}`}>{kind}</span>;
}

export function SameLevelBadge({ c }: { c: Candidate }) {
  if (!c.same_level) return null;
  return (
    <span className="badge badge-sm badge-outline" title="the candidate has the same precision as the current tag (5.2 → 5.3)">
      same level
    </span>
  );
}

export function ArchBadge({ match }: { match: boolean | null | undefined }) {
  if (match === true)
    return (
      <span className="badge badge-sm badge-soft badge-success" title="the image exists for this host's platform">
        arch ok
      </span>
    );
  if (match === false)
    return (
      <span className="badge badge-sm badge-soft badge-error" title="the image has no variant for this host's platform">
        arch mismatch
      </span>
    );
  return (
    <span className="badge badge-sm badge-ghost" title="the registry did not say which platforms the image has">
      arch unknown
    </span>
  );
}

const STATUS: Record<string, [string, string]> = {
  update_available: ["update available", "badge-primary"],
  up_to_date: ["up to date", "badge-success"],
  skipped: ["skipped", "badge-neutral"],
  error: ["error", "badge-error"],
};

export function StatusBadge({ status }: { status: string }) {
  const [label, cls] = STATUS[status] ?? [status.replace(/_/g, " "), "badge-neutral"];
  return <span className={`badge badge-sm ${cls}`}>{label}</span>;
}

const STATE: Record<string, string> = {
  queued: "badge-neutral",
  running: "badge-info",
  succeeded: "badge-success",
  failed: "badge-error",
  rolled_back: "badge-warning",
  rollback_failed: "badge-error",
};

export function StateBadge({ state }: { state: string }) {
  return (
    <span className={`badge badge-sm ${STATE[state] ?? "badge-neutral"}`} data-state={state}>
      {state === "running" && <span className="loading loading-ring loading-xs" aria-hidden="true" />}
      {state.replace(/_/g, " ")}
    </span>
  );
}

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      className="btn btn-ghost btn-xs"
      aria-label={`Copy ${label}`}
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(() => {
          setDone(true);
          window.setTimeout(() => setDone(false), 1500);
        });
      }}
    >
      {done ? "copied" : "copy"}
    </button>
  );
}

export function Digest({ d, full = false, label = "digest" }: { d: string | null | undefined; full?: boolean; label?: string }) {
  if (!d) return <span className="text-base-content/50">—</span>;
  return (
    <span className="inline-flex items-center gap-1 min-w-0">
      <code className="mono text-xs break-all" title={d}>
        {full ? d : shortDigest(d)}
      </code>
      {full && <CopyButton text={d} label={label} />}
    </span>
  );
}

// The platforms a candidate is built for (the arch badge says whether the
// host's is among them).
export function Platforms({ c }: { c: Candidate }) {
  return (
    <div className="flex flex-wrap items-center gap-1 text-xs" data-testid="platforms">
      <span className="text-base-content/70">Platforms:</span>
      {c.platforms === null ? (
        <span className="text-base-content/70">unknown</span>
      ) : (
        <ul className="inline-flex flex-wrap gap-1" aria-label={`platforms of ${c.tag}`}>
          {c.platforms.map((p) => (
            <li key={p} className="badge badge-sm badge-ghost mono">
              {p}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function CandidateBadges({ c }: { c: Candidate }) {
  return (
    <span className="inline-flex flex-wrap items-center gap-1">
      <KindBadge kind={c.kind} />
      <SameLevelBadge c={c} />
      <ArchBadge match={c.arch_match} />
    </span>
  );
}
