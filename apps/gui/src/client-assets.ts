// The browser client, as Vite built it into dist/client/: read once when the server starts,
// then served from memory. Only the files found there are served, by exact name, so no request
// path reaches the file system; hashed assets are cached for good, index.html never.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface ClientAsset {
  body: Uint8Array;
  type: string;
  immutable: boolean;
}

export interface ClientAssets {
  /** index.html, or null when the client was not built (the server says how to build it). */
  index: string | null;
  /** By URL path ("/assets/index-abc123.js"). */
  files: Map<string, ClientAsset>;
  directory: string;
}

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".json": "application/json",
};

/** dist/client/ beside this module: src/ (tests, from source) and dist/ both find it. */
export function defaultClientDirectory(): string {
  return fileURLToPath(new URL("../dist/client/", import.meta.url));
}

export function loadClientAssets(directory = defaultClientDirectory()): ClientAssets {
  const files = new Map<string, ClientAsset>();
  let index: string | null = null;
  try {
    index = readFileSync(join(directory, "index.html"), "utf8");
  } catch {
    return { index: null, files, directory };
  }
  const walk = (relative: string) => {
    for (const entry of readdirSync(join(directory, relative), { withFileTypes: true })) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && path !== "index.html") {
        const type = TYPES[extname(entry.name)];
        if (type === undefined) continue;
        const full = join(directory, path);
        if (statSync(full).size > 16 * 1024 * 1024) continue;
        files.set(`/${path}`, {
          body: readFileSync(full),
          type,
          immutable: path.startsWith("assets/"),
        });
      }
    }
  };
  walk("");
  return { index, files, directory };
}

/** The page when the client is missing: what happened and the command that fixes it. */
export function missingClientPage(directory: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Runyard</title></head><body style="font:14px system-ui;margin:2rem"><h1>Runyard's GUI is not built</h1><p>The browser client was not found in <code>${directory.replace(/[<>&"]/g, "")}</code>.</p><p>Build it with <code>pnpm --filter @runyard/gui build</code> (or <code>pnpm build</code> at the repository's root), then start <code>runyard gui</code> again.</p></body></html>`;
}
