// Built from static/src/passkey.ts by `bun run build:assets`.
