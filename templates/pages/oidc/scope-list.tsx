import { SCOPE_DESCRIPTIONS, type Scope } from "../../../src/oidc/scopes.ts";

/** What an app asks for, in plain words (consent and device approval pages). */
export function ScopeList({ scopes }: { scopes: Scope[] }): JSX.Element {
  return (
    <ul class="scope-list">
      {scopes.map((s) => (
        <li>
          <strong safe>{SCOPE_DESCRIPTIONS[s].title}</strong>
          <span class="muted small" safe>
            {SCOPE_DESCRIPTIONS[s].detail}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** Deny / Allow submit buttons posting `decision`; Allow has focus. */
export function DecisionButtons(): JSX.Element {
  return (
    <>
      <button type="submit" name="decision" value="deny" class="btn btn-secondary btn-lg">
        Deny
      </button>
      <button type="submit" name="decision" value="allow" class="btn btn-lg" autofocus>
        Allow
      </button>
    </>
  );
}
