// Enforces the package layering of STYLE.md: imports point down only
// (schema ← protocol ← {store, ipc} ← executor ← gui ← cli), no package reaches into
// another's internals, every workspace import is a declared dependency, and there are no
// import cycles between packages or between the files of one package.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/** Layer of each workspace package; a package may import only strictly lower layers. */
export const LAYERS = {
  "@runyard/schema": 0,
  "@runyard/protocol": 1,
  "@runyard/store": 2,
  "@runyard/ipc": 2,
  "@runyard/executor": 3,
  "@runyard/gui": 4,
  runyard: 5,
};

const SPECIFIER =
  /(?:^|[\s;])(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']/gm;

/** @param {string} source */
export function importSpecifiers(source) {
  const out = [];
  for (const match of source.matchAll(SPECIFIER)) {
    const spec = match[1] ?? match[2] ?? match[3];
    if (spec) out.push(spec);
  }
  return out;
}

/** @param {string} directory */
function sourceFiles(directory) {
  if (!existsSync(directory)) return [];
  const files = [];
  for (const entry of readdirSync(directory).sort()) {
    if (entry === "node_modules" || entry === "dist") continue;
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (/\.(ts|tsx|js|mjs)$/.test(entry) && !entry.endsWith(".d.ts")) files.push(path);
  }
  return files;
}

/** @param {string} root */
function workspacePackages(root) {
  const packages = [];
  for (const group of ["packages", "apps"]) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base).sort()) {
      const manifestPath = join(base, entry, "package.json");
      if (!existsSync(manifestPath)) continue;
      const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
      packages.push({ name: manifest.name, directory: join(base, entry), manifest });
    }
  }
  return packages;
}

/**
 * Finds one cycle in a directed graph, or undefined.
 * @param {Map<string, Set<string>>} graph
 */
export function findCycle(graph) {
  const state = new Map();
  const stack = [];
  /** @param {string} node @returns {string[] | undefined} */
  const visit = (node) => {
    state.set(node, "active");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "active") return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
    }
    stack.pop();
    state.set(node, "done");
    return undefined;
  };
  for (const node of graph.keys()) {
    if (!state.has(node)) {
      const cycle = visit(node);
      if (cycle) return cycle;
    }
  }
  return undefined;
}

/** @param {string} file @param {string} spec */
function resolveRelative(file, spec) {
  const base = resolve(dirname(file), spec);
  const candidates = [base, base.replace(/\.js$/, ".ts"), `${base}.ts`, join(base, "index.ts")];
  return candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
}

/**
 * Checks the workspace at `root`; returns human-readable violations (empty when clean).
 * @param {string} root
 */
export function checkLayers(root) {
  const violations = [];
  const packages = workspacePackages(root);
  const packageGraph = new Map();
  for (const pkg of packages) {
    const layer = LAYERS[pkg.name];
    if (layer === undefined) {
      violations.push(`${pkg.name}: not in the layer table of tooling/lint/layers.js`);
      continue;
    }
    const declared = new Set([
      ...Object.keys(pkg.manifest.dependencies ?? {}),
      ...Object.keys(pkg.manifest.devDependencies ?? {}),
      ...Object.keys(pkg.manifest.peerDependencies ?? {}),
    ]);
    const edges = new Set();
    packageGraph.set(pkg.name, edges);
    const fileGraph = new Map();
    for (const file of sourceFiles(join(pkg.directory, "src"))) {
      const where = relative(root, file);
      const fileEdges = new Set();
      fileGraph.set(file, fileEdges);
      for (const spec of importSpecifiers(readFileSync(file, "utf8"))) {
        if (spec.startsWith(".")) {
          const target = resolveRelative(file, spec);
          if (target && !target.startsWith(`${pkg.directory}/`)) {
            violations.push(`${where}: relative import "${spec}" leaves ${pkg.name}`);
          } else if (target) fileEdges.add(target);
          continue;
        }
        const match = /^(@runyard\/[^/]+|runyard)(\/.*)?$/.exec(spec);
        if (!match?.[1]) continue;
        const target = match[1];
        const subpath = match[2] ?? "";
        if (target === pkg.name) {
          violations.push(`${where}: imports its own package "${spec}"; use a relative import`);
          continue;
        }
        if (/^\/(src|dist)(\/|$)/.test(subpath)) {
          violations.push(`${where}: deep import "${spec}" into ${target}'s internals`);
        }
        const targetLayer = LAYERS[target];
        if (targetLayer === undefined) continue;
        edges.add(target);
        if (targetLayer >= layer) {
          violations.push(
            `${where}: ${pkg.name} (layer ${layer}) imports ${target} (layer ${targetLayer}); imports must point down`,
          );
        }
        if (!declared.has(target)) {
          violations.push(`${where}: imports ${target} but ${pkg.name} does not declare it`);
        }
      }
    }
    const fileCycle = findCycle(fileGraph);
    if (fileCycle) {
      violations.push(
        `${pkg.name}: import cycle ${fileCycle.map((file) => relative(root, file)).join(" → ")}`,
      );
    }
  }
  const cycle = findCycle(packageGraph);
  if (cycle) violations.push(`package import cycle: ${cycle.join(" → ")}`);
  return violations;
}
