import { createApp } from "../app.ts";
import { acquireServerLock } from "../db/server-lock.ts";
import { openRuntime } from "../runtime.ts";
import type { CliEnv } from "./cli-env.ts";

/** Runs the server until SIGTERM/SIGINT, then stops accepting, finishes in-flight requests and closes the database. */
export async function serve(env: CliEnv): Promise<number> {
  const { config, log } = env;
  const runtime = openRuntime(config, log);
  let lock;
  try {
    lock = acquireServerLock(config.dbPath);
  } catch (e) {
    runtime.close();
    throw e;
  }
  const app = await createApp(runtime);
  const server = Bun.serve({
    port: config.port,
    hostname: config.host,
    maxRequestBodySize: 8 * 1024 * 1024,
    idleTimeout: 30,
    fetch: (request, srv) => app.handle(request, srv.requestIP(request)?.address ?? null),
  });
  log.info(`Latchkey is listening on ${config.host}:${server.port}; open ${config.appUrl}`);

  return await new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info(`received ${signal}: finishing in-flight requests`);
      await server.stop(false);
      runtime.close();
      lock.release();
      log.info("stopped");
      resolve(0);
    };
    process.on("SIGTERM", () => void stop("SIGTERM"));
    process.on("SIGINT", () => void stop("SIGINT"));
  });
}
