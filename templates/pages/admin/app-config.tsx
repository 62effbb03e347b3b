/** Admin: application configuration (/settings/admin/application-configuration); read-only with UI_CONFIG_DISABLED. */
import type { PageContext } from "../../page-context.ts";
import type { AppConfig } from "../../../src/admin/app-config.ts";
import { AdminLayout, ClaimRows, Csrf, Field, FormErrors, PageHeader, Toggle } from "./admin-shell.tsx";
import { EmailSettingsSection, EmailTestSection } from "./email-settings.tsx";

export function AppConfigPage(p: { ctx: PageContext; config: AppConfig; groups: { id: string; friendlyName: string }[]; readOnly: boolean; images: ImageVersions; adminEmail?: string | null }): JSX.Element {
  return (
    <AdminLayout ctx={p.ctx} title="Application configuration" scripts={["app-config.js"]}>
      <PageHeader title="Application configuration" lead="Branding, sessions, profiles, sign-ups and passkey policy." />
      {p.readOnly ? (
        <div class="alert alert-info" role="status">
          <strong>Read-only: UI_CONFIG_DISABLED=true.</strong>
          Every value comes from its environment variable (APP_NAME, SESSION_DURATION, ALLOW_USER_SIGNUPS, …). Change the environment and restart to update them.
        </div>
      ) : (
        ""
      )}
      <AppConfigForm ctx={p.ctx} config={p.config} groups={p.groups} readOnly={p.readOnly} />
      <EmailTestSection ctx={p.ctx} adminEmail={p.adminEmail ?? null} />
      <BrandingSection ctx={p.ctx} images={p.images} />
    </AdminLayout>
  );
}

export type AppConfigFormValues = Omit<AppConfig, "sessionDuration" | "apiKeyMaxLifetimeDays"> & { sessionDuration: number | string; apiKeyMaxLifetimeDays: number | string };

/** After a save: what the page updates in place (the header's name, the accent stylesheet) without a reload. */
export interface SavedBranding {
  appName: string;
  /** /branding.css's fingerprint now; the page loads /branding.css?v=<it>. */
  brandingVersion: string;
}

export function AppConfigForm(p: { ctx: PageContext; config: AppConfigFormValues; groups: { id: string; friendlyName: string }[]; readOnly: boolean; errors?: Record<string, string>; saved?: SavedBranding }): JSX.Element {
  const c = p.config;
  const e = p.errors ?? {};
  const ro = p.readOnly;
  const defaults = new Set(c.signupDefaultUserGroupIDs);
  const action = "/settings/admin/application-configuration";
  return (
    <form id="app-config" method="post" action={action} hx-post={action} hx-target="#app-config" hx-swap="outerHTML" novalidate data-saved-app-name={p.saved?.appName} data-branding-version={p.saved?.brandingVersion}>
      <Csrf ctx={p.ctx} />
      {p.saved ? <div class="alert alert-success" role="status" data-autofocus tabindex="-1">Configuration saved.</div> : ""}
      <FormErrors errors={p.errors} />
      <div class="stack">
        <section class="section">
          <h2>General</h2>
          <div class="config-grid">
            <Field name="appName" label="Application name" value={c.appName} error={e.appName} required maxlength={30} disabled={ro} hint="Shown on every page, in emails and as the passkey relying-party name." />
            <Field name="sessionDuration" label="Session duration (minutes)" type="number" min="1" max="525600" value={c.sessionDuration} error={e.sessionDuration} required disabled={ro} hint="How long a sign-in lasts." />
            <Field name="homePageUrl" label="Home page" value={c.homePageUrl} error={e.homePageUrl} required disabled={ro} hint="Where people land after signing in: a path or an http(s) URL." />
            <AccentColorField value={c.accentColor} error={e.accentColor} disabled={ro} />
          </div>
          <Toggle name="disableAnimations" label="Disable animations" checked={c.disableAnimations} disabled={ro} value="true" />
        </section>
        <section class="section">
          <h2>Users</h2>
          <Toggle name="allowOwnAccountEdit" label="Allow users to edit their own account" checked={c.allowOwnAccountEdit} disabled={ro} value="true" hint="Names, username and email on the My account page." />
          <Toggle name="requireUserEmail" label="Require an email address" checked={c.requireUserEmail} disabled={ro} value="true" hint="Many apps need the email claim." />
          <Toggle name="emailsVerified" label="Treat email addresses as verified" checked={c.emailsVerified} disabled={ro} value="true" hint="New and changed addresses are sent with email_verified = true." />
        </section>
        <section class="section">
          <h2>API keys</h2>
          <div class="config-grid">
            <Field name="apiKeyMaxLifetimeDays" label="Longest API key lifetime (days)" type="number" min="1" max="3650" value={c.apiKeyMaxLifetimeDays} error={e.apiKeyMaxLifetimeDays} required disabled={ro} hint="New and renewed keys must expire within this many days (1–3650). Existing keys keep their date." />
          </div>
        </section>
        <section class="section">
          <h2>Sign-ups</h2>
          <fieldset class="fieldset">
            <legend class="sr-only">Who may create an account</legend>
            <div class="radio-group">
              {([["disabled", "Disabled", "Only administrators create accounts."], ["withToken", "With a link", "People with a sign-up link can create an account."], ["open", "Open", "Anyone who can reach this site can create an account."]] as const).map(([v, l, h]) => (
                <label class="checkbox">
                  <input type="radio" name="allowUserSignups" value={v} checked={c.allowUserSignups === v} disabled={ro} />
                  <span>
                    <span>{l}</span>
                    <span class="hint">{h}</span>
                  </span>
                </label>
              ))}
            </div>
            {e.allowUserSignups ? <p class="error-text" safe>{e.allowUserSignups}</p> : ""}
          </fieldset>
          <fieldset class="fieldset">
            <legend>New accounts join</legend>
            <input type="hidden" name="signupDefaultUserGroupIDs" value="" />
            {p.groups.length === 0 ? (
              <p class="muted small">No groups yet.</p>
            ) : (
              <div class="check-grid">
                {p.groups.map((g) => (
                  <label class="checkbox">
                    <input type="checkbox" name="signupDefaultUserGroupIDs" value={g.id} checked={defaults.has(g.id)} disabled={ro} />
                    <span safe>{g.friendlyName}</span>
                  </label>
                ))}
              </div>
            )}
            {e.signupDefaultUserGroupIDs ? <p class="error-text" safe>{e.signupDefaultUserGroupIDs}</p> : ""}
          </fieldset>
          <fieldset class="fieldset">
            <legend>Custom claims for new accounts</legend>
            {ro ? (
              <p class="muted small" safe>{c.signupDefaultCustomClaims.map((x) => `${x.key}=${x.value}`).join(", ") || "None"}</p>
            ) : (
              <ClaimRows claims={c.signupDefaultCustomClaims} errors={Object.fromEntries(Object.entries(e).filter(([k]) => k.startsWith("signupDefaultCustomClaims")).map(([k, v]) => [k.replace("signupDefaultCustomClaims", "customClaims"), v]))} />
            )}
          </fieldset>
        </section>
        <section class="section">
          <h2>Passkeys</h2>
          <div class="config-grid">
            <div class="field">
              <label for="f-uv">User verification</label>
              <select id="f-uv" name="webauthnUserVerification" disabled={ro}>
                <option value="required" selected={c.webauthnUserVerification === "required"}>Required (PIN or biometrics)</option>
                <option value="preferred" selected={c.webauthnUserVerification === "preferred"}>Preferred</option>
              </select>
            </div>
            <div class="field">
              <label for="f-att">Authenticator type</label>
              <select id="f-att" name="webauthnAuthenticatorAttachment" disabled={ro}>
                <option value="any" selected={c.webauthnAuthenticatorAttachment === "any"}>Any</option>
                <option value="platform" selected={c.webauthnAuthenticatorAttachment === "platform"}>This device (platform)</option>
                <option value="cross-platform" selected={c.webauthnAuthenticatorAttachment === "cross-platform"}>Security keys (cross-platform)</option>
              </select>
            </div>
          </div>
          <Toggle name="webauthnAllowSyncedPasskeys" label="Allow synced passkeys" checked={c.webauthnAllowSyncedPasskeys} disabled={ro} value="true" hint="Passkeys backed up to a password manager or cloud account." />
        </section>
        <EmailSettingsSection values={{ ...c, smtpPasswordSet: c.smtpPassword !== "" }} readOnly={ro} errors={e} />
        {ro ? "" : (
          <div class="form-actions sticky-actions">
            <button type="submit" class="btn">Save configuration</button>
          </div>
        )}
      </div>
    </form>
  );
}

/**
 * The accent colour: the text field is what is sent ("default" or #rrggbb) and works without script;
 * static/js/app-config.js reveals a native colour picker paired with it, a "Use the default" button and a
 * preview of a button, a link and a badge in that colour (light and dark follow the viewer's theme).
 */
function AccentColorField(p: { value: string; error?: string; disabled: boolean }): JSX.Element {
  const id = "f-accentColor";
  const hex = /^#[0-9a-fA-F]{6}$/.test(p.value) ? p.value.toLowerCase() : "#4f46e5";
  return (
    <div class="field accent-field" data-accent-field>
      <label for={id}>Accent colour</label>
      <div class="accent-inputs">
        <input type="color" class="accent-picker" value={hex} aria-label="Pick the accent colour" disabled={p.disabled} hidden data-accent-picker />
        <input
          id={id}
          name="accentColor"
          type="text"
          value={p.value}
          required
          disabled={p.disabled}
          placeholder="default or #4f46e5"
          maxlength="7"
          spellcheck="false"
          autocomplete="off"
          aria-invalid={p.error ? "true" : undefined}
          aria-describedby={`${id}-hint${p.error ? ` ${id}-error` : ""}`}
          data-accent-text
        />
        {p.disabled ? "" : <button type="button" class="btn btn-secondary btn-sm" hidden data-accent-default>Use the default</button>}
      </div>
      {p.error ? <p class="error-text" id={`${id}-error`} safe>{p.error}</p> : ""}
      <p class="hint" id={`${id}-hint`}>“default”, or a hex colour such as #4f46e5.</p>
      <div class="accent-preview" hidden data-accent-preview>
        <span class="accent-preview-label">Preview</span>
        <span class="btn btn-sm" aria-hidden="true">Continue</span>
        <span class="accent-preview-link" aria-hidden="true">A link</span>
        <span class="badge badge-accent" aria-hidden="true">Badge</span>
      </div>
    </div>
  );
}

type AppImageName = "logo-light" | "logo-dark" | "favicon" | "background";
/** When each uploaded image last changed; null when none is uploaded. */
export type ImageVersions = Record<AppImageName, number | null>;

/** Each image, the URL of what is served now (the built-in icon when none is uploaded) and its notes. */
const IMAGE_SLOTS: { name: AppImageName; label: string; hint: string; scheme: "light" | "dark" | "page"; url: (v: number | null) => string | null }[] = [
  { name: "logo-light", label: "Logo", hint: "Top bar and sign-in pages in light mode.", scheme: "light", url: (v) => `/branding/logo${v ? `?v=${v}` : ""}` },
  { name: "logo-dark", label: "Logo for dark mode", hint: "Falls back to the logo.", scheme: "dark", url: (v) => `/branding/logo?light=false${v ? `&v=${v}` : ""}` },
  { name: "favicon", label: "Favicon", hint: "Browser tab icon (PNG or ICO).", scheme: "page", url: (v) => `/branding/favicon${v ? `?v=${v}` : ""}` },
  { name: "background", label: "Sign-in background", hint: "Behind the sign-in card.", scheme: "page", url: (v) => (v ? `/api/application-images/background?v=${v}` : null) },
];

/** What the preview shows: the uploaded image, or which built-in one is in use. */
function previewNote(name: AppImageName, images: ImageVersions): string {
  if (images[name]) return "Uploaded";
  if (name === "logo-dark" && images["logo-light"]) return "Using the logo";
  if (name === "background") return "None: a plain background";
  return "Built-in";
}

export function BrandingSection(p: { ctx: PageContext; images: ImageVersions; error?: string; notice?: string }): JSX.Element {
  const base = "/settings/admin/application-configuration/images";
  // The dark logo falls back to the light one: its preview changes with either.
  const darkVersion = p.images["logo-dark"] ?? p.images["logo-light"];
  return (
    <section
      class="section branding-section"
      id="branding"
      aria-labelledby="branding-title"
      data-logo-version={String(p.images["logo-light"] ?? 0)}
      data-logo-dark-version={String(darkVersion ?? 0)}
      data-favicon-version={String(p.images.favicon ?? 0)}
    >
      <h2 id="branding-title">Branding images</h2>
      <p class="muted small">PNG, JPEG, GIF or WebP up to 2 MB. The accent colour is set above.</p>
      {p.notice ? <div class="alert alert-success" role="status" safe>{p.notice}</div> : ""}
      {p.error ? <div class="alert alert-error" role="alert" safe>{p.error}</div> : ""}
      <div class="grid-2">
        {IMAGE_SLOTS.map(({ name, label, hint, scheme, url }) => {
          const src = url(name === "logo-dark" ? darkVersion : p.images[name]);
          return (
          <div class={`logo-variant preview-${scheme}${name === "background" ? " preview-background" : ""}`}>
            <div class="label" safe>{label}</div>
            <div class="logo-preview">
              {src ? <img src={src} alt={`${label} in use`} /> : ""}
              <span class="logo-preview-note" safe>{previewNote(name, p.images)}</span>
            </div>
            <p class="hint small muted" safe>{hint}</p>
            <form class="inline-form" method="post" action={`${base}/${name}`} enctype="multipart/form-data" hx-post={`${base}/${name}`} hx-encoding="multipart/form-data" hx-target="#branding" hx-swap="outerHTML">
              <Csrf ctx={p.ctx} />
              <label class="sr-only" for={`img-${name}`} safe>{`${label} file`}</label>
              <input id={`img-${name}`} type="file" name="file" accept="image/png,image/jpeg,image/gif,image/webp,image/x-icon" required />
              <button type="submit" class="btn btn-secondary btn-sm">Upload</button>
            </form>
            {p.images[name] ? (
              <form method="post" action={`${base}/${name}/delete`} hx-post={`${base}/${name}/delete`} hx-target="#branding" hx-swap="outerHTML">
                <Csrf ctx={p.ctx} />
                <button type="submit" class="btn btn-link small">Use the default</button>
              </form>
            ) : (
              ""
            )}
          </div>
          );
        })}
      </div>
    </section>
  );
}
