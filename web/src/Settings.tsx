// Settings: schedules, concurrency and webhooks.  A webhook's secret (or
// token URL) is shown once, right after it is created; the list never
// has it.
import { useState } from "react";
import { api, type Schedule, type Settings, type Webhook } from "./api";
import { CopyButton, ErrorAlert, Loading, useLoad } from "./components";
import { errText, fmtTime } from "./util";

function ScheduleFields({ name, s, onChange }: { name: string; s: Schedule; onChange: (s: Schedule) => void }) {
  return (
    <fieldset className="fieldset rounded-box border border-base-300 p-3">
      <legend className="fieldset-legend capitalize">{name} schedule</legend>
      <label className="label cursor-pointer justify-start gap-2">
        <input type="checkbox" className="toggle toggle-sm" checked={s.enabled} onChange={(e) => onChange({ ...s, enabled: e.target.checked })} />
        <span>Enabled</span>
      </label>
      <label className="flex flex-col gap-1 text-sm">
        Schedule (cron or @every)
        <input className="input input-sm w-56 mono" value={s.expr ?? ""} placeholder="@every 6h" onChange={(e) => onChange({ ...s, expr: e.target.value || null })} />
      </label>
      <label className="flex flex-col gap-1 text-sm">
        Time zone
        <input className="input input-sm w-56" value={s.tz} onChange={(e) => onChange({ ...s, tz: e.target.value })} />
      </label>
      <label className="flex flex-col gap-1 text-sm">
        Jitter (seconds)
        <input type="number" min={0} className="input input-sm w-32" value={s.jitter_s} onChange={(e) => onChange({ ...s, jitter_s: Number(e.target.value) })} />
      </label>
    </fieldset>
  );
}

function GeneralSettings({ init }: { init: Settings }) {
  const [v, setV] = useState(init);
  const [msg, setMsg] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setMsg(null);
    setErr(null);
    try {
      setV(await api.putSettings(v));
      setMsg("Saved.");
    } catch (x) {
      setErr(errText(x));
    }
  };
  return (
    <form className="space-y-3" onSubmit={(e) => void save(e)} aria-label="Schedules and concurrency">
      <label className="flex flex-col gap-1 text-sm">
        Concurrency (stacks updated at once)
        <input type="number" min={1} max={64} className="input input-sm w-32" value={v.concurrency} onChange={(e) => setV({ ...v, concurrency: Number(e.target.value) })} />
      </label>
      <div className="grid gap-3 md:grid-cols-2">
        <ScheduleFields name="check" s={v.schedules.check} onChange={(s) => setV({ ...v, schedules: { ...v.schedules, check: s } })} />
        <ScheduleFields name="update" s={v.schedules.update} onChange={(s) => setV({ ...v, schedules: { ...v.schedules, update: s } })} />
      </div>
      <div className="flex items-center gap-2">
        <button className="btn btn-sm" type="submit">
          Save
        </button>
        <span role="status">{msg}</span>
      </div>
      {err && <ErrorAlert msg={err} />}
    </form>
  );
}

function Webhooks() {
  const { data, error, loading, reload } = useLoad(api.webhooks, []);
  const [name, setName] = useState("");
  const [action, setAction] = useState("check");
  const [scope, setScope] = useState("all");
  const [target, setTarget] = useState("");
  const [auth, setAuth] = useState("hmac");
  const [created, setCreated] = useState<Webhook | null>(null);
  const [err, setErr] = useState<string | null>(null);

  const add = async (e: React.FormEvent) => {
    e.preventDefault();
    setErr(null);
    try {
      const w = await api.addWebhook({ name, action, scope, auth, ...(scope !== "all" ? { target } : {}) });
      setCreated(w);
      setName("");
      setTarget("");
      void reload();
    } catch (x) {
      setErr(errText(x));
    }
  };
  const del = async (id: number) => {
    setErr(null);
    try {
      await api.deleteWebhook(id);
      void reload();
    } catch (x) {
      setErr(errText(x));
    }
  };
  return (
    <div className="space-y-3">
      {created && (created.secret || created.url) && (
        <div role="alert" className="alert alert-warning alert-soft flex-col items-start" data-testid="webhook-secret">
          <strong>Webhook “{created.name}” created. Copy this now: it is not shown again.</strong>
          {created.secret && (
            <span className="flex flex-wrap items-center gap-1">
              Secret <code className="mono break-all">{created.secret}</code> <CopyButton text={created.secret} label="webhook secret" />
            </span>
          )}
          {created.url && (
            <span className="flex flex-wrap items-center gap-1">
              URL <code className="mono break-all">{created.url}</code> <CopyButton text={created.url} label="webhook URL" />
            </span>
          )}
          <button className="btn btn-xs" onClick={() => setCreated(null)}>
            I have copied it
          </button>
        </div>
      )}
      {loading && !data && <Loading what="webhooks" />}
      {error && <ErrorAlert msg={error} onRetry={() => void reload()} />}
      {data && data.webhooks.length === 0 && <p className="text-sm text-base-content/70">No webhook.</p>}
      {data && data.webhooks.length > 0 && (
        <div className="overflow-x-auto">
          <table className="table table-sm">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Action</th>
                <th scope="col">Scope</th>
                <th scope="col">Auth</th>
                <th scope="col">Last delivery</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.webhooks.map((w) => (
                <tr key={w.id}>
                  <td>{w.name}</td>
                  <td>{w.action}</td>
                  <td>
                    {w.scope}
                    {w.target ? ` ${w.target}` : ""}
                  </td>
                  <td>{w.auth}</td>
                  <td>{fmtTime(w.last_delivery_at)}</td>
                  <td>
                    <button className="btn btn-ghost btn-xs" aria-label={`Delete webhook ${w.name}`} onClick={() => void del(w.id)}>
                      delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form className="flex flex-wrap items-end gap-2" onSubmit={(e) => void add(e)} aria-label="New webhook">
        <label className="flex flex-col gap-1 text-sm">
          Name
          <input className="input input-sm w-40" required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="flex flex-col gap-1 text-sm">
          Action
          <select className="select select-sm w-28" value={action} onChange={(e) => setAction(e.target.value)}>
            <option value="check">check</option>
            <option value="update">update</option>
          </select>
        </label>
        <label className="flex flex-col gap-1 text-sm">
          Scope
          <select className="select select-sm w-28" value={scope} onChange={(e) => setScope(e.target.value)}>
            <option value="all">all</option>
            <option value="stack">stack</option>
            <option value="service">service</option>
          </select>
        </label>
        {scope !== "all" && (
          <label className="flex flex-col gap-1 text-sm">
            Target
            <input className="input input-sm w-40" required value={target} placeholder={scope === "stack" ? "shop" : "shop/web"} onChange={(e) => setTarget(e.target.value)} />
          </label>
        )}
        <label className="flex flex-col gap-1 text-sm">
          Authentication
          <select className="select select-sm w-44" value={auth} onChange={(e) => setAuth(e.target.value)}>
            <option value="hmac">HMAC signature</option>
            <option value="token">token in the URL</option>
          </select>
        </label>
        <button className="btn btn-sm" type="submit">
          Create webhook
        </button>
      </form>
      {err && <ErrorAlert msg={err} />}
    </div>
  );
}

export function SettingsPage() {
  const { data, error, loading, reload } = useLoad(api.settings, []);
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Settings</h1>
      <section className="rounded-box border border-base-300 p-3" aria-labelledby="gen-h">
        <h2 id="gen-h" className="mb-2 font-semibold">
          Schedules and concurrency
        </h2>
        {loading && !data && <Loading what="settings" />}
        {error && <ErrorAlert msg={error} onRetry={() => void reload()} />}
        {data && <GeneralSettings key={JSON.stringify(data)} init={data} />}
      </section>
      <section className="rounded-box border border-base-300 p-3" aria-labelledby="wh-h">
        <h2 id="wh-h" className="mb-2 font-semibold">
          Webhooks
        </h2>
        <Webhooks />
      </section>
    </div>
  );
}
