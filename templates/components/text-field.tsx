import type { PageContext } from "../page-context.ts";

/** A labelled input with its hint and inline error (aria-invalid + aria-describedby). */
export interface TextFieldProps {
  /** The page, for the "(optional)" mark in its language. */
  ctx: PageContext;
  name: string;
  label: string;
  value?: string | number | null;
  error?: string;
  hint?: string;
  type?: string;
  autocomplete?: string;
  required?: boolean;
  disabled?: boolean;
  maxlength?: number;
  autofocus?: boolean;
  placeholder?: string;
  min?: string;
  max?: string;
  /** The input's id is `<idPrefix>-<name>` (admin forms use "f"). */
  idPrefix?: string;
}

export function TextField(p: TextFieldProps): JSX.Element {
  const id = `${p.idPrefix ?? "field"}-${p.name}`;
  const describedBy = [p.error ? `${id}-error` : "", p.hint ? `${id}-hint` : ""].filter(Boolean).join(" ") || undefined;
  return (
    <div class="field">
      <label for={id}>
        <span safe>{p.label}</span>
        {p.required ? "" : <span class="optional" safe>{` ${p.ctx.t("common.optional")}`}</span>}
      </label>
      <input
        id={id}
        name={p.name}
        type={p.type ?? "text"}
        value={p.value === null || p.value === undefined ? "" : String(p.value)}
        autocomplete={p.autocomplete}
        required={p.required}
        placeholder={p.placeholder}
        disabled={p.disabled}
        min={p.min}
        max={p.max}
        maxlength={p.maxlength ? String(p.maxlength) : undefined}
        autofocus={p.autofocus}
        aria-invalid={p.error ? "true" : undefined}
        aria-describedby={describedBy}
      />
      {p.error ? <p class="error-text" id={`${id}-error`} safe>{p.error}</p> : ""}
      {p.hint ? <p class="hint" id={`${id}-hint`} safe>{p.hint}</p> : ""}
    </div>
  );
}
