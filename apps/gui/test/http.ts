// Raw HTTP requests for the GUI's tests: fetch() will not forge a Host or Origin header, nor
// send a path with `..` in it unnormalised; a browser behind a port forward, a DNS-rebinding
// page or a crafted client does.
import { request } from "node:http";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RawRequest {
  port: number;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export function raw(options: RawRequest): Promise<RawResponse> {
  return new Promise((resolvePromise, reject) => {
    const outgoing = request(
      {
        host: "127.0.0.1",
        port: options.port,
        path: options.path,
        method: options.method ?? "GET",
        headers: options.headers ?? {},
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolvePromise({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        response.on("error", reject);
      },
    );
    outgoing.on("error", reject);
    outgoing.end(options.body);
  });
}

/** Headers a client with the token sends, for the given Host. */
export function authorized(token: string, host: string, extra: Record<string, string> = {}) {
  return { host, authorization: `Bearer ${token}`, ...extra };
}
