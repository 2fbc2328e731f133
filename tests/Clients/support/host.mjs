// Starts the gateway test host (tests/Clients/Host: the real gateway with the deterministic test
// generators) on a free loopback port and stops it after the tests.
import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const here = fileURLToPath(new URL("..", import.meta.url));

/** The built host: $MEDIA_CLIENTS_HOST, else the newest of the Release and Debug builds. */
function hostDll() {
  if (process.env.MEDIA_CLIENTS_HOST) return process.env.MEDIA_CLIENTS_HOST;
  const builds = ["Release", "Debug"]
    .map((c) => join(here, "Host", "bin", c, "net10.0", "Media.Clients.Host.dll"))
    .filter(existsSync)
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!builds.length) throw new Error("tests/Clients/Host is not built: run `dotnet build tests/Clients/Host` (test.sh builds it with Media.sln)");
  return builds[0];
}

/** The host with the test generators, or with `{ defaults: true }` the committed default models. */
export async function startHost({ defaults = false } = {}) {
  const child = spawn("dotnet", [hostDll(), ...(defaults ? ["--defaults"] : [])], { stdio: ["pipe", "pipe", "pipe"] });
  let log = "";
  const baseUrl = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the test host did not start within 60 s:\n${log}`)), 60_000);
    const read = (chunk) => {
      log += chunk;
      const match = /listening on (http:\/\/\S+?)\/?\s*$/m.exec(log);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    child.on("exit", (code) => reject(new Error(`the test host exited with ${code}:\n${log}`)));
  });
  const apiKey = /^api key (\S+)$/m.exec(log)?.[1];
  return {
    baseUrl,
    /** A real API key of the host (scope jobs), for the SDK tests. */
    apiKey,
    log: () => log,
    async stop() {
      child.stdin.end(); // the host stops when its standard input closes
      await new Promise((resolve) => {
        const kill = setTimeout(() => child.kill("SIGKILL"), 10_000);
        child.on("exit", () => { clearTimeout(kill); resolve(); });
        if (child.exitCode !== null) resolve();
      });
    },
  };
}
