// The read side of the API on real runs: one run, a step's capture by byte range and tail,
// artifacts (and every way out of artifacts/ refused), disk usage, the retention plan.
import { execFileSync } from "node:child_process";
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runWorkflow } from "@runyard/executor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GuiServer, RunDetailSchema, startGuiServer } from "../src/index.js";
import { authorized, raw } from "./http.js";

let scratch: string;
let runsRoot: string;
let gui: GuiServer;
let big: { runId: string; runDirectory: string };
let failed: { runId: string; runDirectory: string };
const BIG = 3 * 1024 * 1024 + 17;

function api(path: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${gui.port}${path}`, {
    headers: { authorization: `Bearer ${gui.token}` },
  });
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "runyard-gui-read-"));
  runsRoot = join(scratch, "runs");
  const marker = join(scratch, "tried");
  const workflow = join(scratch, "big.yaml");
  writeFileSync(
    workflow,
    [
      "name: big",
      "steps:",
      "  flaky:",
      `    run: 'if [ -e ${marker} ]; then echo second; else touch ${marker}; echo first; echo oops >&2; exit 1; fi'`,
      "    retries: 1",
      "  loud:",
      `    run: "head -c ${BIG} /dev/zero | tr '\\\\0' x; printf END; echo to-stderr >&2"`,
      "",
    ].join("\n"),
  );
  big = await runWorkflow({ workflowFile: workflow, runsRoot });
  const bad = join(scratch, "bad.yaml");
  writeFileSync(bad, "name: bad\nsteps:\n  boom: { run: 'exit 3' }\n");
  failed = await runWorkflow({ workflowFile: bad, runsRoot });
  // Artifacts as the executor publishes them (regular files under artifacts/), and what a
  // step could put there instead: links out, a pipe, a second name of a file outside.
  const artifacts = join(big.runDirectory, "artifacts");
  mkdirSync(artifacts, { recursive: true });
  writeFileSync(join(artifacts, "report.txt"), "the report\n");
  writeFileSync(join(artifacts, "naïve name.csv"), "a,b\n");
  writeFileSync(join(scratch, "secret.txt"), "TOP-SECRET\n");
  symlinkSync(join(scratch, "secret.txt"), join(artifacts, "link.txt"));
  symlinkSync(scratch, join(artifacts, "outside"));
  execFileSync("mkfifo", [join(artifacts, "pipe")]);
  linkSync(join(scratch, "secret.txt"), join(artifacts, "hard.txt"));
  gui = await startGuiServer({ runsRoot });
}, 60_000);

afterAll(async () => {
  await gui?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe("GET /api/runs/:id", () => {
  it("tells one run: meta, status, how it ended, its captures and artifacts", async () => {
    const response = await api(`/api/runs/${big.runId}`);
    expect(response.status).toBe(200);
    const detail = RunDetailSchema.parse(await response.json());
    expect(detail.run).toMatchObject({ runId: big.runId, state: "success", otherHost: false });
    expect(detail.meta.workflowName).toBe("big");
    expect(detail.status?.steps.map((step) => [step.nodeId, step.status])).toEqual([
      ["flaky", "completed"],
      ["loud", "completed"],
    ]);
    expect(detail.summaryEnd?.finalStatus).toBe("success");
    const flaky = detail.captures.filter((capture) => capture.stepId === "flaky");
    expect(flaky.map((capture) => capture.stream)).toEqual(["out", "err", "out", "err"]);
    expect(detail.captures.find((c) => c.stepId === "loud" && c.stream === "out")?.size).toBe(
      BIG + 3,
    );
    // Links, pipes and second names are not offered.
    expect(detail.artifacts).toEqual([
      { name: "naïve name.csv", size: 4 },
      { name: "report.txt", size: 11 },
    ]);
  });

  it("finds a run by a unique suffix or `latest`, and answers 404 or 400 otherwise", async () => {
    const bySuffix = await api(`/api/runs/${big.runId.slice(-8)}`);
    expect(((await bySuffix.json()) as { run: { runId: string } }).run.runId).toBe(big.runId);
    const missing = await api("/api/runs/0000000000000000");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: "E_RUN_NOT_FOUND" } });
    const invalid = await api("/api/runs/zzzz");
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ error: { code: "E_RUN_REFERENCE_INVALID" } });
  });
});

describe("GET /api/runs/:id/steps/:step/captures", () => {
  const captures = (query: string, step = "loud") =>
    api(`/api/runs/${big.runId}/steps/${step}/captures${query}`);

  it("returns a byte range, with where it lies in the file in headers", async () => {
    const response = await captures("?offset=10&length=5");
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("xxxxx");
    expect(response.headers.get("x-runyard-capture-offset")).toBe("10");
    expect(response.headers.get("x-runyard-capture-size")).toBe(String(BIG + 3));
    expect(response.headers.get("x-runyard-capture-name")).toMatch(/^\d{6}-loud\.out$/);
  });

  it("returns the tail, and never more than 1 MiB unless asked (at most 4 MiB)", async () => {
    const tail = await captures("?tail=6");
    expect(await tail.text()).toBe("xxxEND");
    expect(tail.headers.get("x-runyard-capture-offset")).toBe(String(BIG + 3 - 6));
    const first = await captures("");
    expect((await first.arrayBuffer()).byteLength).toBe(1024 * 1024);
    const most = await captures(`?offset=0&length=${4 * 1024 * 1024}`);
    expect((await most.arrayBuffer()).byteLength).toBe(BIG + 3);
    const past = await captures(`?offset=${BIG + 100}`);
    expect((await past.arrayBuffer()).byteLength).toBe(0);
    expect(past.headers.get("x-runyard-capture-offset")).toBe(String(BIG + 3));
  });

  it("refuses a range too long, bad numbers, tail with offset, unknown parameters", async () => {
    for (const query of [
      `?length=${4 * 1024 * 1024 + 1}`,
      "?offset=-1",
      "?offset=1e3",
      "?tail=5&offset=1",
      "?stream=both",
      "?attempt=0",
      "?whatever=1",
    ]) {
      const response = await captures(query);
      expect(response.status, query).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: "E_BAD_REQUEST" } });
    }
  });

  it("reads stderr, and each attempt of a retried step", async () => {
    expect(await (await captures("?stream=err")).text()).toBe("to-stderr\n");
    const latest = await captures("", "flaky");
    expect(await latest.text()).toBe("second\n");
    expect(latest.headers.get("x-runyard-capture-attempt")).toBe("2");
    expect(latest.headers.get("x-runyard-capture-attempts")).toBe("2");
    expect(await (await captures("?attempt=1", "flaky")).text()).toBe("first\n");
    expect(await (await captures("?attempt=1&stream=err", "flaky")).text()).toBe("oops\n");
    const none = await captures("?attempt=3", "flaky");
    expect(none.status).toBe(404);
    expect((await captures("", "nosuchstep")).status).toBe(404);
  });

  it("never reads a capture that is a link or a named pipe", async () => {
    const file = join(failed.runDirectory, "000009-ghost.out");
    symlinkSync(join(scratch, "secret.txt"), file);
    execFileSync("mkfifo", [join(failed.runDirectory, "000010-ghost.err")]);
    const linked = await api(`/api/runs/${failed.runId}/steps/ghost/captures`);
    expect(linked.status).toBe(404);
    const piped = await api(`/api/runs/${failed.runId}/steps/ghost/captures?stream=err`);
    expect(piped.status).toBe(404);
    const detail = (await (await api(`/api/runs/${failed.runId}`)).json()) as {
      refusedCaptures: { name: string }[];
    };
    expect(detail.refusedCaptures.map((refused) => refused.name).sort()).toEqual([
      "000009-ghost.out",
      "000010-ghost.err",
    ]);
  });
});

describe("GET /api/runs/:id/artifacts/:name", () => {
  const artifact = (name: string) =>
    raw({
      port: gui.port,
      path: `/api/runs/${big.runId}/artifacts/${name}`,
      headers: authorized(gui.token, `localhost:${gui.port}`),
    });

  it("downloads an artifact, as an attachment", async () => {
    const response = await api(`/api/runs/${big.runId}/artifacts/report.txt`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("the report\n");
    expect(response.headers.get("content-disposition")).toBe(
      "attachment; filename*=UTF-8''report.txt",
    );
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    const encoded = await api(
      `/api/runs/${big.runId}/artifacts/${encodeURIComponent("naïve name.csv")}`,
    );
    expect(await encoded.text()).toBe("a,b\n");
  });

  // A URL parser resolves `..` and `%2e%2e` segments before routing: those requests name
  // another path (404), never a file.
  it.each([
    ["..", 404],
    ["../meta.json", 404],
    ["%2e%2e", 404],
    ["%2e%2e%2fmeta.json", 400],
    ["%2E%2E%2F%2E%2E%2Fsecret.txt", 400],
    ["x%2f..%2f..%2fsecret.txt", 400],
    ["..%2fmeta.json", 400],
    ["%2fetc%2fpasswd", 400],
    ["/etc/passwd", 400],
    ["outside/secret.txt", 400],
    [".hidden", 400],
    ["%00", 400],
    ["%zz", 400],
    ["link.txt", 403],
    ["outside", 403],
    ["pipe", 403],
    ["hard.txt", 403],
    ["missing.txt", 404],
  ])("refuses %s with %i, never reading outside artifacts/", async (name, status) => {
    const response = await artifact(name);
    expect(response.status).toBe(status);
    expect(response.body).not.toContain("TOP-SECRET");
    expect(response.body).not.toContain("root:");
    expect(JSON.parse(response.body)).toHaveProperty("error.code");
  });
});

describe("artifacts/ itself a link", () => {
  it("lists nothing and serves nothing from where it points", async () => {
    rmSync(join(failed.runDirectory, "artifacts"), { recursive: true, force: true });
    symlinkSync(scratch, join(failed.runDirectory, "artifacts"));
    const detail = (await (await api(`/api/runs/${failed.runId}`)).json()) as {
      artifacts: unknown[];
    };
    expect(detail.artifacts).toEqual([]);
    const response = await api(`/api/runs/${failed.runId}/artifacts/secret.txt`);
    expect(response.status).toBe(403);
    expect(await response.text()).not.toContain("TOP-SECRET");
  });
});

describe("storage", () => {
  it("GET /api/usage: each run's disk space and the total", async () => {
    const response = await api("/api/usage");
    expect(response.status).toBe(200);
    const usage = (await response.json()) as {
      totalBytes: number;
      runs: { runId: string; bytes: number; state: string }[];
    };
    const bigRun = usage.runs.find((run) => run.runId === big.runId);
    expect(bigRun?.bytes).toBeGreaterThan(BIG);
    expect(bigRun?.state).toBe("success");
    expect(usage.totalBytes).toBeGreaterThanOrEqual(usage.runs.reduce((t, r) => t + r.bytes, 0));
  });

  it("GET /api/retention: the default policy removes the success run, keeps the failed one", async () => {
    const response = await fetch(`http://127.0.0.1:${gui.port}/api/retention`, {
      headers: { authorization: `Bearer ${gui.token}` },
    });
    expect(response.status).toBe(200);
    const plan = (await response.json()) as {
      configFile: string | null;
      remove: { runId: string; reason: string }[];
      keep: { runId: string }[];
      totals: { freedBytes: number };
    };
    expect(plan.remove.map((decision) => decision.runId)).toEqual([big.runId]);
    expect(plan.keep.map((decision) => decision.runId)).toEqual([failed.runId]);
    expect(plan.totals.freedBytes).toBeGreaterThan(BIG);
  });
});
