/**
 * ENCRYPTION_KEY rotation: every sealed value is opened with the old key and sealed with the new one,
 * all in one IMMEDIATE transaction. Anything that fails (a value the old key cannot open, a crash, a
 * full disk) rolls the whole rotation back, so the old key keeps opening everything.
 * The server must be stopped: it holds the old key in memory.
 * - The new box's KDF record (a fresh salt for a passphrase key; none for a random key) replaces the
 *   old one in the same transaction (kv "encryption_kdf").
 * - The rotation is audited (ADMIN_CHANGE encryption_key rotate, with the counts) in the same transaction.
 * - resealToCurrentFormat: the same walk with one key, for values in an older format (start-up).
 */
import type { Database } from "../db/database.ts";
import { recordAdminChange, type Actor, type AuditDeps } from "../audit/actor.ts";
import { deleteKv, setKv } from "../db/kv.ts";
import { KDF_RECORD, listSealedValues, SEALED_COLUMNS, tableExists, updateSealedValue } from "../db/sealed-values.ts";
import { DecryptionError, serializeKdfParams, type SealedBox } from "../lib/sealed-box.ts";


export interface RotationResult {
  /** Re-sealed values per table. */
  resealed: Record<string, number>;
}

export function rotateEncryptionKey(deps: AuditDeps, actor: Actor, oldBox: SealedBox, newBox: SealedBox): RotationResult {
  const { db } = deps;
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
    if (newBox.kdf) setKv(db, KDF_RECORD, serializeKdfParams(newBox.kdf));
    else deleteKv(db, KDF_RECORD);
    recordAdminChange(deps, actor, { entity: "encryption_key", action: "rotate", id: "encryption-key", changes: { resealed } });
  }).immediate();
  return { resealed };
}

/**
 * Re-seals, in one IMMEDIATE transaction, every value `box` reads but would not write (e.g. lk1 values
 * under a passphrase key, written before the slow KDF existed). A value this key cannot open at all
 * (sealed under another key, e.g. an SMTP password the admin must enter again) is left as it is and
 * counted in `unopenable`: it is useless to this installation either way, and must not stop the start.
 */
export function resealToCurrentFormat(db: Database, box: SealedBox): { resealed: Record<string, number>; unopenable: number } {
  const resealed: Record<string, number> = {};
  let unopenable = 0;
  // Every CLI command opens the runtime while the server may be writing: look first, without a lock, and
  // take the write lock only when there is something to re-seal (a write lock held by a short command made
  // the server's own transactions fail with "database is locked").
  const pending = SEALED_COLUMNS.some((c) => tableExists(db, c.table) && listSealedValues(db, c).some((row) => box.needsReseal(row.sealed)));
  if (!pending) return { resealed, unopenable };
  db.transaction(() => {
    for (const c of SEALED_COLUMNS) {
      if (!tableExists(db, c.table)) continue;
      let n = 0;
      for (const row of listSealedValues(db, c)) {
        if (!box.needsReseal(row.sealed)) continue;
        const purpose = c.purpose(row.key);
        let plain: Uint8Array;
        try {
          plain = box.open(purpose, row.sealed);
        } catch (e) {
          if (!(e instanceof DecryptionError)) throw e;
          unopenable++;
          continue;
        }
        updateSealedValue(db, c, row.key, box.seal(purpose, plain));
        n++;
      }
      if (n > 0) resealed[c.table] = n;
    }
  }).immediate();
  return { resealed, unopenable };
}
