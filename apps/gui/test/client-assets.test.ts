// The server serves the built browser client: from memory, by exact name, under a CSP that
// allows only its own files; and says how to build it when it is missing.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defaultClientDirectory, loadClientAssets } from "../src/client-assets.js";
import { startGuiServer } from "../src/index.js";
import { raw } from "./http.js";

const scratch = mkdtempSync(join(tmpdir(), "runyard-gui-assets-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the browser client's files", () => {
  it("serves the built page under a CSP of its own files only, and its hashed assets for good", async () => {
    const client = loadClientAssets(defaultClientDirectory());
    expect(client.index, "build the client first: pnpm --filter @runyard/gui build").not.toBeNull();
    const gui = await startGuiServer({ runsRoot: join(scratch, "runs") });
    try {
      const page = await raw({
        port: gui.port,
        path: "/",
        headers: { host: `127.0.0.1:${gui.port}` },
      });
      expect(page.status).toBe(200);
      const csp = String(page.headers["content-security-policy"]);
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain("unsafe");
      expect(page.headers["cache-control"]).toBe("no-store");
      // Nothing from the network: every script and stylesheet is one of this server's files.
      const references = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map(
        (match) => match[1] ?? "",
      );
      expect(references.length).toBeGreaterThanOrEqual(2);
      for (const reference of references) {
        if (reference === "data:,") continue;
        expect(reference).toMatch(/^\.\/assets\/[\w.-]+\.(js|css)$/);
        const asset = await raw({
          port: gui.port,
          path: reference.slice(1),
          headers: { host: `localhost:${gui.port}` },
        });
        expect(asset.status).toBe(200);
        expect(asset.headers["cache-control"]).toContain("immutable");
        expect(asset.body).not.toMatch(
          /https?:\/\/(?!www\.w3\.org|react\.dev|reactjs\.org)[a-z0-9.-]+\.[a-z]{2,}\/[^"'\s]*\.(js|css|woff2?)/,
        );
      }
    } finally {
      await gui.close();
    }
  });

  it("serves only files it found at start, never a path on disk", async () => {
    const directory = join(scratch, "client");
    mkdirSync(join(directory, "assets"), { recursive: true });
    writeFileSync(join(directory, "index.html"), "<!doctype html><title>t</title>");
    writeFileSync(join(directory, "assets", "app-1.js"), "console.log(1)");
    writeFileSync(join(directory, "secret.txt"), "not served: not a web file type");
    const gui = await startGuiServer({
      runsRoot: join(scratch, "runs"),
      clientDirectory: directory,
    });
    try {
      const get = (path: string) =>
        raw({ port: gui.port, path, headers: { host: `127.0.0.1:${gui.port}` } });
      expect((await get("/assets/app-1.js")).body).toBe("console.log(1)");
      // Written after start: not served until the server starts again.
      writeFileSync(join(directory, "assets", "late.js"), "late");
      for (const path of [
        "/assets/late.js",
        "/secret.txt",
        "/assets/../index.html",
        "/assets/%2e%2e/secret.txt",
        "/etc/passwd",
      ]) {
        const response = await get(path);
        expect(response.status, path).toBe(404);
        expect(response.body).not.toContain("not served");
      }
    } finally {
      await gui.close();
    }
  });

  it("says how to build the client when it is missing", async () => {
    const gui = await startGuiServer({
      runsRoot: join(scratch, "runs"),
      clientDirectory: join(scratch, "none"),
    });
    try {
      const page = await raw({
        port: gui.port,
        path: "/",
        headers: { host: `127.0.0.1:${gui.port}` },
      });
      expect(page.status).toBe(200);
      expect(page.body).toContain("not built");
      expect(page.body).toContain("pnpm --filter @runyard/gui build");
    } finally {
      await gui.close();
    }
  });
});
