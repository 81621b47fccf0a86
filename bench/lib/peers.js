// The peers from Debian (GNU parallel, make, Snakemake): found on PATH, else installed with
// apt-get when we are root and allowed to, else skipped with the reason said.
import { spawnSync } from "node:child_process";

const PACKAGES = { parallel: "parallel", make: "make", snakemake: "snakemake" };

function found(command) {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

function version(command) {
  const result = spawnSync(command, ["--version"], { encoding: "utf8", timeout: 30_000 });
  return (result.stdout || result.stderr || "").split("\n")[0].trim();
}

function aptInstall(packages, log) {
  log(`installing ${packages.join(", ")} with apt-get…`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = () =>
    spawnSync("apt-get", ["install", "-y", "--no-install-recommends", ...packages], {
      env,
      stdio: ["ignore", "ignore", "pipe"],
      encoding: "utf8",
    });
  let result = install();
  if (result.status !== 0) {
    // Package lists may be missing or stale in a fresh container.
    spawnSync("apt-get", ["update"], { env, stdio: "ignore" });
    result = install();
  }
  return result.status === 0
    ? null
    : `apt-get install failed: ${result.stderr.trim().split("\n").pop()}`;
}

/**
 * For each wanted peer: { available, version } or { available: false, reason }.
 * `install` false never installs (the --no-install flag).
 */
export function ensurePeers(wanted, { install, log }) {
  const missing = wanted.filter((name) => !found(name));
  let failure = null;
  if (missing.length > 0) {
    if (!install) failure = "not installed (and --no-install given)";
    else if (process.getuid?.() !== 0) failure = "not installed, and not root to apt-get it";
    else if (!found("apt-get")) failure = "not installed, and no apt-get here";
    else
      failure = aptInstall(
        missing.map((name) => PACKAGES[name]),
        log,
      );
  }
  return Object.fromEntries(
    wanted.map((name) => {
      if (found(name)) return [name, { available: true, version: version(name) }];
      return [name, { available: false, reason: failure ?? "not found after install" }];
    }),
  );
}
