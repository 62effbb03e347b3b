/**
 * ENCRYPTION_KEY rotation: every sealed value is opened with the old key and sealed with the new one,
 * all in one IMMEDIATE transaction. Anything that fails (a value the old key cannot open, a crash, a
 * full disk) rolls the whole rotation back, so the old key keeps opening everything.
 * The server must be stopped: it holds the old key in memory.
 */
import type { Database } from "bun:sqlite";
import { listSealedValues, SEALED_COLUMNS, tableExists, updateSealedValue } from "../db/sealed-values.ts";
import type { SealedBox } from "../lib/sealed-box.ts";

export interface RotationResult {
  /** Re-sealed values per table. */
  resealed: Record<string, number>;
}

export function rotateEncryptionKey(db: Database, oldBox: SealedBox, newBox: SealedBox): RotationResult {
  const resealed: Record<string, number> = {};
  db.transaction(() => {
    for (const c of SEALED_COLUMNS) {
      if (!tableExists(db, c.table)) continue;
      let n = 0;
      for (const row of listSealedValues(db, c)) {
        const purpose = c.purpose(row.key);
        updateSealedValue(db, c, row.key, newBox.seal(purpose, oldBox.open(purpose, row.sealed)));
        n++;
      }
      resealed[c.table] = n;
    }
  }).immediate();
  return { resealed };
}
