// The shell: navigation, who is signed in, the theme toggle, a banner when
// the daemon is unreachable, and the page the hash names.
import { useEffect, useRef, useState } from "react";
import { api, onReachability, isReachable } from "./api";
import { JobPage, JobsPage } from "./Jobs";
import { Overview, StackPage } from "./Overview";
import { useRoute } from "./router";
import { ServicePage } from "./ServicePage";
import { SettingsPage } from "./Settings";
import { useTheme } from "./theme";
import { UpdateDialog, type UpdateTarget } from "./UpdateDialog";

function useReachable(): boolean {
  const [up, setUp] = useState(isReachable());
  useEffect(() => onReachability(setUp), []);
  useEffect(() => {
    if (up) return;
    // Probe until the daemon answers again; pages then refresh on their own.
    const t = window.setInterval(() => void api.healthz().catch(() => undefined), 5000);
    return () => window.clearInterval(t);
  }, [up]);
  return up;
}

export function App() {
  const route = useRoute();
  const [theme, toggleTheme] = useTheme();
  const up = useReachable();
  const [me, setMe] = useState<{ user: string; auth_mode: string } | null>(null);
  const [meErr, setMeErr] = useState<string | null>(null);
  const [upd, setUpd] = useState<UpdateTarget | null>(null);

  useEffect(() => {
    api
      .me()
      .then((m) => {
        setMe(m);
        setMeErr(null);
      })
      .catch((e) => setMeErr(e.status === 401 ? "not signed in" : null));
  }, [up]);

  const firstRoute = useRef(true);
  useEffect(() => {
    const titles: Record<string, string> = { overview: "Overview", stack: "Stack", service: "Service", jobs: "Jobs", job: "Job", settings: "Settings", notfound: "Not found" };
    document.title = `${titles[route.page]} · Dockrev`;
    // After a navigation (not on load), focus the new page for screen readers.
    if (firstRoute.current) firstRoute.current = false;
    else document.getElementById("main")?.focus({ preventScroll: true });
  }, [route]);

  const nav = (h: string, label: string, active: boolean) => (
    <li>
      <a href={h} className={active ? "menu-active" : ""} aria-current={active ? "page" : undefined}>
        {label}
      </a>
    </li>
  );

  let page;
  switch (route.page) {
    case "overview":
      page = <Overview onUpdate={setUpd} />;
      break;
    case "stack":
      page = <StackPage stack={route.stack} onUpdate={setUpd} />;
      break;
    case "service":
      page = <ServicePage key={`${route.stack}/${route.service}`} stack={route.stack} service={route.service} onUpdate={setUpd} />;
      break;
    case "jobs":
      page = <JobsPage />;
      break;
    case "job":
      page = <JobPage key={route.id} id={route.id} />;
      break;
    case "settings":
      page = <SettingsPage />;
      break;
    default:
      page = (
        <div>
          <h1 className="text-xl font-semibold">Not found</h1>
          <p>
            Nothing at <code>{route.path}</code>. <a className="link" href="#/">Back to the overview</a>.
          </p>
        </div>
      );
  }

  return (
    <div className="min-h-screen bg-base-200/40">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:p-2" onClick={(e) => { e.preventDefault(); document.getElementById("main")?.focus(); }}>
        Skip to content
      </a>
      <header className="navbar flex-wrap gap-2 border-b border-base-300 bg-base-100 px-3">
        <a href="#/" className="text-lg font-bold">
          Dockrev
        </a>
        <nav aria-label="Main">
          <ul className="menu menu-horizontal menu-sm gap-1 p-0">
            {nav("#/", "Overview", route.page === "overview" || route.page === "stack" || route.page === "service")}
            {nav("#/jobs", "Jobs", route.page === "jobs" || route.page === "job")}
            {nav("#/settings", "Settings", route.page === "settings")}
          </ul>
        </nav>
        <span className="flex-1" />
        <span className="text-sm" data-testid="me">
          {me ? (
            <>
              <span className="sr-only">Signed in as </span>
              <span title={`auth mode: ${me.auth_mode}`}>{me.user}</span>
            </>
          ) : (
            meErr
          )}
        </span>
        <button className="btn btn-ghost btn-sm" onClick={toggleTheme} aria-label={`Switch to the ${theme === "dark" ? "light" : "dark"} theme`} data-testid="theme-toggle">
          {theme === "dark" ? "☀ Light" : "☾ Dark"}
        </button>
      </header>
      {!up && (
        <div role="alert" className="alert alert-error rounded-none" data-testid="unreachable">
          <span>The Dockrev daemon cannot be reached. What is shown may be out of date; retrying every 5 s.</span>
        </div>
      )}
      <main id="main" tabIndex={-1} className="mx-auto max-w-6xl p-3 outline-none sm:p-4">
        {page}
      </main>
      {upd && <UpdateDialog t={upd} onClose={() => setUpd(null)} />}
    </div>
  );
}
