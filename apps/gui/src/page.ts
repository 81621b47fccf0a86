// The GUI's single page: a table of runs that refreshes itself from /api/runs. Plain DOM and
// textContent (never innerHTML with run data), so a hostile workflow name cannot inject markup.

const STYLE = `
:root { color-scheme: light dark; --ok: #1a7f37; --bad: #cf222e; --run: #0969da; --dim: #6e7781; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; padding: 0 1rem; }
h1 { font-size: 1.3rem; margin: 0 0 .2rem; }
.root { color: var(--dim); margin: 0 0 1.2rem; font-family: ui-monospace, monospace; font-size: 12px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid #8884; vertical-align: top; }
th { font-weight: 600; color: var(--dim); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
td.id { font-family: ui-monospace, monospace; font-size: 12px; }
.badge { display: inline-block; padding: 0 .5rem; border-radius: 1rem; font-size: 12px; font-weight: 600; color: #fff; background: var(--dim); }
.badge.success { background: var(--ok); } .badge.failed, .badge.crashed { background: var(--bad); }
.badge.running { background: var(--run); } .badge.cancelled { background: #9a6700; }
.empty { color: var(--dim); padding: 2rem 0; }
.problems { color: var(--bad); font-size: 12px; }
`;

const SCRIPT = `
// The token arrives in the fragment (#token=...), which is never sent to a server. Keep it in
// sessionStorage (scoped to this origin, port included) and take it out of the address bar.
const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
if (fromHash) {
  sessionStorage.setItem("runyard-token", fromHash);
  history.replaceState(null, "", location.pathname);
}
const token = sessionStorage.getItem("runyard-token");
const body = document.querySelector("#runs tbody");
const root = document.querySelector("#root");
const more = document.querySelector("#more");
const empty = document.querySelector("#empty");
const problems = document.querySelector("#problems");
function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  row.append(td);
  return td;
}
function duration(run) {
  if (!run.startedAt) return "";
  const end = run.endedAt ? Date.parse(run.endedAt) : Date.now();
  const s = Math.max(0, (end - Date.parse(run.startedAt)) / 1000);
  return s < 60 ? s.toFixed(1) + "s" : Math.floor(s / 60) + "m" + String(Math.floor(s % 60)).padStart(2, "0") + "s";
}
async function refresh() {
  try {
    if (!token) throw new Error("no access token: open the URL that runyard gui printed");
    const response = await fetch("api/runs", { cache: "no-store", headers: { authorization: "Bearer " + token } });
    if (response.status === 401) throw new Error("the access token was refused: open the URL that runyard gui printed");
    if (!response.ok) throw new Error(response.status + " " + response.statusText);
    const data = await response.json();
    root.textContent = data.runsRoot;
    body.replaceChildren();
    for (const run of data.runs) {
      const row = document.createElement("tr");
      row.dataset.runId = run.runId;
      const badge = document.createElement("span");
      badge.className = "badge " + run.state;
      // A damaged timeline is marked as ps marks it (success!), its damage in the tooltip.
      badge.textContent = run.state + (run.timeline.state === "damaged" ? "!" : "");
      if (run.timeline.damage) {
        const damage = run.timeline.damage;
        badge.title = "run_summary.jsonl is damaged " + (damage.line === null ? "near its end" : "at line " + damage.line) + ": found " + damage.found + ", expected " + damage.expected;
      }
      const stateCell = document.createElement("td");
      stateCell.append(badge);
      row.append(stateCell);
      cell(row, run.workflowName, "workflow");
      cell(row, run.runId, "id");
      cell(row, run.startedAt ? new Date(run.startedAt).toLocaleString() : "");
      cell(row, run.startedOn ?? "");
      cell(row, run.steps.done + "/" + run.steps.total + (run.steps.failed ? " (" + run.steps.failed + " failed)" : ""));
      cell(row, duration(run));
      body.append(row);
    }
    empty.hidden = data.runs.length > 0;
    const shown = data.runs.length + data.problems.length;
    more.textContent = data.total > shown ? "showing the newest " + shown + " of " + data.total + " runs; runyard ps -n 0 lists them all" : "";
    problems.textContent = data.problems.length ? data.problems.length + " unreadable run director" + (data.problems.length === 1 ? "y" : "ies") + ": " + data.problems.map((p) => p.directory + " — " + p.message).join("; ") : "";
    document.body.dataset.loaded = "true";
  } catch (error) {
    problems.textContent = "cannot load runs: " + error.message;
    document.body.dataset.error = "true";
  }
}
refresh();
setInterval(refresh, 2000);
`;

/** The page's HTML: a static shell with no run data; its script fetches everything. */
export function renderPage(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Runyard</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Runyard runs</h1>
<p class="root" id="root"></p>
<table id="runs">
<thead><tr><th>State</th><th>Workflow</th><th>Run</th><th>Started</th><th>Host</th><th>Steps</th><th>Duration</th></tr></thead>
<tbody></tbody>
</table>
<p id="empty" class="empty" hidden>No runs yet. Start one with <code>runyard run examples/hello.yaml</code>.</p>
<p id="more" class="root"></p>
<p id="problems" class="problems"></p>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>
`;
}
