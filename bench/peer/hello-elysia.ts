/**
 * The framework ceiling: a bare Elysia hello-world on Bun, same framework and runtime as Latchkey.
 * Env: PORT. Prints "ready <port>" on stdout.
 */
import { Elysia } from "elysia";

const app = new Elysia().get("/", () => "Hello, world!");
const server = Bun.serve({ port: Number(process.env.PORT ?? 0), hostname: "127.0.0.1", fetch: (req) => app.handle(req) });
process.stdout.write(`ready ${server.port}\n`);
for (const sig of ["SIGTERM", "SIGINT"] as const) process.on(sig, () => void server.stop(true).then(() => process.exit(0)));
