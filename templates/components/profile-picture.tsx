import type { PageContext } from "../page-context.ts";

export interface ProfilePictureProps {
  ctx: PageContext;
  userId: string;
  /** Where the upload and reset forms post: `${base}/picture` and `${base}/picture/delete`. */
  base: string;
  hasPicture: boolean;
  /** False shows the picture without the forms (own-account edits turned off, directory-managed users). */
  canEdit?: boolean;
  error?: string;
  notice?: string;
}

/** The profile picture panel shared by the account page and the admin user page; its root (#profile-picture) is the htmx target. */
export function ProfilePictureSection(p: ProfilePictureProps): JSX.Element {
  const canEdit = p.canEdit ?? true;
  const { t } = p.ctx;
  return (
    <section class="section" id="profile-picture" aria-labelledby="picture-title">
      <h2 id="picture-title" safe>{t("account.pictureTitle")}</h2>
      <div class="picture-row">
        <img class="avatar avatar-lg" src={`/api/users/${p.userId}/profile-picture?v=${Date.now()}`} alt={t("account.pictureAlt")} width="72" height="72" />
        <div class="grow">
          <p class="muted small" safe>{t("account.pictureHint")}</p>
          {p.notice ? <div class="alert alert-success" role="status" safe>{p.notice}</div> : ""}
          {p.error ? <p class="error-text" role="alert" safe>{p.error}</p> : ""}
          {canEdit ? (
            <form class="inline-form" method="post" action={`${p.base}/picture`} enctype="multipart/form-data" hx-post={`${p.base}/picture`} hx-encoding="multipart/form-data" hx-target="#profile-picture" hx-swap="outerHTML">
              <input type="hidden" name="_csrf" value={p.ctx.csrfToken} />
              <label class="sr-only" for="picture-file" safe>{t("account.pictureFile")}</label>
              <input id="picture-file" type="file" name="file" accept="image/png,image/jpeg,image/gif,image/webp" required />
              <button type="submit" class="btn btn-secondary btn-sm" safe>{t("account.pictureUpload")}</button>
            </form>
          ) : (
            ""
          )}
          {canEdit && p.hasPicture ? (
            <form method="post" action={`${p.base}/picture/delete`} hx-post={`${p.base}/picture/delete`} hx-target="#profile-picture" hx-swap="outerHTML">
              <input type="hidden" name="_csrf" value={p.ctx.csrfToken} />
              <button type="submit" class="btn btn-link small" safe>{t("account.pictureUseInitials")}</button>
            </form>
          ) : (
            ""
          )}
        </div>
      </div>
    </section>
  );
}
