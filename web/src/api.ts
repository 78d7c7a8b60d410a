// The daemon's HTTP API (docs/api.md), typed.  Every call goes through
// request(), which turns transport failures and 502/503/504 answers into
// the "unreachable" connection state that the layout shows.
export type Kind = "major" | "minor" | "patch" | "digest" | string;

export interface Candidate {
  tag: string;
  digest: string | null;
  kind: Kind;
  same_level: boolean;
  arch_match: boolean | null;
  // os/arch[/variant] the image is built for; null when unknown
  platforms: string[] | null;
}

export interface IgnoredCandidate extends Candidate {
  rule: { id: number; kind: string; value: string } | null;
  reason: string | null;
}

export interface ServiceSettings {
  auto_rollback: boolean;
  health_deadline_s: number;
  settle_s: number;
  allow_arch_mismatch: boolean;
}

export interface Service {
  stack: string;
  name: string;
  kind: string;
  containers: string[];
  image: string;
  tag: string | null;
  current_digest: string | null;
  remote_digest: string | null;
  status: string;
  reason: string | null;
  candidates: Candidate[];
  ignored: IgnoredCandidate[];
  best: Candidate | null;
  settings?: ServiceSettings;
}

export interface Rule {
  id: number;
  stack: string;
  service: string;
  kind: string;
  value: string;
  reason: string | null;
  enabled: boolean;
  created_at: number;
  updated_at: number;
}

export interface JobTarget {
  stack: string | null;
  service: string;
  old_tag: string | null;
  new_tag: string | null;
  old_digest: string | null;
  new_digest: string | null;
  result: string | null;
}

export interface JobSummary {
  id: number;
  kind: string;
  scope: string | null;
  stack: string | null;
  target: string | null;
  state: string;
  trigger_source: string | null;
  actor: string | null;
  dry_run: boolean;
  created_at: number | null;
  started_at: number | null;
  finished_at: number | null;
  summary: string | null;
  targets: JobTarget[];
}

export interface JobStep {
  id?: number;
  name?: string;
  step?: string;
  state?: string;
  status?: string;
  ts?: number;
  started_at?: number | null;
  finished_at?: number | null;
  detail?: string | null;
  [k: string]: unknown;
}

export interface JobDetail extends JobSummary {
  steps?: JobStep[];
}

export interface ServiceDetail extends Service {
  jobs: JobSummary[];
  rules: Rule[];
}

export interface Stack {
  name: string;
  kind: string;
  counts: { services: number; updates: number };
  services: Service[];
}

export interface StacksDoc {
  host: { os: string; arch: string; variant: string | null };
  checked_at: number | null;
  counts: { stacks: number; services: number; updates: number };
  stacks: Stack[];
}

export interface PlanItem {
  stack: string;
  service: string;
  containers: string[];
  swap: string;
  image: string;
  from_tag: string | null;
  to_tag: string | null;
  from_digest: string | null;
  to_digest: string | null;
  kind: string | null;
}

export interface LogLine {
  id: number;
  ts: number;
  stream: string;
  line: string;
}

export interface Schedule {
  expr: string | null;
  tz: string;
  jitter_s: number;
  enabled: boolean;
}

export interface Settings {
  concurrency: number;
  schedules: { check: Schedule; update: Schedule };
}

export interface Webhook {
  id: number;
  name: string;
  action: string;
  scope: string;
  target: string | null;
  auth: string;
  created_at: number;
  last_delivery_at: number | null;
  secret?: string;
  url?: string;
}

export interface UpdateRequest {
  scope: "service" | "stack" | "all";
  target?: string;
  to?: string | null;
  dry_run: boolean;
  allow_arch_mismatch: boolean;
}

export class ApiError extends Error {
  status: number;
  code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

type Listener = (up: boolean) => void;
const listeners = new Set<Listener>();
let reachable = true;

function setReachable(up: boolean) {
  if (up === reachable) return;
  reachable = up;
  for (const l of listeners) l(up);
}

export function onReachability(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function isReachable(): boolean {
  return reachable;
}

/** A path segment, encoded ("shop/web" never reaches a URL unencoded). */
export function seg(s: string): string {
  return encodeURIComponent(s);
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? { Accept: "application/json" } : { Accept: "application/json", "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    setReachable(false);
    throw new ApiError(0, "unreachable", "the Dockrev daemon cannot be reached");
  }
  if (res.status === 502 || res.status === 504) {
    setReachable(false);
    throw new ApiError(res.status, "unreachable", `the Dockrev daemon cannot be reached (HTTP ${res.status} from the proxy)`);
  }
  setReachable(true);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(res.status, "bad_response", `unexpected answer (HTTP ${res.status})`);
  }
  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(res.status, e?.code ?? "error", e?.message ?? `HTTP ${res.status}`);
  }
  return data as T;
}

export const api = {
  me: () => request<{ user: string; auth_mode: string }>("GET", "/api/v1/me"),
  stacks: () => request<StacksDoc>("GET", "/api/v1/stacks"),
  stack: (s: string) => request<Stack>("GET", `/api/v1/stacks/${seg(s)}`),
  service: (s: string, n: string) => request<ServiceDetail>("GET", `/api/v1/services/${seg(s)}/${seg(n)}`),
  check: (scope: string, target?: string) => request<StacksDoc>("POST", "/api/v1/check", target ? { scope, target } : { scope }),
  update: (r: UpdateRequest) => request<{ dry_run?: boolean; plan?: PlanItem[]; jobs?: number[]; joined?: boolean }>("POST", "/api/v1/update", r),
  rules: (s: string, n: string) => request<{ rules: Rule[] }>("GET", `/api/v1/services/${seg(s)}/${seg(n)}/rules`),
  addRule: (s: string, n: string, r: { kind: string; value: string; reason: string; enabled: boolean }) =>
    request<Rule>("POST", `/api/v1/services/${seg(s)}/${seg(n)}/rules`, r),
  patchRule: (id: number, r: Partial<Pick<Rule, "kind" | "value" | "reason" | "enabled">>) => request<Rule>("PATCH", `/api/v1/rules/${id}`, r),
  deleteRule: (id: number) => request<void>("DELETE", `/api/v1/rules/${id}`),
  previewRule: (s: string, n: string, r: { kind: string; value: string }) =>
    request<{ hides: Candidate[] }>("POST", `/api/v1/services/${seg(s)}/${seg(n)}/rules/preview`, r),
  putServiceSettings: (s: string, n: string, v: Partial<ServiceSettings>) =>
    request<ServiceSettings>("PUT", `/api/v1/services/${seg(s)}/${seg(n)}/settings`, v),
  jobs: (q: Record<string, string>) => request<{ jobs: JobSummary[]; next: number | null }>("GET", `/api/v1/jobs?${new URLSearchParams(q)}`),
  job: (id: number) => request<JobDetail>("GET", `/api/v1/jobs/${id}`),
  logs: (id: number, after?: number) =>
    request<{ lines: LogLine[]; next: number | null; done: boolean }>("GET", `/api/v1/jobs/${id}/logs?${new URLSearchParams(after ? { after: String(after), limit: "500" } : { limit: "500" })}`),
  settings: () => request<Settings>("GET", "/api/v1/settings"),
  putSettings: (s: Partial<Settings>) => request<Settings>("PUT", "/api/v1/settings", s),
  webhooks: () => request<{ webhooks: Webhook[] }>("GET", "/api/v1/webhooks"),
  addWebhook: (w: { name: string; action: string; scope: string; target?: string; auth: string }) => request<Webhook>("POST", "/api/v1/webhooks", w),
  deleteWebhook: (id: number) => request<void>("DELETE", `/api/v1/webhooks/${id}`),
  healthz: () => request<{ status: string }>("GET", "/healthz"),
};

export const TERMINAL = new Set(["succeeded", "failed", "rolled_back", "rollback_failed", "cancelled", "canceled"]);
