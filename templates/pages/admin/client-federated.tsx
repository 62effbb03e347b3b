/**
 * A client's federated identities, a section of its page's one form (saved with its one Save): rows of issuer,
 * subject, audience, JWKS URL and replay protection, added and removed like the callback URL rows (a template
 * row cloned by static/js/admin.js; without script the rows shown are what is saved). Every field of a row
 * repeats under one name, so the rows arrive in order; a row left entirely empty is no identity. Examples for
 * Kubernetes and GitHub Actions, and the request a workload sends.
 */
import type { PageContext } from "../../page-context.ts";
import { TextField } from "../../components/text-field.tsx";
import { FEDERATED_FIELDS, FEDERATED_MARKER, type FederatedRow } from "../../../src/admin/oidc-client-admin.ts";

const EMPTY_ROW: FederatedRow = { issuer: "", subject: "", audience: "", jwks: "", replayProtection: true };

/** One identity's fields; `i` null for the template row (ids end in __n__, which admin.js numbers on cloning; no errors). */
function Row(p: { ctx: PageContext; i: number | null; row: FederatedRow; errors: Record<string, string> }): JSX.Element {
  const { t } = p.ctx;
  const at = p.i === null ? null : `federatedIdentities[${p.i}]`;
  const err = (field: string) => (at ? p.errors[`${at}.${field}`] : undefined);
  const idPrefix = p.i === null ? "fi-new-__n__" : `fi-${p.i}`;
  const label = p.i === null ? t("federated.identityNew") : t("federated.identity", { n: p.i + 1 });
  return (
    <fieldset class="fieldset federated-row" data-row>
      <legend safe>{label}</legend>
      {at && p.errors[at] ? <p class="error-text" safe>{p.errors[at]}</p> : ""}
      <div class="grid-2">
        <TextField ctx={p.ctx} idPrefix={idPrefix} name={FEDERATED_FIELDS.issuer} label={t("federated.issuer")} value={p.row.issuer} hint={t("federated.issuerHint")} maxlength={1024} error={err("issuer")} required />
        <TextField ctx={p.ctx} idPrefix={idPrefix} name={FEDERATED_FIELDS.subject} label={t("federated.subject")} value={p.row.subject} hint={t("federated.subjectHint")} maxlength={512} error={err("subject")} />
        <TextField ctx={p.ctx} idPrefix={idPrefix} name={FEDERATED_FIELDS.audience} label={t("federated.audience")} value={p.row.audience} hint={t("federated.audienceHint")} maxlength={512} error={err("audience")} />
        <TextField ctx={p.ctx} idPrefix={idPrefix} name={FEDERATED_FIELDS.jwks} label={t("federated.jwks")} value={p.row.jwks} hint={t("federated.jwksHint")} maxlength={2048} error={err("jwks")} />
      </div>
      {/* A select, not a checkbox: an unticked box sends nothing, and the rows would no longer line up. */}
      <div class="field">
        <label for={`${idPrefix}-replay`} safe>
          {t("federated.replayProtection")}
        </label>
        <select id={`${idPrefix}-replay`} name={FEDERATED_FIELDS.replayProtection} aria-describedby={`${idPrefix}-replay-hint`}>
          <option value="on" selected={p.row.replayProtection} safe>
            {t("federated.replayOn")}
          </option>
          <option value="off" selected={!p.row.replayProtection} safe>
            {t("federated.replayOff")}
          </option>
        </select>
        <p class="hint" id={`${idPrefix}-replay-hint`} safe>
          {t("federated.replayProtectionHint")}
        </p>
      </div>
      <button type="button" class="btn btn-ghost btn-sm danger-text" data-remove-row safe>
        {p.i === null ? t("federated.removeNew") : t("federated.remove", { n: p.i + 1 })}
      </button>
    </fieldset>
  );
}

function Example(p: { title: string; rows: [string, string][] }): JSX.Element {
  return (
    <div class="federated-example">
      <p class="small" safe>{p.title}</p>
      <dl class="small">
        {p.rows.map(([label, value]) => (
          <>
            <dt safe>{label}</dt>
            <dd>
              <code safe>{value}</code>
            </dd>
          </>
        ))}
      </dl>
    </div>
  );
}

export function FederatedSection(p: { ctx: PageContext; clientId: string; isPublic: boolean; appUrl: string; rows: FederatedRow[]; errors?: Record<string, string> }): JSX.Element {
  const { t } = p.ctx;
  const e = p.errors ?? {};
  const request = [
    `curl ${p.appUrl}/api/oidc/token \\`,
    "  -d grant_type=client_credentials \\",
    `  -d client_id=${p.clientId} \\`,
    "  -d client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer \\",
    '  --data-urlencode client_assertion="$TOKEN"',
  ].join("\n");
  return (
    <section class="section" id="client-federated" aria-labelledby="federated-title">
      <h2 id="federated-title" safe>{t("federated.title")}</h2>
      <p class="muted small" safe>{t("federated.lead")}</p>
      {p.isPublic ? <p class="muted small" safe>{t("federated.publicNote")}</p> : ""}
      {
        <>
          <input type="hidden" name={FEDERATED_MARKER} value="1" />
          {e.federatedIdentities ? <p class="error-text" role="alert" safe>{e.federatedIdentities}</p> : ""}
          <div class="federated-rows" data-rows>
            {(p.rows.length ? p.rows : [EMPTY_ROW]).map((row, i) => (
              <Row ctx={p.ctx} i={i} row={row} errors={e} />
            ))}
            <template data-row-template>
              <Row ctx={p.ctx} i={null} row={EMPTY_ROW} errors={{}} />
            </template>
            <button type="button" class="btn btn-secondary btn-sm" data-add-row safe>
              {t("federated.add")}
            </button>
          </div>
        </>
      }
      <details class="federated-examples">
        <summary class="small" safe>{t("federated.examplesTitle")}</summary>
        <Example
          title={t("federated.exampleKubernetes")}
          rows={[
            [t("federated.issuer"), "https://kubernetes.default.svc.cluster.local"],
            [t("federated.subject"), "system:serviceaccount:NAMESPACE:SERVICE_ACCOUNT"],
            [t("federated.jwks"), "https://kubernetes.default.svc.cluster.local/openid/v1/jwks"],
          ]}
        />
        <Example
          title={t("federated.exampleGithub")}
          rows={[
            [t("federated.issuer"), "https://token.actions.githubusercontent.com"],
            [t("federated.subject"), "repo:OWNER/REPOSITORY:ref:refs/heads/main"],
            [t("federated.jwks"), "https://token.actions.githubusercontent.com/.well-known/jwks"],
          ]}
        />
        <p class="small" safe>{t("federated.exampleRequest")}</p>
        <div class="snippet">
          <pre><code safe>{request}</code></pre>
        </div>
      </details>
    </section>
  );
}
