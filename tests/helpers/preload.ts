// Loaded before every test file (bunfig.toml). Keeps tests quiet and deterministic.
process.env.TZ = "UTC";
