import { Layout } from "../layout.tsx";
import { ProfilePictureSection } from "../components/profile-picture.tsx";
import type { PageContext } from "../page-context.ts";
import type { SessionView } from "../../src/account/user-sessions.ts";
import type { PasskeyView } from "../../src/webauthn/passkeys.ts";
import { DateTime } from "../components/date-time.tsx";
import { LanguagePicker } from "../components/language-picker.tsx";
import { CloudIcon, DeviceIcon, LockIcon, PasskeyIcon } from "../components/passkey-icons.tsx";
import { TextField } from "../components/text-field.tsx";
import { PasskeyMessages } from "../components/passkey-messages.tsx";
import { EmailVerificationStatus } from "./verify-email.tsx";

export interface ProfileValues {
  firstName: string;
  lastName: string;
  displayName: string;
  username: string;
  email: string;
}


export interface AccountPageProps {
  ctx: PageContext;
  now: number;
  passkeys: PasskeyView[];
  /** The passkey just added and named: confirmed above the list. */
  addedPasskey?: PasskeyView;
  profile: ProfileValues;
  canEditProfile: boolean;
  sessions: SessionView[];
  /** The person's API keys: "sign out everywhere" offers to revoke them too. */
  apiKeyCount: number;
  signedInWithCode: boolean;
  /** Shown under the profile when email verification is turned on. */
  emailVerification?: { verified: boolean };
  userId: string;
  hasPicture: boolean;
}

export function AccountPage(p: AccountPageProps): JSX.Element {
  return (
    <Layout ctx={p.ctx} title={p.ctx.t("account.title")} scripts={["passkey.js"]}>
      <PasskeyMessages ctx={p.ctx} />
      <div class="page-header">
        <div>
          <h1 safe>{p.ctx.t("account.title")}</h1>
          <p class="muted" safe>{p.ctx.t("account.intro")}</p>
        </div>
      </div>
      <div class="stack">
        <PasskeySection ctx={p.ctx} passkeys={p.passkeys} now={p.now} signedInWithCode={p.signedInWithCode} added={p.addedPasskey} />
        <ProfileForm ctx={p.ctx} values={p.profile} canEdit={p.canEditProfile} emailVerification={p.emailVerification} />
        <ProfilePictureSection ctx={p.ctx} userId={p.userId} base="/settings/account" hasPicture={p.hasPicture} canEdit={p.canEditProfile} />
        <LanguageSection ctx={p.ctx} />
        <SessionsSection ctx={p.ctx} sessions={p.sessions} now={p.now} apiKeyCount={p.apiKeyCount} />
      </div>
    </Layout>
  );
}

/** The passkey list with its banner; the root (#passkeys) is re-rendered after a delete. */
/** The language of pages and emails, saved on the account (the core's picker and POST /language). */
function LanguageSection({ ctx }: { ctx: PageContext }): JSX.Element {
  const { t } = ctx;
  return (
    <section class="section" id="language" aria-labelledby="language-title">
      <div class="section-header">
        <div>
          <h2 id="language-title" safe>{t("account.languageTitle")}</h2>
          <p class="muted small" safe>{t("account.languageIntro")}</p>
        </div>
        <LanguagePicker ctx={ctx} />
      </div>
    </section>
  );
}

export function PasskeySection({ ctx, passkeys, now, signedInWithCode, added }: { ctx: PageContext; passkeys: PasskeyView[]; now: number; signedInWithCode?: boolean; added?: PasskeyView }): JSX.Element {
  const { t } = ctx;
  return (
    <section class="section" id="passkeys" aria-labelledby="passkeys-title">
      <div class="section-header">
        <div>
          <h2 id="passkeys-title" safe>{t("passkeys.title")}</h2>
          <p class="muted small" safe>{t("passkeys.intro")}</p>
        </div>
        <button type="button" class="btn" data-passkey-register>
          <PasskeyIcon /> <span safe>{t("passkeys.add")}</span>
        </button>
      </div>
      <div id="passkey-error" class="alert alert-error" role="alert" hidden></div>
      {added ? <div class="alert alert-success passkey-added" role="status" safe>{t("passkeys.added", { name: added.name })}</div> : ""}
      {passkeys.length === 0 ? (
        <div class="alert alert-warning" role="status">
          <strong safe>{t("passkeys.noneTitle")}</strong>
          <span safe>{signedInWithCode ? `${t("passkeys.noneAfterCode")} ${t("passkeys.noneText")}` : t("passkeys.noneText")}</span>
        </div>
      ) : passkeys.length === 1 ? (
        <div class="alert alert-info banner-second-passkey" role="status">
          <strong safe>{t("passkeys.secondTitle")}</strong>
          <span safe>{t("passkeys.secondText")}</span>
        </div>
      ) : (
        ""
      )}
      {passkeys.length ? (
        <ul class="list passkey-list">
          {passkeys.map((pk) => (
            <PasskeyItem ctx={ctx} passkey={pk} now={now} isLast={passkeys.length === 1} />
          ))}
        </ul>
      ) : (
        ""
      )}
    </section>
  );
}

export function PasskeyItem({ ctx, passkey, isLast }: { ctx: PageContext; passkey: PasskeyView; now: number; isLast: boolean }): JSX.Element {
  const { t } = ctx;
  const base = `/settings/account/passkeys/${passkey.id}`;
  const safeAdded = ctx.rich("passkeys.addedAt", { when: () => String(<DateTime ctx={ctx} at={passkey.createdAt} />) });
  const safeLastUsed = passkey.lastUsedAt ? ctx.rich("passkeys.lastUsed", { when: () => String(<DateTime ctx={ctx} at={passkey.lastUsedAt!} relative />) }) : null;
  return (
    <li class="list-item passkey-item" id={`passkey-${passkey.id}`} data-passkey-id={passkey.id}>
      <div class="icon-tile"><PasskeyIcon /></div>
      <div class="grow">
        <div class="title-row">
          <span class="title passkey-name" safe>{passkey.name}</span>
          {passkey.synced ? (
            <span class="badge badge-accent" title={t("passkeys.syncedHint")}><CloudIcon /> <span safe>{t("passkeys.synced")}</span></span>
          ) : (
            <span class="badge" title={t("passkeys.deviceOnlyHint")}><LockIcon /> <span safe>{t("passkeys.deviceOnly")}</span></span>
          )}
        </div>
        <div class="meta">
          {passkey.provider ? <span safe>{passkey.provider}</span> : ""}
          {passkey.provider ? <span aria-hidden="true"> · </span> : ""}
          <span>{safeAdded}</span>
          <span aria-hidden="true"> · </span>
          {safeLastUsed ? <span class="last-used">{safeLastUsed}</span> : <span class="last-used" safe>{t("passkeys.notUsed")}</span>}
        </div>
      </div>
      <div class="actions">
        <button type="button" class="btn btn-secondary btn-sm" hx-get={`${base}/rename`} hx-target={`#passkey-${passkey.id}`} hx-swap="outerHTML" aria-label={t("passkeys.renameLabel", { name: passkey.name })} safe>
          {t("passkeys.rename")}
        </button>
        {isLast ? (
          <a class="btn btn-ghost btn-sm danger-text" href={`${base}/delete`} aria-label={t("passkeys.deleteLabel", { name: passkey.name })} safe>{t("passkeys.delete")}</a>
        ) : (
          <button type="button" class="btn btn-ghost btn-sm danger-text" hx-post={`${base}/delete`} hx-target="#passkeys" hx-swap="outerHTML" hx-confirm={t("passkeys.deleteConfirm", { name: passkey.name })} aria-label={t("passkeys.deleteLabel", { name: passkey.name })} safe>
            {t("passkeys.delete")}
          </button>
        )}
      </div>
    </li>
  );
}

export function PasskeyRenameForm({ ctx, passkey, value, error }: { ctx: PageContext; passkey: PasskeyView; value?: string; error?: string }): JSX.Element {
  const { t } = ctx;
  const base = `/settings/account/passkeys/${passkey.id}`;
  return (
    <li class="list-item passkey-item editing" id={`passkey-${passkey.id}`}>
      <div class="icon-tile"><PasskeyIcon /></div>
      <form class="grow rename-form" novalidate method="post" action={`${base}/rename`} hx-post={`${base}/rename`} hx-target={`#passkey-${passkey.id}`} hx-swap="outerHTML">
        <input type="hidden" name="_csrf" value={ctx.csrfToken} />
        <label class="sr-only" for={`rename-${passkey.id}`} safe>{t("passkeys.nameLabel")}</label>
        <div class="inline-form">
          <input id={`rename-${passkey.id}`} name="name" type="text" value={value ?? passkey.name} maxlength="50" required autofocus aria-invalid={error ? "true" : undefined} />
          <button type="submit" class="btn btn-sm" safe>{t("passkeys.save")}</button>
          <button type="button" class="btn btn-ghost btn-sm" hx-get={base} hx-target={`#passkey-${passkey.id}`} hx-swap="outerHTML" safe>{t("passkeys.cancel")}</button>
        </div>
        {error ? <p class="error-text" safe>{error}</p> : ""}
      </form>
    </li>
  );
}

export function ProfileForm({ ctx, values, canEdit, errors = {}, saved, emailVerification }: { ctx: PageContext; values: ProfileValues; canEdit: boolean; errors?: Record<string, string>; saved?: boolean; emailVerification?: { verified: boolean } }): JSX.Element {
  const { t } = ctx;
  return (
    <section class="section" id="profile" aria-labelledby="profile-title">
      <div class="section-header">
        <div>
          <h2 id="profile-title" safe>{t("account.profileTitle")}</h2>
          <p class="muted small" safe>{t("account.profileIntro")}</p>
        </div>
      </div>
      <form id="profile-form" method="post" action="/settings/account/profile" hx-post="/settings/account/profile" hx-target="#profile" hx-swap="outerHTML" novalidate>
        <input type="hidden" name="_csrf" value={ctx.csrfToken} />
        {saved ? <div class="alert alert-success" role="status" safe>{t("account.profileSaved")}</div> : ""}
        {!canEdit ? <div class="alert alert-info" safe>{t("account.profileManaged")}</div> : ""}
        <div class="grid-2">
          <TextField name="firstName" label={t("account.firstName")} ctx={ctx} value={values.firstName} error={errors.firstName} autocomplete="given-name" required disabled={!canEdit} maxlength={50} />
          <TextField name="lastName" label={t("account.lastName")} ctx={ctx} value={values.lastName} error={errors.lastName} autocomplete="family-name" disabled={!canEdit} maxlength={50} />
        </div>
        <TextField name="displayName" label={t("account.displayName")} ctx={ctx} value={values.displayName} error={errors.displayName} autocomplete="name" disabled={!canEdit} maxlength={100} />
        <div class="grid-2">
          <TextField name="username" label={t("account.username")} ctx={ctx} value={values.username} error={errors.username} autocomplete="username" required disabled={!canEdit} maxlength={50} />
          <TextField name="email" label={t("account.email")} ctx={ctx} type="email" value={values.email} error={errors.email} autocomplete="email" disabled={!canEdit} />
        </div>
        {canEdit ? <button type="submit" class="btn" safe>{t("account.saveProfile")}</button> : ""}
      </form>
      {emailVerification ? <EmailVerificationStatus ctx={ctx} email={values.email || null} verified={emailVerification.verified} enabled csrfToken={ctx.csrfToken} /> : ""}
    </section>
  );
}

export function SessionsSection({ ctx, sessions, apiKeyCount }: { ctx: PageContext; sessions: SessionView[]; now: number; apiKeyCount: number }): JSX.Element {
  const { t } = ctx;
  return (
    <section class="section" id="sessions" aria-labelledby="sessions-title">
      <div class="section-header">
        <div>
          <h2 id="sessions-title" safe>{t("account.sessionsTitle")}</h2>
          <p class="muted small" safe>{t("account.sessionsIntro")}</p>
        </div>
        <form class="sign-out-all" method="post" action="/settings/account/sessions/end-all" data-confirm={t("account.signOutEverywhereConfirm")}>
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          {apiKeyCount > 0 ? (
            <label class="checkbox small">
              <input type="checkbox" name="revokeApiKeys" value="on" />
              <span safe>{t("account.revokeApiKeys", { count: apiKeyCount })}</span>
            </label>
          ) : (
            ""
          )}
          <button type="submit" class="btn btn-secondary" safe>{t("account.signOutEverywhere")}</button>
        </form>
      </div>
      <ul class="list">
        {sessions.map((s) => {
          // Browser and system are names; the words around them are the viewer's language.
          const device = s.browser && s.os ? t("account.sessionDevice", { browser: s.browser, os: s.os }) : s.userAgent?.trim() ? s.device : t("account.unknownDevice");
          return (
          <li class="list-item">
            <div class="icon-tile icon-tile-muted"><DeviceIcon /></div>
            <div class="grow">
              <div class="title-row">
                <span class="title" safe>{device}</span>
                {s.current ? <span class="badge badge-success" safe>{t("account.thisDevice")}</span> : ""}
              </div>
              <div class="meta">
                {s.ip ? <span safe>{s.ip}</span> : ""}
                {s.ip ? <span aria-hidden="true"> · </span> : ""}
                <SessionTimes ctx={ctx} session={s} />
              </div>
            </div>
            <div class="actions">
              <button
                type="button"
                class="btn btn-ghost btn-sm danger-text"
                hx-post={`/settings/account/sessions/${s.id}/end`}
                hx-target="#sessions"
                hx-swap="outerHTML"
                aria-label={s.current ? t("account.signOutThisDevice") : t("account.signOutDevice", { device })}
                safe
              >
                {t("account.signOut")}
              </button>
            </div>
          </li>
          );
        })}
      </ul>
    </section>
  );
}

function SessionTimes({ ctx, session }: { ctx: PageContext; session: SessionView }): JSX.Element {
  const safeSignedIn = ctx.rich("account.signedInAt", { when: () => String(<DateTime ctx={ctx} at={session.createdAt} relative />) });
  const safeActive = ctx.rich("account.activeAt", { when: () => String(<DateTime ctx={ctx} at={session.lastSeenAt} relative />) });
  return (
    <>
      <span>{safeSignedIn}</span>
      <span aria-hidden="true"> · </span>
      <span>{safeActive}</span>
    </>
  );
}

/** Confirmation page for deleting a passkey; for the last one it spells out the consequence. */
export function DeletePasskeyPage({ ctx, passkey, isLast }: { ctx: PageContext; passkey: PasskeyView; isLast: boolean }): JSX.Element {
  const { t } = ctx;
  const title = isLast ? t("passkeys.deleteLastTitle") : t("passkeys.deleteTitle");
  const name = () => String(<strong safe>{passkey.name}</strong>);
  const safeText = ctx.rich(isLast ? "passkeys.deleteLastText" : "passkeys.deleteText", { name });
  const safeWarning = ctx.rich("passkeys.deleteLastWarning", { cmd: () => "<code>one-time-access-token</code>" });
  return (
    <Layout ctx={ctx} title={title}>
      <section class="section confirm-section" aria-labelledby="delete-title">
        <h1 id="delete-title" safe>{title}</h1>
        <p>{safeText}</p>
        {isLast ? (
          <div class="alert alert-warning">
            <strong safe>{t("passkeys.deleteLastWarningTitle")}</strong>
            <span>{safeWarning}</span>
          </div>
        ) : (
          ""
        )}
        <form method="post" action={`/settings/account/passkeys/${passkey.id}/delete`} class="row">
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          {isLast ? <input type="hidden" name="confirm" value="delete-last-passkey" /> : ""}
          <button type="submit" class="btn btn-danger" safe>{isLast ? t("passkeys.deleteLastButton") : t("passkeys.deleteButton")}</button>
          <a class="btn btn-secondary" href="/settings/account" safe>{t("passkeys.keep")}</a>
        </form>
      </section>
    </Layout>
  );
}
