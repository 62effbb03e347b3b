/** Admin: application configuration (/settings/admin/application-configuration); read-only with UI_CONFIG_DISABLED. */
import type { PageContext } from "../../page-context.ts";
import type { AppConfig } from "../../../src/admin/app-config.ts";
import type { MessageKey } from "../../../src/i18n/catalog.ts";
import { AdminLayout, ClaimRows, Csrf, Field, FormErrors, PageHeader, Toggle } from "./admin-shell.tsx";
import { EmailSettingsSection, EmailTestSection } from "./email-settings.tsx";

export function AppConfigPage(p: { ctx: PageContext; config: AppConfig; groups: { id: string; friendlyName: string }[]; readOnly: boolean; images: ImageVersions; adminEmail?: string | null }): JSX.Element {
  const { t } = p.ctx;
  return (
    <AdminLayout ctx={p.ctx} title={t("appConfig.title")} scripts={["app-config.js"]}>
      <PageHeader title={t("appConfig.title")} lead={t("appConfig.lead")} />
      {p.readOnly ? (
        <div class="alert alert-info" role="status">
          <strong safe>{t("appConfig.readOnlyTitle")}</strong> <span safe>{t("appConfig.readOnlyBody")}</span>
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
  const { t } = p.ctx;
  const c = p.config;
  const e = p.errors ?? {};
  const ro = p.readOnly;
  const defaults = new Set(c.signupDefaultUserGroupIDs);
  const action = "/settings/admin/application-configuration";
  return (
    <form id="app-config" method="post" action={action} hx-post={action} hx-target="#app-config" hx-swap="outerHTML" novalidate data-saved-app-name={p.saved?.appName} data-branding-version={p.saved?.brandingVersion}>
      <Csrf ctx={p.ctx} />
      {p.saved ? <div class="alert alert-success" role="status" data-autofocus tabindex="-1" safe>{t("appConfig.saved")}</div> : ""}
      <FormErrors ctx={p.ctx} errors={p.errors} />
      <div class="stack">
        <section class="section">
          <h2 safe>{t("appConfig.general")}</h2>
          <div class="config-grid">
            <Field ctx={p.ctx} name="appName" label={t("appConfig.appName")} value={c.appName} error={e.appName} required maxlength={30} disabled={ro} hint={t("appConfig.appNameHint")} />
            <Field ctx={p.ctx} name="sessionDuration" label={t("appConfig.sessionDuration")} type="number" min="1" max="525600" value={c.sessionDuration} error={e.sessionDuration} required disabled={ro} hint={t("appConfig.sessionDurationHint")} />
            <Field ctx={p.ctx} name="homePageUrl" label={t("appConfig.homePage")} value={c.homePageUrl} error={e.homePageUrl} required disabled={ro} hint={t("appConfig.homePageHint")} />
            <AccentColorField ctx={p.ctx} value={c.accentColor} error={e.accentColor} disabled={ro} />
          </div>
          <Toggle name="disableAnimations" label={t("appConfig.disableAnimations")} checked={c.disableAnimations} disabled={ro} value="true" />
        </section>
        <section class="section">
          <h2 safe>{t("appConfig.users")}</h2>
          <Toggle name="allowOwnAccountEdit" label={t("appConfig.allowOwnAccountEdit")} checked={c.allowOwnAccountEdit} disabled={ro} value="true" hint={t("appConfig.allowOwnAccountEditHint")} />
          <Toggle name="requireUserEmail" label={t("appConfig.requireUserEmail")} checked={c.requireUserEmail} disabled={ro} value="true" hint={t("appConfig.requireUserEmailHint")} />
          <Toggle name="emailsVerified" label={t("appConfig.emailsVerified")} checked={c.emailsVerified} disabled={ro} value="true" hint={t("appConfig.emailsVerifiedHint")} />
        </section>
        <section class="section">
          <h2 safe>{t("appConfig.apiKeys")}</h2>
          <div class="config-grid">
            <Field ctx={p.ctx} name="apiKeyMaxLifetimeDays" label={t("appConfig.apiKeyLifetime")} type="number" min="1" max="3650" value={c.apiKeyMaxLifetimeDays} error={e.apiKeyMaxLifetimeDays} required disabled={ro} hint={t("appConfig.apiKeyLifetimeHint")} />
          </div>
        </section>
        <section class="section">
          <h2 safe>{t("appConfig.cimdTitle")}</h2>
          <div class="field">
            <label for="f-cimd" safe>{t("appConfig.cimdAllowlist")}</label>
            <textarea id="f-cimd" name="cimdUrlAllowlist" class="mono" rows="3" spellcheck="false" autocapitalize="off" disabled={ro} placeholder={"https://app.example.com/oauth/client.json\nhttps://*.example.org/**"} aria-invalid={e.cimdUrlAllowlist ? "true" : undefined} aria-describedby="f-cimd-hint" safe>
              {(Array.isArray(c.cimdUrlAllowlist) ? c.cimdUrlAllowlist : []).join("\n")}
            </textarea>
            {e.cimdUrlAllowlist ? <p class="error-text" safe>{e.cimdUrlAllowlist}</p> : ""}
            <p class="hint" id="f-cimd-hint" safe>{t("appConfig.cimdAllowlistHint")}</p>
          </div>
        </section>
        <section class="section">
          <h2 safe>{t("appConfig.signups")}</h2>
          <fieldset class="fieldset">
            <legend class="sr-only" safe>{t("appConfig.signupsWho")}</legend>
            <div class="radio-group">
              {([["disabled", t("appConfig.signupDisabled"), t("appConfig.signupDisabledHint")], ["withToken", t("appConfig.signupWithToken"), t("appConfig.signupWithTokenHint")], ["open", t("appConfig.signupOpen"), t("appConfig.signupOpenHint")]] as const).map(([v, l, h]) => (
                <label class="checkbox">
                  <input type="radio" name="allowUserSignups" value={v} checked={c.allowUserSignups === v} disabled={ro} />
                  <span>
                    <span safe>{l}</span>
                    <span class="hint" safe>{h}</span>
                  </span>
                </label>
              ))}
            </div>
            {e.allowUserSignups ? <p class="error-text" safe>{e.allowUserSignups}</p> : ""}
          </fieldset>
          <fieldset class="fieldset">
            <legend safe>{t("appConfig.newAccountsJoin")}</legend>
            <input type="hidden" name="signupDefaultUserGroupIDs" value="" />
            {p.groups.length === 0 ? (
              <p class="muted small" safe>{t("appConfig.noGroups")}</p>
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
            <legend safe>{t("appConfig.customClaims")}</legend>
            {ro ? (
              <p class="muted small" safe>{c.signupDefaultCustomClaims.map((x) => `${x.key}=${x.value}`).join(", ") || t("appConfig.none")}</p>
            ) : (
              <ClaimRows ctx={p.ctx} claims={c.signupDefaultCustomClaims} errors={Object.fromEntries(Object.entries(e).filter(([k]) => k.startsWith("signupDefaultCustomClaims")).map(([k, v]) => [k.replace("signupDefaultCustomClaims", "customClaims"), v]))} />
            )}
          </fieldset>
        </section>
        <section class="section">
          <h2 safe>{t("appConfig.passkeys")}</h2>
          <div class="config-grid">
            <div class="field">
              <label for="f-uv" safe>{t("appConfig.userVerification")}</label>
              <select id="f-uv" name="webauthnUserVerification" disabled={ro}>
                <option value="required" selected={c.webauthnUserVerification === "required"} safe>{t("appConfig.uvRequired")}</option>
                <option value="preferred" selected={c.webauthnUserVerification === "preferred"} safe>{t("appConfig.uvPreferred")}</option>
              </select>
            </div>
            <div class="field">
              <label for="f-att" safe>{t("appConfig.attachment")}</label>
              <select id="f-att" name="webauthnAuthenticatorAttachment" disabled={ro}>
                <option value="any" selected={c.webauthnAuthenticatorAttachment === "any"} safe>{t("appConfig.attachmentAny")}</option>
                <option value="platform" selected={c.webauthnAuthenticatorAttachment === "platform"} safe>{t("appConfig.attachmentPlatform")}</option>
                <option value="cross-platform" selected={c.webauthnAuthenticatorAttachment === "cross-platform"} safe>{t("appConfig.attachmentCrossPlatform")}</option>
              </select>
            </div>
          </div>
          <Toggle name="webauthnAllowSyncedPasskeys" label={t("appConfig.syncedPasskeys")} checked={c.webauthnAllowSyncedPasskeys} disabled={ro} value="true" hint={t("appConfig.syncedPasskeysHint")} />
        </section>
        <EmailSettingsSection ctx={p.ctx} values={{ ...c, smtpPasswordSet: c.smtpPassword !== "" }} readOnly={ro} errors={e} />
        {ro ? "" : (
          <div class="form-actions sticky-actions">
            <button type="submit" class="btn" safe>{t("appConfig.save")}</button>
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
function AccentColorField(p: { ctx: PageContext; value: string; error?: string; disabled: boolean }): JSX.Element {
  const { t } = p.ctx;
  const id = "f-accentColor";
  const hex = /^#[0-9a-fA-F]{6}$/.test(p.value) ? p.value.toLowerCase() : "#4f46e5";
  return (
    <div class="field accent-field" data-accent-field>
      <label for={id} safe>{t("appConfig.accentColor")}</label>
      <div class="accent-inputs">
        <input type="color" class="accent-picker" value={hex} aria-label={t("appConfig.accentPick")} disabled={p.disabled} hidden data-accent-picker />
        <input
          id={id}
          name="accentColor"
          type="text"
          value={p.value}
          required
          disabled={p.disabled}
          placeholder={t("appConfig.accentPlaceholder")}
          maxlength="7"
          spellcheck="false"
          autocomplete="off"
          aria-invalid={p.error ? "true" : undefined}
          aria-describedby={`${id}-hint${p.error ? ` ${id}-error` : ""}`}
          data-accent-text
        />
        {p.disabled ? "" : <button type="button" class="btn btn-secondary btn-sm" hidden data-accent-default safe>{t("appConfig.useDefault")}</button>}
      </div>
      {p.error ? <p class="error-text" id={`${id}-error`} safe>{p.error}</p> : ""}
      <p class="hint" id={`${id}-hint`} safe>{t("appConfig.accentHint")}</p>
      <div class="accent-preview" hidden data-accent-preview>
        <span class="accent-preview-label" safe>{t("appConfig.preview")}</span>
        <span class="btn btn-sm" aria-hidden="true" safe>{t("appConfig.previewButton")}</span>
        <span class="accent-preview-link" aria-hidden="true" safe>{t("appConfig.previewLink")}</span>
        <span class="badge badge-accent" aria-hidden="true" safe>{t("appConfig.previewBadge")}</span>
      </div>
    </div>
  );
}

type AppImageName = "logo-light" | "logo-dark" | "logo-email" | "favicon" | "background" | "default-profile-picture";
/** When each uploaded image last changed; null when none is uploaded. */
export type ImageVersions = Record<AppImageName, number | null>;

/** Each image, the URL of what is served now (the built-in icon when none is uploaded) and its notes. */
const IMAGE_SLOTS: { name: AppImageName; label: MessageKey; hint: MessageKey; scheme: "light" | "dark" | "page"; url: (v: number | null) => string | null }[] = [
  { name: "logo-light", label: "appConfig.imageLogo", hint: "appConfig.imageLogoHint", scheme: "light", url: (v) => `/branding/logo${v ? `?v=${v}` : ""}` },
  { name: "logo-dark", label: "appConfig.imageLogoDark", hint: "appConfig.imageLogoDarkHint", scheme: "dark", url: (v) => `/branding/logo?light=false${v ? `&v=${v}` : ""}` },
  { name: "logo-email", label: "appConfig.imageEmailLogo", hint: "appConfig.imageEmailLogoHint", scheme: "light", url: (v) => (v ? `/api/application-images/email?v=${v}` : null) },
  { name: "favicon", label: "appConfig.imageFavicon", hint: "appConfig.imageFaviconHint", scheme: "page", url: (v) => `/branding/favicon${v ? `?v=${v}` : ""}` },
  { name: "background", label: "appConfig.imageBackground", hint: "appConfig.imageBackgroundHint", scheme: "page", url: (v) => (v ? `/api/application-images/background?v=${v}` : null) },
  { name: "default-profile-picture", label: "appConfig.imageDefaultPicture", hint: "appConfig.imageDefaultPictureHint", scheme: "page", url: (v) => (v ? `/api/application-images/default-profile-picture?v=${v}` : null) },
];

/** What the preview shows: the uploaded image, or which built-in one is in use. */
function previewNote(name: AppImageName, images: ImageVersions): MessageKey {
  if (images[name]) return "appConfig.noteUploaded";
  if ((name === "logo-dark" || name === "logo-email") && images["logo-light"]) return "appConfig.noteUsingLogo";
  if (name === "logo-email") return "appConfig.noteEmailName";
  if (name === "background") return "appConfig.noteNoBackground";
  if (name === "default-profile-picture") return "appConfig.noteInitials";
  return "appConfig.noteBuiltIn";
}

export function BrandingSection(p: { ctx: PageContext; images: ImageVersions; error?: string; notice?: string }): JSX.Element {
  const { t } = p.ctx;
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
      <h2 id="branding-title" safe>{t("appConfig.brandingTitle")}</h2>
      <p class="muted small" safe>{t("appConfig.brandingLead")}</p>
      {p.notice ? <div class="alert alert-success" role="status" safe>{p.notice}</div> : ""}
      {p.error ? <div class="alert alert-error" role="alert" safe>{p.error}</div> : ""}
      <div class="grid-2">
        {IMAGE_SLOTS.map(({ name, label: labelKey, hint, scheme, url }) => {
          const label = t(labelKey);
          const src = url(name === "logo-dark" ? darkVersion : name === "logo-email" ? (p.images["logo-email"] ?? p.images["logo-light"]) : p.images[name]);
          return (
          <div class={`logo-variant preview-${scheme}${name === "background" ? " preview-background" : ""}`} data-image={name}>
            <div class="label" safe>{label}</div>
            <div class="logo-preview">
              {src ? <img src={src} alt={t("appConfig.imageInUse", { label })} /> : ""}
              <span class="logo-preview-note" safe>{t(previewNote(name, p.images))}</span>
            </div>
            <p class="hint small muted" safe>{t(hint)}</p>
            <form class="inline-form" method="post" action={`${base}/${name}`} enctype="multipart/form-data" hx-post={`${base}/${name}`} hx-encoding="multipart/form-data" hx-target="#branding" hx-swap="outerHTML">
              <Csrf ctx={p.ctx} />
              <label class="sr-only" for={`img-${name}`} safe>{t("appConfig.imageFile", { label })}</label>
              <input id={`img-${name}`} type="file" name="file" accept={name === "favicon" ? "image/png,image/jpeg,image/gif,image/webp,image/x-icon" : name === "logo-email" ? "image/png,image/jpeg" : "image/png,image/jpeg,image/gif,image/webp"} required />
              <button type="submit" class="btn btn-secondary btn-sm" safe>{t("appConfig.upload")}</button>
            </form>
            {p.images[name] ? (
              <form method="post" action={`${base}/${name}/delete`} hx-post={`${base}/${name}/delete`} hx-target="#branding" hx-swap="outerHTML">
                <Csrf ctx={p.ctx} />
                <button type="submit" class="btn btn-link small" safe>{t("appConfig.useDefault")}</button>
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
