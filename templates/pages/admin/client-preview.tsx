/**
 * Admin: a client's token preview (src/oidc/client-preview.ts). A GET form (it changes nothing, so no CSRF
 * token): who, and which scopes; the answer shows the claims of the ID token, access token and userinfo this
 * client would receive. htmx swaps only #client-preview-result; without JavaScript the page reloads with it.
 */
import { clientPathSegment } from "../../../src/http/client-id-param.ts";
import type { PageContext } from "../../page-context.ts";
import type { ClientPreview } from "../../../src/oidc/client-preview.ts";
import { Field } from "./admin-shell.tsx";

export const PREVIEW_SCOPES = ["openid", "profile", "email", "groups"] as const;

export interface PreviewState {
  login: string;
  scopes: string[];
  result?: ClientPreview;
  error?: string;
}

export function TokenPreviewSection({ ctx, clientId, state }: { ctx: PageContext; clientId: string; state?: PreviewState }): JSX.Element {
  const { t } = ctx;
  const action = `/settings/admin/oidc-clients/${clientPathSegment(clientId)}/preview`;
  const ticked = new Set(state?.scopes ?? PREVIEW_SCOPES);
  return (
    <section class="section" id="client-preview" aria-labelledby="preview-title">
      <h2 id="preview-title" safe>{t("clients.previewTitle")}</h2>
      <p class="muted small" safe>{t("clients.previewIntro")}</p>
      <form method="get" action={action} hx-get={action} hx-target="#client-preview-result" hx-swap="outerHTML">
        <Field ctx={ctx} name="user" label={t("clients.previewUser")} value={state?.login ?? ""} placeholder="alice@example.com" autocomplete="off" required />
        <fieldset class="fieldset">
          <legend safe>{t("clients.previewScopes")}</legend>
          <div class="check-grid">
            {PREVIEW_SCOPES.map((s) => (
              <label class="checkbox">
                <input type="checkbox" name="scope" value={s} checked={ticked.has(s)} />
                <code>{s}</code>
              </label>
            ))}
          </div>
        </fieldset>
        <div class="row">
          <button type="submit" class="btn" safe>{t("clients.previewButton")}</button>
        </div>
      </form>
      <PreviewResult ctx={ctx} state={state} />
    </section>
  );
}

export function PreviewResult({ ctx, state }: { ctx: PageContext; state?: PreviewState }): JSX.Element {
  const { t } = ctx;
  if (state?.error) {
    return (
      <div id="client-preview-result" class="alert alert-error" role="alert" safe>
        {state.error}
      </div>
    );
  }
  if (!state?.result) return <div id="client-preview-result"></div>;
  const r = state.result;
  const blocks: [string, Record<string, unknown> | null][] = [
    [t("clients.previewIdToken"), r.idToken],
    [t("clients.previewAccessToken"), r.accessToken],
    [t("clients.previewUserinfo"), r.userInfo],
  ];
  return (
    <div id="client-preview-result" class="stack" role="status">
      {blocks.map(([title, claims]) => (
        <div>
          <h3 safe>{title}</h3>
          {claims ? (
            <div class="snippet">
              <pre><code safe>{JSON.stringify(claims, null, 2)}</code></pre>
            </div>
          ) : (
            <p class="muted small" safe>{t("clients.previewNotIssued")}</p>
          )}
        </div>
      ))}
    </div>
  );
}
