import { Layout } from "../../layout.tsx";
import type { PageContext } from "../../page-context.ts";
import type { Scope } from "../../../src/oidc/scopes.ts";
import { DecisionButtons, ScopeList } from "./scope-list.tsx";
import { ClientTile, type ClientMark } from "./client-badge.tsx";

/** /device, step 1: type the code shown on the device. */
export function DeviceCodePage({ ctx, error, code }: { ctx: PageContext; error: string | null; code: string | null }): JSX.Element {
  return (
    <Layout ctx={ctx} title="Connect a device" variant="card">
      <section class="card" aria-labelledby="device-title">
        <p class="eyebrow">Sign in on another device</p>
        <h1 id="device-title">Connect a device</h1>
        <p class="lead">Enter the code your TV, console or command line shows.</p>
        {error ? (
          <div class="alert alert-error" role="alert" id="device-error" safe>
            {error}
          </div>
        ) : (
          ""
        )}
        <form method="get" action="/device" class="stack">
          <div class="field">
            <label for="device-code">Code</label>
            <input
              id="device-code"
              name="code"
              class="code-input"
              value={code ?? ""}
              placeholder="XXXX-XXXX"
              autocomplete="one-time-code"
              autocapitalize="characters"
              spellcheck="false"
              maxlength="20"
              required
              autofocus
              aria-describedby={error ? "device-error" : undefined}
            />
          </div>
          <button type="submit" class="btn btn-lg">
            Continue
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
  userLabel,
}: {
  ctx: PageContext;
  userCode: string;
  client: ClientMark;
  scopes: Scope[];
  userLabel: string;
}): JSX.Element {
  return (
    <Layout ctx={ctx} title={`Connect ${client.name}?`} variant="card">
      <section class="card consent" aria-labelledby="device-confirm-title">
        <div class="consent-head">
          <ClientTile client={client} />
          <div>
            <p class="eyebrow">Sign in on another device</p>
            <h1 id="device-confirm-title">
              Connect <span safe>{client.name}</span>?
            </h1>
          </div>
        </div>
        <p class="lead">
          A device showing the code <strong class="device-code" safe>{userCode}</strong> wants to use your account{" "}
          <strong safe>{userLabel}</strong> in <strong safe>{client.name}</strong>. Only continue if you started this on a device
          you are holding. It will be able to:
        </p>
        <ScopeList scopes={scopes} />
        <form method="post" action="/device" class="consent-actions">
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          <input type="hidden" name="code" value={userCode} />
          <DecisionButtons />
        </form>
      </section>
    </Layout>
  );
}

/** /device, step 3: done; the person goes back to the device. */
export function DeviceDonePage({ ctx, approved, client }: { ctx: PageContext; approved: boolean; client: ClientMark }): JSX.Element {
  return (
    <Layout ctx={ctx} title={approved ? "Device connected" : "Request denied"} variant="card">
      <section class="card" aria-labelledby="device-done-title">
        <ClientTile client={client} />
        <h1 id="device-done-title">{approved ? "Device connected" : "Request denied"}</h1>
        <p class="lead">
          {approved ? (
            <>
              <strong safe>{client.name}</strong> is signing in on your device. You can close this page.
            </>
          ) : (
            <>
              <strong safe>{client.name}</strong> was not allowed to use your account.
            </>
          )}
        </p>
      </section>
    </Layout>
  );
}
