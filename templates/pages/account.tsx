import { Layout } from "../layout.tsx";
import { ProfilePictureSection } from "../components/profile-picture.tsx";
import type { PageContext } from "../page-context.ts";
import type { SessionView } from "../../src/account/user-sessions.ts";
import type { PasskeyView } from "../../src/webauthn/passkeys.ts";
import { formatDate, relativeTime } from "../../src/lib/relative-time.ts";
import { CloudIcon, DeviceIcon, LockIcon, PasskeyIcon } from "../components/passkey-icons.tsx";
import { TextField } from "../components/text-field.tsx";
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
    <Layout ctx={p.ctx} title="My account" scripts={["passkey.js"]}>
      <div class="page-header">
        <div>
          <h1>My account</h1>
          <p class="muted">Your passkeys, your profile and where you are signed in.</p>
        </div>
      </div>
      <div class="stack">
        <PasskeySection ctx={p.ctx} passkeys={p.passkeys} now={p.now} signedInWithCode={p.signedInWithCode} added={p.addedPasskey} />
        <ProfileForm ctx={p.ctx} values={p.profile} canEdit={p.canEditProfile} emailVerification={p.emailVerification} />
        <ProfilePictureSection ctx={p.ctx} userId={p.userId} base="/settings/account" hasPicture={p.hasPicture} canEdit={p.canEditProfile} />
        <SessionsSection ctx={p.ctx} sessions={p.sessions} now={p.now} apiKeyCount={p.apiKeyCount} />
      </div>
    </Layout>
  );
}

/** The passkey list with its banner; the root (#passkeys) is re-rendered after a delete. */
export function PasskeySection({ ctx, passkeys, now, signedInWithCode, added }: { ctx: PageContext; passkeys: PasskeyView[]; now: number; signedInWithCode?: boolean; added?: PasskeyView }): JSX.Element {
  return (
    <section class="section" id="passkeys" aria-labelledby="passkeys-title">
      <div class="section-header">
        <div>
          <h2 id="passkeys-title">Passkeys</h2>
          <p class="muted small">Passkeys let you sign in with your fingerprint, face, PIN or a security key.</p>
        </div>
        <button type="button" class="btn" data-passkey-register>
          <PasskeyIcon /> Add passkey
        </button>
      </div>
      <div id="passkey-error" class="alert alert-error" role="alert" hidden></div>
      {added ? <div class="alert alert-success passkey-added" role="status" safe>{`Passkey “${added.name}” added.`}</div> : ""}
      {passkeys.length === 0 ? (
        <div class="alert alert-warning" role="status">
          <strong>You have no passkey.</strong>
          {signedInWithCode ? "You signed in with a login code. " : ""}Add a passkey now, or you will need another login code to sign in next time.
        </div>
      ) : passkeys.length === 1 ? (
        <div class="alert alert-info banner-second-passkey" role="status">
          <strong>Add a second passkey</strong>
          You have only one. If you lose that device, you will need a login code from an administrator to get back in. A second passkey on another device or a security key avoids that.
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

export function PasskeyItem({ passkey, now, isLast }: { ctx: PageContext; passkey: PasskeyView; now: number; isLast: boolean }): JSX.Element {
  const base = `/settings/account/passkeys/${passkey.id}`;
  return (
    <li class="list-item passkey-item" id={`passkey-${passkey.id}`} data-passkey-id={passkey.id}>
      <div class="icon-tile"><PasskeyIcon /></div>
      <div class="grow">
        <div class="title-row">
          <span class="title passkey-name" safe>{passkey.name}</span>
          {passkey.synced ? (
            <span class="badge badge-accent" title="Backed up to a password manager or cloud account and available on your other devices"><CloudIcon /> Synced</span>
          ) : (
            <span class="badge" title="Stored only on this authenticator; it cannot be restored if the device is lost"><LockIcon /> This device only</span>
          )}
        </div>
        <div class="meta">
          {passkey.provider ? <span safe>{passkey.provider}</span> : ""}
          {passkey.provider ? <span aria-hidden="true"> · </span> : ""}
          <span safe>{`Added ${formatDate(passkey.createdAt)}`}</span>
          <span aria-hidden="true"> · </span>
          <span class="last-used">{passkey.lastUsedAt ? `Last used ${relativeTime(passkey.lastUsedAt, now)}` : "Not used yet"}</span>
        </div>
      </div>
      <div class="actions">
        <button type="button" class="btn btn-secondary btn-sm" hx-get={`${base}/rename`} hx-target={`#passkey-${passkey.id}`} hx-swap="outerHTML" aria-label={`Rename ${passkey.name}`}>
          Rename
        </button>
        {isLast ? (
          <a class="btn btn-ghost btn-sm danger-text" href={`${base}/delete`} aria-label={`Delete ${passkey.name}`}>Delete</a>
        ) : (
          <button type="button" class="btn btn-ghost btn-sm danger-text" hx-post={`${base}/delete`} hx-target="#passkeys" hx-swap="outerHTML" hx-confirm={`Delete the passkey “${passkey.name}”? You will no longer be able to sign in with it.`} aria-label={`Delete ${passkey.name}`}>
            Delete
          </button>
        )}
      </div>
    </li>
  );
}

export function PasskeyRenameForm({ ctx, passkey, value, error }: { ctx: PageContext; passkey: PasskeyView; value?: string; error?: string }): JSX.Element {
  const base = `/settings/account/passkeys/${passkey.id}`;
  return (
    <li class="list-item passkey-item editing" id={`passkey-${passkey.id}`}>
      <div class="icon-tile"><PasskeyIcon /></div>
      <form class="grow rename-form" novalidate method="post" action={`${base}/rename`} hx-post={`${base}/rename`} hx-target={`#passkey-${passkey.id}`} hx-swap="outerHTML">
        <input type="hidden" name="_csrf" value={ctx.csrfToken} />
        <label class="sr-only" for={`rename-${passkey.id}`}>Passkey name</label>
        <div class="inline-form">
          <input id={`rename-${passkey.id}`} name="name" type="text" value={value ?? passkey.name} maxlength="50" required autofocus aria-invalid={error ? "true" : undefined} />
          <button type="submit" class="btn btn-sm">Save</button>
          <button type="button" class="btn btn-ghost btn-sm" hx-get={base} hx-target={`#passkey-${passkey.id}`} hx-swap="outerHTML">Cancel</button>
        </div>
        {error ? <p class="error-text" safe>{error}</p> : ""}
      </form>
    </li>
  );
}

export function ProfileForm({ ctx, values, canEdit, errors = {}, saved, emailVerification }: { ctx: PageContext; values: ProfileValues; canEdit: boolean; errors?: Record<string, string>; saved?: boolean; emailVerification?: { verified: boolean } }): JSX.Element {
  return (
    <section class="section" id="profile" aria-labelledby="profile-title">
      <div class="section-header">
        <div>
          <h2 id="profile-title">Profile</h2>
          <p class="muted small">Shared with the apps you sign in to.</p>
        </div>
      </div>
      <form id="profile-form" method="post" action="/settings/account/profile" hx-post="/settings/account/profile" hx-target="#profile" hx-swap="outerHTML" novalidate>
        <input type="hidden" name="_csrf" value={ctx.csrfToken} />
        {saved ? <div class="alert alert-success" role="status">Your profile was saved.</div> : ""}
        {!canEdit ? <div class="alert alert-info">Your administrator manages these details.</div> : ""}
        <div class="grid-2">
          <TextField name="firstName" label="First name" value={values.firstName} error={errors.firstName} autocomplete="given-name" required disabled={!canEdit} maxlength={50} />
          <TextField name="lastName" label="Last name" value={values.lastName} error={errors.lastName} autocomplete="family-name" disabled={!canEdit} maxlength={50} />
        </div>
        <TextField name="displayName" label="Display name" value={values.displayName} error={errors.displayName} autocomplete="name" disabled={!canEdit} maxlength={100} />
        <div class="grid-2">
          <TextField name="username" label="Username" value={values.username} error={errors.username} autocomplete="username" required disabled={!canEdit} maxlength={50} />
          <TextField name="email" label="Email" type="email" value={values.email} error={errors.email} autocomplete="email" disabled={!canEdit} />
        </div>
        {canEdit ? <button type="submit" class="btn">Save profile</button> : ""}
      </form>
      {emailVerification ? <EmailVerificationStatus email={values.email || null} verified={emailVerification.verified} enabled csrfToken={ctx.csrfToken} /> : ""}
    </section>
  );
}

export function SessionsSection({ ctx, sessions, now, apiKeyCount }: { ctx: PageContext; sessions: SessionView[]; now: number; apiKeyCount: number }): JSX.Element {
  return (
    <section class="section" id="sessions" aria-labelledby="sessions-title">
      <div class="section-header">
        <div>
          <h2 id="sessions-title">Where you're signed in</h2>
          <p class="muted small">Sign out everywhere if you used a shared or lost device.</p>
        </div>
        <form class="sign-out-all" method="post" action="/settings/account/sessions/end-all" data-confirm="Sign out on every device, including this one?">
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          {apiKeyCount > 0 ? (
            <label class="checkbox small">
              <input type="checkbox" name="revokeApiKeys" value="on" />
              <span safe>{apiKeyCount === 1 ? "Also revoke my API key" : `Also revoke my ${apiKeyCount} API keys`}</span>
            </label>
          ) : (
            ""
          )}
          <button type="submit" class="btn btn-secondary">Sign out everywhere</button>
        </form>
      </div>
      <ul class="list">
        {sessions.map((s) => (
          <li class="list-item">
            <div class="icon-tile icon-tile-muted"><DeviceIcon /></div>
            <div class="grow">
              <div class="title-row">
                <span class="title" safe>{s.device}</span>
                {s.current ? <span class="badge badge-success">This device</span> : ""}
              </div>
              <div class="meta">
                {s.ip ? <span safe>{s.ip}</span> : ""}
                {s.ip ? <span aria-hidden="true"> · </span> : ""}
                <span safe>{`Signed in ${relativeTime(s.createdAt, now)}`}</span>
                <span aria-hidden="true"> · </span>
                <span safe>{`Active ${relativeTime(s.lastSeenAt, now)}`}</span>
              </div>
            </div>
            <div class="actions">
              <button
                type="button"
                class="btn btn-ghost btn-sm danger-text"
                hx-post={`/settings/account/sessions/${s.id}/end`}
                hx-target="#sessions"
                hx-swap="outerHTML"
                aria-label={s.current ? "Sign out on this device" : `Sign out ${s.device}`}
              >
                Sign out
              </button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Confirmation page for deleting a passkey; for the last one it spells out the consequence. */
export function DeletePasskeyPage({ ctx, passkey, isLast }: { ctx: PageContext; passkey: PasskeyView; isLast: boolean }): JSX.Element {
  const title = isLast ? "Delete your only passkey?" : "Delete this passkey?";
  return (
    <Layout ctx={ctx} title={title}>
      <section class="section confirm-section" aria-labelledby="delete-title">
        <h1 id="delete-title">{title}</h1>
        <p>
          You are about to delete <strong safe>{passkey.name}</strong>
          {isLast ? ", the only passkey on your account." : ". You will no longer be able to sign in with it."}
        </p>
        {isLast ? (
          <div class="alert alert-warning">
            <strong>You will not be able to sign in by yourself.</strong>
            Once you sign out, getting back in needs a one-time login code from an administrator (or the{" "}
            <code>one-time-access-token</code> command on the server). Consider adding another passkey first.
          </div>
        ) : (
          ""
        )}
        <form method="post" action={`/settings/account/passkeys/${passkey.id}/delete`} class="row">
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          {isLast ? <input type="hidden" name="confirm" value="delete-last-passkey" /> : ""}
          <button type="submit" class="btn btn-danger">{isLast ? "Delete my only passkey" : "Delete passkey"}</button>
          <a class="btn btn-secondary" href="/settings/account">Keep it</a>
        </form>
      </section>
    </Layout>
  );
}
