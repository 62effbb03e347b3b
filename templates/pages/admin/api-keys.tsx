/** Admin: API keys (/settings/admin/api-keys) and sign-up links (/settings/admin/signup-tokens). */
import type { PageContext } from "../../page-context.ts";
import type { ApiKey } from "../../../src/admin/api-keys.ts";
import type { SignupTokenDto } from "../../../src/admin/signup-tokens.ts";
import type { SignupMode } from "../../../src/admin/signups.ts";
import { ShieldIcon } from "../../components/passkey-icons.tsx";
import { AdminLayout, Csrf, EmptyState, Field, FormErrors, formatDateTime, formatDay, PageHeader } from "./admin-shell.tsx";

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
  return (
    <AdminLayout ctx={p.ctx} title="API keys" scripts={["passkey.js"]}>
      <PageHeader title="API keys" lead="Keys for scripts and automation: send one in the X-API-Key header to the /api endpoints. A key acts as you." />
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
  const e = p.errors ?? {};
  return (
    <form id="api-key-form" class="section" method="post" action="/settings/admin/api-keys" hx-post="/settings/admin/api-keys" hx-target="#api-key-form" hx-swap="outerHTML" novalidate>
      <Csrf ctx={p.ctx} />
      <h2>Create API key</h2>
      {p.created ? (
        <div class="secret-box" data-autofocus tabindex="-1" role="status">
          <p class="small">
            <strong>Copy the key for “<span safe>{p.created.name}</span>” now.</strong> It is stored only as a hash and will not be shown again.
          </p>
          <div class="copy-row">
            <code class="secret" safe>{p.created.token}</code>
            <button type="button" class="btn btn-secondary btn-sm" data-copy={p.created.token}>Copy</button>
          </div>
        </div>
      ) : (
        ""
      )}
      {p.reauth ? (
        <div class="reauth-box" data-autofocus tabindex="-1" role="alert" aria-labelledby="reauth-title">
          <div class="reauth-icon"><ShieldIcon /></div>
          <div class="grow">
            <p class="reauth-title" id="reauth-title"><strong>Confirm it's you</strong></p>
            <p class="small">A new API key acts as you, so it needs a fresh check with one of your passkeys.</p>
            {p.reauth.hasPasskeys ? (
              <>
                <p class="small muted">Your entries below are kept; the key is created as soon as your passkey confirms.</p>
                <div id="passkey-error" class="alert alert-error" role="alert" hidden></div>
                <button type="button" class="btn" data-passkey-reauth data-resubmit="api-key-form">Confirm with passkey</button>
              </>
            ) : (
              <p class="small">
                <strong>You have no passkey yet.</strong> <a href="/settings/account">Add one on your account page</a>, then create the key.
              </p>
            )}
          </div>
        </div>
      ) : (
        ""
      )}
      <FormErrors ctx={p.ctx} errors={p.errors} />
      <div class="grid-2">
        <Field name="name" label="Name" value={p.form.name} error={e.name} required maxlength={50} placeholder="Terraform" />
        <Field
          name="expiresAt"
          label="Expires on"
          type="date"
          min={p.limits.minDate}
          max={p.limits.maxDate}
          value={p.form.expiresAt}
          error={e.expiresAt}
          required
          hint={`Every key expires, at most ${p.limits.maxDays} days from today.`}
        />
      </div>
      <Field name="description" label="Description" value={p.form.description} error={e.description} maxlength={250} placeholder="What uses this key" />
      <div class="form-actions">
        <span class="muted small form-actions-note">You confirm with your passkey before a key is created.</span>
        <button type="submit" class="btn">Create key</button>
      </div>
    </form>
  );
}

export function ApiKeyList(p: { ctx: PageContext; keys: ApiKey[]; now: number }): JSX.Element {
  return (
    <section class="section" id="api-key-list" aria-labelledby="keys-title">
      <h2 id="keys-title">Your keys</h2>
      {p.keys.length === 0 ? (
        <EmptyState title="No API keys" text="Create one above for a script or automation." />
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col" class="hide-sm">Key</th>
                <th scope="col">Expires</th>
                <th scope="col" class="hide-sm">Last used</th>
                <th scope="col"><span class="sr-only">Actions</span></th>
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
                    {k.expiresAt <= p.now ? <span class="badge badge-danger">Expired</span> : <span safe>{formatDay(k.expiresAt)}</span>}
                  </td>
                  <td class="hide-sm">{k.lastUsedAt ? formatDateTime(k.lastUsedAt) : "Never"}</td>
                  <td>
                    <form method="post" action={`/settings/admin/api-keys/${k.id}/revoke`} hx-post={`/settings/admin/api-keys/${k.id}/revoke`} hx-target="#api-key-list" hx-swap="outerHTML" hx-confirm={`Revoke the key “${k.name}”? Scripts using it stop working.`}>
                      <Csrf ctx={p.ctx} />
                      <button type="submit" class="btn btn-ghost btn-sm danger-text">Revoke</button>
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

export type SignupFormValues = { ttl: string; usageLimit: string; userGroupIds: string[] };

export function SignupTokensPage(p: {
  ctx: PageContext;
  tokens: SignupTokenDto[];
  groups: { id: string; friendlyName: string }[];
  form: SignupFormValues;
  signupMode: SignupMode;
}): JSX.Element {
  return (
    <AdminLayout ctx={p.ctx} title="Sign-up links">
      <PageHeader title="Sign-up links" lead="Invite people: each link lets a limited number of people create an account and register a passkey." />
      {p.signupMode !== "withToken" ? (
        <div class="alert alert-warning" role="status">
          {p.signupMode === "disabled" ? "Sign-ups are disabled, so these links do not work right now. " : "Sign-ups are open to everyone; links still add people to their groups. "}
          Change it under <a href="/settings/admin/application-configuration">Configuration</a> (“Sign-ups: with a link”).
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
  const e = p.errors ?? {};
  const selected = new Set(p.form.userGroupIds);
  return (
    <form id="signup-form" class="section" method="post" action="/settings/admin/signup-tokens" hx-post="/settings/admin/signup-tokens" hx-target="#signup-form" hx-swap="outerHTML" novalidate>
      <Csrf ctx={p.ctx} />
      <h2>Create sign-up link</h2>
      {p.created ? (
        <div class="secret-box" data-autofocus tabindex="-1" role="status">
          <p class="small"><strong>Send this link.</strong> It is shown only once.</p>
          <div class="copy-row">
            <code class="secret" safe>{p.created.url}</code>
            <button type="button" class="btn btn-secondary btn-sm" data-copy={p.created.url}>Copy</button>
          </div>
        </div>
      ) : (
        ""
      )}
      <FormErrors ctx={p.ctx} errors={p.errors} />
      <div class="grid-2">
        <div class="field">
          <label for="f-ttl">Valid for</label>
          <select id="f-ttl" name="ttl">
            {[["1h", "1 hour"], ["24h", "1 day"], ["7d", "7 days"], ["30d", "30 days"]].map(([v, l]) => (
              <option value={v} selected={p.form.ttl === v} safe>{l}</option>
            ))}
          </select>
          {e.ttl ? <p class="error-text" safe>{e.ttl}</p> : ""}
        </div>
        <Field name="usageLimit" label="Number of sign-ups" type="number" min="1" max="100" value={p.form.usageLimit} error={e.usageLimit} required />
      </div>
      {p.groups.length ? (
        <fieldset class="fieldset">
          <legend>New accounts join</legend>
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
        <button type="submit" class="btn">Create link</button>
      </div>
    </form>
  );
}

/** A link's badge agrees with the banner above: while sign-ups are disabled no link is usable, so none is "Active". */
function signupTokenBadge(t: SignupTokenDto, mode: SignupMode): JSX.Element {
  if (t.expired) return <span class="badge badge-danger">Used up or expired</span>;
  if (mode === "disabled") return <span class="badge badge-warning">Not usable while sign-ups are disabled</span>;
  return <span class="badge badge-success">Active</span>;
}

export function SignupTokenList(p: { ctx: PageContext; tokens: SignupTokenDto[]; groups: { id: string; friendlyName: string }[]; signupMode: SignupMode }): JSX.Element {
  const names = new Map(p.groups.map((g) => [g.id, g.friendlyName]));
  return (
    <section class="section" id="signup-list">
      <h2>Links</h2>
      {p.tokens.length === 0 ? (
        <EmptyState title="No sign-up links" text="Create one above to invite someone." />
      ) : (
        <ul class="list">
          {p.tokens.map((t) => (
            <li class="list-item">
              <div class="grow">
                <div class="title">
                  <code safe>{`/st/${t.prefix}…`}</code> {signupTokenBadge(t, p.signupMode)}
                </div>
                <div class="meta">
                  <span safe>{`${t.usageCount} of ${t.usageLimit} used · expires ${(t.expiresAt ?? "").slice(0, 16).replace("T", " ")} UTC`}</span>
                  {t.userGroupIds.length ? <span safe>{` · joins ${t.userGroupIds.map((g) => names.get(g) ?? g).join(", ")}`}</span> : ""}
                </div>
              </div>
              <div class="actions">
                <form method="post" action={`/settings/admin/signup-tokens/${t.id}/delete`} hx-post={`/settings/admin/signup-tokens/${t.id}/delete`} hx-target="#signup-list" hx-swap="outerHTML" hx-confirm="Delete this sign-up link?">
                  <Csrf ctx={p.ctx} />
                  <button type="submit" class="btn btn-ghost btn-sm danger-text">Delete</button>
                </form>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
