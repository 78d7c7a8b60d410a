// The update action: a dry run first (the plan the daemon would carry
// out), then a confirmation that names exactly what changes.  A candidate
// without an image for this host's platform needs an explicit override.
import { useEffect, useRef, useState } from "react";
import { api, type PlanItem, type UpdateRequest } from "./api";
import { href, navigate } from "./router";
import { errText, shortDigest } from "./util";
import { KindBadge } from "./components";

export interface UpdateTarget {
  scope: UpdateRequest["scope"];
  target?: string;
  to?: string | null;
  /** The chosen candidate has no image for this host's platform. */
  archMismatch?: boolean;
  label: string;
}

export function UpdateDialog({ t, onClose }: { t: UpdateTarget; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [plan, setPlan] = useState<PlanItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [override, setOverride] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    ref.current?.showModal();
  }, []);

  const req = (dry: boolean): UpdateRequest => ({
    scope: t.scope,
    ...(t.target ? { target: t.target } : {}),
    to: t.to ?? null,
    dry_run: dry,
    allow_arch_mismatch: override,
  });

  useEffect(() => {
    let live = true;
    api
      .update({ scope: t.scope, ...(t.target ? { target: t.target } : {}), to: t.to ?? null, dry_run: true, allow_arch_mismatch: false })
      .then((r) => live && setPlan(r.plan ?? []))
      .catch((e) => live && setError(errText(e)));
    return () => {
      live = false;
    };
  }, [t.scope, t.target, t.to]);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await api.update(req(false));
      const jobs = r.jobs ?? [];
      onClose();
      navigate(jobs.length === 1 ? href("jobs", jobs[0]) : href("jobs"));
    } catch (e) {
      setError(errText(e));
      setBusy(false);
    }
  };

  const blocked = !!t.archMismatch && !override;
  return (
    <dialog ref={ref} className="modal" aria-labelledby="upd-title" onClose={onClose}>
      <div className="modal-box max-w-3xl">
        <h2 id="upd-title" className="text-lg font-semibold">
          Update {t.label}
        </h2>
        {!plan && !error && (
          <p role="status" className="py-4">
            <span className="loading loading-spinner loading-sm" aria-hidden="true" /> Computing the plan (dry run)…
          </p>
        )}
        {error && (
          <div role="alert" className="alert alert-error alert-soft my-3">
            {error}
          </div>
        )}
        {plan && (
          <section aria-label="Dry-run plan" data-testid="plan">
            <h3 className="mt-3 font-medium">Plan (dry run: nothing has changed yet)</h3>
            {plan.length === 0 ? (
              <p className="py-2">Nothing to update: every service in scope is up to date.</p>
            ) : (
              <ul className="my-2 space-y-2">
                {plan.map((p) => (
                  <li key={`${p.stack}/${p.service}`} className="rounded-box border border-base-300 p-2 text-sm" data-testid="plan-item">
                    <div className="flex flex-wrap items-center gap-2">
                      <strong>
                        {p.stack === "_" ? p.service : `${p.stack}/${p.service}`}
                      </strong>
                      <span>
                        {p.from_tag ?? "?"} → {p.to_tag ?? "?"}
                      </span>
                      <KindBadge kind={p.kind} />
                      <span className="badge badge-sm badge-ghost">{p.swap}</span>
                    </div>
                    <div className="mono text-xs text-base-content/70 break-all">
                      {p.image} · {shortDigest(p.from_digest)} → {shortDigest(p.to_digest)}
                    </div>
                  </li>
                ))}
              </ul>
            )}
            {plan.length > 0 && (
              <p className="text-sm" data-testid="confirm-text">
                Confirming pulls and verifies the new image, then replaces{" "}
                {plan.length === 1 ? "this service" : `these ${plan.length} services`} under the health gate:{" "}
                {plan.map((p) => `${p.stack === "_" ? p.service : `${p.stack}/${p.service}`} ${p.from_tag ?? "?"} → ${p.to_tag ?? "?"}`).join(", ")}. A failed
                health gate rolls back to the old image.
              </p>
            )}
            {t.archMismatch && (
              <label className="label mt-3 cursor-pointer gap-2 whitespace-normal">
                <input type="checkbox" className="checkbox checkbox-warning checkbox-sm" checked={override} onChange={(e) => setOverride(e.target.checked)} />
                <span>The new image has no variant for this host's platform. Update anyway (override the architecture check).</span>
              </label>
            )}
          </section>
        )}
        <div className="modal-action">
          <button className="btn" onClick={() => ref.current?.close()}>
            Cancel
          </button>
          {plan && plan.length > 0 && (
            <button className="btn btn-primary" disabled={busy || blocked} onClick={() => void confirm()}>
              {busy && <span className="loading loading-spinner loading-xs" aria-hidden="true" />}
              Confirm update of {plan.length} service{plan.length === 1 ? "" : "s"}
            </button>
          )}
        </div>
      </div>
      <form method="dialog" className="modal-backdrop">
        <button aria-label="Close">close</button>
      </form>
    </dialog>
  );
}
