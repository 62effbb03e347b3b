import { Layout } from "../../layout.tsx";
import type { PageContext } from "../../page-context.ts";
import type { Text } from "../../../src/i18n/message.ts";
import type { Scope } from "../../../src/oidc/scopes.ts";
import type { ResolvedResource } from "../../../src/oidc/resources.ts";
import { DecisionButtons, ScopeList } from "./scope-list.tsx";
import { ClientTile, type ClientMark } from "./client-badge.tsx";
import { bold, deviceCode } from "./rich-parts.tsx";

/** /device, step 1: type the code shown on the device. */
export function DeviceCodePage({ ctx, error, code }: { ctx: PageContext; error: Text | null; code: string | null }): JSX.Element {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t("oidc.deviceTitle")} variant="card">
      <section class="card" aria-labelledby="device-title">
        <p class="eyebrow" safe>{t("oidc.deviceEyebrow")}</p>
        <h1 id="device-title" safe>{t("oidc.deviceTitle")}</h1>
        <p class="lead" safe>{t("oidc.deviceLead")}</p>
        {error ? (
          <div class="alert alert-error" role="alert" id="device-error" safe>
            {ctx.text(error)}
          </div>
        ) : (
          ""
        )}
        <form method="get" action="/device" class="stack">
          <div class="field">
            <label for="device-code" safe>{t("oidc.deviceCodeLabel")}</label>
            <input
              type="text"
              id="device-code"
              name="code"
              class="code-input"
              value={code ?? ""}
              placeholder={t("oidc.deviceCodePlaceholder")}
              autocomplete="one-time-code"
              autocapitalize="characters"
              spellcheck="false"
              maxlength="20"
              required
              autofocus
              aria-describedby={error ? "device-error" : undefined}
            />
          </div>
          <button type="submit" class="btn btn-lg" safe>
            {t("oidc.continue")}
          </button>
        </form>
      </section>
    </Layout>
  );
}

/** /device, step 2: which application asks for what; approve or deny. */
export function DeviceConfirmPage({
  ctx,
  userCode,
  client,
  scopes,
  resource = null,
  account,
}: {
  ctx: PageContext;
  userCode: string;
  client: ClientMark;
  scopes: Scope[];
  resource?: ResolvedResource | null;
  account: { name: string; username: string } | null;
}): JSX.Element {
  const { t } = ctx;
  const safeLead = ctx.rich("oidc.deviceConfirmLead", {
    userCode,
    account: account ? t("oidc.accountLabel", account) : "",
    client: client.name,
    b: bold,
    code: deviceCode,
  });
  return (
    <Layout ctx={ctx} title={t("oidc.deviceConfirmTitle", { client: client.name })} variant="card">
      <section class="card consent" aria-labelledby="device-confirm-title">
        <div class="consent-head">
          <ClientTile client={client} />
          <div>
            <p class="eyebrow" safe>{t("oidc.deviceEyebrow")}</p>
            <h1 id="device-confirm-title" safe>
              {t("oidc.deviceConfirmTitle", { client: client.name })}
            </h1>
          </div>
        </div>
        <p class="lead">{safeLead}</p>
        <ScopeList ctx={ctx} scopes={scopes} resource={resource} />
        <form method="post" action="/device" class="consent-actions">
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          <input type="hidden" name="code" value={userCode} />
          <DecisionButtons ctx={ctx} />
        </form>
      </section>
    </Layout>
  );
}

/** /device, step 3: done; the person goes back to the device. */
export function DeviceDonePage({ ctx, approved, client }: { ctx: PageContext; approved: boolean; client: ClientMark }): JSX.Element {
  const { t } = ctx;
  const title = approved ? t("oidc.deviceConnectedTitle") : t("oidc.deviceDeniedTitle");
  const safeLead = ctx.rich(approved ? "oidc.deviceConnected" : "oidc.deviceDenied", { client: client.name, b: bold });
  return (
    <Layout ctx={ctx} title={title} variant="card">
      <section class="card" aria-labelledby="device-done-title">
        <ClientTile client={client} />
        <h1 id="device-done-title" safe>{title}</h1>
        <p class="lead">{safeLead}</p>
      </section>
    </Layout>
  );
}
