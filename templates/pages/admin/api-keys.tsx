/** Admin: API keys (/settings/admin/api-keys) and sign-up links (/settings/admin/signup-tokens). */
import type { PageContext } from "../../page-context.ts";
import type { ApiKey } from "../../../src/admin/api-keys.ts";
import type { SignupTokenDto } from "../../../src/admin/signup-tokens.ts";
import type { SignupMode } from "../../../src/admin/signups.ts";
import { ShieldIcon } from "../../components/passkey-icons.tsx";
import { AdminLayout, Csrf, EmptyState, Field, FormErrors, PageHeader } from "./admin-shell.tsx";
import { DateTime, dateSentence } from "../../components/date-time.tsx";
import { msg, type Message } from "../../../src/i18n/message.ts";

/** The lifetime cap (apiKeyMaxLifetimeDays) and the date range it allows, for the form. */
export type ApiKeyLimits = { maxDays: number; minDate: string; maxDate: string };

export function ApiKeysPage(p: {
  ctx: PageContext;
  keys: ApiKey[];
  now: number;
  form: ApiKeyFormValues;
  limits: ApiKeyLimits;
  errors?: Record<string, string>;
  created?: { name: string; token: string };
  reauth?: { hasPasskeys: boolean };
}): JSX.Element {
  const { t } = p.ctx;
  return (
    <AdminLayout ctx={p.ctx} title={t("apiKeys.title")} scripts={["passkey.js"]}>
      <PageHeader title={t("apiKeys.title")} lead={t("apiKeys.lead")} />
      <div class="stack">
        <ApiKeyForm ctx={p.ctx} form={p.form} limits={p.limits} errors={p.errors} created={p.created} reauth={p.reauth} />
        <ApiKeyList ctx={p.ctx} keys={p.keys} now={p.now} />
      </div>
    </AdminLayout>
  );
}

export type ApiKeyFormValues = { name: string; description: string; expiresAt: string };

export function ApiKeyForm(p: {
  ctx: PageContext;
  form: ApiKeyFormValues;
  limits: ApiKeyLimits;
  errors?: Record<string, string>;
  created?: { name: string; token: string };
  /** The server wants a fresh passkey check before it creates the key. */
  reauth?: { hasPasskeys: boolean };
}): JSX.Element {
  const { t } = p.ctx;
  const e = p.errors ?? {};
  const safeNoPasskey = p.ctx.rich("apiKeys.reauthNoPasskey", { strong: (text) => `<strong>${text}</strong>`, link: (text) => `<a href="/settings/account">${text}</a>` });
  const safeCopyNow = p.created ? p.ctx.rich("apiKeys.createdCopy", { name: p.created.name, strong: (text) => `<strong>${text}</strong>` }) : "";
  return (
    <form id="api-key-form" class="section" method="post" action="/settings/admin/api-keys" hx-post="/settings/admin/api-keys" hx-target="#api-key-form" hx-swap="outerHTML" novalidate>
      <Csrf ctx={p.ctx} />
      <h2 safe>{t("apiKeys.createTitle")}</h2>
      {p.created ? (
        <div class="secret-box" data-autofocus tabindex="-1" role="status">
          <p class="small">{safeCopyNow}</p>
          <div class="copy-row">
            <code class="secret" safe>{p.created.token}</code>
            <button type="button" class="btn btn-secondary btn-sm" data-copy={p.created.token} safe>{t("apiKeys.copy")}</button>
          </div>
        </div>
      ) : (
        ""
      )}
      {p.reauth ? (
        <div class="reauth-box" data-autofocus tabindex="-1" role="alert" aria-labelledby="reauth-title">
          <div class="reauth-icon"><ShieldIcon /></div>
          <div class="grow">
            <p class="reauth-title" id="reauth-title"><strong safe>{t("apiKeys.reauthTitle")}</strong></p>
            <p class="small" safe>{t("apiKeys.reauthText")}</p>
            {p.reauth.hasPasskeys ? (
              <>
                <p class="small muted" safe>{t("apiKeys.reauthKept")}</p>
                <div id="passkey-error" class="alert alert-error" role="alert" hidden></div>
                <button type="button" class="btn" data-passkey-reauth data-resubmit="api-key-form" safe>{t("apiKeys.reauthConfirm")}</button>
              </>
            ) : (
              <p class="small">{safeNoPasskey}</p>
            )}
          </div>
        </div>
      ) : (
        ""
      )}
      <FormErrors ctx={p.ctx} errors={p.errors} />
      <div class="grid-2">
        <Field ctx={p.ctx} name="name" label={t("apiKeys.name")} value={p.form.name} error={e.name} required maxlength={50} placeholder={t("apiKeys.namePlaceholder")} />
        <Field
          ctx={p.ctx}
          name="expiresAt"
          label={t("apiKeys.expiresOn")}
          type="date"
          min={p.limits.minDate}
          max={p.limits.maxDate}
          value={p.form.expiresAt}
          error={e.expiresAt}
          required
          hint={t("apiKeys.expiresHint", { days: p.limits.maxDays })}
        />
      </div>
      <Field ctx={p.ctx} name="description" label={t("apiKeys.description")} value={p.form.description} error={e.description} maxlength={250} placeholder={t("apiKeys.descriptionPlaceholder")} />
      <div class="form-actions">
        <span class="muted small form-actions-note" safe>{t("apiKeys.confirmNote")}</span>
        <button type="submit" class="btn" safe>{t("apiKeys.create")}</button>
      </div>
    </form>
  );
}

export function ApiKeyList(p: { ctx: PageContext; keys: ApiKey[]; now: number }): JSX.Element {
  const { t } = p.ctx;
  return (
    <section class="section" id="api-key-list" aria-labelledby="keys-title">
      <h2 id="keys-title" safe>{t("apiKeys.listTitle")}</h2>
      {p.keys.length === 0 ? (
        <EmptyState title={t("apiKeys.emptyTitle")} text={t("apiKeys.emptyText")} />
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col" safe>{t("apiKeys.colName")}</th>
                <th scope="col" class="hide-sm" safe>{t("apiKeys.colKey")}</th>
                <th scope="col" safe>{t("apiKeys.colExpires")}</th>
                <th scope="col" class="hide-sm" safe>{t("apiKeys.colLastUsed")}</th>
                <th scope="col"><span class="sr-only" safe>{t("apiKeys.colActions")}</span></th>
              </tr>
            </thead>
            <tbody>
              {p.keys.map((k) => (
                <tr>
                  <td>
                    <div class="title" safe>{k.name}</div>
                    {k.description ? <div class="muted small" safe>{k.description}</div> : ""}
                  </td>
                  <td class="hide-sm"><code safe>{`${k.prefix}…`}</code></td>
                  <td>
                    {k.expiresAt <= p.now ? <span class="badge badge-danger" safe>{t("apiKeys.expired")}</span> : <DateTime ctx={p.ctx} at={k.expiresAt} />}
                  </td>
                  <td class="hide-sm">{k.lastUsedAt ? <DateTime ctx={p.ctx} at={k.lastUsedAt} /> : <span class="muted" safe>{t("apiKeys.never")}</span>}</td>
                  <td>
                    <form method="post" action={`/settings/admin/api-keys/${k.id}/revoke`} hx-post={`/settings/admin/api-keys/${k.id}/revoke`} hx-target="#api-key-list" hx-swap="outerHTML" hx-confirm={t("apiKeys.revokeConfirm", { name: k.name })}>
                      <Csrf ctx={p.ctx} />
                      <button type="submit" class="btn btn-ghost btn-sm danger-text" safe>{t("apiKeys.revoke")}</button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** The sign-up link lifetimes the form offers. */
const TTL_OPTIONS: [string, Message][] = [
  ["1h", msg("validation.durationHours", { n: 1 })],
  ["24h", msg("validation.durationDays", { n: 1 })],
  ["7d", msg("validation.durationDays", { n: 7 })],
  ["30d", msg("validation.durationDays", { n: 30 })],
];

export type SignupFormValues = { ttl: string; usageLimit: string; userGroupIds: string[] };

export function SignupTokensPage(p: {
  ctx: PageContext;
  tokens: SignupTokenDto[];
  groups: { id: string; friendlyName: string }[];
  form: SignupFormValues;
  signupMode: SignupMode;
}): JSX.Element {
  const { t } = p.ctx;
  const safeChangeIt = p.ctx.rich("signups.modeChange", { link: (text) => `<a href="/settings/admin/application-configuration">${text}</a>` });
  return (
    <AdminLayout ctx={p.ctx} title={t("signups.title")}>
      <PageHeader title={t("signups.title")} lead={t("signups.lead")} />
      {p.signupMode !== "withToken" ? (
        <div class="alert alert-warning" role="status">
          <span safe>{p.signupMode === "disabled" ? t("signups.modeDisabled") : t("signups.modeOpen")}</span> {safeChangeIt}
        </div>
      ) : (
        ""
      )}
      <div class="stack">
        <SignupTokenForm ctx={p.ctx} groups={p.groups} form={p.form} />
        <SignupTokenList ctx={p.ctx} tokens={p.tokens} groups={p.groups} signupMode={p.signupMode} />
      </div>
    </AdminLayout>
  );
}

export function SignupTokenForm(p: { ctx: PageContext; groups: { id: string; friendlyName: string }[]; form: SignupFormValues; errors?: Record<string, string>; created?: { url: string } }): JSX.Element {
  const { t } = p.ctx;
  const e = p.errors ?? {};
  const selected = new Set(p.form.userGroupIds);
  return (
    <form id="signup-form" class="section" method="post" action="/settings/admin/signup-tokens" hx-post="/settings/admin/signup-tokens" hx-target="#signup-form" hx-swap="outerHTML" novalidate>
      <Csrf ctx={p.ctx} />
      <h2 safe>{t("signups.createTitle")}</h2>
      {p.created ? (
        <div class="secret-box" data-autofocus tabindex="-1" role="status">
          <p class="small"><strong safe>{t("signups.createdTitle")}</strong> <span safe>{t("signups.createdText")}</span></p>
          <div class="copy-row">
            <code class="secret" safe>{p.created.url}</code>
            <button type="button" class="btn btn-secondary btn-sm" data-copy={p.created.url} safe>{t("apiKeys.copy")}</button>
          </div>
        </div>
      ) : (
        ""
      )}
      <FormErrors ctx={p.ctx} errors={p.errors} />
      <div class="grid-2">
        <div class="field">
          <label for="f-ttl" safe>{t("signups.validFor")}</label>
          <select id="f-ttl" name="ttl">
            {TTL_OPTIONS.map(([v, l]) => (
              <option value={v} selected={p.form.ttl === v} safe>{t(l.key, l.params)}</option>
            ))}
          </select>
          {e.ttl ? <p class="error-text" safe>{e.ttl}</p> : ""}
        </div>
        <Field ctx={p.ctx} name="usageLimit" label={t("signups.usageLimit")} type="number" min="1" max="100" value={p.form.usageLimit} error={e.usageLimit} required />
      </div>
      {p.groups.length ? (
        <fieldset class="fieldset">
          <legend safe>{t("signups.groupsLegend")}</legend>
          <div class="check-grid">
            {p.groups.map((g) => (
              <label class="checkbox">
                <input type="checkbox" name="userGroupIds" value={g.id} checked={selected.has(g.id)} />
                <span safe>{g.friendlyName}</span>
              </label>
            ))}
          </div>
        </fieldset>
      ) : (
        ""
      )}
      <div class="form-actions">
        <button type="submit" class="btn" safe>{t("signups.create")}</button>
      </div>
    </form>
  );
}

/** A link's badge agrees with the banner above: while sign-ups are disabled no link is usable, so none is "Active". */
function signupTokenBadge(ctx: PageContext, token: SignupTokenDto, mode: SignupMode): JSX.Element {
  if (token.expired) return <span class="badge badge-danger" safe>{ctx.t("signups.badgeSpent")}</span>;
  if (mode === "disabled") return <span class="badge badge-warning" safe>{ctx.t("signups.badgeUnusable")}</span>;
  return <span class="badge badge-success" safe>{ctx.t("signups.badgeActive")}</span>;
}

export function SignupTokenList(p: { ctx: PageContext; tokens: SignupTokenDto[]; groups: { id: string; friendlyName: string }[]; signupMode: SignupMode }): JSX.Element {
  const { t } = p.ctx;
  const names = new Map(p.groups.map((g) => [g.id, g.friendlyName]));
  const list = new Intl.ListFormat(p.ctx.i18n.lang, { type: "conjunction" });
  return (
    <section class="section" id="signup-list" aria-labelledby="signup-list-title">
      <h2 id="signup-list-title" safe>{t("signups.listTitle")}</h2>
      {p.tokens.length === 0 ? (
        <EmptyState title={t("signups.emptyTitle")} text={t("signups.emptyText")} />
      ) : (
        <ul class="list">
          {p.tokens.map((token) => (
            <li class="list-item">
              <div class="grow">
                <div class="title">
                  <code safe>{`/st/${token.prefix}…`}</code> {signupTokenBadge(p.ctx, token, p.signupMode)}
                </div>
                <div class="meta">
                  <span safe>{t("signups.used", { used: token.usageCount, limit: token.usageLimit })}</span>
                  {token.expiresAt ? <span>{" · "}{dateSentence(p.ctx, "signups.expires", Math.floor(Date.parse(token.expiresAt) / 1000))}</span> : ""}
                  {token.userGroupIds.length ? <span safe>{` · ${t("signups.joins", { groups: list.format(token.userGroupIds.map((g) => names.get(g) ?? g)) })}`}</span> : ""}
                </div>
              </div>
              <div class="actions">
                <form method="post" action={`/settings/admin/signup-tokens/${token.id}/delete`} hx-post={`/settings/admin/signup-tokens/${token.id}/delete`} hx-target="#signup-list" hx-swap="outerHTML" hx-confirm={t("signups.deleteConfirm")}>
                  <Csrf ctx={p.ctx} />
                  <button type="submit" class="btn btn-ghost btn-sm danger-text" safe>{t("signups.delete")}</button>
                </form>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
