// The ssh transport's own failures, with stand-ins for ssh; the bridge itself is tested end to
// end with the real CLI in apps/cli/test/bridge.test.ts.
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { temporaryDirectory } from "../test/fixtures.js";
import { createIpcClient } from "./client.js";
import { IpcConnectError } from "./errors.js";
import { sshTransport } from "./ssh-transport.js";

/** An executable shell script standing in for ssh. */
function fakeSsh(body: string): string {
  const path = join(temporaryDirectory(), "ssh");
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe("sshTransport", () => {
  it("passes the host and one quoted remote command line to ssh", async () => {
    const ssh = fakeSsh('printf "%s\\n" "$@" >&2; exit 3');
    const transport = sshTransport("login02", "/runs/it's here", {
      sshCommand: `${ssh} -o BatchMode=yes`,
      remoteCli: "node /opt/runyard/bin.js",
    });
    await expect(createIpcClient(transport)).rejects.toMatchObject({
      code: "E_IPC_CONNECT",
      message:
        "runyard bridge on login02 exited with status 3: node /opt/runyard/bin.js bridge '/runs/it'\\''s here'",
    });
  });

  it("reads the ssh command and the remote CLI from the environment", async () => {
    const ssh = fakeSsh('echo "$2" >&2; exit 3');
    const transport = sshTransport("login02", "/runs/r", {
      env: { RUNYARD_SSH: ` ${ssh}  `, RUNYARD_REMOTE_CLI: "/opt/bin/runyard" },
    });
    await expect(createIpcClient(transport)).rejects.toMatchObject({
      message: expect.stringMatching(/: \/opt\/bin\/runyard bridge \/runs\/r$/),
    });
  });

  it("says when ssh itself failed", async () => {
    const ssh = fakeSsh(
      'echo "ssh: Could not resolve hostname $1: Name or service not known" >&2; exit 255',
    );
    const failure = createIpcClient(sshTransport("nohost", "/runs/r", { sshCommand: ssh }));
    await expect(failure).rejects.toBeInstanceOf(IpcConnectError);
    await expect(failure).rejects.toMatchObject({
      code: "E_IPC_CONNECT",
      message:
        "ssh to nohost failed: ssh: Could not resolve hostname nohost: Name or service not known",
      hint: expect.stringContaining("RUNYARD_SSH"),
    });
  });

  it("says when there is no ssh command to run", async () => {
    const missing = join(temporaryDirectory(), "no-ssh-here");
    await expect(
      createIpcClient(sshTransport("login02", "/runs/r", { sshCommand: missing })),
    ).rejects.toMatchObject({
      code: "E_IPC_CONNECT",
      message: expect.stringMatching(new RegExp(`^cannot run ${missing}: .*ENOENT`)),
    });
  });

  it("refuses a host that ssh would read as an option", () => {
    expect(() => sshTransport("-oProxyCommand=touch /tmp/x", "/runs/r")).toThrow(
      expect.objectContaining({ code: "E_SSH_HOST" }),
    );
  });
});
