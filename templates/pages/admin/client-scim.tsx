/**
 * Admin: a client's SCIM provisioning (src/scim/). One form for the endpoint and the write-only token (the page
 * only says whether one is stored), the last sync's outcome, and "Sync now" / "Turn off" as immediate actions.
 * htmx swaps the whole #client-scim section; without JavaScript each form posts and the page reloads.
 */
import { clientPathSegment } from "../../../src/http/client-id-param.ts";
import type { PageContext } from "../../page-context.ts";
import type { ScimProvider } from "../../../src/db/scim.ts";
import type { ScimProviderStatus } from "../../../src/scim/providers.ts";
import { MAX_ENDPOINT_LENGTH, MAX_TOKEN_LENGTH } from "../../../src/scim/providers.ts";
import { DateTime } from "../../components/date-time.tsx";
import { TextField } from "../../components/text-field.tsx";
import { Csrf, Toggle } from "./admin-shell.tsx";

export interface ScimSectionState {
  provider: ScimProvider | null;
  status: ScimProviderStatus | null;
  /** The endpoint typed into a refused form (the token is never rendered back). */
  endpoint?: string;
  errors?: Record<string, string>;
  notice?: string;
  error?: string;
}

export function ScimSection({ ctx, clientId, s }: { ctx: PageContext; clientId: string; s: ScimSectionState }): JSX.Element {
  const { t } = ctx;
  const base = `/settings/admin/oidc-clients/${clientPathSegment(clientId)}/scim`;
  const p = s.provider;
  const e = s.errors ?? {};
  const counts = s.status?.counts ?? null;
  return (
    <section class="section" id="client-scim" aria-labelledby="scim-title">
      <h2 id="scim-title" safe>{t("scim.sectionTitle")}</h2>
      <p class="muted small" safe>{t("scim.intro")}</p>
      {s.notice ? <div class="alert alert-success" role="status" safe>{s.notice}</div> : ""}
      {s.error ? <div class="alert alert-error" role="alert" safe>{s.error}</div> : ""}
      <form method="post" action={base} hx-post={base} hx-target="#client-scim" hx-swap="outerHTML">
        <Csrf ctx={ctx} />
        <TextField
          ctx={ctx}
          idPrefix="scim"
          name="endpoint"
          label={t("scim.endpointLabel")}
          type="url"
          value={s.endpoint ?? p?.endpoint ?? ""}
          placeholder="https://app.example.com/scim/v2"
          maxlength={MAX_ENDPOINT_LENGTH}
          required
          error={e.endpoint}
          hint={t("scim.endpointHint")}
        />
        <TextField
          ctx={ctx}
          idPrefix="scim"
          name="token"
          label={t("scim.tokenLabel")}
          type="password"
          autocomplete="off"
          maxlength={MAX_TOKEN_LENGTH}
          error={e.token}
          hint={p?.sealedToken ? t("scim.tokenHintSet") : t("scim.tokenHintUnset")}
        />
        {p?.sealedToken ? <Toggle name="removeToken" label={t("scim.removeToken")} checked={false} /> : ""}
        <button type="submit" class="btn btn-primary" safe>{p ? t("scim.update") : t("scim.enable")}</button>
      </form>
      {p && s.status ? (
        <div class="scim-status">
          {s.status.running ? <p class="muted small" role="status" safe>{t("scim.running")}</p> : ""}
          <dl class="kv kv-pairs">
            <dt safe>{t("scim.lastSuccess")}</dt>
            <dd>{p.lastSyncedAt !== null ? <DateTime ctx={ctx} at={p.lastSyncedAt} /> : <span safe>{t("scim.never")}</span>}</dd>
            <dt safe>{t("scim.lastAttempt")}</dt>
            <dd>
              {p.lastAttemptAt !== null ? <DateTime ctx={ctx} at={p.lastAttemptAt} /> : <span safe>{t("scim.never")}</span>}
              {counts ? (
                <span class="small scim-counts">
                  <br />
                  <span safe>{t("scim.countsUsers", { created: counts.usersCreated, updated: counts.usersUpdated, removed: counts.usersDeleted + counts.usersDeactivated, unchanged: counts.usersUnchanged })}</span>
                  <br />
                  <span safe>{t("scim.countsGroups", { created: counts.groupsCreated, updated: counts.groupsUpdated, removed: counts.groupsDeleted, unchanged: counts.groupsUnchanged })}</span>
                  {counts.failed > 0 ? <br /> : ""}
                  {counts.failed > 0 ? <span safe>{t("scim.countsFailed", { failed: counts.failed })}</span> : ""}
                </span>
              ) : (
                ""
              )}
            </dd>
            {p.lastError ? <dt safe>{t("scim.lastError")}</dt> : ""}
            {p.lastError ? <dd class="error-text scim-error" safe>{p.lastError}</dd> : ""}
          </dl>
          <div class="row">
            <form method="post" action={`${base}/sync`} hx-post={`${base}/sync`} hx-target="#client-scim" hx-swap="outerHTML" hx-disabled-elt="find button">
              <Csrf ctx={ctx} />
              <button type="submit" class="btn btn-secondary" safe>{t("scim.syncNow")}</button>
            </form>
            <form method="post" action={`${base}/delete`} hx-post={`${base}/delete`} hx-target="#client-scim" hx-swap="outerHTML">
              <Csrf ctx={ctx} />
              <button type="submit" class="btn btn-link" safe>{t("scim.remove")}</button>
            </form>
          </div>
        </div>
      ) : (
        ""
      )}
    </section>
  );
}
