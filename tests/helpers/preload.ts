// Loaded before every test file (bunfig.toml). Keeps tests quiet and deterministic.
export {};
process.env.TZ = "UTC";

// LATCHKEY_TEST_ENGINE=postgres (tests/run.sh's second pass): one real PostgreSQL per test process, started here
// so that test databases can be created synchronously (tests/helpers/template-database.ts).
if (process.env.LATCHKEY_TEST_ENGINE === "postgres" && !process.env.LATCHKEY_TEST_PG_URL) {
  const { sharedPostgres } = await import("./postgres.ts");
  process.env.LATCHKEY_TEST_PG_URL = (await sharedPostgres()).url("postgres");
}
