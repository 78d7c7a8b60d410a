// Jobs: the queue and history (state, trigger source, duration, old → new
// digests) and a job page with its steps and live log (server-sent events
// from /api/v1/jobs/{id}/events, following the job to its end).
import { useEffect, useRef, useState } from "react";
import { api, TERMINAL, type JobDetail, type JobStep, type JobSummary, type LogLine } from "./api";
import { Digest, ErrorAlert, Loading, StateBadge, useLoad } from "./components";
import { href } from "./router";
import { duration, fmtTime } from "./util";

function targetName(j: JobSummary): string {
  return j.target ?? j.stack ?? j.scope ?? "—";
}

export function JobTable({ jobs }: { jobs: JobSummary[] }) {
  if (jobs.length === 0) return <p className="text-sm text-base-content/70">No job yet.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="table table-sm" data-testid="jobs-table">
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">State</th>
            <th scope="col">Target</th>
            <th scope="col">Trigger</th>
            <th scope="col">Duration</th>
            <th scope="col">Old → new</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((j) => (
            <tr key={j.id} data-job={j.id}>
              <td>
                <a className="link" href={href("jobs", j.id)}>
                  #{j.id}
                </a>{" "}
                <span className="text-xs text-base-content/70">{j.kind}</span>
              </td>
              <td>
                <StateBadge state={j.state} />
              </td>
              <td className="break-all">{targetName(j)}</td>
              <td>
                {j.trigger_source ?? "—"}
                {j.actor ? <span className="text-xs text-base-content/70"> ({j.actor})</span> : null}
              </td>
              <td>{duration(j.started_at, j.finished_at)}</td>
              <td>
                {(j.targets ?? []).map((t) => (
                  <div key={`${t.stack}/${t.service}`} className="text-xs">
                    {t.old_tag ?? "?"} → {t.new_tag ?? "?"} <Digest d={t.old_digest} /> → <Digest d={t.new_digest} />
                  </div>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const STATES = ["", "queued", "running", "succeeded", "failed", "rolled_back", "rollback_failed"];

export function JobsPage() {
  const [state, setState] = useState("");
  const [older, setOlder] = useState<JobSummary[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const { data, error, loading, reload } = useLoad(
    async () => {
      const r = await api.jobs(state ? { state, limit: "50" } : { limit: "50" });
      setOlder([]);
      setNext(r.next);
      return r;
    },
    [state],
    4000,
  );
  const more = async () => {
    if (next === null) return;
    const r = await api.jobs(state ? { state, limit: "50", before: String(next) } : { limit: "50", before: String(next) });
    setOlder((o) => [...o, ...r.jobs]);
    setNext(r.next);
  };
  const jobs = [...(data?.jobs ?? []), ...older];
  const active = jobs.filter((j) => !TERMINAL.has(j.state));
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-xl font-semibold">Jobs</h1>
        <span className="text-sm text-base-content/70" role="status">
          {active.length} queued or running
        </span>
        <span className="flex-1" />
        <label className="flex items-center gap-2 text-sm">
          State
          <select className="select select-sm w-40" value={state} onChange={(e) => setState(e.target.value)}>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s ? s.replace(/_/g, " ") : "all"}
              </option>
            ))}
          </select>
        </label>
      </div>
      {loading && !data && <Loading what="jobs" />}
      {error && <ErrorAlert msg={error} onRetry={() => void reload()} />}
      {data && <JobTable jobs={jobs} />}
      {next !== null && (
        <button className="btn btn-sm" onClick={() => void more()}>
          Older jobs
        </button>
      )}
    </div>
  );
}

function stepName(s: JobStep): string {
  return String(s.name ?? s.step ?? s.kind ?? "step");
}

function stepState(s: JobStep): string {
  return String(s.state ?? s.status ?? s.result ?? "");
}

export function JobPage({ id }: { id: number }) {
  const [job, setJob] = useState<JobDetail | null>(null);
  const [lines, setLines] = useState<LogLine[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState(false);
  const seen = useRef(new Set<number>());
  const logRef = useRef<HTMLPreElement>(null);

  useEffect(() => {
    let stop = false;
    let es: EventSource | null = null;
    seen.current = new Set();
    setLines([]);
    setJob(null);
    const add = (ls: LogLine[]) => {
      const fresh = ls.filter((l) => typeof l.id !== "number" || !seen.current.has(l.id));
      fresh.forEach((l) => typeof l.id === "number" && seen.current.add(l.id));
      if (fresh.length) setLines((x) => [...x, ...fresh]);
    };
    const refresh = () =>
      api
        .job(id)
        .then((j) => !stop && setJob(j))
        .catch((e) => !stop && setError(String(e.message ?? e)));
    (async () => {
      try {
        const j = await api.job(id);
        if (stop) return;
        setJob(j);
        let after: number | undefined;
        for (let i = 0; i < 20; i++) {
          const r = await api.logs(id, after);
          if (stop) return;
          add(r.lines);
          if (r.next === null || r.lines.length === 0) break;
          after = r.next;
        }
        if (TERMINAL.has(j.state)) return;
        es = new EventSource(`/api/v1/jobs/${id}/events`);
        setLive(true);
        es.addEventListener("log", (ev) => {
          try {
            const d = JSON.parse((ev as MessageEvent).data);
            add(Array.isArray(d) ? d : d.lines ?? [d]);
          } catch {
            /* a malformed event line is skipped */
          }
        });
        es.addEventListener("state", (ev) => {
          try {
            const d = JSON.parse((ev as MessageEvent).data);
            const st = typeof d === "string" ? d : d.state;
            if (st) setJob((j) => (j ? { ...j, state: st } : j));
          } catch {
            /* ignored */
          }
          void refresh();
        });
        es.addEventListener("step", () => void refresh());
        es.addEventListener("end", () => {
          es?.close();
          setLive(false);
          void refresh();
          void api.logs(id).then((r) => !stop && add(r.lines));
        });
        es.onerror = () => {
          // The stream ended or the daemon went away: read the final state.
          if (es?.readyState === EventSource.CLOSED) setLive(false);
          void refresh();
        };
      } catch (e) {
        if (!stop) setError(e instanceof Error ? e.message : String(e));
      }
    })();
    return () => {
      stop = true;
      es?.close();
    };
  }, [id]);

  useEffect(() => {
    const el = logRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [lines]);

  return (
    <div className="space-y-3">
      <nav className="breadcrumbs text-sm" aria-label="Breadcrumb">
        <ul>
          <li>
            <a href="#/jobs">Jobs</a>
          </li>
          <li aria-current="page">Job {id}</li>
        </ul>
      </nav>
      {error && <ErrorAlert msg={error} />}
      {!job && !error && <Loading what="the job" />}
      {job && (
        <>
          <div className="flex flex-wrap items-center gap-2">
            <h1 className="text-xl font-semibold">
              Job {job.id}: {job.kind} {targetName(job)}
            </h1>
            <span role="status" aria-live="polite" data-testid="job-state" data-state={job.state}>
              <StateBadge state={job.state} />
            </span>
            {live && <span className="badge badge-sm badge-ghost">live</span>}
          </div>
          <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
            <dt>Trigger</dt>
            <dd>
              {job.trigger_source ?? "—"} {job.actor ? `(${job.actor})` : ""}
            </dd>
            <dt>Created</dt>
            <dd>{fmtTime(job.created_at)}</dd>
            <dt>Duration</dt>
            <dd>{duration(job.started_at, job.finished_at)}</dd>
            {job.summary && (
              <>
                <dt>Summary</dt>
                <dd>{job.summary}</dd>
              </>
            )}
          </dl>
          {(job.targets ?? []).length > 0 && (
            <section aria-labelledby="tg-h">
              <h2 id="tg-h" className="font-semibold">
                Targets
              </h2>
              <ul className="space-y-1 text-sm">
                {job.targets.map((t) => (
                  <li key={`${t.stack}/${t.service}`}>
                    <strong>{t.stack && t.stack !== "_" ? `${t.stack}/${t.service}` : t.service}</strong>: {t.old_tag ?? "?"} <Digest d={t.old_digest} /> → {t.new_tag ?? "?"}{" "}
                    <Digest d={t.new_digest} /> {t.result && <span className="badge badge-sm badge-ghost">{t.result}</span>}
                  </li>
                ))}
              </ul>
            </section>
          )}
          {(job.steps ?? []).length > 0 && (
            <section aria-labelledby="st-h">
              <h2 id="st-h" className="font-semibold">
                Steps
              </h2>
              <ol className="list-decimal pl-6 text-sm" data-testid="steps">
                {(job.steps ?? []).map((s, i) => (
                  <li key={i}>
                    {stepName(s)} {stepState(s) && <span className="text-base-content/70">({stepState(s)})</span>}
                    {s.detail ? <span className="text-base-content/70"> — {String(s.detail)}</span> : null}
                  </li>
                ))}
              </ol>
            </section>
          )}
          <section aria-labelledby="log-h">
            <h2 id="log-h" className="font-semibold">
              Log
            </h2>
            <pre
              ref={logRef}
              className="mono max-h-[28rem] overflow-auto rounded-box bg-base-200 p-3 text-xs whitespace-pre-wrap break-all"
              aria-live="polite"
              tabIndex={0}
              data-testid="job-log"
            >
              {lines.length === 0 ? "(no log lines yet)" : lines.map((l) => `${l.stream === "stderr" ? "! " : ""}${l.line}`).join("\n")}
            </pre>
          </section>
        </>
      )}
    </div>
  );
}
