// Overview: every service, grouped by Compose stack, Swarm stack and
// standalone containers; groups collapse and remember it; "updates only"
// and a search by name or image; counts; update and check actions.
import { useMemo, useState } from "react";
import { api, type Service, type Stack, type StacksDoc } from "./api";
import { ArchBadge, Digest, ErrorAlert, KindBadge, Loading, SameLevelBadge, StatusBadge, useLoad } from "./components";
import { href } from "./router";
import type { UpdateTarget } from "./UpdateDialog";
import { ago, errText } from "./util";

const COLLAPSED_KEY = "dockrev.collapsed";

function loadCollapsed(): Set<string> {
  try {
    const v = JSON.parse(localStorage.getItem(COLLAPSED_KEY) ?? "[]");
    return new Set(Array.isArray(v) ? v.filter((x) => typeof x === "string") : []);
  } catch {
    return new Set();
  }
}

export function groupKey(s: Stack): string {
  return `${s.kind}:${s.name}`;
}

export function stackLabel(s: { name: string; kind: string }): string {
  return s.kind === "standalone" ? "Standalone containers" : s.name;
}

export function serviceId(s: Service): string {
  return `${s.stack}/${s.name}`;
}

export function serviceUpdate(s: Service): UpdateTarget | null {
  if (!s.best) return null;
  return {
    scope: "service",
    target: serviceId(s),
    to: s.best.tag,
    archMismatch: s.best.arch_match === false && !s.settings?.allow_arch_mismatch,
    label: `${s.stack === "_" ? s.name : serviceId(s)} to ${s.best.tag}`,
  };
}

function matches(s: Service, q: string): boolean {
  if (!q) return true;
  const t = q.toLowerCase();
  return s.name.toLowerCase().includes(t) || s.image.toLowerCase().includes(t) || s.stack.toLowerCase().includes(t);
}

function ServiceRow({ s, onUpdate }: { s: Service; onUpdate: (t: UpdateTarget) => void }) {
  const upd = serviceUpdate(s);
  return (
    <li className="grid grid-cols-1 gap-1 border-t border-base-300 px-3 py-2 md:grid-cols-[minmax(0,1.3fr)_minmax(0,1fr)_minmax(0,1.6fr)_auto] md:items-center md:gap-4" data-testid="service-row" data-service={serviceId(s)}>
      <div className="min-w-0">
        <a className="link link-hover font-medium" href={href("services", s.stack, s.name)}>
          {s.name}
        </a>
        <div className="mono text-xs text-base-content/70 break-all">{s.image}</div>
      </div>
      <div className="min-w-0 text-sm" data-testid="current">
        <span className="sr-only">Current: </span>
        <span className="font-medium">{s.tag ?? "—"}</span> <Digest d={s.current_digest} />
      </div>
      <div className="min-w-0 text-sm" data-testid="best">
        {s.best ? (
          <span className="inline-flex flex-wrap items-center gap-1">
            <span aria-hidden="true">→</span>
            <span className="sr-only">Best candidate: </span>
            <span className="font-medium">{s.best.tag}</span>
            <KindBadge kind={s.best.kind} />
            <SameLevelBadge c={s.best} />
            <ArchBadge match={s.best.arch_match} />
          </span>
        ) : (
          <span className="text-base-content/60">{s.reason ?? "no newer candidate"}</span>
        )}
        {s.ignored.length > 0 && (
          <span className="ml-1 text-xs text-base-content/60" title={s.ignored.map((i) => i.tag).join(", ")}>
            ({s.ignored.length} ignored)
          </span>
        )}
      </div>
      <div className="flex items-center gap-2 md:justify-end">
        <StatusBadge status={s.status} />
        {upd && (
          <button className="btn btn-primary btn-xs" onClick={() => onUpdate(upd)} aria-label={`Update ${upd.label}`}>
            Update
          </button>
        )}
      </div>
    </li>
  );
}

export function StackGroup({
  st,
  services,
  collapsed,
  onToggle,
  onUpdate,
}: {
  st: Stack;
  services: Service[];
  collapsed: boolean;
  onToggle?: () => void;
  onUpdate: (t: UpdateTarget) => void;
}) {
  const id = `grp-${groupKey(st).replace(/[^A-Za-z0-9_-]/g, "_")}`;
  const label = stackLabel(st);
  return (
    <section className="rounded-box border border-base-300 bg-base-100" aria-labelledby={`${id}-h`} data-testid="stack-group" data-stack={st.name}>
      <header className="flex flex-wrap items-center gap-2 px-3 py-2">
        {onToggle && (
          <button
            className="btn btn-ghost btn-xs btn-square"
            aria-expanded={!collapsed}
            aria-controls={id}
            aria-label={`${collapsed ? "Expand" : "Collapse"} ${label}`}
            onClick={onToggle}
            data-testid="group-toggle"
          >
            <span aria-hidden="true">{collapsed ? "▸" : "▾"}</span>
          </button>
        )}
        <h2 id={`${id}-h`} className="font-semibold">
          {st.kind === "standalone" ? label : <a className="link link-hover" href={href("stacks", st.name)}>{label}</a>}
        </h2>
        <span className="badge badge-sm badge-ghost">{st.kind}</span>
        <span className="text-sm text-base-content/70">
          {st.counts.services} service{st.counts.services === 1 ? "" : "s"}, {st.counts.updates} with update{st.counts.updates === 1 ? "" : "s"}
        </span>
        <span className="flex-1" />
        {st.kind !== "standalone" && st.counts.updates > 0 && (
          <button className="btn btn-outline btn-xs" onClick={() => onUpdate({ scope: "stack", target: st.name, label: `stack ${st.name}` })}>
            Update stack
          </button>
        )}
      </header>
      {!collapsed && (
        <ul id={id}>
          {services.map((s) => (
            <ServiceRow key={serviceId(s)} s={s} onUpdate={onUpdate} />
          ))}
          {services.length === 0 && <li className="border-t border-base-300 px-3 py-2 text-sm text-base-content/60">No service matches the filter.</li>}
        </ul>
      )}
    </section>
  );
}

export function CheckedLine({ doc }: { doc: StacksDoc }) {
  return (
    <p className="text-sm text-base-content/70">
      Last check {ago(doc.checked_at)} · host {doc.host.os}/{doc.host.arch}
      {doc.host.variant ? `/${doc.host.variant}` : ""}
    </p>
  );
}

export function Overview({ onUpdate }: { onUpdate: (t: UpdateTarget) => void }) {
  const { data, error, loading, reload, setData } = useLoad(api.stacks, [], 15000);
  const [collapsed, setCollapsed] = useState(loadCollapsed);
  const [onlyUpdates, setOnlyUpdates] = useState(false);
  const [q, setQ] = useState("");
  const [checking, setChecking] = useState(false);
  const [checkErr, setCheckErr] = useState<string | null>(null);

  const toggle = (k: string) => {
    const next = new Set(collapsed);
    if (next.has(k)) next.delete(k);
    else next.add(k);
    setCollapsed(next);
    try {
      localStorage.setItem(COLLAPSED_KEY, JSON.stringify([...next]));
    } catch {
      /* not remembered in private mode */
    }
  };

  const groups = useMemo(() => {
    if (!data) return [];
    const order: Record<string, number> = { compose: 0, swarm: 1, standalone: 2 };
    return [...data.stacks]
      .sort((a, b) => (order[a.kind] ?? 3) - (order[b.kind] ?? 3) || a.name.localeCompare(b.name))
      .map((st) => ({ st, services: st.services.filter((s) => (!onlyUpdates || s.status === "update_available") && matches(s, q)) }))
      .filter((g) => g.services.length > 0 || (!onlyUpdates && !q));
  }, [data, onlyUpdates, q]);

  const check = async () => {
    setChecking(true);
    setCheckErr(null);
    try {
      setData(await api.check("all"));
    } catch (e) {
      setCheckErr(errText(e));
    } finally {
      setChecking(false);
    }
  };

  const shown = groups.reduce((n, g) => n + g.services.length, 0);
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-2">
        <h1 className="text-xl font-semibold">Overview</h1>
        {data && (
          <span className="text-sm" data-testid="counts">
            {data.counts.stacks} stack{data.counts.stacks === 1 ? "" : "s"} · {data.counts.services} service{data.counts.services === 1 ? "" : "s"} ·{" "}
            <strong>{data.counts.updates}</strong> with update{data.counts.updates === 1 ? "" : "s"}
          </span>
        )}
        <span className="flex-1" />
        <button className="btn btn-sm" onClick={() => void check()} disabled={checking}>
          {checking && <span className="loading loading-spinner loading-xs" aria-hidden="true" />}
          Check now
        </button>
        {data && data.counts.updates > 0 && (
          <button className="btn btn-sm btn-primary" onClick={() => onUpdate({ scope: "all", label: "everything" })}>
            Update all
          </button>
        )}
      </div>
      {data && <CheckedLine doc={data} />}
      <div className="flex flex-wrap items-center gap-3">
        <label className="input input-sm w-full max-w-xs">
          <span className="sr-only">Search services by name or image</span>
          <input type="search" placeholder="Search name or image" value={q} onChange={(e) => setQ(e.target.value)} />
        </label>
        <label className="label cursor-pointer gap-2">
          <input type="checkbox" className="toggle toggle-sm" checked={onlyUpdates} onChange={(e) => setOnlyUpdates(e.target.checked)} />
          <span>Updates only</span>
        </label>
        {data && (onlyUpdates || q) && <span className="text-sm text-base-content/70" role="status">{shown} shown</span>}
      </div>
      {checkErr && <ErrorAlert msg={`Check failed: ${checkErr}`} />}
      {loading && !data && <Loading what="stacks" />}
      {error && <ErrorAlert msg={error} onRetry={() => void reload()} />}
      {data && groups.length === 0 && <p className="p-4 text-base-content/70">{data.counts.services === 0 ? "No containers found yet." : "Nothing matches the filter."}</p>}
      {groups.map(({ st, services }) => (
        <StackGroup key={groupKey(st)} st={st} services={services} collapsed={collapsed.has(groupKey(st))} onToggle={() => toggle(groupKey(st))} onUpdate={onUpdate} />
      ))}
    </div>
  );
}

export function StackPage({ stack, onUpdate }: { stack: string; onUpdate: (t: UpdateTarget) => void }) {
  const { data, error, loading, reload } = useLoad(() => api.stack(stack), [stack], 15000);
  return (
    <div className="space-y-3">
      <nav className="breadcrumbs text-sm" aria-label="Breadcrumb">
        <ul>
          <li>
            <a href="#/">Overview</a>
          </li>
          <li aria-current="page">{stack}</li>
        </ul>
      </nav>
      <h1 className="text-xl font-semibold">Stack {stack}</h1>
      {loading && !data && <Loading what="the stack" />}
      {error && <ErrorAlert msg={error} onRetry={() => void reload()} />}
      {data && <StackGroup st={data} services={data.services} collapsed={false} onUpdate={onUpdate} />}
    </div>
  );
}
