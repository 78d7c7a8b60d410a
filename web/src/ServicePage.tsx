// Service detail: current image vs candidates (full digests, copyable),
// ignored candidates with their rule and reason, the ignore-rule editor
// with a live preview, per-service settings and this service's jobs.
import { useEffect, useState } from "react";
import { api, type Candidate, type Rule, type ServiceDetail, type ServiceSettings } from "./api";
import { CandidateBadges, Digest, ErrorAlert, Loading, Platforms, StatusBadge, useLoad } from "./components";
import { JobTable } from "./Jobs";
import { stackLabel } from "./Overview";
import { href } from "./router";
import type { UpdateTarget } from "./UpdateDialog";
import { errText } from "./util";

const RULE_KINDS: [string, string][] = [
  ["exact", "Exact tag"],
  ["prefix", "Tag prefix"],
  ["regex", "Regular expression"],
  ["semver", "Version range"],
];

const PLACEHOLDER: Record<string, string> = { exact: "6.0", prefix: "6.", regex: "^6\\.", semver: ">=6" };

function CandidateList({ svc, onUpdate }: { svc: ServiceDetail; onUpdate: (t: UpdateTarget) => void }) {
  const allowed = !!svc.settings?.allow_arch_mismatch;
  if (svc.candidates.length === 0) return <p className="text-sm text-base-content/70">No newer candidate{svc.reason ? `: ${svc.reason}` : "."}</p>;
  return (
    <ul className="space-y-2">
      {svc.candidates.map((c) => (
        <li key={c.tag} className="rounded-box border border-base-300 p-2" data-testid="candidate" data-tag={c.tag}>
          <div className="flex flex-wrap items-center gap-2">
            <strong>{c.tag}</strong>
            <CandidateBadges c={c} />
            {svc.best?.tag === c.tag && <span className="badge badge-sm badge-primary badge-outline">best</span>}
            <span className="flex-1" />
            <button
              className="btn btn-xs btn-primary"
              aria-label={`Update ${svc.name} to ${c.tag}`}
              title={c.arch_match === false && !allowed ? "no image for this host's platform: the update asks for an explicit override" : undefined}
              onClick={() =>
                onUpdate({
                  scope: "service",
                  target: `${svc.stack}/${svc.name}`,
                  to: c.tag,
                  archMismatch: c.arch_match === false && !allowed,
                  label: `${svc.stack === "_" ? svc.name : `${svc.stack}/${svc.name}`} to ${c.tag}`,
                })
              }
            >
              Update to {c.tag}
            </button>
          </div>
          <Digest d={c.digest} full label={`digest of ${c.tag}`} />
          <Platforms c={c} />
        </li>
      ))}
    </ul>
  );
}

function IgnoredList({ svc }: { svc: ServiceDetail }) {
  if (svc.ignored.length === 0) return <p className="text-sm text-base-content/70">No candidate is ignored.</p>;
  return (
    <ul className="space-y-2">
      {svc.ignored.map((c) => (
        <li key={c.tag} className="rounded-box border border-base-300 p-2 opacity-90" data-testid="ignored" data-tag={c.tag}>
          <div className="flex flex-wrap items-center gap-2">
            <strong className="line-through decoration-1">{c.tag}</strong>
            <CandidateBadges c={c} />
          </div>
          <div className="text-sm" data-testid="ignored-why">
            Hidden by rule {c.rule ? <code className="mono">{c.rule.kind} {c.rule.value}</code> : "(label)"}
            {c.reason ? <>: {c.reason}</> : null}
          </div>
          <Digest d={c.digest} full label={`digest of ${c.tag}`} />
          <Platforms c={c} />
        </li>
      ))}
    </ul>
  );
}

function Preview({ stack, service, kind, value }: { stack: string; service: string; kind: string; value: string }) {
  const [hides, setHides] = useState<Candidate[] | null>(null);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    if (!value) {
      setHides(null);
      setErr(null);
      return;
    }
    let live = true;
    const t = window.setTimeout(() => {
      api
        .previewRule(stack, service, { kind, value })
        .then((r) => {
          if (!live) return;
          setHides(r.hides);
          setErr(null);
        })
        .catch((e) => {
          if (!live) return;
          setHides(null);
          setErr(errText(e));
        });
    }, 250);
    return () => {
      live = false;
      window.clearTimeout(t);
    };
  }, [stack, service, kind, value]);
  return (
    <div className="text-sm" role="status" aria-live="polite" data-testid="rule-preview">
      {err && <span className="text-error">{err}</span>}
      {hides && (hides.length === 0 ? "Hides no current candidate." : `Hides ${hides.map((h) => h.tag).join(", ")}.`)}
    </div>
  );
}

function RuleEditor({ svc, onChange }: { svc: ServiceDetail; onChange: () => void }) {
  const [kind, setKind] = useState("exact");
  const [value, setValue] = useState("");
  const [reason, setReason] = useState("");
  const [err, setErr] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const act = async (f: () => Promise<unknown>) => {
    setBusy(true);
    setErr(null);
    try {
      await f();
      onChange();
      return true;
    } catch (e) {
      setErr(errText(e));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const add = async (e: React.FormEvent) => {
    e.preventDefault();
    if (await act(() => api.addRule(svc.stack, svc.name, { kind, value, reason, enabled: true }))) {
      setValue("");
      setReason("");
    }
  };

  return (
    <div className="space-y-3">
      {svc.rules.length === 0 ? (
        <p className="text-sm text-base-content/70">No ignore rule for this service.</p>
      ) : (
        <ul className="space-y-1">
          {svc.rules.map((r: Rule) => (
            <li key={r.id} className="flex flex-wrap items-center gap-2 text-sm" data-testid="rule">
              <input
                type="checkbox"
                className="toggle toggle-sm"
                checked={r.enabled}
                aria-label={`Rule ${r.kind} ${r.value} enabled`}
                disabled={busy}
                onChange={(e) => void act(() => api.patchRule(r.id, { enabled: e.target.checked }))}
              />
              <code className="mono">
                {r.kind} {r.value}
              </code>
              {r.reason && <span className="text-base-content/70">— {r.reason}</span>}
              <button className="btn btn-ghost btn-xs" disabled={busy} aria-label={`Delete rule ${r.kind} ${r.value}`} onClick={() => void act(() => api.deleteRule(r.id))}>
                delete
              </button>
            </li>
          ))}
        </ul>
      )}
      <form className="flex flex-wrap items-end gap-2" onSubmit={(e) => void add(e)} aria-label="New ignore rule">
        <label className="flex flex-col gap-1 text-sm">
          Kind
          <select className="select select-sm w-44" value={kind} onChange={(e) => setKind(e.target.value)}>
            {RULE_KINDS.map(([k, l]) => (
              <option key={k} value={k}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col gap-1 text-sm">
          Value
          <input className="input input-sm w-40" required value={value} placeholder={PLACEHOLDER[kind]} onChange={(e) => setValue(e.target.value)} />
        </label>
        <label className="flex flex-col gap-1 text-sm">
          Reason
          <input className="input input-sm w-56" value={reason} placeholder="waiting for 6.1" onChange={(e) => setReason(e.target.value)} />
        </label>
        <button className="btn btn-sm" type="submit" disabled={busy || !value}>
          Add rule
        </button>
      </form>
      <Preview stack={svc.stack} service={svc.name} kind={kind} value={value} />
      {err && <ErrorAlert msg={err} />}
    </div>
  );
}

function SettingsForm({ svc, onSaved }: { svc: ServiceDetail; onSaved: () => void }) {
  const init: ServiceSettings = svc.settings ?? { auto_rollback: true, health_deadline_s: 120, settle_s: 5, allow_arch_mismatch: false };
  const [v, setV] = useState(init);
  const [msg, setMsg] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setMsg(null);
    setErr(null);
    try {
      setV(await api.putServiceSettings(svc.stack, svc.name, v));
      setMsg("Saved.");
      onSaved();
    } catch (x) {
      setErr(errText(x));
    }
  };
  return (
    <form className="grid gap-3 sm:grid-cols-2" onSubmit={(e) => void save(e)} aria-label="Service settings">
      <label className="label cursor-pointer justify-start gap-2">
        <input type="checkbox" className="toggle toggle-sm" checked={v.auto_rollback} onChange={(e) => setV({ ...v, auto_rollback: e.target.checked })} />
        <span>Roll back automatically when the health gate fails</span>
      </label>
      <label className="label cursor-pointer justify-start gap-2">
        <input type="checkbox" className="toggle toggle-sm" checked={v.allow_arch_mismatch} onChange={(e) => setV({ ...v, allow_arch_mismatch: e.target.checked })} />
        <span>Allow candidates without an image for this host's platform</span>
      </label>
      <label className="flex flex-col gap-1 text-sm">
        Health deadline (seconds, 1–3600)
        <input type="number" min={1} max={3600} className="input input-sm w-32" value={v.health_deadline_s} onChange={(e) => setV({ ...v, health_deadline_s: Number(e.target.value) })} />
      </label>
      <label className="flex flex-col gap-1 text-sm">
        Settle time (seconds, 0–600)
        <input type="number" min={0} max={600} className="input input-sm w-32" value={v.settle_s} onChange={(e) => setV({ ...v, settle_s: Number(e.target.value) })} />
      </label>
      <div className="flex items-center gap-2 sm:col-span-2">
        <button className="btn btn-sm" type="submit">
          Save settings
        </button>
        <span role="status">{msg}</span>
      </div>
      {err && <ErrorAlert msg={err} />}
    </form>
  );
}

export function ServicePage({ stack, service, onUpdate }: { stack: string; service: string; onUpdate: (t: UpdateTarget) => void }) {
  const { data: svc, error, loading, reload } = useLoad(() => api.service(stack, service), [stack, service]);
  return (
    <div className="space-y-4">
      <nav className="breadcrumbs text-sm" aria-label="Breadcrumb">
        <ul>
          <li>
            <a href="#/">Overview</a>
          </li>
          {stack !== "_" ? (
            <li>
              <a href={href("stacks", stack)}>{stack}</a>
            </li>
          ) : (
            <li>{stackLabel({ name: stack, kind: "standalone" })}</li>
          )}
          <li aria-current="page">{service}</li>
        </ul>
      </nav>
      {loading && !svc && <Loading what="the service" />}
      {error && <ErrorAlert msg={error} onRetry={() => void reload()} />}
      {svc && (
        <>
          <div className="flex flex-wrap items-center gap-2">
            <h1 className="text-xl font-semibold">{svc.name}</h1>
            <span className="badge badge-sm badge-ghost">{svc.kind}</span>
            <StatusBadge status={svc.status} />
          </div>
          <section className="rounded-box border border-base-300 p-3" aria-labelledby="cur-h">
            <h2 id="cur-h" className="font-semibold">
              Current
            </h2>
            <div className="mono text-sm break-all">{svc.image}</div>
            <div className="text-sm">
              Tag <strong>{svc.tag ?? "—"}</strong> · containers {svc.containers.join(", ") || "—"}
            </div>
            <div className="text-sm">
              Digest <Digest d={svc.current_digest} full label="current digest" />
            </div>
            {svc.remote_digest && svc.remote_digest !== svc.current_digest && (
              <div className="text-sm">
                Tag now points to <Digest d={svc.remote_digest} full label="remote digest" />
              </div>
            )}
            {svc.reason && <div className="text-sm text-base-content/70">{svc.reason}</div>}
          </section>
          <section className="rounded-box border border-base-300 p-3" aria-labelledby="cand-h">
            <h2 id="cand-h" className="mb-2 font-semibold">
              Candidates
            </h2>
            <CandidateList svc={svc} onUpdate={onUpdate} />
          </section>
          <section className="rounded-box border border-base-300 p-3" aria-labelledby="ign-h">
            <h2 id="ign-h" className="mb-2 font-semibold">
              Ignored candidates
            </h2>
            <IgnoredList svc={svc} />
          </section>
          <section className="rounded-box border border-base-300 p-3" aria-labelledby="rules-h">
            <h2 id="rules-h" className="mb-2 font-semibold">
              Ignore rules
            </h2>
            <RuleEditor svc={svc} onChange={() => void reload()} />
          </section>
          <section className="rounded-box border border-base-300 p-3" aria-labelledby="set-h">
            <h2 id="set-h" className="mb-2 font-semibold">
              Settings
            </h2>
            <SettingsForm key={JSON.stringify(svc.settings)} svc={svc} onSaved={() => void reload()} />
          </section>
          <section className="rounded-box border border-base-300 p-3" aria-labelledby="jobs-h">
            <h2 id="jobs-h" className="mb-2 font-semibold">
              Jobs for this service
            </h2>
            <JobTable jobs={svc.jobs} />
          </section>
        </>
      )}
    </div>
  );
}
