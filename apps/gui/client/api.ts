// The client's side of the HTTP API (docs/gui.md): the token, typed JSON calls and the errors
// they can end in. Types come from the server's zod schemas (type-only imports: no zod in the
// bundle), so a change of shape fails the typecheck here.
import type { ApiErrorBody } from "../src/api-schemas.js";

const TOKEN_KEY = "runyard-token";

/**
 * The token arrives in the URL's fragment (#token=…), which is never sent to a server. It is
 * kept in sessionStorage (this origin and port only, gone with the tab) and taken out of the
 * address bar, so a screenshot or a shared URL does not carry it.
 */
export function takeToken(): string | null {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromHash) {
    sessionStorage.setItem(TOKEN_KEY, fromHash);
    history.replaceState(null, "", location.pathname);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

let token: string | null = null;
export function setToken(value: string | null): void {
  token = value;
}

/** A refused or failed request, with the server's code and advice when it gave them. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export function authHeaders(extra?: Record<string, string>): Record<string, string> {
  return { ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra };
}

async function failure(response: Response): Promise<ApiFailure> {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text) as ApiErrorBody;
    return new ApiFailure(response.status, body.error.code, body.error.message, body.error.hint);
  } catch {
    return new ApiFailure(
      response.status,
      "E_HTTP",
      `${response.status} ${response.statusText}`.trim(),
    );
  }
}

/** A request that answers JSON; throws ApiFailure for a refusal, TypeError when offline. */
export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const response = await fetch(`api/${path}`, {
    method: init.method ?? "GET",
    cache: "no-store",
    headers: authHeaders(init.body === undefined ? {} : { "content-type": "application/json" }),
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    ...(init.signal ? { signal: init.signal } : {}),
  });
  if (!response.ok) throw await failure(response);
  return (await response.json()) as T;
}

/** A request whose body is raw bytes (captures, artifacts). */
export async function apiBytes(
  path: string,
  signal?: AbortSignal,
): Promise<{ bytes: Uint8Array; headers: Headers }> {
  const response = await fetch(`api/${path}`, {
    cache: "no-store",
    headers: authHeaders(),
    ...(signal ? { signal } : {}),
  });
  if (!response.ok) throw await failure(response);
  return { bytes: new Uint8Array(await response.arrayBuffer()), headers: response.headers };
}

/** What to tell the user about an error: the message, then the server's advice. */
export function describeError(error: unknown): string {
  if (error instanceof ApiFailure)
    return error.hint ? `${error.message} (${error.hint})` : error.message;
  if (error instanceof TypeError)
    return "the GUI server does not answer: is runyard gui still running?";
  return error instanceof Error ? error.message : String(error);
}

export function runPath(runId: string, rest = ""): string {
  return `runs/${encodeURIComponent(runId)}${rest}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, ms / 1000);
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}
